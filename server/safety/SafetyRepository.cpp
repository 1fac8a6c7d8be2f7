#include "server/safety/SafetyRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

namespace fp {

namespace {

const QString kBlockColumns =
    QStringLiteral("id, blocker_user_id, blocked_user_id, source, created_at, blocked_alias");
const QString kReportColumns =
    QStringLiteral("id, reporter_user_id, reported_user_id, conversation_session_id, reason_code, "
                   "details_text, severity, status, created_at, updated_at, source, "
                   "evidence_message_id");

BlockRecord blockFrom(const SqlResult &r)
{
    return BlockRecord {r.value(0).toString(), r.value(1).toString(),   r.value(2).toString(),
                        r.value(3).toString(), Sql::toTime(r.value(4)), r.value(5).toString()};
}

ReportRecord reportFrom(const SqlResult &r)
{
    return ReportRecord {r.value(0).toString(),   r.value(1).toString(),  r.value(2).toString(),
                         r.value(3).toString(),   r.value(4).toString(),  r.value(5).toString(),
                         r.value(6).toString(),   r.value(7).toString(),  Sql::toTime(r.value(8)),
                         Sql::toTime(r.value(9)), r.value(10).toString(), r.value(11).toString()};
}

const QString kStaffReportColumns = QStringLiteral(
    "r.id, r.reporter_user_id, r.reported_user_id, r.conversation_session_id, r.reason_code, "
    "r.details_text, r.severity, r.status, r.claimed_by_user_id, r.claimed_until, "
    "r.escalated_at, r.resolution_action, r.resolution_note, r.resolved_by_user_id, "
    "r.resolved_at, r.created_at, r.updated_at, r.source, r.evidence_message_id, "
    "r.first_claimed_at");

admin::Report staffReportFrom(const SqlResult &r, const QDateTime &now)
{
    admin::Report p;
    p.id = r.value(0).toString();
    p.reporterUserId = r.value(1).toString();
    p.reportedUserId = r.value(2).toString();
    p.conversationSessionId = r.value(3).toString();
    p.reasonCode = r.value(4).toString();
    p.detailsText = r.value(5).toString();
    p.severity = r.value(6).toString();
    p.status = r.value(7).toString();
    const QDateTime claimedUntil = Sql::toTime(r.value(9));
    // An expired claim is no claim: the report is free for anyone.
    if (claimedUntil.isValid() && claimedUntil > now) {
        p.claimedByUserId = r.value(8).toString();
        p.claimedUntil = claimedUntil;
    }
    p.escalatedAt = Sql::toTime(r.value(10));
    p.action = r.value(11).toString();
    p.actionNote = r.value(12).toString();
    p.actionedByUserId = r.value(13).toString();
    p.actionedAt = Sql::toTime(r.value(14));
    p.createdAt = Sql::toTime(r.value(15));
    p.updatedAt = Sql::toTime(r.value(16));
    p.source = r.value(17).toString();
    p.evidenceMessageId = r.value(18).toString();
    p.firstClaimedAt = Sql::toTime(r.value(19));
    return p;
}

/// Rows owned by `ownerId`, newest first, continuing after `after`: `select` is the statement
/// up to its WHERE on the owner ("SELECT ... FROM t WHERE owner = ? ").
template<typename Record, typename Read>
Result<QList<Record>> newestFirst(QString select, const QString &ownerId, int limit,
                                  const std::optional<KeysetCursor> &after, Read read)
{
    QVariantList bindings {ownerId};
    if (after) {
        select += QStringLiteral("AND (created_at < ? OR (created_at = ? AND id < ?)) ");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    select += QStringLiteral("ORDER BY created_at DESC, id DESC LIMIT ?");
    bindings << limit;
    return Sql::rows<Record>(Sql::exec(select, bindings), read);
}

} // namespace

Result<std::optional<BlockRecord>> SafetyRepository::findBlock(const QString &blockerId,
                                                               const QString &blockedId) const
{
    return Sql::optionalRow<BlockRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM blocks WHERE blocker_user_id = ? AND "
                                 "blocked_user_id = ? FOR UPDATE")
                      .arg(kBlockColumns),
                  {blockerId, blockedId}),
        blockFrom);
}

