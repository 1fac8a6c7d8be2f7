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
//
// A chat.send frame does not hold a worker while its message is stored: writeAsync() queues it
// for the writer's own thread, which takes whatever is queued as one batch and calls each
// message's `answered` after the commit. A message used to cost a worker's wake-up, a
// group-commit hand-over and a wait; now it costs a queue push (docs/performance.md). One
// writer, not several: two writers, each gathering while the other wrote, made batches a
// third as big and cost 40 % more CPU per message in ws_bench. Two writers each with its own
// conversations (2026-12-06, 5,000 messages/s) cut the median relay time by a third but cost
// the server 12 % and MariaDB 22 % more CPU per message, and the p99 stayed above 20 ms.
// Sending a batch's five statements in two round trips (BEGIN with the lock, the rows with the
// COMMIT, as several statements per call on the writer's connection) changed nothing measurable
// in two alternating pairs of runs (server 84-85 us a message, MariaDB's CPU and the p99 the
// same), so the writer's connection refuses several statements per call like every other.
// A second thread that wrote the frames and answers of each committed batch, so the writer could
// start the next batch at once (2026-12-07), cost the server 4-5 us a message for the
// hand-over, and in six alternating pairs of runs its p99 could not be told from this one
// thread's, so the writer delivers its batches itself.

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
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

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

    /// Called once with a message's answer, on a writer thread (or at once, on the calling
    /// thread, when the writer is stopped).
    using Answered = std::function<void(Result<SentMessage>)>;

    static constexpr int kMaxBatch = 64;
    /// How long a batch waits for company while messages flow, and how many messages end the
    /// wait or make it needless (see runWriter). Batches of 8-10 cost the writer about 77 µs
    /// a message, batches of 3 about 112 µs (docs/performance.md, "The chat relay").
    static constexpr std::chrono::microseconds kLinger {2000};
    static constexpr int kEnoughCompany = 8;

    MessageWriter(const ConversationRepository &repository, Moderate moderate, Deliver deliver,
                  Evidence evidence = {});
    ~MessageWriter();

    /// Stores one message. Inside an open transaction it joins that transaction as a batch of
    /// one (the idempotency stage keeps its response in the same one); otherwise it is grouped
    /// with whatever other messages are being sent right now.
    Result<SentMessage> write(const OutgoingMessage &message);
    /// Stores one message without waiting for it: queued for the writer threads (started on
    /// first use), batched with whatever else is queued, answered after its batch commits.
    void writeAsync(OutgoingMessage message, Answered answered);
    /// Writes what is queued, then stops the writer threads; later messages are answered 503.
    void stop();

    /// Batches written so far (a lone message counts as one), and the messages they stored:
    /// their ratio is the mean batch size (exported in /metrics).
    quint64 batchCount() const { return m_group.batchCount() + m_asyncBatches.load(); }
    quint64 storedCount() const { return m_stored.load(); }

private:
    QList<Result<SentMessage>> writeBatch(const QList<OutgoingMessage> &batch) const;
    QList<Result<SentMessage>> writeEachAlone(const QList<OutgoingMessage> &batch) const;
    void runWriter();

    struct Queued
    {
        OutgoingMessage message;
        Answered answered;
    };

    Moderate m_moderate;
    Deliver m_deliver;
    Evidence m_evidence;
    const ConversationRepository &m_repo;
    GroupCommit<OutgoingMessage, Result<SentMessage>> m_group;
    mutable std::atomic<quint64> m_stored {0};

    std::mutex m_queueMutex;
    std::condition_variable m_queued;
    std::deque<Queued> m_queue;
    std::thread m_writer;
    bool m_stopped = false;
    bool m_lingering = false; // the writer waits for a batch to fill (runWriter)
    std::atomic<quint64> m_asyncBatches {0};
};

} // namespace fp
