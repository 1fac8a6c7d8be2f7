#include "server/conversation/ConversationService.h"

#include "common/Time.h"
#include "common/WsEvents.h"
#include "server/conversation/ConversationLifecycle.h"
#include "server/core/Config.h"
#include "server/core/Log.h"
#include "server/engagement/EngagementRepository.h"
#include "server/profile/ProfileVisibility.h"
#include "server/realtime/EventBus.h"
#include "server/safety/ModerationRules.h"
#include "server/storage/Database.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QUuid>
#include <atomic>
#include <memory>

namespace fp {

namespace {

std::atomic<EventBus *> g_bus {nullptr};
std::shared_ptr<const ModerationRules> g_rules; // set once at start, before any worker runs
std::atomic<int> g_gateInterval {600};

constexpr int kGateCount = 3;
constexpr int kMaxTextCharacters = 2000;

const QString kRevealYes = QStringLiteral("reveal_yes");
const QString kNotYet = QStringLiteral("not_yet");
const QString kEndChat = QStringLiteral("end_chat");

QString type(QLatin1StringView name)
{
    return QString(name);
}

/// Sends `frame` to every socket of `userId` once the outermost transaction commits.
void publishAfterCommit(const QString &userId, const QJsonObject &frame)
{
    Transaction::afterCommit([userId, frame] {
        if (EventBus *bus = g_bus.load())
            bus->publishToUser(userId, frame);
    });
}

AppError conflictBecause(const QString &message, const QString &reason)
{
    AppError error = AppError::conflict(message);
    error.details.insert(QStringLiteral("reason"), reason);
    return error;
}

QDateTime gateOpensAt(const ConversationRow &row, int gate)
{
    return row.startedAt.addSecs(qint64(gate) * conversation::gateIntervalSeconds());
}

QDateTime gateClosesAt(const ConversationRow &row, int gate)
{
    return gateOpensAt(row, gate + 1);
}

QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonValue nullableTime(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(toWireTime(time)) : QJsonValue(QJsonValue::Null);
}

Result<QString> validatedText(const QString &raw)
{
    const QString text = raw.trimmed();
    qsizetype characters = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        bool valid = true;
        if (c.isHighSurrogate()) {
            valid = i + 1 < text.size() && text.at(i + 1).isLowSurrogate();
            ++i;
        } else if (c.isLowSurrogate() || c == QChar::ReplacementCharacter ||
                   (c.unicode() < 0x20 && c != u'\n' && c != u'\t' && c != u'\r')) {
            valid = false;
        }
        if (!valid)
            return AppError::validation(
                {{QStringLiteral("text"), QStringLiteral("must be valid UTF-8 text")}});
        ++characters;
    }
    if (characters == 0)
        return AppError::validation(
            {{QStringLiteral("text"), QStringLiteral("must not be empty")}});
    if (characters > kMaxTextCharacters)
        return AppError::validation(
            {{QStringLiteral("text"), QStringLiteral("must be at most 2000 characters")}});
    return text;
}

bool validClientMsgId(const QString &id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._:-]{1,64}$"));
    return pattern.match(id).hasMatch();
}

/// Whether every label of a verdict is contact_info: allowed once the two have revealed.
bool onlyContactInfo(const ModerationVerdict &verdict)
{
    if (verdict.labels.isEmpty())
        return false;
    for (const QString &label : verdict.labels)
        if (label != QLatin1String("contact_info"))
            return false;
    return true;
}

/// The one writer of chat messages in this process (it groups concurrent sends).
MessageWriter &messageWriter()
{
    static MessageWriter writer(
        [](const QString &text, const QStringList &receiverTopics, bool revealed) {
            ModerationVerdict verdict =
                g_rules ? g_rules->check(text, receiverTopics) : ModerationVerdict {};
            // Once revealed, friends may swap phone numbers and handles.
            if (revealed && onlyContactInfo(verdict))
                verdict = ModerationVerdict {};
            return verdict;
        },
        [](const MessageRow &message, const QString &receiverId) {
            if (EventBus *bus = g_bus.load()) {
                bus->publishToUser(receiverId,
                                   ConversationService::chatMessageFrame(message, receiverId));
                bus->publishToUser(
                    message.senderUserId,
                    ConversationService::chatMessageFrame(message, message.senderUserId));
            }
        });
    return writer;
}

