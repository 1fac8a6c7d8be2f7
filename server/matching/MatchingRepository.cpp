#include "server/matching/MatchingRepository.h"

#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

namespace {

QueueEntry entryFrom(SqlResult &r)
{
    return QueueEntry {r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                       Sql::toTime(r.value(3)), r.value(4).toString()};
}

const QString kEntryColumns = QStringLiteral("id, user_id, status, enqueued_at, match_session_id");

QVariantList variants(const QStringList &ids)
{
    QVariantList list;
    for (const QString &id : ids)
        list << id;
    return list;
}

} // namespace

Result<std::optional<QueueEntry>> MatchingRepository::activeEntry(const QString &userId) const
{
    SqlResult r = Sql::exec(
        QStringLiteral(
            "SELECT %1 FROM matching_queue_entries WHERE user_id = ? AND status = 'active'")
            .arg(kEntryColumns),
        {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QueueEntry>();
    return std::optional<QueueEntry>(entryFrom(r));
}

Result<QList<QueueEntry>> MatchingRepository::activeEntries() const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT %1 FROM matching_queue_entries WHERE status = 'active' "
                                 "ORDER BY enqueued_at")
                      .arg(kEntryColumns));
    if (!r.ok())
        return r.toAppError();
    QList<QueueEntry> entries;
    while (r.next())
        entries.append(entryFrom(r));
    return entries;
}

Result<bool> MatchingRepository::inOpenConversation(const QString &userId) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT 1 FROM conversation_sessions c JOIN match_sessions m "
                       "ON m.id = c.match_session_id WHERE (m.user_a_id = ? OR m.user_b_id = ?) "
                       "AND c.state IN ('anonymous', 'decision_gate') LIMIT 1"),
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
            return AppError::conflict(QStringLiteral("You are already in the queue"));
        return r.toAppError();
    }
    return entry;
}

Result<bool> MatchingRepository::endEntry(const QString &userId, const QString &status,
                                          const QDateTime &now) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE matching_queue_entries SET status = ?, dequeued_at = ? "
                                 "WHERE user_id = ? AND status = 'active'"),
                  {status, Sql::time(now), userId});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
}

Result<std::optional<QueueEntry>> MatchingRepository::latestEntry(const QString &userId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT %1 FROM matching_queue_entries WHERE user_id = ? "
                                 "ORDER BY enqueued_at DESC LIMIT 1")
                      .arg(kEntryColumns),
                  {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QueueEntry>();
    return std::optional<QueueEntry>(entryFrom(r));
}

Result<std::optional<MatchSessionRecord>> MatchingRepository::matchSession(const QString &id) const
{
    SqlResult r = Sql::exec(
        QStringLiteral(
            "SELECT m.id, m.user_a_id, m.user_b_id, m.user_a_alias, m.user_b_alias, m.status, "
            "m.matched_at, m.match_score, m.score_breakdown_json, m.match_reasons_json, c.id "
            "FROM match_sessions m LEFT JOIN conversation_sessions c ON c.match_session_id = m.id "
            "WHERE m.id = ?"),
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

Result<QString> MatchingRepository::recordMatch(const MatchSessionRecord &match,
                                                const QString &entryA, const QString &entryB) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    SqlResult session = Sql::exec(
        QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, user_a_alias, "
                       "user_b_alias, status, "
                       "matched_at, match_score, score_breakdown_json, match_reasons_json) "
                       "VALUES (?, ?, ?, ?, ?, 'active_chat', ?, ?, ?, ?)"),
        {match.id, match.userA, match.userB, match.aliasA, match.aliasB, Sql::time(match.matchedAt),
         QString::number(match.score, 'f', 2),
         QString::fromUtf8(QJsonDocument(match.breakdown).toJson(QJsonDocument::Compact)),
         QString::fromUtf8(QJsonDocument(match.reasons).toJson(QJsonDocument::Compact))});
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
    const QString conversationId = Sql::newId();
    SqlResult conversation =
        Sql::exec(QStringLiteral("INSERT INTO conversation_sessions (id, match_session_id, state, "
                                 "started_at) VALUES (?, ?, 'anonymous', ?)"),
                  {conversationId, match.id, Sql::time(match.matchedAt)});
    if (!conversation.ok())
        return conversation.toAppError();
    if (!tx.commit())
        return databaseUnavailable();
    return conversationId;
}

Status MatchingRepository::loadSafeguardFacts(const QStringList &userIds, const QDateTime &since,
                                              SafeguardContext *context,
                                              QHash<QString, MatchProfile> *profiles) const
{
    if (userIds.isEmpty())
        return Ok {};
    const QString in = Sql::repeated(QStringLiteral("?"), userIds.size());
    const QVariantList ids = variants(userIds);

    SqlResult blocks =
        Sql::exec(QStringLiteral("SELECT blocker_user_id, blocked_user_id FROM blocks "
                                 "WHERE blocker_user_id IN (%1) OR blocked_user_id IN (%1)")
                      .arg(in),
                  ids + ids);
    if (!blocks.ok())
        return blocks.toAppError();
    while (blocks.next())
        context->addBlock(blocks.value(0).toString(), blocks.value(1).toString());

    SqlResult past = Sql::exec(
        QStringLiteral("SELECT user_a_id, user_b_id, matched_at FROM match_sessions "
                       "WHERE matched_at >= ? AND (user_a_id IN (%1) OR user_b_id IN (%1))")
            .arg(in),
        QVariantList {Sql::time(since)} + ids + ids);
    if (!past.ok())
        return past.toAppError();
    while (past.next())
        context->addPastMatch(past.value(0).toString(), past.value(1).toString(),
                              Sql::toTime(past.value(2)));

    SqlResult trust = Sql::exec(
        QStringLiteral("SELECT user_id, score FROM trust_scores WHERE user_id IN (%1)").arg(in),
        ids);
    if (!trust.ok())
        return trust.toAppError();
    while (trust.next()) {
        auto it = profiles->find(trust.value(0).toString());
        if (it != profiles->end())
            it->trustScore = trust.value(1).toInt();
    }

    // Finished conversations: those that ran their course (revealed, or closed by the people).
    SqlResult finished = Sql::exec(
        QStringLiteral(
            "SELECT u.id, COUNT(c.id) FROM users u JOIN match_sessions m ON (m.user_a_id = u.id OR "
            "m.user_b_id = u.id) JOIN conversation_sessions c ON c.match_session_id = m.id "
            "WHERE u.id IN (%1) AND c.state IN ('revealed', 'closed') GROUP BY u.id")
            .arg(in),
        ids);
    if (!finished.ok())
        return finished.toAppError();
    while (finished.next()) {
        auto it = profiles->find(finished.value(0).toString());
        if (it != profiles->end())
            it->finishedConversations = finished.value(1).toInt();
    }

    SqlResult reports = Sql::exec(
        QStringLiteral("SELECT DISTINCT reported_user_id FROM reports WHERE reported_user_id IN "
                       "(%1) AND status IN ('open', 'triaged')")
            .arg(in),
        ids);
    if (!reports.ok())
        return reports.toAppError();
    while (reports.next()) {
        auto it = profiles->find(reports.value(0).toString());
        if (it != profiles->end())
            it->hasOpenReport = true;
    }
    return Ok {};
}

} // namespace fp
