#pragma once

// The staff API's rules: the report workflow (escalation, claims, the four actions and their real
// effects on accounts, sessions, conversations and trust), user status and role changes with
// who-may-do-what, queue metrics and analytics series. Every staff read of private content and
// every action is audit-logged in the same transaction. No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/admin/AdminRepository.h"
#include "server/admin/AuditLog.h"
#include "server/core/Http.h"

namespace fp {

struct AdminSettings
{
    int escalationMinutes = 15;
    int claimMinutes = 30;
};

class AdminService
{
public:
    explicit AdminService(AdminSettings settings) : m_settings(settings) { }

    Result<admin::QueueMetrics> queueMetrics(int windowMinutes) const;
    Result<admin::QueueHistory> queueHistory(int minutes, int stepMinutes) const;

    /// Escalation is computed when the queue is read: overdue critical reports are marked first.
    Result<admin::Page<admin::Report>> reports(const ReportFilter &filter, int limit,
                                               int offset) const;
    Result<admin::ReportDetail> report(const Caller &staff, const QString &id) const;
    Result<admin::Report> claim(const Caller &staff, const QString &id) const;
    Result<admin::Report> act(const Caller &staff, const QString &id,
                              const admin::ReportActionRequest &request) const;

    Result<admin::Page<admin::User>> searchUsers(const Caller &staff, const QString &query,
                                                 int limit, int offset) const;
    Result<admin::User> user(const Caller &staff, const QString &id) const;
    Result<admin::User> changeStatus(const Caller &staff, const QString &id,
                                     const admin::StatusChange &change) const;
    Result<admin::User> changeRole(const Caller &staff, const QString &id,
                                   const admin::RoleChange &change) const;
    Result<admin::TrustScore> trustScore(const Caller &staff, const QString &id) const;
    Result<admin::Page<admin::TrustEvent>> trustEvents(const QString &id, int limit,
                                                       int offset) const;
    Result<admin::TimeSeries> trustHistory(const QString &id, const QDateTime &from,
                                           const QDateTime &to) const;

    Result<admin::TimeSeries> analytics(const QString &metric, const QString &bucket,
                                        const QDateTime &from, const QDateTime &to) const;
    Result<admin::Page<admin::AuditEntry>> auditLog(const AuditFilter &filter, int limit,
                                                    int offset) const;

private:
    /// The report, locked for update inside the caller's transaction: not found, or already
    /// resolved (dismissed/actioned) → the error the caller answers with.
    Result<admin::Report> lockUnresolvedReport(const QString &id, const QDateTime &now) const;
    /// Applies a status to `target` with every effect (sessions, conversations, caches) and
    /// checks who may do it (`confirmedReport`: a moderator's ban through a report action).
    /// Needs the caller's transaction.
    Status applyStatus(const Caller &staff, const StaffTarget &target, const QString &status,
                       const QDateTime &restrictedUntil, const QDateTime &now,
                       bool confirmedReport) const;

    AdminSettings m_settings;
    AdminRepository m_repository;
};

/// List cursors of the staff API: an opaque token for the next page's position.
QString encodeOffsetCursor(int offset);
std::optional<int> decodeOffsetCursor(const QString &cursor);

/// The p-th percentile (0..100, nearest rank) of `values`; 0 for none.
double percentile(QList<double> values, double p);

} // namespace fp