QJsonObject closedFrame(const QString &conversationId, const QString &reason)
{
    return {{QStringLiteral("type"), type(ws::ConversationClosed)},
            {QStringLiteral("conversation_id"), conversationId},
            {QStringLiteral("reason"), reason}};
}

QJsonObject gateOpenFrame(const ConversationRow &row, int gate)
{
    return {{QStringLiteral("type"), type(ws::GateOpen)},
            {QStringLiteral("conversation_id"), row.id},
            {QStringLiteral("gate_minute"), gate * 10},
            {QStringLiteral("closes_at"), toWireTime(gateClosesAt(row, gate))}};
}

/// Closes an open conversation inside the caller's transaction and queues the events.
Result<bool> closeLocked(const ConversationRepository &repo, const ConversationRow &row,
                         conversation::CloseReason reason)
{
    const QString reasonName = conversation::closeReasonName(reason);
    Result<bool> closed = repo.close(row, reasonName, QDateTime::currentDateTimeUtc());
    if (!closed || !*closed)
        return closed;
    publishAfterCommit(row.userA, closedFrame(row.id, reasonName));
    publishAfterCommit(row.userB, closedFrame(row.id, reasonName));
    return true;
}

QJsonObject peerProfileJson(const QString &userId)
{
    Result<std::optional<PublicProfile>> profile = loadPublicProfile(userId);
    if (profile && profile->has_value())
        return publicProfileJson(**profile);
    return {{QStringLiteral("user_id"), userId},
            {QStringLiteral("nickname"), QJsonValue::Null},
            {QStringLiteral("avatar_url"), QJsonValue::Null},
            {QStringLiteral("bio"), QJsonValue::Null}};
}

/// The reveal, inside the caller's transaction: conversation revealed, match friend_revealed,
/// the friendship (new or revived) with its created event, XP for both, then the events.
Result<bool> revealLocked(const ConversationRepository &repo, const ConversationRow &row)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<bool> revealed = repo.markRevealed(row, now);
    if (!revealed || !*revealed)
        return revealed;
    Result<QString> friendshipId =
        repo.upsertFriendship(row.userA, row.userB, row.matchSessionId, now);
    if (!friendshipId)
        return friendshipId.error();
    if (Status s =
            repo.insertFriendshipCreatedEvent(*friendshipId, row.id, row.matchSessionId, now);
        !s)
        return s.error();
    const EngagementRepository engagement;
    for (const QString &user : {row.userA, row.userB})
        if (Result<int> xp = engagement.awardXp(user, XpSource::Friendship, *friendshipId); !xp)
            return xp.error();
    for (const QString &user : {row.userA, row.userB}) {
        publishAfterCommit(user,
                           {{QStringLiteral("type"), type(ws::ConversationRevealed)},
                            {QStringLiteral("conversation_id"), row.id},
                            {QStringLiteral("friendship_id"), *friendshipId},
                            {QStringLiteral("peer"), peerProfileJson(row.peerOf(user))}});
    }
    return true;
}

/// Resolves gate `gate` (1..3) from both decisions (a missing one counts as not_yet), once.
Result<QString> resolveGateLocked(const ConversationRepository &repo, const ConversationRow &row,
                                  int gate, const QString &first, const QString &second)
{
    const auto said = [&](const QString &d) {
        return first == d || second == d;
    };
    QString outcome;
    if (first == kRevealYes && second == kRevealYes)
        outcome = QStringLiteral("revealed");
    else if (said(kEndChat) || gate == kGateCount)
        outcome = QStringLiteral("closed");
    else
        outcome = QStringLiteral("continued");
    Result<bool> claimed = repo.claimResolution(row.id, gate, outcome);
    if (!claimed)
        return claimed.error();
    if (!*claimed)
        return QString(); // resolved elsewhere
    for (const QString &user : {row.userA, row.userB})
        publishAfterCommit(user,
                           {{QStringLiteral("type"), type(ws::GateResult)},
                            {QStringLiteral("conversation_id"), row.id},
                            {QStringLiteral("gate_minute"), gate * 10},
                            {QStringLiteral("outcome"), outcome}});
    if (outcome == QLatin1String("revealed")) {
        if (Result<bool> r = revealLocked(repo, row); !r)
            return r.error();
    } else if (outcome == QLatin1String("closed")) {
        const conversation::CloseReason reason = first == kEndChat && second == kEndChat
            ? conversation::CloseReason::MutualEnd
            : said(kEndChat) ? conversation::CloseReason::UserEnd
                             : conversation::CloseReason::Timeout;
        if (Result<bool> r = closeLocked(repo, row, reason); !r)
            return r.error();
    }
    return outcome;
}

