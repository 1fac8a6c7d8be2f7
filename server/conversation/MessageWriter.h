#pragma once

// Stores chat messages, the busiest write of the product, a batch at a time. Messages sent at
// the same moment from different sockets share one transaction through GroupCommit: it locks
// their conversations, reads the re-sent client_msg_ids and the receivers' off-limits topics,
// moderates each message, and appends every accepted one with its seq in two statements. A
// lone message is a batch of one; at 2,000 messages/s batches of several cut the statements
// per message from five to one or two (see README "Benchmarks").
//
// Each message gets exactly the answer it would get alone: 404 when the sender is not a
// participant, the stored message for a re-sent client_msg_id, 409 conversation_closed when
// the conversation is closed or either side blocked the other, 400 when moderation refuses it.
// A batch that fails as a whole (database away) answers 503 to every message in it.

#include "common/Result.h"
#include "server/base/GroupCommit.h"
#include "server/conversation/ConversationRepository.h"
#include "server/conversation/ConversationTypes.h"
#include "server/safety/ModerationRules.h"
#include "server/safety/SafetyTypes.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <atomic>
#include <functional>

namespace fp {

class MessageWriter
{
public:
    /// The verdict on `text` for a receiver with `receiverTopics`, in a conversation that is
    /// `revealed` or not yet.
    using Moderate = std::function<ModerationVerdict(
        const QString &text, const QStringList &receiverTopics, bool revealed)>;
    /// Called once per stored message after its transaction commits.
    using Deliver = std::function<void(const MessageRow &message, const QString &receiverId)>;
    /// Called inside the batch's transaction for each message a rule flagged or blocked, so
    /// moderation keeps the evidence with the message's fate (SafetyService::recordRuleVerdict).
    using Evidence = std::function<Status(const RuleVerdict &verdict)>;

    static constexpr int kMaxBatch = 64;

    MessageWriter(const ConversationRepository &repository, Moderate moderate, Deliver deliver,
                  Evidence evidence = {});

    /// Stores one message. Inside an open transaction it joins that transaction as a batch of
    /// one (the idempotency stage keeps its response in the same one); otherwise it is grouped
    /// with whatever other messages are being sent right now.
    Result<SentMessage> write(const OutgoingMessage &message);

    /// Batches written so far (a lone message counts as one), and the messages they stored:
    /// their ratio is the mean batch size (exported in /metrics).
    quint64 batchCount() const { return m_group.batchCount(); }
    quint64 storedCount() const { return m_stored.load(); }

private:
    QList<Result<SentMessage>> writeBatch(const QList<OutgoingMessage> &batch) const;
    QList<Result<SentMessage>> writeEachAlone(const QList<OutgoingMessage> &batch) const;

    Moderate m_moderate;
    Deliver m_deliver;
    Evidence m_evidence;
    const ConversationRepository &m_repo;
    GroupCommit<OutgoingMessage, Result<SentMessage>> m_group;
    mutable std::atomic<quint64> m_stored {0};
};

} // namespace fp
