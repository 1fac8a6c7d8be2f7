#include "server/admin/AdminRepository.h"

#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

namespace {

const QString kReportColumns = QStringLiteral(
    "r.id, r.reporter_user_id, r.reported_user_id, r.conversation_session_id, r.reason_code, "
    "r.details_text, r.severity, r.status, r.claimed_by_user_id, r.claimed_until, "
    "r.escalated_at, r.resolution_action, r.resolution_note, r.resolved_by_user_id, "
    "r.resolved_at, r.created_at, r.updated_at");

admin::Report reportFrom(const SqlResult &r, const QDateTime &now)
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
    return p;
}

const QString kUserColumns = QStringLiteral(
    "u.id, u.email, COALESCE(p.nickname, ''), u.status, u.role, u.created_at, u.last_seen_at, "
    "u.restricted_until, u.banned_at, u.deleted_at, COALESCE(t.score, 50), "
    "(SELECT COUNT(*) FROM reports r WHERE r.reported_user_id = u.id "
    "   AND r.status IN ('open','triaged')), "
    "(SELECT COUNT(*) FROM reports r WHERE r.reporter_user_id = u.id), "
    "(SELECT COUNT(*) FROM user_sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL "
    "   AND s.expires_at > ?)");
const QString kUserFrom =
    QStringLiteral(" FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id "
                   "LEFT JOIN trust_scores t ON t.user_id = u.id ");

admin::User userFrom(const SqlResult &r, const QDateTime &now)
{
    admin::User u;
    u.id = r.value(0).toString();
    u.email = r.value(1).toString();
    u.nickname = r.value(2).toString();
    u.role = r.value(4).toString();
    u.createdAt = Sql::toTime(r.value(5));
    u.lastSeenAt = Sql::toTime(r.value(6));
    u.restrictedUntil = Sql::toTime(r.value(7));
    u.bannedAt = Sql::toTime(r.value(8));
    const bool deleted = !r.value(9).isNull();
    u.status = effectiveStatus(r.value(3).toString(), u.restrictedUntil, u.bannedAt, deleted, now);
    u.trustScore = r.value(10).toInt();
    u.openReportsAgainst = r.value(11).toInt();
    u.reportsFiled = r.value(12).toInt();
    u.activeSessions = r.value(13).toInt();
    return u;
}

admin::TrustEvent trustEventFrom(const SqlResult &r)
{
    admin::TrustEvent e;
    e.id = r.value(0).toString();
    e.delta = r.value(1).toInt();
    e.source = r.value(2).toString();
    e.sourceRefId = r.value(3).toString();
    e.metadata = QJsonDocument::fromJson(r.value(4).toByteArray()).object();
    e.createdAt = Sql::toTime(r.value(5));
    e.scoreAfter = 50 + r.value(6).toInt();
    return e;
}

/// The bucket start of `column` (a fixed column name, never input) as 'YYYY-MM-DD HH:00:00'.
QString bucketExpression(const QString &column, const QString &bucket)
{
    return bucket == QLatin1String("hour")
        ? QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d %H:00:00')").arg(column)
        : QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d 00:00:00')").arg(column);
}

Result<QMap<QDateTime, BucketValue>> collect(const QString &sql, const QVariantList &bindings)
{
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QMap<QDateTime, BucketValue> values;
    while (r.next()) {
        QDateTime t =
            QDateTime::fromString(r.value(0).toString(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        t.setTimeSpec(Qt::UTC);
        values.insert(t, {r.value(1).toDouble(), r.value(2).toDouble()});
    }
    return values;
}

} // namespace

QString effectiveStatus(const QString &column, const QDateTime &restrictedUntil,
                        const QDateTime &bannedAt, bool deleted, const QDateTime &now)
{
    if (deleted || column == QLatin1String("deleted"))
        return QStringLiteral("deleted");
    if (bannedAt.isValid())
        return QStringLiteral("banned");
    if (column == QLatin1String("restricted") &&
        (!restrictedUntil.isValid() || restrictedUntil > now))
        return QStringLiteral("restricted");
    return QStringLiteral("active");
}

Result<int> AdminRepository::escalateOverdue(const QDateTime &overdueBefore,
                                             const QDateTime &now) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE reports SET escalated_at = ? WHERE severity = 'critical' "
                       "AND status IN ('open','triaged') AND escalated_at IS NULL "
                       "AND created_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)"),
        {Sql::time(now), Sql::time(overdueBefore), Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

Result<QList<admin::Report>> AdminRepository::listReports(const ReportFilter &filter,
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
    bindings << limit << offset;
    // The severity ENUM is declared low..critical: DESC puts critical first.
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT %1 FROM reports r %2 "
                       "ORDER BY r.severity DESC, r.created_at ASC, r.id ASC LIMIT ? OFFSET ?")
            .arg(kReportColumns,
                 where.isEmpty() ? QString()
                                 : QStringLiteral("WHERE ") + where.join(QStringLiteral(" AND "))),
        bindings);
    if (!r.ok())
        return r.toAppError();
    QList<admin::Report> reports;
    while (r.next())
        reports.append(reportFrom(r, now));
    return reports;
}

