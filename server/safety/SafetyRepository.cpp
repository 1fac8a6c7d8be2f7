#include "server/safety/SafetyRepository.h"

#include "server/core/Log.h"
#include "server/storage/Database.h"

namespace fp {

namespace {

const QString kBlockColumns =
    QStringLiteral("id, blocker_user_id, blocked_user_id, source, created_at");
const QString kReportColumns =
    QStringLiteral("id, reporter_user_id, reported_user_id, conversation_session_id, reason_code, "
                   "details_text, severity, status, created_at, updated_at");

BlockRecord blockFrom(const SqlResult &r)
{
    return BlockRecord {r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                        r.value(3).toString(), Sql::toTime(r.value(4))};
}

ReportRecord reportFrom(const SqlResult &r)
{
    return ReportRecord {r.value(0).toString(),  r.value(1).toString(), r.value(2).toString(),
                         r.value(3).toString(),  r.value(4).toString(), r.value(5).toString(),
                         r.value(6).toString(),  r.value(7).toString(), Sql::toTime(r.value(8)),
                         Sql::toTime(r.value(9))};
}

} // namespace

Result<bool> SafetyRepository::sharesMatchOrFriendship(const QString &userA,
                                                       const QString &userB) const
{
    const bool aLow = userA < userB;
    const QString low = aLow ? userA : userB;
    const QString high = aLow ? userB : userA;
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT EXISTS(SELECT 1 FROM match_sessions WHERE (user_a_id = ? AND "
                       "user_b_id = ?) OR (user_a_id = ? AND user_b_id = ?)) OR "
                       "EXISTS(SELECT 1 FROM friendships WHERE user_low_id = ? AND "
                       "user_high_id = ?)"),
        {userA, userB, userB, userA, low, high});
    if (!r.ok())
        return r.toAppError();
    return r.next() && r.value(0).toInt() != 0;
}

Result<std::optional<BlockRecord>> SafetyRepository::findBlock(const QString &blockerId,
                                                               const QString &blockedId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT %1 FROM blocks WHERE blocker_user_id = ? AND "
                                           "blocked_user_id = ? FOR UPDATE")
                                .arg(kBlockColumns),
                            {blockerId, blockedId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<BlockRecord>();
    return std::optional<BlockRecord>(blockFrom(r));
}

Status SafetyRepository::insertBlock(const BlockRecord &block) const
{
    SqlResult r = Sql::exec(QStringLiteral("INSERT INTO blocks (id, blocker_user_id, "
                                           "blocked_user_id, source, created_at) "
                                           "VALUES (?, ?, ?, ?, ?)"),
                            {block.id, block.blockerUserId, block.blockedUserId, block.source,
                             Sql::time(block.createdAt)});
    if (r.failure() == DbFailure::DuplicateKey) {
        AppError conflict = AppError::conflict(QStringLiteral("You already blocked this user"));
        conflict.details = {{QStringLiteral("reason"), QStringLiteral("already_blocked")}};
        return conflict;
    }
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

namespace {

/// One page of rows owned by `ownerId`, newest first, continuing after `after`: `select` is the
/// statement up to its WHERE on the owner ("SELECT ... FROM t WHERE owner = ? ").
template<typename Record, typename Read>
Result<KeysetPage<Record>> newestFirst(QString select, const QString &ownerId, int limit,
                                       const std::optional<KeysetCursor> &after, Read read)
{
    QVariantList bindings {ownerId};
    if (after) {
        select += QStringLiteral("AND (created_at < ? OR (created_at = ? AND id < ?)) ");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    select += QStringLiteral("ORDER BY created_at DESC, id DESC LIMIT ?");
    bindings << limit + 1;
    SqlResult r = Sql::exec(select, bindings);
    if (!r.ok())
        return r.toAppError();
    KeysetPage<Record> page;
    while (r.next())
        page.items.append(read(r));
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.next = KeysetCursor {page.items.last().createdAt, page.items.last().id};
    }
    return page;
}

} // namespace

Status SafetyRepository::deleteBlock(const QString &blockId) const
{
    SqlResult r = Sql::exec(QStringLiteral("DELETE FROM blocks WHERE id = ?"), {blockId});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<KeysetPage<BlockRecord>>
SafetyRepository::listBlocks(const QString &blockerId, int limit,
                             const std::optional<KeysetCursor> &after) const
{
    return newestFirst<BlockRecord>(
        QStringLiteral("SELECT %1 FROM blocks WHERE blocker_user_id = ? ").arg(kBlockColumns),
        blockerId, limit, after, blockFrom);
}

QString SafetyRepository::blockedEitherWaySql(const QString &userAColumn,
                                              const QString &userBColumn)
{
    return QStringLiteral(
               "EXISTS(SELECT 1 FROM blocks WHERE (blocker_user_id = %1 AND "
               "blocked_user_id = %2) OR (blocker_user_id = %2 AND blocked_user_id = %1))")
        .arg(userAColumn, userBColumn);
}

Result<bool> SafetyRepository::blockedEitherWay(const QString &userA, const QString &userB) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT ") +
                                blockedEitherWaySql(QStringLiteral("?"), QStringLiteral("?")),
                            {userA, userB, userB, userA});
    if (!r.ok())
        return r.toAppError();
    return r.next() && r.value(0).toInt() != 0;
}

Status SafetyRepository::insertReport(const ReportRecord &report) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO reports (id, reporter_user_id, reported_user_id, "
                       "conversation_session_id, reason_code, details_text, severity, status, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {report.id, report.reporterUserId, report.reportedUserId,
         Sql::nullableText(report.conversationSessionId), report.reasonCode,
         Sql::nullableText(report.detailsText), report.severity, report.status,
         Sql::time(report.createdAt), Sql::time(report.updatedAt)});
    if (r.failure() == DbFailure::DuplicateKey) {
        AppError conflict = AppError::conflict(
            report.conversationSessionId.isEmpty()
                ? QStringLiteral("You already have an open report about this user")
                : QStringLiteral("You already reported this user about this conversation"));
        conflict.details = {{QStringLiteral("reason"), QStringLiteral("already_reported")}};
        return conflict;
    }
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<bool> SafetyRepository::hasOpenReportWithoutConversation(const QString &reporterId,
                                                                const QString &reportedId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT id FROM reports WHERE reporter_user_id = ? AND "
                                           "reported_user_id = ? AND conversation_session_id IS "
                                           "NULL AND status IN ('open', 'triaged') FOR UPDATE"),
                            {reporterId, reportedId});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Result<std::optional<ReportRecord>>