/// Loads a conversation the caller takes part in (locked when asked); NotFound otherwise.
Result<ConversationRow> participantRow(const ConversationRepository &repo,
                                       const QString &conversationId, const QString &userId,
                                       bool forUpdate)
{
    if (QUuid::fromString(conversationId).isNull())
        return conversation::notFoundError();
    Result<std::optional<ConversationRow>> row = repo.find(conversationId, forUpdate);
    if (!row)
        return row.error();
    if (!row->has_value() || !(*row)->isParticipant(userId))
        return conversation::notFoundError();
    return **row;
}

} // namespace

namespace conversation {

QString initialize(const Config &config)
{
    g_gateInterval = config.gateIntervalSeconds > 0 ? config.gateIntervalSeconds : 600;
    Result<ModerationRules> rules =
        ModerationRules::fromFiles(QStringLiteral(":/resources/moderation/rules.json"),
                                   QStringLiteral(":/resources/catalog/catalog.json"));
    if (!rules)
        return QStringLiteral("moderation rules: %1").arg(rules.error().message);
    g_rules = std::make_shared<const ModerationRules>(std::move(rules).value());
    return {};
}

void setEventBus(EventBus *bus)
{
    g_bus = bus;
}

int gateIntervalSeconds()
{
    return g_gateInterval.load();
}

AppError notFoundError()
{
    return AppError::notFound(QStringLiteral("No such conversation"));
}

AppError closedError()
{
    return conflictBecause(QStringLiteral("The conversation is closed"),
                           QStringLiteral("conversation_closed"));
}

quint64 messageBatchCount()
{
    return messageWriter().batchCount();
}

quint64 storedMessageCount()
{
    return messageWriter().storedCount();
}

QString closeReasonName(CloseReason reason)
{
    switch (reason) {
    case CloseReason::MutualEnd:
        return QStringLiteral("mutual_end");
    case CloseReason::UserEnd:
        return QStringLiteral("user_end");
    case CloseReason::PanicExit:
        return QStringLiteral("panic_exit");
    case CloseReason::Timeout:
        break;
    }
    return QStringLiteral("timeout");
}

Result<bool> closeConversation(const QString &conversationId, CloseReason reason,
                               const QString &actorUserId)
{
    const ConversationRepository repo;
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<ConversationRow>> row = repo.find(conversationId, true);
    if (!row)
        return row.error();
    if (!row->has_value() || !(*row)->isOpen()) {
        // Nothing to do is not a failure: commit (a no-op) so a caller's transaction that this
        // one joined is not doomed by an implicit rollback.
        if (!tx.commit())
            return databaseUnavailable();
        return false;
    }
    Result<bool> closed = closeLocked(repo, **row, reason);
    if (!closed)
        return closed;
    if (!tx.commit())
        return databaseUnavailable();
    if (*closed)
        log::info(QStringLiteral("conversation_closed"),
                  {{QStringLiteral("conversation_id"), conversationId},
                   {QStringLiteral("reason"), closeReasonName(reason)},
                   {QStringLiteral("actor_user_id"), actorUserId}});
    return closed;
}

namespace {
Result<QStringList> closeAll(const Result<QStringList> &ids, CloseReason reason)
{
    if (!ids)
        return ids.error();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    QStringList closed;
    for (const QString &id : *ids) {
        Result<bool> r = closeConversation(id, reason, {});
        if (!r)
            return r.error();
        if (*r)
            closed.append(id);
    }
    if (!tx.commit())
        return databaseUnavailable();
    return closed;
}
} // namespace

Result<QStringList> closeConversationsBetween(const QString &userA, const QString &userB,
                                              CloseReason reason)
{
    return closeAll(ConversationRepository().openIdsBetween(userA, userB), reason);
}

Result<QStringList> closeConversationsOf(const QString &userId, CloseReason reason)
{
    return closeAll(ConversationRepository().openIdsOf(userId), reason);
}

Result<QString> peerOf(const QString &conversationId, const QString &userId)
{
    Result<ConversationRow> row =
        participantRow(ConversationRepository(), conversationId, userId, false);
    if (!row)
        return row.error();
    return row->peerOf(userId);
}

} // namespace conversation

