#include "server/matching/MatchingRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QJsonDocument>

namespace fp {

namespace {

QueueEntry entryFrom(SqlResult &r)
{
    return QueueEntry {r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                       Sql::toTime(r.value(3)), r.value(4).toString()};
}

const QString kEntryColumns = QStringLiteral("id, user_id, status, enqueued_at, match_session_id");

} // namespace

Result<std::optional<QueueEntry>> MatchingRepository::activeEntry(const QString &userId) const
{
    return Sql::optionalRow<QueueEntry>(
        Sql::exec(
            QStringLiteral(
                "SELECT %1 FROM matching_queue_entries WHERE user_id = ? AND status = 'active'")
                .arg(kEntryColumns),
            {userId}),
        entryFrom);
}

Result<QList<QueueEntry>> MatchingRepository::activeEntries() const
{
    return Sql::rows<QueueEntry>(
        Sql::exec(QStringLiteral("SELECT %1 FROM matching_queue_entries WHERE status = 'active' "
                                 "ORDER BY enqueued_at")
                      .arg(kEntryColumns)),
        entryFrom);
}

Result<bool> MatchingRepository::inActiveChat(const QString &userId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT 1 FROM match_sessions WHERE (user_a_id = ? OR "
                                           "user_b_id = ?) AND status = 'active_chat' LIMIT 1"),
                            {userId, userId});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Result<QueueEntry> MatchingRepository::enqueue(const QString &userId, const QString &regionKey,
                                               const QDateTime &now) const
{
    QueueEntry entry {Sql::newId(), userId, QStringLiteral("active"), now, {}};
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO matching_queue_entries (id, user_id, status, enqueued_at, "
                       "region_key) VALUES (?, ?, 'active', ?, ?)"),
        {entry.id, userId, Sql::time(now), regionKey});
    if (!r.ok()) {
        if (r.failure() == DbFailure::DuplicateKey)
            return alreadyQueued();
        return r.toAppError();
    }
    return entry;
}

Result<std::optional<QueueEntry>> MatchingRepository::endEntry(const QString &userId,
                                                               const QString &status,
                                                               const QDateTime &now,
                                                               const QString &entryId) const
{
    // Read first (locked inside the caller's transaction) to answer which entry ended; the
    // update still requires it active, so a concurrent end makes this one a no-op.
    Result<std::optional<QueueEntry>> active = Sql::optionalRow<QueueEntry>(
        Sql::exec(QStringLiteral("SELECT %1 FROM matching_queue_entries WHERE user_id = ? AND "
                                 "status = 'active' FOR UPDATE")
                      .arg(kEntryColumns),
                  {userId}),
        entryFrom);
    if (!active || !*active)
        return active;
    if (!entryId.isEmpty() && (*active)->id != entryId)
        return std::optional<QueueEntry>();
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE matching_queue_entries SET status = ?, dequeued_at = ? "
                                 "WHERE id = ? AND status = 'active'"),
                  {status, Sql::time(now), (*active)->id});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return std::optional<QueueEntry>();
    (*active)->status = status;
    return active;
}

Result<std::optional<QueueEntry>> MatchingRepository::latestEntry(const QString &userId) const
{
    return Sql::optionalRow<QueueEntry>(
        Sql::exec(QStringLiteral("SELECT %1 FROM matching_queue_entries WHERE user_id = ? "
                                 "ORDER BY enqueued_at DESC LIMIT 1")
                      .arg(kEntryColumns),
                  {userId}),
        entryFrom);
}

Result<std::optional<MatchSessionRecord>> MatchingRepository::matchSession(const QString &id) const
{
    SqlResult r = Sql::exec(
        QStringLiteral(
            "SELECT m.id, m.user_a_id, m.user_b_id, m.user_a_alias, m.user_b_alias, m.status, "
            "m.matched_at, m.match_score, m.score_breakdown_json, m.match_reasons_json, "
            "m.conversation_id FROM match_sessions m WHERE m.id = ?"),
        {id});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<MatchSessionRecord>();
    MatchSessionRecord m;
    m.id = r.value(0).toString();
    m.userA = r.value(1).toString();
    m.userB = r.value(2).toString();
    m.aliasA = r.value(3).toString();
    m.aliasB = r.value(4).toString();
    m.status = r.value(5).toString();
    m.matchedAt = Sql::toTime(r.value(6));
    m.score = r.value(7).toDouble();
    m.breakdown = QJsonDocument::fromJson(r.value(8).toString().toUtf8()).object();
    m.reasons = QJsonDocument::fromJson(r.value(9).toString().toUtf8()).array();
    m.conversationId = r.value(10).toString();
    return std::optional<MatchSessionRecord>(m);
}

