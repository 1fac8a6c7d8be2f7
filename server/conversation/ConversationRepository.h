#pragma once

// All SQL of the conversation domain: conversation_sessions (with its match), messages, decision
// gates, reveal consents, and the friendship rows a reveal writes. Callers own the transaction.

#include "common/Result.h"

#include <QDateTime>
#include <QHash>
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

/// A conversation locked for appending messages (ConversationRepository::lockForSending).
struct SendTarget
{
    ConversationRow conversation;
    quint64 lastSeq = 0; // the seq of its newest message
    bool blocked = false; // either participant blocked the other
    QStringList userATopics; // each participant's off-limits topic keys, for moderation
    QStringList userBTopics;

    const QStringList &offLimitsTopicsOf(const QString &userId) const
    {
        return userId == conversation.userA ? userATopics : userBTopics;
    }
};

/// A message as its sender names it before it is stored: client_msg_id is unique per sender
/// and conversation.
struct ClientMessageKey
{
    QString conversationId;
    QString senderId;
    QString clientMsgId;
    friend bool operator==(const ClientMessageKey &, const ClientMessageKey &) = default;
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

    // Messages, written a batch at a time (ConversationService::send groups them)
    /// Locks the conversations (in id order, so two batches never deadlock) for the rest of the
    /// transaction, by id, with what sending into them needs; ids that name no conversation are
    /// missing from the answer.
    Result<QHash<QString, SendTarget>> lockForSending(const QStringList &conversationIds) const;
    /// The stored messages among `keys` (re-sends of a client_msg_id).
    Result<QList<MessageRow>> findByClientKeys(const QList<ClientMessageKey> &keys) const;
    /// Stores the messages and moves each conversation's last seq to `lastSeqs`: true. False,
    /// with the seqs left alone, when a message's client_msg_id was stored before (a re-send):
    /// the others may be stored then, so the caller rolls back unless it was the only one.
    Result<bool> appendMessages(const QList<MessageRow> &messages,
                                const QHash<QString, quint64> &lastSeqs) const;
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