QJsonObject ConversationService::messageJson(const MessageRow &m, const QString &viewerId)
{
    const bool mine = m.senderUserId == viewerId;
    QString label = m.moderationLabel;
    // The off-limits label is the receiver's preference: the sender never learns it.
    if (mine && label.startsWith(QLatin1String("off_limits:")))
        label.clear();
    return {{QStringLiteral("id"), m.id},
            {QStringLiteral("sender"), mine ? QStringLiteral("me") : QStringLiteral("peer")},
            {QStringLiteral("text"), m.text},
            {QStringLiteral("created_at"), toWireTime(m.createdAt)},
            {QStringLiteral("moderation_label"), nullable(label)}};
}

QJsonObject ConversationService::chatMessageFrame(const MessageRow &m, const QString &viewerId)
{
    QJsonObject frame {{QStringLiteral("type"), type(ws::ChatMessage)},
                       {QStringLiteral("conversation_id"), m.conversationId},
                       {QStringLiteral("message"), messageJson(m, viewerId)}};
    if (m.senderUserId == viewerId && !m.clientMsgId.isEmpty())
        frame.insert(QStringLiteral("client_msg_id"), m.clientMsgId);
    return frame;
}

Result<QJsonObject> ConversationService::get(const QString &viewerId,
                                             const QString &conversationId) const
{
    Result<ConversationRow> row = participantRow(m_repo, conversationId, viewerId, false);
    if (!row)
        return row.error();
    Result<QList<GateDecisionRow>> decisions = m_repo.decisions(row->id);
    if (!decisions)
        return decisions.error();
    QJsonArray gates;
    for (int gate = 1; gate <= kGateCount; ++gate) {
        QString mine;
        bool peerDecided = false;
        for (const GateDecisionRow &d : *decisions) {
            if (d.gateMinute != gate * 10)
                continue;
            if (d.userId == viewerId)
                mine = d.decision;
            else
                peerDecided = true;
        }
        QJsonValue outcome = QJsonValue::Null;
        if (gate < row->gatesResolved)
            outcome = QStringLiteral("continued");
        else if (gate == row->gatesResolved)
            outcome = nullable(row->lastGateOutcome);
        gates.append(
            QJsonObject {{QStringLiteral("gate_minute"), gate * 10},
                         {QStringLiteral("opens_at"), toWireTime(gateOpensAt(*row, gate))},
                         {QStringLiteral("closes_at"), toWireTime(gateClosesAt(*row, gate))},
                         {QStringLiteral("my_decision"), nullable(mine)},
                         {QStringLiteral("peer_decided"), peerDecided},
                         {QStringLiteral("outcome"), outcome}});
    }
    QString friendshipId;
    if (row->state == QLatin1String("revealed")) {
        Result<QString> id = m_repo.friendshipIdOf(row->userA, row->userB);
        if (!id)
            return id.error();
        friendshipId = *id;
    }
    return QJsonObject {{QStringLiteral("id"), row->id},
                        {QStringLiteral("match_session_id"), row->matchSessionId},
                        {QStringLiteral("state"), row->state},
                        {QStringLiteral("started_at"), toWireTime(row->startedAt)},
                        {QStringLiteral("closed_at"), nullableTime(row->closedAt)},
                        {QStringLiteral("close_reason"), nullable(row->closeReason)},
                        {QStringLiteral("gates"), gates},
                        {QStringLiteral("friendship_id"), nullable(friendshipId)}};
}