PairCondition MatchingRepository::haveMetCondition()
{
    // Pairs are stored ordered by convention (user_a_id < user_b_id), not enforced: both
    // orientations are checked.
    return {QStringLiteral("EXISTS(SELECT 1 FROM match_sessions WHERE (user_a_id = ? AND "
                           "user_b_id = ?) OR (user_a_id = ? AND user_b_id = ?))"),
            [](const QString &userA, const QString &userB) {
                return QVariantList {userA, userB, userB, userA};
            }};
}

Result<bool> MatchingRepository::haveMet(const QString &userA, const QString &userB) const
{
    const PairCondition met = haveMetCondition();
    SqlResult r = Sql::exec(QStringLiteral("SELECT ") + met.sql, met.values(userA, userB));
    if (!r.ok())
        return r.toAppError();
    return r.next() && r.value(0).toInt() != 0;
}

Status MatchingRepository::setStatus(const QString &matchSessionId, const QString &status,
                                     const QDateTime &now) const
{
    // Only an ended match records when it ended; a revealed one goes on as a friendship.
    SqlResult r = status == QLatin1String("ended")
        ? Sql::exec(
              QStringLiteral("UPDATE match_sessions SET status = ?, ended_at = ? WHERE id = ? "
                             "AND status IN ('pending', 'active_chat')"),
              {status, Sql::time(now), matchSessionId})
        : Sql::exec(QStringLiteral("UPDATE match_sessions SET status = ? WHERE id = ?"),
                    {status, matchSessionId});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Status MatchingRepository::recordMatch(const MatchSessionRecord &match, const QString &entryA,
                                       const QString &entryB) const
{
    SqlResult session = Sql::exec(
        QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, user_a_alias, "
                       "user_b_alias, status, matched_at, match_score, score_breakdown_json, "
                       "match_reasons_json, conversation_id) "
                       "VALUES (?, ?, ?, ?, ?, 'active_chat', ?, ?, ?, ?, ?)"),
        {match.id, match.userA, match.userB, match.aliasA, match.aliasB, Sql::time(match.matchedAt),
         QString::number(match.score, 'f', 2),
         QString::fromUtf8(QJsonDocument(match.breakdown).toJson(QJsonDocument::Compact)),
         QString::fromUtf8(QJsonDocument(match.reasons).toJson(QJsonDocument::Compact)),
         match.conversationId});
    if (!session.ok())
        return session.toAppError();
    // Both entries must still be active: this is what makes a double match impossible, whatever
    // instances or passes race for the same people.
    SqlResult entries = Sql::exec(
        QStringLiteral("UPDATE matching_queue_entries SET status = 'matched', dequeued_at = ?, "
                       "match_session_id = ? WHERE id IN (?, ?) AND status = 'active'"),
        {Sql::time(match.matchedAt), match.id, entryA, entryB});
    if (!entries.ok())
        return entries.toAppError();
    if (entries.numRowsAffected() != 2)
        return AppError::conflict(QStringLiteral("one of the two left the queue"));
    return Ok {};
}

Result<QList<std::tuple<QString, QString, QDateTime>>>
MatchingRepository::pastMatches(const QStringList &userIds, const QDateTime &since) const
{
    QList<std::tuple<QString, QString, QDateTime>> matches;
    if (userIds.isEmpty())
        return matches;
    const QString in = Sql::repeated(QStringLiteral("?"), userIds.size());
    const QVariantList ids = Sql::values(userIds);
    SqlResult past = Sql::exec(
        QStringLiteral("SELECT user_a_id, user_b_id, matched_at FROM match_sessions "
                       "WHERE matched_at >= ? AND (user_a_id IN (%1) OR user_b_id IN (%1))")
            .arg(in),
        QVariantList {Sql::time(since)} + ids + ids);
    if (!past.ok())
        return past.toAppError();
    while (past.next())
        matches.append(
            {past.value(0).toString(), past.value(1).toString(), Sql::toTime(past.value(2))});
    return matches;
}