Result<std::optional<admin::Report>>
AdminRepository::findReport(const QString &id, const QDateTime &now, bool lockForUpdate) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT %1 FROM reports r WHERE r.id = ?%2")
            .arg(kReportColumns, lockForUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
        {id});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<admin::Report>();
    return std::optional<admin::Report>(reportFrom(r, now));
}

Result<QList<admin::Report>> AdminRepository::reportsInvolving(const QString &column,
                                                               const QString &userId,
                                                               const QString &exceptReportId,
                                                               const QDateTime &now,
                                                               int limit) const
{
    // `column` is one of two fixed names chosen by the service.
    const QString col = column == QLatin1String("reporter") ? QStringLiteral("reporter_user_id")
                                                            : QStringLiteral("reported_user_id");
    SqlResult r = Sql::exec(QStringLiteral("SELECT %1 FROM reports r WHERE r.%2 = ? AND r.id <> ? "
                                           "ORDER BY r.created_at DESC LIMIT ?")
                                .arg(kReportColumns, col),
                            {userId, exceptReportId, limit});
    if (!r.ok())
        return r.toAppError();
    QList<admin::Report> reports;
    while (r.next())
        reports.append(reportFrom(r, now));
    return reports;
}

Result<QList<admin::ReportMessage>>
AdminRepository::messagesAround(const QString &conversationId, const QDateTime &at, int each) const
{
    const QString select = QStringLiteral(
        "SELECT id, sender_user_id, message_text, moderation_label, created_at, seq "
        "FROM conversation_messages WHERE conversation_session_id = ? AND deleted_at IS NULL ");
    SqlResult before = Sql::exec(select +
                                     QStringLiteral("AND created_at <= ? ORDER BY seq DESC "
                                                    "LIMIT ?"),
                                 {conversationId, Sql::time(at), each});
    if (!before.ok())
        return before.toAppError();
    QList<admin::ReportMessage> messages;
    const auto read = [](const SqlResult &r) {
        return admin::ReportMessage {r.value(0).toString(), r.value(1).toString(),
                                     r.value(2).toString(), r.value(3).toString(),
                                     Sql::toTime(r.value(4))};
    };
    while (before.next())
        messages.prepend(read(before));
    SqlResult after = Sql::exec(select +
                                    QStringLiteral("AND created_at > ? ORDER BY seq ASC "
                                                   "LIMIT ?"),
                                {conversationId, Sql::time(at), each});
    if (!after.ok())
        return after.toAppError();
    while (after.next())
        messages.append(read(after));
    return messages;
}

