#include "server/conversation/ConversationRepository.h"

#include "server/safety/SafetyRepository.h"
#include "server/storage/Database.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace fp {

namespace {

const QString kOpenStates = QStringLiteral("('anonymous','decision_gate')");

// A conversation with its match's participants: the columns conversationFrom() reads.
const QString kConversationColumns = QStringLiteral(
    "c.id, c.match_session_id, c.state, c.started_at, c.closed_at, c.revealed_at, "
    "c.close_reason, c.gates_announced, c.gates_resolved, c.last_gate_outcome, m.user_a_id, "
    "m.user_b_id");
constexpr int kConversationColumnCount = 12;
const QString kConversationFrom = QStringLiteral(
    "FROM conversation_sessions c JOIN match_sessions m ON m.id = c.match_session_id ");

QString conversationSelect()
{
    return QStringLiteral("SELECT ") + kConversationColumns + QLatin1Char(' ') + kConversationFrom;
}

ConversationRow conversationFrom(const SqlResult &r)
{
    ConversationRow row;
    row.id = r.value(0).toString();
    row.matchSessionId = r.value(1).toString();
    row.state = r.value(2).toString();
    row.startedAt = Sql::toTime(r.value(3));
    row.closedAt = Sql::toTime(r.value(4));
    row.revealedAt = Sql::toTime(r.value(5));
    row.closeReason = r.value(6).toString();
    row.gatesAnnounced = r.value(7).toInt();
    row.gatesResolved = r.value(8).toInt();
    row.lastGateOutcome = r.value(9).toString();
    row.userA = r.value(10).toString();
    row.userB = r.value(11).toString();
    return row;
}

// A message's columns, as messageFrom() reads them, each after `prefix` (a table alias).
QString messageColumns(const QString &prefix = {})
{
    static const QStringList names {QStringLiteral("id"),
                                    QStringLiteral("conversation_session_id"),
                                    QStringLiteral("sender_user_id"),
                                    QStringLiteral("seq"),
                                    QStringLiteral("client_msg_id"),
                                    QStringLiteral("message_text"),
                                    QStringLiteral("contains_sensitive"),
                                    QStringLiteral("moderation_label"),
                                    QStringLiteral("created_at")};
    QStringList columns;
    for (const QString &name : names)
        columns << prefix + name;
    return columns.join(QStringLiteral(", "));
}

const QString kMessageColumns =
    QStringLiteral("SELECT ") + messageColumns() + QStringLiteral(" FROM conversation_messages ");

// A message from kMessageColumns' columns, starting at column `first`.
MessageRow messageFrom(const SqlResult &r, int first = 0)
{
    MessageRow m;
    m.id = r.value(first).toString();
    m.conversationId = r.value(first + 1).toString();
    m.senderUserId = r.value(first + 2).toString();
    m.seq = r.value(first + 3).toULongLong();
    m.clientMsgId = r.value(first + 4).toString();
    m.text = r.value(first + 5).toString();
    m.containsSensitive = r.value(first + 6).toInt() != 0;
    m.moderationLabel = r.value(first + 7).toString();
    m.createdAt = Sql::toTime(r.value(first + 8));
    return m;
}

Result<QStringList> idsFrom(SqlResult r)
{
    if (!r.ok())
        return r.toAppError();
    QStringList ids;
    while (r.next())
        ids.append(r.value(0).toString());
    return ids;
}

} // namespace

