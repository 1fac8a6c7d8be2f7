#include "server/conversation/ConversationRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

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

// A message from kMessageColumns' columns.
MessageRow messageFrom(const SqlResult &r)
{
    MessageRow m;
    m.id = r.value(0).toString();
    m.conversationId = r.value(1).toString();
    m.senderUserId = r.value(2).toString();
    m.seq = r.value(3).toULongLong();
    m.clientMsgId = r.value(4).toString();
    m.text = r.value(5).toString();
    m.containsSensitive = r.value(6).toInt() != 0;
    m.moderationLabel = r.value(7).toString();
    m.createdAt = Sql::toTime(r.value(8));
    return m;
}

} // namespace

Result<std::optional<ConversationRow>> ConversationRepository::find(const QString &conversationId,
                                                                    bool forUpdate) const
{
    return Sql::optionalRow<ConversationRow>(
        Sql::exec(conversationSelect() + QStringLiteral("WHERE c.id = ?") +
                      (forUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
                  {conversationId}),
        conversationFrom);
}

Result<QStringList> ConversationRepository::openIdsBetween(const QString &userA,
                                                           const QString &userB) const
{
    // A locking read sees what committed after this transaction's snapshot: a block waits for
    // a match being recorded between the two (SafetyService::blockedEitherWay), and must then
    // close the conversation that match opened, which its snapshot does not show.
    return Sql::strings(
        Sql::exec(QStringLiteral("SELECT c.id FROM conversation_sessions c JOIN match_sessions m "
                                 "ON m.id = c.match_session_id WHERE c.state IN ") +
                      kOpenStates +
                      QStringLiteral(" AND ((m.user_a_id = ? AND m.user_b_id = ?) OR "
                                     "(m.user_a_id = ? AND m.user_b_id = ?)) FOR UPDATE"),
                  {userA, userB, userB, userA}));
}

Result<QStringList> ConversationRepository::openIdsOf(const QString &userId) const
{
    // Locking, as openIdsBetween: a ban that waited for a match being recorded closes the
    // conversation that match opened.
    return Sql::strings(Sql::exec(
        QStringLiteral("SELECT c.id FROM conversation_sessions c JOIN match_sessions m "
                       "ON m.id = c.match_session_id WHERE c.state IN ") +
            kOpenStates + QStringLiteral(" AND (m.user_a_id = ? OR m.user_b_id = ?) FOR UPDATE"),
        {userId, userId}));
}

Status ConversationRepository::open(const QString &conversationId, const QString &matchSessionId,
                                    const QDateTime &startedAt) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO conversation_sessions (id, match_session_id, state, "
                                 "started_at) VALUES (?, ?, 'anonymous', ?)"),
                  {conversationId, matchSessionId, Sql::time(startedAt)}));
}

Result<std::optional<ConversationBrief>>
ConversationRepository::ofMatch(const QString &matchSessionId) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, state FROM conversation_sessions WHERE match_session_id = ?"),
        {matchSessionId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<ConversationBrief>();
    return std::optional<ConversationBrief>(
        ConversationBrief {r.value(0).toString(), r.value(1).toString()});
}