Result<std::optional<BlockRecord>> SafetyRepository::findBlockShownAs(const QString &blockerId,
                                                                      const QString &shownId) const
{
    // An aliased block answers to its alias only: its real id must not confirm who it was.
    return Sql::optionalRow<BlockRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM blocks WHERE blocker_user_id = ? AND "
                                 "(blocked_alias = ? OR (blocked_alias IS NULL AND "
                                 "blocked_user_id = ?)) FOR UPDATE")
                      .arg(kBlockColumns),
                  {blockerId, shownId, shownId}),
        blockFrom);
}

Status SafetyRepository::insertBlock(const BlockRecord &block) const
{
    SqlResult r = Sql::exec(QStringLiteral("INSERT INTO blocks (id, blocker_user_id, "
                                           "blocked_user_id, source, created_at, blocked_alias) "
                                           "VALUES (?, ?, ?, ?, ?, ?)"),
                            {block.id, block.blockerUserId, block.blockedUserId, block.source,
                             Sql::time(block.createdAt),
                             block.blockedAlias.isEmpty() ? QVariant(QMetaType::fromType<QString>())
                                                          : QVariant(block.blockedAlias)});
    if (r.failure() == DbFailure::DuplicateKey) {
        AppError conflict = AppError::conflict(QStringLiteral("You already blocked this user"));
        conflict.details = {{QStringLiteral("reason"), QStringLiteral("already_blocked")}};
        return conflict;
    }
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Status SafetyRepository::deleteBlock(const QString &blockId) const
{
    return Sql::status(Sql::exec(QStringLiteral("DELETE FROM blocks WHERE id = ?"), {blockId}));
}

Result<QList<BlockRecord>>
SafetyRepository::blocksBy(const QString &blockerId, int limit,
                           const std::optional<KeysetCursor> &after) const
{
    return newestFirst<BlockRecord>(
        QStringLiteral("SELECT %1 FROM blocks WHERE blocker_user_id = ? ").arg(kBlockColumns),
        blockerId, limit, after, blockFrom);
}

PairCondition SafetyRepository::blockedEitherWayCondition()
{
    return {
        QStringLiteral("EXISTS(SELECT 1 FROM blocks WHERE (blocker_user_id = ? AND "
                       "blocked_user_id = ?) OR (blocker_user_id = ? AND blocked_user_id = ?))"),
        [](const QString &userA, const QString &userB) {
            return QVariantList {userA, userB, userB, userA};
        }};
}

Result<bool> SafetyRepository::blockedEitherWay(const QString &userA, const QString &userB) const
{
    // A shared lock on both directions of the pair's unique key (the row, or the gap where it
    // would go): a block being made between the two waits for this transaction to end, or
    // this read waits for that block and sees it. Two range points of the key, never a scan.
    SqlResult r = Sql::exec(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE (blocker_user_id = "
                                           "? AND blocked_user_id = ?) OR (blocker_user_id = ? "
                                           "AND blocked_user_id = ?) LOCK IN SHARE MODE"),
                            {userA, userB, userB, userA});
    if (!r.ok())
        return r.toAppError();
    return r.next() && r.value(0).toInt() != 0;
}

Result<QList<QPair<QString, QString>>>
SafetyRepository::blocksInvolving(const QStringList &userIds) const
{
    QList<QPair<QString, QString>> pairs;
    if (userIds.isEmpty())
        return pairs;
    const QString in = Sql::repeated(QStringLiteral("?"), userIds.size());
    const QVariantList ids = Sql::values(userIds);
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT blocker_user_id, blocked_user_id FROM blocks "
                                 "WHERE blocker_user_id IN (%1) OR blocked_user_id IN (%1)")
                      .arg(in),
                  ids + ids);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        pairs.append({r.value(0).toString(), r.value(1).toString()});
    return pairs;
}

