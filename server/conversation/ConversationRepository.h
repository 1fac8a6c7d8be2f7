#pragma once

// All SQL of the conversation domain: conversation_sessions, messages, decision gates and
// reveal consents. A conversation's participants are its match's: every read joins
// match_sessions for them, and the chat send path also reads the receivers' off-limits topics
// and the pair's blocks in the same statement (the reads docs/architecture.md names). Callers
// own the transaction.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/conversation/ConversationTypes.h"

#include <QJsonObject>

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class ConversationRepository
{
public:
    /// The conversation and its match's participants; `forUpdate` locks both rows.
    Result<std::optional<ConversationRow>> find(const QString &conversationId,
                                                bool forUpdate = false) const;
    /// Ids of the open (anonymous, decision_gate) conversations between two users / of one user.
    Result<QStringList> openIdsBetween(const QString &userA, const QString &userB) const;
    Result<QStringList> openIdsOf(const QString &userId) const;

    /// Opens the conversation of a new match (state anonymous).
    Status open(const QString &conversationId, const QString &matchSessionId,
                const QDateTime &startedAt) const;
    /// The conversation of a match, if any.
    Result<std::optional<ConversationBrief>> ofMatch(const QString &matchSessionId) const;
    /// Closes an open conversation; false when it was not open.
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
    /// Conversation revealed; false when it was not open.
    Result<bool> markRevealed(const ConversationRow &row, const QDateTime &now) const;

    /// Up to `each` messages at or before `at` and `each` after it, in conversation order.
    Result<QList<admin::ReportMessage>> messagesAround(const QString &conversationId,
                                                       const QDateTime &at, int each) const;
    /// Deletes up to `limit` messages older than `cutoff`, except those of `keep`
    /// (conversations under review); returns how many.
    Result<int> deleteMessagesBefore(const QDateTime &cutoff, const QStringList &keep,
                                     int limit) const;
    /// The person's conversations, own messages, decisions and consents for their export.
    Result<QJsonObject> exportFor(const QString &userId) const;
};

} // namespace fp
