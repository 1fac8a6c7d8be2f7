#pragma once

// All SQL of the conversation domain: conversation_sessions (with its match), messages, decision
// gates, reveal consents, and the friendship rows a reveal writes. Callers own the transaction.

#include "common/Result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

struct ConversationRow
{
    QString id;
    QString matchSessionId;
    QString state; // anonymous, decision_gate, revealed, closed
    QDateTime startedAt;
    QDateTime closedAt;
    QDateTime revealedAt;
    QString closeReason;
    int gatesAnnounced = 0;
    int gatesResolved = 0;
    QString lastGateOutcome;
    QString userA;
    QString userB;

    bool isParticipant(const QString &userId) const { return userId == userA || userId == userB; }
    QString peerOf(const QString &userId) const { return userId == userA ? userB : userA; }
    bool isOpen() const
    {
        return state == QLatin1String("anonymous") || state == QLatin1String("decision_gate");
    }
};

struct MessageRow
{
    QString id;
    QString conversationId;
    QString senderUserId;
    quint64 seq = 0;
    QString clientMsgId;
    QString text;
    bool containsSensitive = false;
    QString moderationLabel;
    QDateTime createdAt;
};

/// Everything the send path decides on, read in one query (see ConversationRepository::
/// sendContext): a chat message is the busiest write, and each separate read was a round trip.
struct SendContext
{
    ConversationRow conversation;
    bool blocked = false; // either participant blocked the other
    QStringList peerOffLimitsTopics; // the receiver's, for moderation
    std::optional<MessageRow> existing; // the sender's message with this client_msg_id
};

struct GateDecisionRow
{
    int gateMinute = 0;
    QString userId;
    QString decision;
};

class ConversationRepository
{
public:
    /// The conversation and its match's participants; `forUpdate` locks both rows.
    Result<std::optional<ConversationRow>> find(const QString &conversationId,
                                                bool forUpdate = false) const;
    /// Ids of the open (anonymous, decision_gate) conversations between two users / of one user.
    Result<QStringList> openIdsBetween(const QString &userA, const QString &userB) const;
    Result<QStringList> openIdsOf(const QString &userId) const;

    /// Closes an open conversation and ends its match; false when it was not open.
    Result<bool> close(const ConversationRow &row, const QString &reason,
                       const QDateTime &now) const;

    // Messages
    /// The conversation as `senderId` would send into it with `clientMsgId`; nullopt when there
    /// is no such conversation (participation is the caller's to check).
    Result<std::optional<SendContext>> sendContext(const QString &conversationId,
                                                   const QString &senderId,
                                                   const QString &clientMsgId) const;
    Result<std::optional<MessageRow>> findByClientMsgId(const QString &conversationId,
                                                        const QString &senderId,
                                                        const QString &clientMsgId) const;
    /// Reserves the next seq of a conversation that still takes messages (anonymous,
    /// decision_gate, revealed); nullopt when it does not.
    Result<std::optional<quint64>> reserveSeq(const QString &conversationId) const;
    /// DuplicateKey (a concurrent re-send of the same client_msg_id) comes back as conflict.
    Status insertMessage(const MessageRow &message) const;
    /// Messages with seq > afterSeq, oldest first, at most `limit`.
    Result<QList<MessageRow>> messagesAfter(const QString &conversationId, quint64 afterSeq,
                                            int limit) const;
    /// The seq of a message of this conversation, or nullopt.
    Result<std::optional<quint64>> seqOf(const QString &conversationId,
                                         const QString &messageId) const;

    // Gates
    Result<QList<GateDecisionRow>> decisions(const QString &conversationId) const;
    /// DuplicateKey (a second decision at a gate) comes back as conflict.
    Status insertDecision(const QString &conversationId, int gateMinute, const QString &userId,
                          const QString &decision, const QDateTime &now) const;
    /// Claims the announcement of gate `gate` (1..3): true for exactly one caller.
    Result<bool> claimAnnouncement(const QString &conversationId, int gate) const;
    /// Claims the resolution of gate `gate`: true for exactly one caller. A continued gate
    /// puts the conversation back to anonymous.
    Result<bool> claimResolution(const QString &conversationId, int gate,
                                 const QString &outcome) const;
    /// Open conversations with a gate to announce or to time out at `now`.
    Result<QStringList> dueForGates(const QDateTime &now, int intervalSeconds, int limit) const;

    // Reveal
    Status insertConsent(const QString &conversationId, const QString &userId,
                         const QDateTime &now) const;
    Result<int> consentCount(const QString &conversationId) const;
    /// Conversation revealed, match friend_revealed; false when it was not open.
    Result<bool> markRevealed(const ConversationRow &row, const QDateTime &now) const;
    /// The friendship of the pair: created, or an ended one revived. Returns its id.
    Result<QString> upsertFriendship(const QString &userA, const QString &userB,
                                     const QString &matchSessionId, const QDateTime &now) const;
    Status insertFriendshipCreatedEvent(const QString &friendshipId, const QString &conversationId,
                                        const QString &matchSessionId, const QDateTime &now) const;
    /// The current (not ended) friendship of the pair, or empty.
    Result<QString> friendshipIdOf(const QString &userA, const QString &userB) const;
};

} // namespace fp
