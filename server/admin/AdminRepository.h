#pragma once

// All SQL of the staff API: the report queue and its workflow columns, the users staff look at
// and the status/role changes they make, the trust ledger as staff read it, and the queue and
// analytics figures computed from the domain tables (matching_queue_entries, match_sessions,
// conversation_sessions, reports, analytics_events, ...).

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <optional>

namespace fp {

struct ReportFilter
{
    QString status; // empty = open and triaged (the work queue); "all" = every status
    QString severity; // empty = any
    int minAgeMinutes = 0; // only reports at least this old
    bool escalatedOnly = false;
};

/// A users row with the role and status facts staff decisions depend on.
struct StaffTarget
{
    QString id;
    QString role;
    QString status; // active, restricted, deleted (the column)
    QDateTime bannedAt;
    bool deleted = false;
};

/// One queue entry that overlaps a time window (for the queue history).
struct QueueSpan
{
    QDateTime enqueuedAt;
    QDateTime dequeuedAt; // invalid = still queued
    QString status;
};

/// Numerator and denominator of one analytics bucket (a count has denominator 1).
struct BucketValue
{
    double numerator = 0;
    double denominator = 0;
};

class AdminRepository
{
public:
    /// Marks open/triaged critical reports created before `overdueBefore` and not claimed now
    /// as escalated (escalated_at = `now`); returns how many were marked.
    Result<int> escalateOverdue(const QDateTime &overdueBefore, const QDateTime &now) const;
    Result<QList<admin::Report>> listReports(const ReportFilter &filter, const QDateTime &now,
                                             int limit, int offset) const;
    /// With `lockForUpdate` the row stays locked until the caller's transaction ends.
    Result<std::optional<admin::Report>> findReport(const QString &id, const QDateTime &now,
                                                    bool lockForUpdate = false) const;
    Result<QList<admin::Report>> reportsInvolving(const QString &column, const QString &userId,
                                                  const QString &exceptReportId,
                                                  const QDateTime &now, int limit) const;
    /// Up to `each` messages at or before `at` and `each` after it, in conversation order.
    Result<QList<admin::ReportMessage>> messagesAround(const QString &conversationId,
                                                       const QDateTime &at, int each) const;
    Status claimReport(const QString &id, const QString &userId, const QDateTime &until) const;
    Status resolveReport(const QString &id, const QString &action, const QString &note,
                         const QString &byUserId, const QDateTime &at) const;

    Result<std::optional<StaffTarget>> findTarget(const QString &userId,
                                                  bool lockForUpdate = false) const;
    Result<std::optional<admin::User>> findUser(const QString &userId, const QDateTime &now) const;
    Result<QList<admin::User>> searchUsers(const QString &query, const QDateTime &now, int limit,
                                           int offset) const;
    Result<admin::UserBrief> userBrief(const QString &userId, const QDateTime &now) const;
    /// status: active, restricted (with an optional end) or banned.
    Status setStatus(const QString &userId, const QString &status, const QDateTime &restrictedUntil,
                     const QDateTime &now) const;
    Status setRole(const QString &userId, const QString &role) const;

    /// Newest first, each with the running score (50 + the sum of deltas up to it).
    Result<QList<admin::TrustEvent>> trustEvents(const QString &userId, int limit,
                                                 int offset) const;
    /// Oldest first, within [from, to).
    Result<QList<admin::TrustEvent>>
    trustEventsBetween(const QString &userId, const QDateTime &from, const QDateTime &to) const;
    /// The running score before `at` (50 without earlier rows).
    Result<int> trustScoreBefore(const QString &userId, const QDateTime &at) const;

    Result<int> activeQueueEntries() const;
    Result<int> activeConversations() const;
    /// Waits (seconds) of entries that left the queue matched within [from, to).
    Result<QList<double>> matchedWaits(const QDateTime &from, const QDateTime &to) const;
    /// Entries that left the queue within [from, to), by final status.
    Result<QMap<QString, int>> queueOutcomes(const QDateTime &from, const QDateTime &to) const;
    Result<QList<QueueSpan>> queueSpans(const QDateTime &from, const QDateTime &to) const;
    Result<QList<QDateTime>> matchTimes(const QDateTime &from, const QDateTime &to) const;

    /// One analytics metric (a name of admin::TimeSeries::metrics()) per bucket start.
    Result<QMap<QDateTime, BucketValue>> bucketed(const QString &metric, const QString &bucket,
                                                  const QDateTime &from, const QDateTime &to) const;
};

/// The status staff see: deleted, banned, restricted (while it lasts) or active.
QString effectiveStatus(const QString &column, const QDateTime &restrictedUntil,
                        const QDateTime &bannedAt, bool deleted, const QDateTime &now);

} // namespace fp