Result<QJsonObject> ConversationService::end(const Caller &caller,
                                             const QString &conversationId) const
{
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = participantRow(m_repo, conversationId, caller.userId, true);
        if (!row)
            return row.error();
        if (!row->isOpen())
            return conflictBecause(QStringLiteral("The conversation is not open"),
                                   QStringLiteral("conversation_closed"));
        if (Result<bool> closed = closeLocked(m_repo, *row, conversation::CloseReason::UserEnd);
            !closed)
            return closed.error();
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

Result<SentMessage> ConversationService::send(const Caller &caller, const QString &conversationId,
                                              const QString &clientMsgId,
                                              const QString &rawText) const
{
    if (!validClientMsgId(clientMsgId))
        return AppError::validation({{QStringLiteral("client_msg_id"),
                                      QStringLiteral("must be 1-64 of A-Z a-z 0-9 . _ : -")}});
    Result<QString> text = validatedText(rawText);
    if (!text)
        return text.error();
    if (caller.restricted)
        return AppError::forbidden(QStringLiteral("Restricted accounts cannot chat"));

    if (QUuid::fromString(conversationId).isNull())
        return conversation::notFoundError();
    return messageWriter().write({caller.userId, conversationId, clientMsgId, *text});
}

Result<MessagePage> ConversationService::messages(const QString &viewerId,
                                                  const QString &conversationId,
                                                  const QString &afterMessageId, int limit) const
{
    Result<ConversationRow> row = participantRow(m_repo, conversationId, viewerId, false);
    if (!row)
        return row.error();
    quint64 afterSeq = 0;
    if (!afterMessageId.isEmpty()) {
        Result<std::optional<quint64>> seq = m_repo.seqOf(row->id, afterMessageId);
        if (!seq)
            return seq.error();
        if (!seq->has_value())
            return AppError::validation(
                {{QStringLiteral("after"),
                  QStringLiteral("is not a message of this conversation")}});
        afterSeq = **seq;
    }
    Result<QList<MessageRow>> rows = m_repo.messagesAfter(row->id, afterSeq, limit + 1);
    if (!rows)
        return rows.error();
    MessagePage page;
    page.items = *rows;
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.nextCursor = page.items.last().id;
    }
    return page;
}

Status ConversationService::typing(const Caller &caller, const QString &conversationId) const
{
    Result<ConversationRow> row = participantRow(m_repo, conversationId, caller.userId, false);
    if (!row)
        return row.error();
    if (row->state == QLatin1String("closed"))
        return conversation::closedError();
    publishAfterCommit(row->peerOf(caller.userId),
                       {{QStringLiteral("type"), type(ws::ChatTyping)},
                        {QStringLiteral("conversation_id"), row->id}});
    return Ok {};
}

Result<QList<QJsonObject>> ConversationService::resume(const QString &viewerId,
                                                       const QString &conversationId,
                                                       const QString &afterMessageId) const
{
    QList<QJsonObject> frames;
    QString after = afterMessageId;
    constexpr int kBatch = 200;
    for (;;) {
        Result<MessagePage> page = messages(viewerId, conversationId, after, kBatch);
        if (!page)
            return page.error();
        for (const MessageRow &m : page->items)
            frames.append(chatMessageFrame(m, viewerId));
        if (page->nextCursor.isEmpty())
            break;
        after = page->nextCursor;
    }
    Result<ConversationRow> row = participantRow(m_repo, conversationId, viewerId, false);
    if (!row)
        return row.error();
    if (row->state == QLatin1String("decision_gate") && row->gatesAnnounced > row->gatesResolved)
        frames.append(gateOpenFrame(*row, row->gatesAnnounced));
    return frames;
}

