#pragma once

// The conversation domain (API_SPEC "Conversations"): who may read and write a chat, messages
// (validated, moderated with the receiver's off-limits topics, stored a batch at a time by
// MessageWriter), decision gates, reveal (which befriends the two) and close, the panic exit,
// and the retention of messages. HTTP routes and WebSocket frames are thin adapters over these
// calls; frames to people go out through the notifier after the transaction that caused them
// commits. Restricted accounts are refused by the routes and frames (Access::Participant).
// No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/conversation/ConversationRepository.h"
#include "server/conversation/MessageWriter.h"
#include "server/safety/SafetyPorts.h"

#include <QJsonObject>

namespace fp {

class EngagementService;
class FriendshipService;
class MatchingService;
class ModerationRules;
class ProfileService;
class SafetyService;
class UserNotifier;
struct MatchMade;

struct ConversationSettings
{
    int gateIntervalSeconds = 600; // gates open at 1x, 2x, 3x this after the start
    int messageRetentionDays = 30;
};

class ConversationService
{
public:
    ConversationService(const ConversationRepository &repository, const MatchingService &matching,
                        const FriendshipService &friendships, const SafetyService &safety,
                        const ProfileService &profiles, const EngagementService &engagement,
                        const ModerationRules &rules, UserNotifier &notifier,
                        ConversationSettings settings);
    ~ConversationService();

    /// The conversation as `viewerId` sees it; NotFound for anyone else.
    Result<ConversationView> get(const QString &viewerId, const QString &conversationId) const;
    /// POST .../end: closes with user_end; 409 when not open.
    Result<ConversationView> end(const Caller &caller, const QString &conversationId) const;
    /// POST .../messages (and chat.send inside a transaction): waits for the message's batch.
    Result<SentMessage> send(const Caller &caller, const QString &conversationId,
                             const QString &clientMsgId, const QString &text) const;
    /// chat.send: the same answer, given to `answered` once the message's batch committed
    /// (on a message writer thread), without holding the calling thread meanwhile.
    void send(const Caller &caller, const QString &conversationId, const QString &clientMsgId,
              const QString &text, MessageWriter::Answered answered) const;
    /// Shutdown: writes what is queued; chat messages sent later are answered 503.
    void stopWritingMessages() const;
    /// The messages after `afterMessageId` (from the start when empty); a position that is not
    /// a message of the conversation is a problem at `afterField` (the query parameter that
    /// held it).
    Result<MessagePage> messages(const QString &viewerId, const QString &conversationId,
                                 const QString &afterMessageId, const QString &afterField,
                                 int limit) const;
    /// Relays chat.typing to the peer of an open or revealed conversation.
    Status typing(const Caller &caller, const QString &conversationId) const;
    /// What `resume` answers: every message after `afterMessageId`, then the open gate.
    Result<ResumeView> resume(const QString &viewerId, const QString &conversationId,
                              const QString &afterMessageId) const;
    Result<ConversationView> decide(const Caller &caller, const QString &conversationId,
                                    int gateMinute, const QString &decision) const;
    Result<ConversationView> consentToReveal(const Caller &caller,
                                             const QString &conversationId) const;
    /// Atomically: the conversation closed (panic_exit), the peer blocked, a report filed
    /// (severity at least high), the caller taken out of the queue.
    Result<PanicExitResult> panicExit(const Caller &caller, const QString &conversationId,
                                      const PanicExitInput &input) const;

    /// One scheduler pass: announces due gates and times out unanswered ones. Safe to run on
    /// every instance at once: each step is claimed with a conditional UPDATE.
    void runDueGates() const;
    /// Deletes messages older than the retention period, except those under review; returns
    /// how many.
    Result<int> deleteExpiredMessages(const QDateTime &now) const;

    // For other domains (wired by the application: events and ports).
    /// A match was made: its conversation opens (inside the match's transaction).
    Status open(const MatchMade &match) const;
    /// Closes every open conversation between two people (a block); returns their ids.
    /// `actorUserId`: who caused it (the blocker), empty for the system.
    Result<QStringList> closeBetween(const QString &userA, const QString &userB, CloseReason reason,
                                     const QString &actorUserId) const;
    /// Closes every open conversation of one person (a ban, an account deletion); `actorUserId`
    /// as for closeBetween (the moderator, the person deleting their account).
    Result<QStringList> closeAllOf(const QString &userId, CloseReason reason,
                                   const QString &actorUserId) const;
    /// The other participant of a conversation `userId` takes part in; NotFound otherwise.
    Result<ConversationPeer> peerOf(const QString &conversationId, const QString &userId) const;
    Result<QList<admin::ReportMessage>> messagesAround(const QString &conversationId,
                                                       const QDateTime &at, int each) const;
    Result<std::optional<ConversationBrief>>
    conversationOfMatch(const QString &matchSessionId) const;
    Result<QJsonObject> exportFor(const QString &userId) const;

    /// The chat message writer's counters (MessageWriter::batchCount / storedCount).
    quint64 messageBatchCount() const { return m_writer->batchCount(); }
    quint64 storedMessageCount() const { return m_writer->storedCount(); }

private:
    void publishAfterCommit(const QString &userId, const QJsonObject &frame) const;
    /// A frame the person must not miss (UserNotifier::publishDurable), inside the transaction.
    void publishDurably(const QString &userId, const QJsonObject &frame) const;
    Result<ConversationRow> participantRow(const QString &conversationId, const QString &userId,
                                           bool forUpdate) const;
    /// The caller's conversation, locked for the transaction, while it is still open.
    Result<ConversationRow> openRowForUpdate(const QString &conversationId,
                                             const QString &userId) const;
    Result<ConversationView> viewOf(const ConversationRow &row, const QString &viewerId) const;
    GateView gateView(const ConversationRow &row, int gate) const;
    /// Every close goes through here, and records conversation.closed; `actorUserId` is who
    /// closed it (empty: the system, e.g. a gate timing out).
    Result<bool> closeLocked(const ConversationRow &row, CloseReason reason,
                             const QString &actorUserId) const;
    Result<bool> closeConversation(const QString &conversationId, CloseReason reason,
                                   const QString &actorUserId) const;
    Result<QStringList> closeAll(const Result<QStringList> &ids, CloseReason reason,
                                 const QString &actorUserId) const;
    /// Every reveal goes through here, and records conversation.revealed; `actorUserId` is the
    /// person whose decision or consent completed it (empty: the system).
    Result<bool> revealLocked(const ConversationRow &row, const QString &actorUserId) const;
    Result<QString> resolveGateLocked(const ConversationRow &row, int gate, const QString &first,
                                      const QString &second, const QString &actorUserId) const;
    ModerationVerdict moderate(const QString &text, const QStringList &receiverTopics,
                               bool revealed) const;

    const ConversationRepository &m_repository;
    const MatchingService &m_matching;
    const FriendshipService &m_friendships;
    const SafetyService &m_safety;
    const ProfileService &m_profiles;
    const EngagementService &m_engagement;
    const ModerationRules &m_rules;
    UserNotifier &m_notifier;
    ConversationSettings m_settings;
    std::unique_ptr<MessageWriter> m_writer;
};

} // namespace fp