Status AdminRepository::claimReport(const QString &id, const QString &userId,
                                    const QDateTime &until) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE reports SET claimed_by_user_id = ?, claimed_until = ?, "
                                 "status = IF(status = 'open', 'triaged', status) WHERE id = ?"),
                  {userId, Sql::time(until), id});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Status AdminRepository::resolveReport(const QString &id, const QString &action, const QString &note,
                                      const QString &byUserId, const QDateTime &at) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE reports SET status = ?, resolution_action = ?, resolution_note = ?, "
                       "resolved_by_user_id = ?, resolved_at = ?, claimed_until = NULL "
                       "WHERE id = ?"),
        {action == QLatin1String("dismiss") ? QStringLiteral("dismissed")
                                            : QStringLiteral("actioned"),
         action, note, byUserId, Sql::time(at), id});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<std::optional<StaffTarget>> AdminRepository::findTarget(const QString &userId,
                                                               bool lockForUpdate) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, role, status, banned_at, deleted_at FROM users WHERE id = ?%1")
            .arg(lockForUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
        {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<StaffTarget>();
    StaffTarget t;
    t.id = r.value(0).toString();
    t.role = r.value(1).toString();
    t.status = r.value(2).toString();
    t.bannedAt = Sql::toTime(r.value(3));
    t.deleted = !r.value(4).isNull() || t.status == QLatin1String("deleted");
    return std::optional<StaffTarget>(t);
}

Result<std::optional<admin::User>> AdminRepository::findUser(const QString &userId,
                                                             const QDateTime &now) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT ") + kUserColumns + kUserFrom +
                                QStringLiteral("WHERE u.id = ?"),
                            {Sql::time(now), userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<admin::User>();
    return std::optional<admin::User>(userFrom(r, now));
}

Result<QList<admin::User>> AdminRepository::searchUsers(const QString &query, const QDateTime &now,
                                                        int limit, int offset) const
{
    // Exact id, or a prefix of the email or the nickname (LIKE wildcards in the input escaped).
    QString pattern = query;
    pattern.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('%'), QStringLiteral("\\%"))
        .replace(QLatin1Char('_'), QStringLiteral("\\_"));
    pattern += QLatin1Char('%');
    SqlResult r = Sql::exec(QStringLiteral("SELECT ") + kUserColumns + kUserFrom +
                                QStringLiteral("WHERE u.id = ? OR u.email LIKE ? OR p.nickname "
                                               "LIKE ? ORDER BY u.created_at DESC, u.id "
                                               "LIMIT ? OFFSET ?"),
                            {Sql::time(now), query, pattern, pattern, limit, offset});
    if (!r.ok())
        return r.toAppError();
    QList<admin::User> users;
    while (r.next())
        users.append(userFrom(r, now));
    return users;
}

Result<admin::UserBrief> AdminRepository::userBrief(const QString &userId,
                                                    const QDateTime &now) const
{
    SqlResult r = Sql::exec(
        QStringLiteral(
            "SELECT u.id, COALESCE(p.nickname, ''), u.status, u.role, u.restricted_until, "
            "u.banned_at, u.deleted_at, COALESCE(t.score, 50), "
            "(SELECT COUNT(*) FROM reports r WHERE r.reporter_user_id = u.id), "
            "(SELECT COUNT(*) FROM reports r WHERE r.reported_user_id = u.id), "
            "(SELECT COUNT(*) FROM reports r WHERE r.reported_user_id = u.id "
            "   AND r.status = 'actioned') ") +
            kUserFrom + QStringLiteral("WHERE u.id = ?"),
        {userId});
    if (!r.ok())
        return r.toAppError();
    admin::UserBrief b;
    b.userId = userId;
    if (!r.next())
        return b;
    b.nickname = r.value(1).toString();
    b.status = effectiveStatus(r.value(2).toString(), Sql::toTime(r.value(4)),
                               Sql::toTime(r.value(5)), !r.value(6).isNull(), now);
    b.role = r.value(3).toString();
    b.trustScore = r.value(7).toInt();
    b.reportsFiled = r.value(8).toInt();
    b.reportsAgainst = r.value(9).toInt();
    b.reportsAgainstConfirmed = r.value(10).toInt();
    return b;
}

Status AdminRepository::setStatus(const QString &userId, const QString &status,
                                  const QDateTime &restrictedUntil, const QDateTime &now) const
{
    SqlResult r = [&] {
        if (status == QLatin1String("banned"))
            // A ban also restricts: whatever checks restriction keeps a banned account out too.
            return Sql::exec(QStringLiteral("UPDATE users SET status = 'restricted', "
                                            "restricted_until = NULL, banned_at = ? WHERE id = ?"),
                             {Sql::time(now), userId});
        if (status == QLatin1String("restricted"))
            return Sql::exec(QStringLiteral("UPDATE users SET status = 'restricted', "
                                            "restricted_until = ?, banned_at = NULL WHERE id = ?"),
                             {Sql::time(restrictedUntil), userId});
        return Sql::exec(QStringLiteral("UPDATE users SET status = 'active', "
                                        "restricted_until = NULL, banned_at = NULL WHERE id = ?"),
                         {userId});
    }();
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Status AdminRepository::setRole(const QString &userId, const QString &role) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE users SET role = ? WHERE id = ?"), {role, userId});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<QList<admin::TrustEvent>> AdminRepository::trustEvents(const QString &userId, int limit,
                                                              int offset) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, delta, source, source_ref_id, metadata_json, created_at, "
                       "SUM(delta) OVER (ORDER BY created_at, id) FROM trust_score_events "
                       "WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"),
        {userId, limit, offset});
    if (!r.ok())
        return r.toAppError();
    QList<admin::TrustEvent> events;
    while (r.next())
        events.append(trustEventFrom(r));
    return events;
}