Result<QJsonObject> ConversationService::decide(const Caller &caller, const QString &conversationId,
                                                int gateMinute, const QString &decision) const
{
    if (gateMinute != 10 && gateMinute != 20 && gateMinute != 30)
        return AppError::validation(
            {{QStringLiteral("gate_minute"), QStringLiteral("must be 10, 20 or 30")}});
    if (decision != kRevealYes && decision != kNotYet && decision != kEndChat)
        return AppError::validation({{QStringLiteral("decision"),
                                      QStringLiteral("must be reveal_yes, not_yet or end_chat")}});
    if (caller.restricted)
        return AppError::forbidden(QStringLiteral("Restricted accounts cannot chat"));
    const int gate = gateMinute / 10;
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = participantRow(m_repo, conversationId, caller.userId, true);
        if (!row)
            return row.error();
        if (!row->isOpen())
            return conflictBecause(QStringLiteral("The conversation is not open"),
                                   QStringLiteral("conversation_closed"));
        if (gate != row->gatesAnnounced || row->gatesResolved >= gate)
            return conflictBecause(QStringLiteral("That decision gate is not open"),
                                   QStringLiteral("gate_not_open"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (Status s = m_repo.insertDecision(row->id, gateMinute, caller.userId, decision, now);
            !s) {
            if (s.error().code == ErrorCode::Conflict)
                return conflictBecause(QStringLiteral("You already decided at this gate"),
                                       QStringLiteral("already_decided"));
            return s.error();
        }
        Result<QList<GateDecisionRow>> decisions = m_repo.decisions(row->id);
        if (!decisions)
            return decisions.error();
        QString peerDecision;
        for (const GateDecisionRow &d : *decisions)
            if (d.gateMinute == gateMinute && d.userId != caller.userId)
                peerDecision = d.decision;
        if (!peerDecision.isEmpty()) {
            Result<QString> outcome = resolveGateLocked(m_repo, *row, gate, decision, peerDecision);
            if (!outcome)
                return outcome.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

Result<QJsonObject> ConversationService::consentToReveal(const Caller &caller,
                                                         const QString &conversationId) const
{
    if (caller.restricted)
        return AppError::forbidden(QStringLiteral("Restricted accounts cannot chat"));
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = participantRow(m_repo, conversationId, caller.userId, true);
        if (!row)
            return row.error();
        if (row->state == QLatin1String("closed"))
            return conversation::closedError();
        if (row->isOpen()) {
            if (Status s =
                    m_repo.insertConsent(row->id, caller.userId, QDateTime::currentDateTimeUtc());
                !s)
                return s.error();
            Result<int> consents = m_repo.consentCount(row->id);
            if (!consents)
                return consents.error();
            if (*consents >= 2)
                if (Result<bool> r = revealLocked(m_repo, *row); !r)
                    return r.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

void ConversationService::runDueGates() const
{
    const int interval = conversation::gateIntervalSeconds();
    Result<QStringList> due = m_repo.dueForGates(QDateTime::currentDateTimeUtc(), interval, 100);
    if (!due)
        return; // logged by the repository; the next pass retries
    for (const QString &id : *due) {
        // A few steps per pass lets a conversation catch up after downtime (resolve, announce).
        for (int step = 0; step < 2 * kGateCount; ++step) {
            const QDateTime now = QDateTime::currentDateTimeUtc();
            Transaction tx;
            if (!tx.begin())
                return;
            Result<std::optional<ConversationRow>> found = m_repo.find(id, true);
            if (!found || !found->has_value() || !(*found)->isOpen())
                break;
            const ConversationRow row = **found;
            bool progressed = false;
            int announced = row.gatesAnnounced;
            if (announced > row.gatesResolved && now >= gateClosesAt(row, announced)) {
                // Unanswered decisions count as not_yet.
                QString a = kNotYet, b = kNotYet;
                Result<QList<GateDecisionRow>> decisions = m_repo.decisions(row.id);
                if (!decisions)
                    break;
                for (const GateDecisionRow &d : *decisions) {
                    if (d.gateMinute != announced * 10)
                        continue;
                    (d.userId == row.userA ? a : b) = d.decision;
                }
                Result<QString> outcome = resolveGateLocked(m_repo, row, announced, a, b);
                if (!outcome)
                    break;
                progressed = !outcome->isEmpty();
                if (*outcome != QLatin1String("continued")) {
                    tx.commit();
                    break;
                }
            }
            if (announced < kGateCount && now >= gateOpensAt(row, announced + 1) &&
                (announced == row.gatesResolved || progressed)) {
                Result<bool> claimed = m_repo.claimAnnouncement(row.id, announced + 1);
                if (!claimed)
                    break;
                if (*claimed) {
                    progressed = true;
                    for (const QString &user : {row.userA, row.userB})
                        publishAfterCommit(user, gateOpenFrame(row, announced + 1));
                }
            }
            if (!tx.commit() || !progressed)
                break;
        }
    }
}

} // namespace fp