Status SafetyRepository::insertReport(const ReportRecord &report) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO reports (id, source, reporter_user_id, reported_user_id, "
                       "conversation_session_id, reason_code, details_text, evidence_message_id, "
                       "severity, status, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {report.id, report.source, Sql::nullableText(report.reporterUserId), report.reportedUserId,
         Sql::nullableText(report.conversationSessionId), report.reasonCode,
         Sql::nullableText(report.detailsText), Sql::nullableText(report.evidenceMessageId),
         report.severity, report.status, Sql::time(report.createdAt), Sql::time(report.updatedAt)});
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
    return Sql::optionalRow<ReportRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM reports WHERE reporter_user_id = ? AND "
                                 "reported_user_id = ? AND conversation_session_id = ? "
                                 "FOR UPDATE")
                      .arg(kReportColumns),
                  {reporterId, reportedId, conversationId}),
        reportFrom);
}

Status SafetyRepository::raiseSeverity(const QString &reportId, const QString &severity) const
{
    return Sql::status(Sql::exec(QStringLiteral("UPDATE reports SET severity = ? WHERE id = ?"),
                                 {severity, reportId}));
}

Result<QList<ReportRecord>>
SafetyRepository::reportsBy(const QString &reporterId, int limit,
                            const std::optional<KeysetCursor> &after) const
{
    return newestFirst<ReportRecord>(
        QStringLiteral("SELECT %1 FROM reports WHERE reporter_user_id = ? ").arg(kReportColumns),
        reporterId, limit, after, reportFrom);
}

Result<QSet<QString>> SafetyRepository::withOpenReports(const QStringList &userIds) const
{
    QSet<QString> reported;
    if (userIds.isEmpty())
        return reported;
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT DISTINCT reported_user_id FROM reports WHERE reported_user_id IN "
                       "(%1) AND status IN ('open', 'triaged')")
            .arg(Sql::repeated(QStringLiteral("?"), userIds.size())),
        Sql::values(userIds));
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        reported.insert(r.value(0).toString());
    return reported;
}

Result<QHash<QString, ReportCounts>> SafetyRepository::counts(const QStringList &userIds) const
{
    QHash<QString, ReportCounts> counts;
    if (userIds.isEmpty())
        return counts;
    const QString in = Sql::repeated(QStringLiteral("?"), userIds.size());
    const QVariantList ids = Sql::values(userIds);
    SqlResult against = Sql::exec(
        QStringLiteral("SELECT reported_user_id, COUNT(*), SUM(status IN ('open','triaged')), "
                       "SUM(status = 'actioned') FROM reports WHERE reported_user_id IN (%1) "
                       "GROUP BY reported_user_id")
            .arg(in),
        ids);
    if (!against.ok())
        return against.toAppError();
    while (against.next()) {
        ReportCounts &c = counts[against.value(0).toString()];
        c.against = against.value(1).toInt();
        c.openAgainst = against.value(2).toInt();
        c.actionedAgainst = against.value(3).toInt();
    }
    SqlResult filed = Sql::exec(QStringLiteral("SELECT reporter_user_id, COUNT(*) FROM reports "
                                               "WHERE reporter_user_id IN (%1) GROUP BY "
                                               "reporter_user_id")
                                    .arg(in),
                                ids);
    if (!filed.ok())
        return filed.toAppError();
    while (filed.next())
        counts[filed.value(0).toString()].filed = filed.value(1).toInt();
    return counts;
}

Result<QStringList> SafetyRepository::conversationsUnderReview() const
{
    return Sql::strings(
        Sql::exec(QStringLiteral("SELECT DISTINCT conversation_session_id FROM reports "
                                 "WHERE status IN ('open','triaged') AND "
                                 "conversation_session_id IS NOT NULL")));
}