Result<std::optional<ConversationRow>> ConversationRepository::find(const QString &conversationId,
                                                                    bool forUpdate) const
{
    SqlResult r = Sql::exec(conversationSelect() + QStringLiteral("WHERE c.id = ?") +
                                (forUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
                            {conversationId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<ConversationRow>();
    return std::optional<ConversationRow>(conversationFrom(r));
}

Result<QStringList> ConversationRepository::openIdsBetween(const QString &userA,
                                                           const QString &userB) const
{
    return idsFrom(
        Sql::exec(QStringLiteral("SELECT c.id FROM conversation_sessions c JOIN match_sessions m "
                                 "ON m.id = c.match_session_id WHERE c.state IN ") +
                      kOpenStates +
                      QStringLiteral(" AND ((m.user_a_id = ? AND m.user_b_id = ?) OR "
                                     "(m.user_a_id = ? AND m.user_b_id = ?))"),
                  {userA, userB, userB, userA}));
}

Result<QStringList> ConversationRepository::openIdsOf(const QString &userId) const
{
    return idsFrom(
        Sql::exec(QStringLiteral("SELECT c.id FROM conversation_sessions c JOIN match_sessions m "
                                 "ON m.id = c.match_session_id WHERE c.state IN ") +
                      kOpenStates + QStringLiteral(" AND (m.user_a_id = ? OR m.user_b_id = ?)"),
                  {userId, userId}));
}

Result<bool> ConversationRepository::close(const ConversationRow &row, const QString &reason,
                                           const QDateTime &now) const
{
    SqlResult r = Sql::exec(QStringLiteral("UPDATE conversation_sessions SET state = 'closed', "
                                           "closed_at = ?, close_reason = ? WHERE id = ? "
                                           "AND state IN ") +
                                kOpenStates,
                            {Sql::time(now), reason, row.id});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return false;
    SqlResult m = Sql::exec(QStringLiteral("UPDATE match_sessions SET status = 'ended', "
                                           "ended_at = ? WHERE id = ? "
                                           "AND status IN ('pending','active_chat')"),
                            {Sql::time(now), row.matchSessionId});
    if (!m.ok())
        return m.toAppError();
    return true;
}

Result<QHash<QString, SendTarget>>
ConversationRepository::lockForSending(const QStringList &conversationIds) const
{
    QHash<QString, SendTarget> targets;
    if (conversationIds.isEmpty())
        return targets;
    QVariantList bindings;
    for (const QString &id : conversationIds)
        bindings << id;
    // Topic keys come from the catalog (short words without commas), so a comma-joined list
    // stays far below group_concat_max_len.
    const QString topicsOf = QStringLiteral("(SELECT GROUP_CONCAT(t.topic_key SEPARATOR ',') FROM "
                                            "user_off_limits_topics t WHERE t.user_id = %1)");
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT %1, c.last_message_seq, %2, %3, %4 %5 WHERE c.id IN (%6) "
                                 "ORDER BY c.id FOR UPDATE")
                      .arg(kConversationColumns,
                           SafetyRepository::blockedEitherWaySql(QStringLiteral("m.user_a_id"),
                                                                 QStringLiteral("m.user_b_id")),
                           topicsOf.arg(QStringLiteral("m.user_a_id")),
                           topicsOf.arg(QStringLiteral("m.user_b_id")), kConversationFrom,
                           Sql::repeated(QStringLiteral("?"), conversationIds.size())),
                  bindings);
    if (!r.ok())
        return r.toAppError();
    while (r.next()) {
        SendTarget target;
        target.conversation = conversationFrom(r);
        int column = kConversationColumnCount;
        target.lastSeq = r.value(column++).toULongLong();
        target.blocked = r.value(column++).toInt() != 0;
        target.userATopics =
            r.value(column++).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
        target.userBTopics =
            r.value(column++).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
        targets.insert(target.conversation.id, target);
    }
    return targets;
}

Result<QList<MessageRow>>
ConversationRepository::findByClientKeys(const QList<ClientMessageKey> &keys) const
{
    if (keys.isEmpty())
        return QList<MessageRow>();
    QVariantList bindings;
    for (const ClientMessageKey &key : keys)
        bindings << key.conversationId << key.senderId << key.clientMsgId;
    SqlResult r = Sql::exec(
        kMessageColumns + QStringLiteral("WHERE ") +
            Sql::repeated(QStringLiteral("(conversation_session_id = ? AND sender_user_id = ? "
                                         "AND client_msg_id = ?)"),
                          keys.size(), QStringLiteral(" OR ")),
        bindings);
    if (!r.ok())
        return r.toAppError();
    QList<MessageRow> rows;
    while (r.next())
        rows.append(messageFrom(r));
    return rows;
}

Result<bool> ConversationRepository::appendMessages(const QList<MessageRow> &messages,
                                                    const QHash<QString, quint64> &lastSeqs) const
{
    if (messages.isEmpty())
        return true;
    QVariantList rows;
    for (const MessageRow &m : messages)
        rows << m.id << m.conversationId << m.senderUserId << m.seq
             << Sql::nullableText(m.clientMsgId) << m.text << (m.containsSensitive ? 1 : 0)
             << Sql::nullableText(m.moderationLabel) << Sql::time(m.createdAt);
    // A re-sent client_msg_id is not an error here but a row not inserted (the no-op update
    // counts 0 affected rows), so a batch needs no read beforehand to find re-sends.
    SqlResult inserted = Sql::exec(
        QStringLiteral("INSERT INTO conversation_messages (id, conversation_session_id, "
                       "sender_user_id, seq, client_msg_id, message_text, contains_sensitive, "
                       "moderation_label, created_at) VALUES ") +
            Sql::repeated(QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?, ?)"), messages.size()) +
            QStringLiteral(" ON DUPLICATE KEY UPDATE id = id"),
        rows);
    if (!inserted.ok())
        return inserted.toAppError();
    if (inserted.numRowsAffected() != messages.size())
        return false;
    QVariantList cases;
    QVariantList ids;
    for (auto it = lastSeqs.cbegin(); it != lastSeqs.cend(); ++it) {
        cases << it.key() << it.value();
        ids << it.key();
    }
    SqlResult updated = Sql::exec(
        QStringLiteral("UPDATE conversation_sessions SET last_message_seq = CASE id %1 END "
                       "WHERE id IN (%2)")
            .arg(Sql::repeated(QStringLiteral("WHEN ? THEN ?"), lastSeqs.size(),
                               QStringLiteral(" ")),
                 Sql::repeated(QStringLiteral("?"), lastSeqs.size())),
        cases + ids);
    if (!updated.ok())
        return updated.toAppError();
    return true;
}

Result<QList<MessageRow>> ConversationRepository::messagesAfter(const QString &conversationId,
                                                                quint64 afterSeq, int limit) const
{
    SqlResult r = Sql::exec(kMessageColumns +
                                QStringLiteral("WHERE conversation_session_id = ? AND seq > ? "
                                               "AND deleted_at IS NULL ORDER BY seq LIMIT ?"),
                            {conversationId, afterSeq, limit});
    if (!r.ok())
        return r.toAppError();
    QList<MessageRow> rows;
    while (r.next())
        rows.append(messageFrom(r));
    return rows;
}

Result<std::optional<quint64>> ConversationRepository::seqOf(const QString &conversationId,
                                                             const QString &messageId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT seq FROM conversation_messages WHERE id = ? "
                                           "AND conversation_session_id = ?"),
                            {messageId, conversationId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<quint64>();
    return std::optional<quint64>(r.value(0).toULongLong());
}

Result<QList<GateDecisionRow>>
ConversationRepository::decisions(const QString &conversationId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT gate_minute, user_id, decision FROM "
                                           "conversation_decision_gates WHERE "
                                           "conversation_session_id = ? ORDER BY gate_minute"),
                            {conversationId});
    if (!r.ok())
        return r.toAppError();
    QList<GateDecisionRow> rows;
    while (r.next())
        rows.append({r.value(0).toInt(), r.value(1).toString(), r.value(2).toString()});
    return rows;
}