Result<QList<admin::TrustEvent>> AdminRepository::trustEventsBetween(const QString &userId,
                                                                     const QDateTime &from,
                                                                     const QDateTime &to) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT * FROM (SELECT id, delta, source, source_ref_id, metadata_json, "
                       "created_at, SUM(delta) OVER (ORDER BY created_at, id) AS running "
                       "FROM trust_score_events WHERE user_id = ? AND created_at < ?) x "
                       "WHERE created_at >= ? ORDER BY created_at, id"),
        {userId, Sql::time(to), Sql::time(from)});
    if (!r.ok())
        return r.toAppError();
    QList<admin::TrustEvent> events;
    while (r.next())
        events.append(trustEventFrom(r));
    return events;
}

Result<int> AdminRepository::trustScoreBefore(const QString &userId, const QDateTime &at) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT COALESCE(SUM(delta), 0) FROM "
                                 "trust_score_events WHERE user_id = ? AND created_at < ?"),
                  {userId, Sql::time(at)});
    if (!r.ok())
        return r.toAppError();
    return 50 + (r.next() ? r.value(0).toInt() : 0);
}

Result<int> AdminRepository::activeQueueEntries() const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT COUNT(*) FROM matching_queue_entries WHERE status = "
                                 "'active'"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<int> AdminRepository::activeConversations() const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT COUNT(*) FROM conversation_sessions WHERE "
                                           "state IN ('anonymous','decision_gate')"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<QList<double>> AdminRepository::matchedWaits(const QDateTime &from,
                                                    const QDateTime &to) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT TIMESTAMPDIFF(MICROSECOND, enqueued_at, dequeued_at) / 1000000 "
                       "FROM matching_queue_entries WHERE status = 'matched' "
                       "AND dequeued_at >= ? AND dequeued_at < ?"),
        {Sql::time(from), Sql::time(to)});
    if (!r.ok())
        return r.toAppError();
    QList<double> waits;
    while (r.next())
        waits.append(r.value(0).toDouble());
    return waits;
}

Result<QMap<QString, int>> AdminRepository::queueOutcomes(const QDateTime &from,
                                                          const QDateTime &to) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT status, COUNT(*) FROM matching_queue_entries "
                                           "WHERE status <> 'active' AND dequeued_at >= ? "
                                           "AND dequeued_at < ? GROUP BY status"),
                            {Sql::time(from), Sql::time(to)});
    if (!r.ok())
        return r.toAppError();
    QMap<QString, int> outcomes;
    while (r.next())
        outcomes.insert(r.value(0).toString(), r.value(1).toInt());
    return outcomes;
}

Result<QList<QueueSpan>> AdminRepository::queueSpans(const QDateTime &from,
                                                     const QDateTime &to) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT enqueued_at, dequeued_at, status FROM matching_queue_entries "
                       "WHERE enqueued_at < ? AND (dequeued_at IS NULL OR dequeued_at >= ?)"),
        {Sql::time(to), Sql::time(from)});
    if (!r.ok())
        return r.toAppError();
    QList<QueueSpan> spans;
    while (r.next())
        spans.append({Sql::toTime(r.value(0)), Sql::toTime(r.value(1)), r.value(2).toString()});
    return spans;
}

Result<QList<QDateTime>> AdminRepository::matchTimes(const QDateTime &from,
                                                     const QDateTime &to) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT matched_at FROM match_sessions "
                                           "WHERE matched_at >= ? AND matched_at < ?"),
                            {Sql::time(from), Sql::time(to)});
    if (!r.ok())
        return r.toAppError();
    QList<QDateTime> times;
    while (r.next())
        times.append(Sql::toTime(r.value(0)));
    return times;
}

