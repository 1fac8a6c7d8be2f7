#pragma once

// All SQL of the safety domain: blocks, reports, and the staff's report queue over them.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/base/Paging.h"
#include "server/safety/SafetyTypes.h"
#include "server/storage/PairCondition.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QSet>
#include <QStringList>
#include <optional>

namespace fp {

class SafetyRepository
{
public:
    /// The block, locked for the rest of the transaction.
    Result<std::optional<BlockRecord>> findBlock(const QString &blockerId,
                                                 const QString &blockedId) const;
    /// The caller's block shown to them as `shownId` (its alias, or the blocked id when it has
    /// none), locked for update.
    Result<std::optional<BlockRecord>> findBlockShownAs(const QString &blockerId,
                                                        const QString &shownId) const;
    /// Conflict (details.reason "already_blocked") when the pair is already blocked.
    Status insertBlock(const BlockRecord &block) const;
    Status deleteBlock(const QString &blockId) const;
    /// The blocker's blocks, newest first; limit + 1 rows.
    Result<QList<BlockRecord>> blocksBy(const QString &blockerId, int limit,
                                        const std::optional<KeysetCursor> &after) const;
    Result<bool> blockedEitherWay(const QString &userA, const QString &userB) const;
    /// blockedEitherWay() as a condition another domain can ask inside its own statement.
    static PairCondition blockedEitherWayCondition();
    /// Every block with either side among `userIds`, as (blocker, blocked).
    Result<QList<QPair<QString, QString>>> blocksInvolving(const QStringList &userIds) const;

    /// Conflict when the reporter already reported that user about that conversation
    /// (sql/0006_safety.sql).
    Status insertReport(const ReportRecord &report) const;
    /// Whether the reporter has an open or triaged report about that user without a
    /// conversation (locks the reporter's rows, so a concurrent duplicate waits).
    Result<bool> hasOpenReportWithoutConversation(const QString &reporterId,
                                                  const QString &reportedId) const;
    /// The reporter's report about that user and conversation, locked (a panic exit reuses it).
    Result<std::optional<ReportRecord>> findConversationReport(const QString &reporterId,
                                                               const QString &reportedId,
                                                               const QString &conversationId) const;
    Status raiseSeverity(const QString &reportId, const QString &severity) const;
    /// The reporter's own reports, newest first; limit + 1 rows.
    Result<QList<ReportRecord>> reportsBy(const QString &reporterId, int limit,
                                          const std::optional<KeysetCursor> &after) const;
    /// Which of `userIds` have an open or triaged report against them.
    Result<QSet<QString>> withOpenReports(const QStringList &userIds) const;
    /// Reports about and by each of `userIds`, by user id.
    Result<QHash<QString, ReportCounts>> counts(const QStringList &userIds) const;
    /// Conversations with an open or triaged report: their messages are kept.
    Result<QStringList> conversationsUnderReview() const;

    // The staff queue. Reports come as staff see them: an expired claim is no claim.
    /// Marks open/triaged reports not claimed now as escalated (escalated_at = `now`): critical
    /// ones created before `criticalBefore`, high ones before `highBefore`; returns the ids it
    /// marked with their severity.
    Result<QList<QPair<QString, QString>>> escalateOverdue(const QDateTime &criticalBefore,
                                                           const QDateTime &highBefore,
                                                           const QDateTime &now) const;
    /// Gives up the claims on unresolved reports that ran out before `now`; returns the reports
    /// with who had claimed them.
    Result<QList<QPair<QString, QString>>> releaseExpiredClaims(const QDateTime &now) const;
    Result<QList<admin::Report>> listReports(const ReportFilter &filter, const QDateTime &now,
                                             int limit, int offset) const;
    /// With `lockForUpdate` the row stays locked until the caller's transaction ends.
    Result<std::optional<admin::Report>> findReport(const QString &id, const QDateTime &now,
                                                    bool lockForUpdate = false) const;
    /// Other reports filed by or about a person, newest first.
    Result<QList<admin::Report>> reportsInvolving(const QString &userId,
                                                  const QString &exceptReportId,
                                                  const QDateTime &now, int limit) const;
    Status claimReport(const QString &id, const QString &userId, const QDateTime &until) const;
    Status resolveReport(const QString &id, const QString &action, const QString &note,
                         const QString &byUserId, const QDateTime &at,
                         const QDateTime &restrictedUntil = {}, int trustDelta = 0) const;

    // Staff alerts (kept for replay).
    /// The new alert's id.
    Result<qint64> insertAlert(const StaffAlert &alert) const;
    /// Alerts after `afterId`, oldest first, at most `limit`.
    Result<QList<StaffAlert>> alertsAfter(qint64 afterId, int limit) const;
    Result<qint64> lastAlertId() const;
    Result<int> purgeAlerts(const QDateTime &before, int limit) const;

    // Evidence from the chat rules.
    Status insertBlockedMessage(const QString &id, const RuleVerdict &verdict,
                                const QDateTime &at) const;
    /// Messages `senderId` had blocked since `since`.
    Result<int> blockedSince(const QString &senderId, const QDateTime &since) const;
    /// The sender's blocked messages since `since` (in one conversation when given), oldest
    /// first.
    Result<QList<admin::ReportMessage>> blockedMessages(const QString &senderId,
                                                        const QString &conversationId,
                                                        const QDateTime &since, int limit) const;
    /// Deletes blocked messages older than `before` unless an unresolved report still needs
    /// them.
    Result<int> purgeBlockedMessages(const QDateTime &before) const;
    /// The unresolved item the rules raised about this sender, conversation (empty: none) and
    /// label, locked; empty when there is none.
    Result<QString> openRulesItem(const QString &senderId, const QString &conversationId,
                                  const QString &reasonCode) const;

    // What a person is told of a moderator's action.
    Status insertNotice(const ModerationNotice &notice) const;
    /// Newest first (at most 100); only those not yet acknowledged with `pendingOnly`.
    Result<QList<ModerationNotice>> notices(const QString &userId, bool pendingOnly) const;
    /// Marks it acknowledged (once); the notice as it stands, nullopt when it is not theirs.
    Result<std::optional<ModerationNotice>>
    acknowledgeNotice(const QString &userId, const QString &noticeId, const QDateTime &at) const;

    /// The times of reports claimed or resolved since `since`, and of every unresolved one.
    struct ReportTiming
    {
        QString severity;
        double claimSeconds = -1; // from filing to first claim; -1: never claimed
        double resolveSeconds = -1; // from filing to resolution; -1: unresolved
        bool claimedInWindow = false;
        bool resolvedInWindow = false;
        bool open = false;
    };
    Result<QList<ReportTiming>> reportTimings(const QDateTime &since) const;

    /// {reports, blocks, moderation_notices}: the person's own reports, blocks and the notices
    /// moderators sent them, for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
};

} // namespace fp