Result<QList<QPair<QString, QString>>>
SafetyRepository::escalateOverdue(const QDateTime &criticalBefore, const QDateTime &highBefore,
                                  const QDateTime &now) const
{
    static const QString overdue = QStringLiteral(
        "status IN ('open','triaged') AND escalated_at IS NULL AND "
        "((severity = 'critical' AND created_at <= ?) OR (severity = 'high' AND created_at <= ?)) "
        "AND (claimed_until IS NULL OR claimed_until <= ?)");
    const QVariantList times {Sql::time(criticalBefore), Sql::time(highBefore), Sql::time(now)};
    // Usually none: a plain read first, then each one marked only while still overdue, so two
    // passes at once mark (and announce) each report once.
    SqlResult candidates =
        Sql::exec(QStringLiteral("SELECT id, severity FROM reports WHERE ") + overdue, times);
    if (!candidates.ok())
        return candidates.toAppError();
    QList<QPair<QString, QString>> found;
    while (candidates.next())
        found.append({candidates.value(0).toString(), candidates.value(1).toString()});
    QList<QPair<QString, QString>> escalated;
    for (const auto &[id, severity] : std::as_const(found)) {
        SqlResult r = Sql::exec(
            QStringLiteral("UPDATE reports SET escalated_at = ? WHERE id = ? AND ") + overdue,
            QVariantList {Sql::time(now), id} + times);
        if (!r.ok())
            return r.toAppError();
        if (r.numRowsAffected() > 0)
            escalated.append({id, severity});
    }
    return escalated;
}

Result<QList<QPair<QString, QString>>>
SafetyRepository::releaseExpiredClaims(const QDateTime &now) const
{
    static const QString expired =
        QStringLiteral("status IN ('open','triaged') AND claimed_by_user_id IS NOT NULL AND "
                       "claimed_until <= ?");
    SqlResult candidates =
        Sql::exec(QStringLiteral("SELECT id, claimed_by_user_id FROM reports WHERE ") + expired,
                  {Sql::time(now)});
    if (!candidates.ok())
        return candidates.toAppError();
    QList<QPair<QString, QString>> found;
    while (candidates.next())
        found.append({candidates.value(0).toString(), candidates.value(1).toString()});
    QList<QPair<QString, QString>> released;
    for (const auto &[id, holder] : std::as_const(found)) {
        SqlResult r = Sql::exec(QStringLiteral("UPDATE reports SET claimed_by_user_id = NULL, "
                                               "claimed_until = NULL WHERE id = ? AND "
                                               "claimed_by_user_id = ? AND ") +
                                    expired,
                                {id, holder, Sql::time(now)});
        if (!r.ok())
            return r.toAppError();
        if (r.numRowsAffected() > 0)
            released.append({id, holder});
    }
    return released;
}

Result<QList<admin::Report>> SafetyRepository::listReports(const ReportFilter &filter,
                                                           const QDateTime &now, int limit,
                                                           int offset) const
{
    QStringList where;
    QVariantList bindings;
    if (filter.status.isEmpty())
        where << QStringLiteral("r.status IN ('open','triaged')");
    else if (filter.status != QLatin1String("all")) {
        where << QStringLiteral("r.status = ?");
        bindings << filter.status;
    }
    if (!filter.severity.isEmpty()) {
        where << QStringLiteral("r.severity = ?");
        bindings << filter.severity;
    }
    if (filter.minAgeMinutes > 0) {
        where << QStringLiteral("r.created_at <= ?");
        bindings << Sql::time(now.addSecs(-60LL * filter.minAgeMinutes));
    }
    if (filter.escalatedOnly)
        where << QStringLiteral("r.escalated_at IS NOT NULL");
    if (!filter.source.isEmpty()) {
        where << QStringLiteral("r.source = ?");
        bindings << filter.source;
    }
    if (!filter.claimedBy.isEmpty()) {
        where << QStringLiteral("r.claimed_by_user_id = ? AND r.claimed_until > ?");
        bindings << filter.claimedBy << Sql::time(now);
    }
    bindings << limit << offset;
    // The severity ENUM is declared low..critical: DESC puts critical first.
    return Sql::rows<admin::Report>(
        Sql::exec(
            QStringLiteral("SELECT %1 FROM reports r %2 "
                           "ORDER BY r.severity DESC, r.created_at ASC, r.id ASC LIMIT ? OFFSET ?")
                .arg(kStaffReportColumns,
                     where.isEmpty()
                         ? QString()
                         : QStringLiteral("WHERE ") + where.join(QStringLiteral(" AND "))),
            bindings),
        [&now](const SqlResult &row) { return staffReportFrom(row, now); });
}