Result<QHash<QString, int>>
MatchingRepository::finishedMatchCounts(const QStringList &userIds) const
{
    // A match is 'ended' when its conversation closed and 'friend_revealed' when it revealed:
    // the conversations that ran their course.
    QHash<QString, int> counts;
    if (userIds.isEmpty())
        return counts;
    const QString in = Sql::repeated(QStringLiteral("?"), userIds.size());
    const QVariantList ids = Sql::values(userIds);
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT u, COUNT(*) FROM (SELECT user_a_id AS u FROM match_sessions WHERE "
                       "user_a_id IN (%1) AND status IN ('ended', 'friend_revealed') UNION ALL "
                       "SELECT user_b_id FROM match_sessions WHERE user_b_id IN (%1) AND status "
                       "IN ('ended', 'friend_revealed')) x GROUP BY u")
            .arg(in),
        ids + ids);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        counts.insert(r.value(0).toString(), r.value(1).toInt());
    return counts;
}

Result<int> MatchingRepository::activeQueueEntries() const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT COUNT(*) FROM matching_queue_entries WHERE status = "
                                 "'active'"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<int> MatchingRepository::activeChats() const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT COUNT(*) FROM match_sessions WHERE status = 'active_chat'"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<QList<double>> MatchingRepository::matchedWaits(const QDateTime &from,
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

Result<QMap<QString, int>> MatchingRepository::queueOutcomes(const QDateTime &from,
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

Result<QList<QueueSpan>> MatchingRepository::queueSpans(const QDateTime &from,
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

Result<QList<QDateTime>> MatchingRepository::matchTimes(const QDateTime &from,
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

Result<QJsonObject> MatchingRepository::exportFor(const QString &userId,
                                                  const QStringList &friendIds) const
{
    Result<QJsonArray> entries = exportRows(
        QStringLiteral("SELECT id, status, enqueued_at, dequeued_at, region_key, queue_reason, "
                       "match_session_id FROM matching_queue_entries WHERE user_id = ? ORDER BY "
                       "enqueued_at"),
        {userId});
    if (!entries)
        return entries.error();
    // The peer is named only while the two are friends; otherwise the alias they met under.
    QString peerUnlessFriend = QStringLiteral("NULL");
    QVariantList friendBindings;
    if (!friendIds.isEmpty()) {
        peerUnlessFriend =
            QStringLiteral("IF(IF(m.user_a_id = ?, m.user_b_id, m.user_a_id) IN (%1), "
                           "IF(m.user_a_id = ?, m.user_b_id, m.user_a_id), NULL)")
                .arg(Sql::repeated(QStringLiteral("?"), friendIds.size()));
        friendBindings << userId;
        for (const QString &id : friendIds)
            friendBindings << id;
        friendBindings << userId;
    }
    Result<QJsonArray> matches = exportRows(
        QStringLiteral("SELECT m.id, m.status, m.matched_at, m.ended_at, CAST(m.match_score AS "
                       "DOUBLE) AS match_score, m.score_breakdown_json, m.match_reasons_json, "
                       "IF(m.user_a_id = ?, m.user_a_alias, m.user_b_alias) AS my_alias, "
                       "IF(m.user_a_id = ?, m.user_b_alias, m.user_a_alias) AS peer_alias, "
                       "%1 AS peer_user_id FROM match_sessions m WHERE m.user_a_id = ? OR "
                       "m.user_b_id = ? ORDER BY m.matched_at")
            .arg(peerUnlessFriend),
        QVariantList {userId, userId} + friendBindings + QVariantList {userId, userId});
    if (!matches)
        return matches.error();
    return QJsonObject {{QStringLiteral("matching_queue_entries"), *entries},
                        {QStringLiteral("match_sessions"), *matches}};
}

} // namespace fp