SafetyRepository::findConversationReport(const QString &reporterId, const QString &reportedId,
                                         const QString &conversationId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT %1 FROM reports WHERE reporter_user_id = ? AND "
                                           "reported_user_id = ? AND conversation_session_id = ? "
                                           "FOR UPDATE")
                                .arg(kReportColumns),
                            {reporterId, reportedId, conversationId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<ReportRecord>();
    return std::optional<ReportRecord>(reportFrom(r));
}

Status SafetyRepository::raiseSeverity(const QString &reportId, const QString &severity) const
{
    SqlResult r = Sql::exec(QStringLiteral("UPDATE reports SET severity = ? WHERE id = ?"),
                            {severity, reportId});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<KeysetPage<ReportRecord>>
SafetyRepository::listReportsBy(const QString &reporterId, int limit,
                                const std::optional<KeysetCursor> &after) const
{
    return newestFirst<ReportRecord>(
        QStringLiteral("SELECT %1 FROM reports WHERE reporter_user_id = ? ").arg(kReportColumns),
        reporterId, limit, after, reportFrom);
}

Result<std::optional<ConversationSummary>>
SafetyRepository::conversationSummary(const QString &conversationId, bool forUpdate) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT id, state, close_reason, closed_at FROM "
                                           "conversation_sessions WHERE id = ?%1")
                                .arg(forUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
                            {conversationId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<ConversationSummary>();
    ConversationSummary summary {
        r.value(0).toString(), r.value(1).toString(), r.value(2).toString(), {}};
    if (!r.value(3).isNull())
        summary.closedAt = Sql::toTime(r.value(3));
    return std::optional<ConversationSummary>(summary);
}

bool isBlockedEitherWay(const QString &userA, const QString &userB)
{
    Result<bool> blocked = SafetyRepository().blockedEitherWay(userA, userB);
    if (!blocked) {
        log::warning(QStringLiteral("block_check_failed"),
                     {{QStringLiteral("error"), blocked.error().message}});
        return true;
    }
    return *blocked;
}

Status leaveQueueIfQueued(const QString &userId)
{
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE matching_queue_entries SET status = 'cancelled', "
                                 "dequeued_at = ? WHERE user_id = ? AND status = 'active'"),
                  {Sql::time(QDateTime::currentDateTimeUtc()), userId});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

} // namespace fp