Result<std::optional<admin::Report>>
SafetyRepository::findReport(const QString &id, const QDateTime &now, bool lockForUpdate) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT %1 FROM reports r WHERE r.id = ?%2")
            .arg(kStaffReportColumns, lockForUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
        {id});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<admin::Report>();
    return std::optional<admin::Report>(staffReportFrom(r, now));
}

Result<QList<admin::Report>> SafetyRepository::reportsInvolving(const QString &userId,
                                                                const QString &exceptReportId,
                                                                const QDateTime &now,
                                                                int limit) const
{
    // One side at a time, each along its own (person, created_at) index, then merged.
    return Sql::rows<admin::Report>(
        Sql::exec(QStringLiteral("(SELECT %1 FROM reports r WHERE r.reporter_user_id = ? AND "
                                 "r.id <> ? ORDER BY r.created_at DESC LIMIT ?) UNION "
                                 "(SELECT %1 FROM reports r WHERE r.reported_user_id = ? AND "
                                 "r.id <> ? ORDER BY r.created_at DESC LIMIT ?) "
                                 "ORDER BY created_at DESC, id LIMIT ?")
                      .arg(kStaffReportColumns),
                  {userId, exceptReportId, limit, userId, exceptReportId, limit, limit}),
        [&now](const SqlResult &row) { return staffReportFrom(row, now); });
}

Status SafetyRepository::claimReport(const QString &id, const QString &userId,
                                     const QDateTime &until) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("UPDATE reports SET claimed_by_user_id = ?, claimed_until = ?, "
                                 "first_claimed_at = COALESCE(first_claimed_at, NOW(3)), "
                                 "status = IF(status = 'open', 'triaged', status) WHERE id = ?"),
                  {userId, Sql::time(until), id}));
}

Status SafetyRepository::resolveReport(const QString &id, const QString &action,
                                       const QString &note, const QString &byUserId,
                                       const QDateTime &at, const QDateTime &restrictedUntil,
                                       int trustDelta) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE reports SET status = ?, resolution_action = ?, resolution_note = ?, "
                       "resolved_by_user_id = ?, resolved_at = ?, claimed_until = NULL, "
                       "restricted_until = ?, trust_delta = ? WHERE id = ?"),
        {action == QLatin1String("dismiss") ? QStringLiteral("dismissed")
                                            : QStringLiteral("actioned"),
         action, note, byUserId, Sql::time(at), Sql::time(restrictedUntil),
         trustDelta != 0 ? QVariant(trustDelta) : QVariant(QMetaType::fromType<int>()), id}));
}

Result<qint64> SafetyRepository::insertAlert(const StaffAlert &alert) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO staff_alerts (kind, report_id, source, severity, status, "
                       "reason_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        {alert.kind, alert.reportId, alert.source, alert.severity, alert.status, alert.reasonCode,
         Sql::time(alert.at)});
    if (!r.ok())
        return r.toAppError();
    return r.query().lastInsertId().toLongLong();
}

Result<QList<StaffAlert>> SafetyRepository::alertsAfter(qint64 afterId, int limit) const
{
    return Sql::rows<StaffAlert>(
        Sql::exec(QStringLiteral("SELECT id, kind, report_id, source, severity, status, "
                                 "reason_code, created_at FROM staff_alerts WHERE id > ? "
                                 "ORDER BY id LIMIT ?"),
                  {afterId, limit}),
        [](const SqlResult &r) {
            return StaffAlert {r.value(0).toLongLong(), r.value(1).toString(),
                               r.value(2).toString(),   r.value(3).toString(),
                               r.value(4).toString(),   r.value(5).toString(),
                               r.value(6).toString(),   Sql::toTime(r.value(7))};
        });
}

Result<qint64> SafetyRepository::lastAlertId() const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM staff_alerts"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toLongLong() : 0;
}

