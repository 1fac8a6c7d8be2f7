#pragma once

// The conversation domain's rules (API_SPEC.md "Conversations"): who may read and write a chat,
// message validation and moderation, decision gates, reveal and close. HTTP routes and WebSocket
// frames are thin adapters over these calls; events to people go out through the EventBus after
// the transaction that caused them commits. ConversationLifecycle.h is implemented here too.

#include "common/Result.h"
#include "server/conversation/ConversationRepository.h"
#include "server/conversation/MessageWriter.h"
#include "server/core/Http.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace fp {

class EventBus;
class ModerationRules;
struct Config;

namespace conversation {
/// Loads the moderation rules and the gate interval; a non-empty answer stops the server.
QString initialize(const Config &config);
/// Where events go (set once the bus exists; without it nothing is published).
void setEventBus(EventBus *bus);
int gateIntervalSeconds();
/// The answers every conversation operation shares: 404 for a conversation the caller is not
/// in (or that does not exist), 409 conversation_closed for one that takes nothing any more.
AppError notFoundError();
AppError closedError();
/// The chat message writer's counters (MessageWriter::batchCount / storedCount).
quint64 messageBatchCount();
quint64 storedMessageCount();
} // namespace conversation

struct MessagePage
{
    QList<MessageRow> items;
    QString nextCursor;
};

class ConversationService
{
public:
    /// The conversation as `viewerId` sees it (API Conversation object); NotFound for others.
    Result<QJsonObject> get(const QString &viewerId, const QString &conversationId) const;
    /// POST .../end: closes with user_end; 409 when not open.
    Result<QJsonObject> end(const Caller &caller, const QString &conversationId) const;

    /// chat.send and POST .../messages. Text is trimmed and validated here.
    Result<SentMessage> send(const Caller &caller, const QString &conversationId,
                             const QString &clientMsgId, const QString &text) const;
    Result<MessagePage> messages(const QString &viewerId, const QString &conversationId,
                                 const QString &afterMessageId, int limit) const;
    /// Relays chat.typing to the peer of an open or revealed conversation.
    Status typing(const Caller &caller, const QString &conversationId) const;
    /// The frames `resume` answers: every message after `afterMessageId`, then the open gate.
    Result<QList<QJsonObject>> resume(const QString &viewerId, const QString &conversationId,
                                      const QString &afterMessageId) const;

    Result<QJsonObject> decide(const Caller &caller, const QString &conversationId, int gateMinute,
                               const QString &decision) const;
    Result<QJsonObject> consentToReveal(const Caller &caller, const QString &conversationId) const;

    /// One scheduler pass: announces due gates and times out unanswered ones. Safe to run on
    /// every instance at once: each step is claimed with a conditional UPDATE.
    void runDueGates() const;

    static QJsonObject messageJson(const MessageRow &message, const QString &viewerId);
    static QJsonObject chatMessageFrame(const MessageRow &message, const QString &viewerId);

private:
    ConversationRepository m_repo;
};

} // namespace fp