Status ConversationRepository::insertDecision(const QString &conversationId, int gateMinute,
                                              const QString &userId, const QString &decision,
                                              const QDateTime &now) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO conversation_decision_gates (id, conversation_session_id, "
                       "gate_minute, user_id, decision, decided_at) VALUES (?, ?, ?, ?, ?, ?)"),
        {Sql::newId(), conversationId, gateMinute, userId, decision, Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<bool> ConversationRepository::claimAnnouncement(const QString &conversationId,
                                                       int gate) const
{
    SqlResult r = Sql::exec(QStringLiteral("UPDATE conversation_sessions SET gates_announced = ?, "
                                           "state = 'decision_gate' WHERE id = ? AND "
                                           "gates_announced = ? AND state IN ") +
                                kOpenStates,
                            {gate, conversationId, gate - 1});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() == 1;
}

Result<bool> ConversationRepository::claimResolution(const QString &conversationId, int gate,
                                                     const QString &outcome) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE conversation_sessions SET gates_resolved = ?, "
                       "last_gate_outcome = ?, state = IF(? = 'continued', 'anonymous', state) "
                       "WHERE id = ? AND gates_resolved = ? AND gates_announced >= ? "
                       "AND state IN ") +
            kOpenStates,
        {gate, outcome, outcome, conversationId, gate - 1, gate});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() == 1;
}