Result<int> SafetyRepository::purgeAlerts(const QDateTime &before, int limit) const
{
    SqlResult r = Sql::exec(QStringLiteral("DELETE FROM staff_alerts WHERE created_at < ? "
                                           "ORDER BY id LIMIT ?"),
                            {Sql::time(before), limit});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

Status SafetyRepository::insertBlockedMessage(const QString &id, const RuleVerdict &verdict,
                                              const QDateTime &at) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO blocked_messages (id, conversation_session_id, "
                                 "sender_user_id, text, label, rule_ids, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                  {id, verdict.conversationId, verdict.senderUserId, verdict.text, verdict.label,
                   verdict.ruleIds.join(QLatin1Char(',')).left(512), Sql::time(at)}));
}

Result<int> SafetyRepository::blockedSince(const QString &senderId, const QDateTime &since) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT COUNT(*) FROM blocked_messages WHERE "
                                           "sender_user_id = ? AND created_at >= ?"),
                            {senderId, Sql::time(since)});
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<QList<admin::ReportMessage>> SafetyRepository::blockedMessages(const QString &senderId,
                                                                      const QString &conversationId,
                                                                      const QDateTime &since,
                                                                      int limit) const
{
    QString sql = QStringLiteral("SELECT id, sender_user_id, text, label, created_at FROM "
                                 "blocked_messages WHERE sender_user_id = ? AND created_at >= ? ");
    QVariantList bindings {senderId, Sql::time(since)};
    if (!conversationId.isEmpty()) {
        sql += QStringLiteral("AND conversation_session_id = ? ");
        bindings << conversationId;
    }
    sql += QStringLiteral("ORDER BY created_at, id LIMIT ?");
    bindings << limit;
    return Sql::rows<admin::ReportMessage>(Sql::exec(sql, bindings), [](const SqlResult &r) {
        admin::ReportMessage m;
        m.id = r.value(0).toString();
        m.senderUserId = r.value(1).toString();
        m.text = r.value(2).toString();
        m.moderationLabel = r.value(3).toString();
        m.createdAt = Sql::toTime(r.value(4));
        m.delivery = QStringLiteral("blocked");
        return m;
    });
}

Result<int> SafetyRepository::purgeBlockedMessages(const QDateTime &before) const
{
    // Kept while an unresolved report is about their conversation or their sender.
    SqlResult r = Sql::exec(
        QStringLiteral(
            "DELETE b FROM blocked_messages b WHERE b.created_at < ? AND NOT EXISTS (SELECT 1 "
            "FROM reports r WHERE r.status IN ('open','triaged') AND "
            "(r.conversation_session_id = b.conversation_session_id OR "
            "(r.source = 'rules' AND r.reported_user_id = b.sender_user_id)))"),
        {Sql::time(before)});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

Result<QString> SafetyRepository::openRulesItem(const QString &senderId,
                                                const QString &conversationId,
                                                const QString &reasonCode) const
{
    QString sql = QStringLiteral("SELECT id FROM reports WHERE source = 'rules' AND "
                                 "reported_user_id = ? AND reason_code = ? AND "
                                 "status IN ('open','triaged') ");
    QVariantList bindings {senderId, reasonCode};
    if (conversationId.isEmpty())
        sql += QStringLiteral("AND conversation_session_id IS NULL ");
    else {
        sql += QStringLiteral("AND conversation_session_id = ? ");
        bindings << conversationId;
    }
    SqlResult r = Sql::exec(sql + QStringLiteral("LIMIT 1 FOR UPDATE"), bindings);
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toString() : QString();
}

Status SafetyRepository::insertNotice(const ModerationNotice &notice) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO moderation_notices (id, user_id, report_id, kind, message, "
                       "restricted_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        {notice.id, notice.userId, Sql::nullableText(notice.reportId), notice.kind, notice.message,
         Sql::time(notice.restrictedUntil), Sql::time(notice.createdAt)}));
}