Result<QMap<QDateTime, BucketValue>> AdminRepository::bucketed(const QString &metric,
                                                               const QString &bucket,
                                                               const QDateTime &from,
                                                               const QDateTime &to) const
{
    const QVariant f = Sql::time(from);
    const QVariant t = Sql::time(to);
    if (metric == QLatin1String("daily_active_users")) {
        // Active = did anything the server saw: signed in or refreshed, queued, wrote in a
        // chat, or sent a client analytics event.
        return collect(
            QStringLiteral("SELECT %1 AS b, COUNT(DISTINCT u), 1 FROM ("
                           "SELECT user_id AS u, occurred_at AS at FROM analytics_events "
                           "  WHERE user_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ? "
                           "UNION ALL SELECT user_id, created_at FROM user_sessions "
                           "  WHERE created_at >= ? AND created_at < ? "
                           "UNION ALL SELECT user_id, last_used_at FROM user_sessions "
                           "  WHERE last_used_at >= ? AND last_used_at < ? "
                           "UNION ALL SELECT user_id, enqueued_at FROM matching_queue_entries "
                           "  WHERE enqueued_at >= ? AND enqueued_at < ? "
                           "UNION ALL SELECT sender_user_id, created_at FROM conversation_messages "
                           "  WHERE created_at >= ? AND created_at < ?) x GROUP BY b")
                .arg(bucketExpression(QStringLiteral("at"), bucket)),
            {f, t, f, t, f, t, f, t, f, t});
    }
    if (metric == QLatin1String("queue_wait_seconds"))
        return collect(
            QStringLiteral("SELECT %1 AS b, SUM(TIMESTAMPDIFF(MICROSECOND, enqueued_at, "
                           "dequeued_at)) / 1000000, COUNT(*) FROM matching_queue_entries "
                           "WHERE status = 'matched' AND dequeued_at >= ? AND dequeued_at < ? "
                           "GROUP BY b")
                .arg(bucketExpression(QStringLiteral("dequeued_at"), bucket)),
            {f, t});
    if (metric == QLatin1String("match_success_rate"))
        return collect(QStringLiteral("SELECT %1 AS b, SUM(status = 'matched'), COUNT(*) "
                                      "FROM matching_queue_entries WHERE status <> 'active' "
                                      "AND dequeued_at >= ? AND dequeued_at < ? GROUP BY b")
                           .arg(bucketExpression(QStringLiteral("dequeued_at"), bucket)),
                       {f, t});
    if (metric == QLatin1String("reveal_conversion"))
        return collect(
            QStringLiteral("SELECT %1 AS b, SUM(m.status = 'friend_revealed' OR c.revealed_at IS "
                           "NOT NULL), COUNT(*) FROM match_sessions m LEFT JOIN "
                           "conversation_sessions c ON c.match_session_id = m.id "
                           "WHERE m.matched_at >= ? AND m.matched_at < ? GROUP BY b")
                .arg(bucketExpression(QStringLiteral("m.matched_at"), bucket)),
            {f, t});
    if (metric == QLatin1String("report_rate")) {
        Result<QMap<QDateTime, BucketValue>> reports =
            collect(QStringLiteral("SELECT %1 AS b, COUNT(*) * 100, 0 FROM reports "
                                   "WHERE created_at >= ? AND created_at < ? GROUP BY b")
                        .arg(bucketExpression(QStringLiteral("created_at"), bucket)),
                    {f, t});
        if (!reports)
            return reports;
        Result<QMap<QDateTime, BucketValue>> conversations =
            collect(QStringLiteral("SELECT %1 AS b, COUNT(*), 0 FROM conversation_sessions "
                                   "WHERE started_at >= ? AND started_at < ? GROUP BY b")
                        .arg(bucketExpression(QStringLiteral("started_at"), bucket)),
                    {f, t});
        if (!conversations)
            return conversations;
        QMap<QDateTime, BucketValue> merged = *reports;
        for (auto it = conversations->constBegin(); it != conversations->constEnd(); ++it)
            merged[it.key()].denominator = it.value().numerator;
        return merged;
    }
    return AppError::validation({{QStringLiteral("query.metric"), QStringLiteral("unknown")}});
}

} // namespace fp