Result<QStringList> ConversationRepository::dueForGates(const QDateTime &now, int intervalSeconds,
                                                        int limit) const
{
    // The next gate opens at started_at + (announced + 1) x interval; the last one times out
    // one interval after it opened.
    return idsFrom(Sql::exec(
        QStringLiteral("SELECT id FROM conversation_sessions WHERE state IN ") + kOpenStates +
            QStringLiteral(
                " AND ((gates_announced < 3 AND "
                "TIMESTAMPADD(SECOND, (gates_announced + 1) * ?, started_at) <= ?) OR "
                "(gates_announced = 3 AND gates_resolved < 3 AND "
                "TIMESTAMPADD(SECOND, 4 * ?, started_at) <= ?)) ORDER BY started_at LIMIT ?"),
        {intervalSeconds, Sql::time(now), intervalSeconds, Sql::time(now), limit}));
}

Status ConversationRepository::insertConsent(const QString &conversationId, const QString &userId,
                                             const QDateTime &now) const
{
    SqlResult r = Sql::exec(QStringLiteral("INSERT IGNORE INTO conversation_reveal_consents "
                                           "(conversation_session_id, user_id, consented_at) "
                                           "VALUES (?, ?, ?)"),
                            {conversationId, userId, Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<int> ConversationRepository::consentCount(const QString &conversationId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT COUNT(*) FROM conversation_reveal_consents "
                                           "WHERE conversation_session_id = ?"),
                            {conversationId});
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toInt() : 0;
}

Result<bool> ConversationRepository::markRevealed(const ConversationRow &row,
                                                  const QDateTime &now) const
{
    SqlResult r = Sql::exec(QStringLiteral("UPDATE conversation_sessions SET state = 'revealed', "
                                           "revealed_at = ? WHERE id = ? AND state IN ") +
                                kOpenStates,
                            {Sql::time(now), row.id});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return false;
    SqlResult m = Sql::exec(
        QStringLiteral("UPDATE match_sessions SET status = 'friend_revealed' WHERE id = ?"),
        {row.matchSessionId});
    if (!m.ok())
        return m.toAppError();
    return true;
}

Result<QString> ConversationRepository::upsertFriendship(const QString &userA, const QString &userB,
                                                         const QString &matchSessionId,
                                                         const QDateTime &now) const
{
    const QString low = qMin(userA, userB);
    const QString high = qMax(userA, userB);
    SqlResult existing = Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE "
                                                  "user_low_id = ? AND user_high_id = ? "
                                                  "FOR UPDATE"),
                                   {low, high});
    if (!existing.ok())
        return existing.toAppError();
    if (existing.next()) {
        const QString id = existing.value(0).toString();
        SqlResult revive = Sql::exec(
            QStringLiteral("UPDATE friendships SET ended_at = NULL, ended_by_user_id = NULL, "
                           "origin_match_session_id = ? WHERE id = ?"),
            {matchSessionId, id});
        if (!revive.ok())
            return revive.toAppError();
        return id;
    }
    const QString id = Sql::newId();
    SqlResult r =
        Sql::exec(QStringLiteral("INSERT INTO friendships (id, user_low_id, user_high_id, "
                                 "origin_match_session_id, created_at) "
                                 "VALUES (?, ?, ?, ?, ?)"),
                  {id, low, high, matchSessionId, Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return id;
}

Status ConversationRepository::insertFriendshipCreatedEvent(const QString &friendshipId,
                                                            const QString &conversationId,
                                                            const QString &matchSessionId,
                                                            const QDateTime &now) const
{
    const QJsonObject payload {{QStringLiteral("conversation_id"), conversationId},
                               {QStringLiteral("match_session_id"), matchSessionId}};
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO friendship_events (id, friendship_id, event_type, "
                       "actor_user_id, payload_json, created_at) VALUES (?, ?, 'created', NULL, "
                       "?, ?)"),
        {Sql::newId(), friendshipId,
         QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact)), Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<QString> ConversationRepository::friendshipIdOf(const QString &userA,
                                                       const QString &userB) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE user_low_id = ? AND "
                                           "user_high_id = ? AND ended_at IS NULL"),
                            {qMin(userA, userB), qMax(userA, userB)});
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toString() : QString();
}

} // namespace fp