Result<bool> ConversationRepository::close(const ConversationRow &row, const QString &reason,
                                           const QDateTime &now) const
{
    // Any state but closed: callers decide which they close (a panic exit closes a revealed
    // conversation too); this only keeps a closed one's reason and time.
    SqlResult r = Sql::exec(QStringLiteral("UPDATE conversation_sessions SET state = 'closed', "
                                           "closed_at = ?, close_reason = ? WHERE id = ? "
                                           "AND state <> 'closed'"),
                            {Sql::time(now), reason, row.id});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
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
                           // Two lookups of the pair's unique key: one EXISTS with an OR
                           // of both directions scanned the whole blocks index for every
                           // conversation of every chat batch.
                           QStringLiteral("EXISTS(SELECT 1 FROM blocks b WHERE b.blocker_user_id "
                                          "= m.user_a_id AND b.blocked_user_id = m.user_b_id) OR "
                                          "EXISTS(SELECT 1 FROM blocks b WHERE b.blocker_user_id "
                                          "= m.user_b_id AND b.blocked_user_id = m.user_a_id)"),
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
    return Sql::rows<MessageRow>(
        Sql::exec(
            kMessageColumns + QStringLiteral("WHERE ") +
                Sql::repeated(QStringLiteral("(conversation_session_id = ? AND sender_user_id = ? "
                                             "AND client_msg_id = ?)"),
                              keys.size(), QStringLiteral(" OR ")),
            bindings),
        messageFrom);
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
    return Sql::rows<MessageRow>(
        Sql::exec(kMessageColumns +
                      QStringLiteral("WHERE conversation_session_id = ? AND seq > ? "
                                     "AND deleted_at IS NULL ORDER BY seq LIMIT ?"),
                  {conversationId, afterSeq, limit}),
        messageFrom);
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
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO conversation_decision_gates (id, conversation_session_id, "
                       "gate_minute, user_id, decision, decided_at) VALUES (?, ?, ?, ?, ?, ?)"),
        {Sql::newId(), conversationId, gateMinute, userId, decision, Sql::time(now)}));
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
    return Sql::strings(Sql::exec(
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
    return Sql::status(Sql::exec(QStringLiteral("INSERT IGNORE INTO conversation_reveal_consents "
                                                "(conversation_session_id, user_id, consented_at) "
                                                "VALUES (?, ?, ?)"),
                                 {conversationId, userId, Sql::time(now)}));
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
    return r.numRowsAffected() > 0;
}

Result<QList<admin::ReportMessage>>
ConversationRepository::messagesAround(const QString &conversationId, const QDateTime &at,
                                       int each) const
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
        return admin::ReportMessage {r.value(0).toString(),   r.value(1).toString(),
                                     r.value(2).toString(),   r.value(3).toString(),
                                     Sql::toTime(r.value(4)), QStringLiteral("delivered")};
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

Result<int> ConversationRepository::deleteMessagesBefore(const QDateTime &cutoff,
                                                         const QStringList &keep, int limit) const
{
    QString sql = QStringLiteral("DELETE FROM conversation_messages WHERE created_at < ? ");
    QVariantList bindings {Sql::time(cutoff)};
    if (!keep.isEmpty()) {
        sql += QStringLiteral("AND conversation_session_id NOT IN (") +
            Sql::repeated(QStringLiteral("?"), keep.size()) + QStringLiteral(") ");
        for (const QString &id : keep)
            bindings << id;
    }
    sql += QStringLiteral("ORDER BY created_at LIMIT ?");
    bindings << limit;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

Result<QJsonObject> ConversationRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {
            {"conversation_sessions",
             "SELECT c.id, c.match_session_id, c.state, c.started_at, c.revealed_at, c.closed_at, "
             "c.close_reason FROM conversation_sessions c JOIN match_sessions m ON m.id = "
             "c.match_session_id WHERE m.user_a_id = ? OR m.user_b_id = ? ORDER BY c.started_at",
             2},
            // The person's own messages; the receiver's off-limits labels on them are the
            // receiver's, not the sender's. Found through the person's conversations: the
            // messages table keeps no index by sender alone (sql/0024).
            {"conversation_messages",
             "SELECT id, conversation_session_id, seq, client_msg_id, message_text, "
             "contains_sensitive, IF(LEFT(moderation_label, 10) = 'off_limits', NULL, "
             "moderation_label) AS moderation_label, created_at, deleted_at FROM "
             "conversation_messages WHERE conversation_session_id IN (SELECT c.id FROM "
             "conversation_sessions c JOIN match_sessions m ON m.id = c.match_session_id WHERE "
             "m.user_a_id = ? OR m.user_b_id = ?) AND sender_user_id = ? ORDER BY created_at, seq",
             3},
            {"conversation_decision_gates",
             "SELECT id, conversation_session_id, gate_minute, decision, decided_at FROM "
             "conversation_decision_gates WHERE user_id = ? ORDER BY decided_at",
             1},
            {"conversation_reveal_consents",
             "SELECT conversation_session_id, consented_at FROM conversation_reveal_consents WHERE "
             "user_id = ? ORDER BY consented_at",
             1},
        },
        userId);
}

} // namespace fp