Result<QList<ModerationNotice>> SafetyRepository::notices(const QString &userId,
                                                          bool pendingOnly) const
{
    return Sql::rows<ModerationNotice>(
        Sql::exec(QStringLiteral("SELECT id, user_id, report_id, kind, message, "
                                 "restricted_until, created_at, acknowledged_at FROM "
                                 "moderation_notices WHERE user_id = ? %1 "
                                 "ORDER BY created_at DESC, id LIMIT 100")
                      .arg(pendingOnly ? QStringLiteral("AND acknowledged_at IS NULL") : QString()),
                  {userId}),
        [](const SqlResult &r) {
            return ModerationNotice {r.value(0).toString(),   r.value(1).toString(),
                                     r.value(2).toString(),   r.value(3).toString(),
                                     r.value(4).toString(),   Sql::toTime(r.value(5)),
                                     Sql::toTime(r.value(6)), Sql::toTime(r.value(7))};
        });
}

Result<std::optional<ModerationNotice>>
SafetyRepository::acknowledgeNotice(const QString &userId, const QString &noticeId,
                                    const QDateTime &at) const
{
    SqlResult r = Sql::exec(QStringLiteral("UPDATE moderation_notices SET acknowledged_at = ? "
                                           "WHERE id = ? AND user_id = ? AND acknowledged_at "
                                           "IS NULL"),
                            {Sql::time(at), noticeId, userId});
    if (!r.ok())
        return r.toAppError();
    return Sql::optionalRow<ModerationNotice>(
        Sql::exec(QStringLiteral("SELECT id, user_id, report_id, kind, message, restricted_until, "
                                 "created_at, acknowledged_at FROM moderation_notices WHERE id = ? "
                                 "AND user_id = ?"),
                  {noticeId, userId}),
        [](const SqlResult &n) {
            return ModerationNotice {n.value(0).toString(),   n.value(1).toString(),
                                     n.value(2).toString(),   n.value(3).toString(),
                                     n.value(4).toString(),   Sql::toTime(n.value(5)),
                                     Sql::toTime(n.value(6)), Sql::toTime(n.value(7))};
        });
}

Result<QList<SafetyRepository::ReportTiming>>
SafetyRepository::reportTimings(const QDateTime &since) const
{
    // Claims and resolutions that happened in the window, whenever their report was filed.
    return Sql::rows<ReportTiming>(
        Sql::exec(QStringLiteral(
                      "SELECT severity, TIMESTAMPDIFF(MICROSECOND, created_at, first_claimed_at), "
                      "TIMESTAMPDIFF(MICROSECOND, created_at, resolved_at), "
                      "first_claimed_at >= ?, resolved_at >= ?, status IN ('open','triaged') "
                      "FROM reports WHERE first_claimed_at >= ? OR resolved_at >= ? OR "
                      "status IN ('open','triaged')"),
                  {Sql::time(since), Sql::time(since), Sql::time(since), Sql::time(since)}),
        [](const SqlResult &r) {
            ReportTiming t;
            t.severity = r.value(0).toString();
            t.claimSeconds = r.value(1).isNull() ? -1 : r.value(1).toDouble() / 1e6;
            t.resolveSeconds = r.value(2).isNull() ? -1 : r.value(2).toDouble() / 1e6;
            t.claimedInWindow = r.value(3).toInt() == 1;
            t.resolvedInWindow = r.value(4).toInt() == 1;
            t.open = r.value(5).toInt() == 1;
            return t;
        });
}

Result<QJsonObject> SafetyRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {{"reports",
          "SELECT id, conversation_session_id, reason_code, details_text, severity, "
          "status, created_at, updated_at FROM reports WHERE reporter_user_id = ? "
          "ORDER BY created_at"},
         {"blocks",
          "SELECT id, COALESCE(blocked_alias, blocked_user_id) AS blocked_user_id, source, "
          "created_at FROM blocks WHERE "
          "blocker_user_id = ? ORDER BY created_at"},
         {"moderation_notices",
          "SELECT id, kind, message, restricted_until, created_at, acknowledged_at FROM "
          "moderation_notices WHERE user_id = ? ORDER BY created_at"}},
        userId);
}

} // namespace fp
