#pragma once

// Group commit: threads that each need one small write hand it to a shared queue, and whichever
// thread finds no batch in progress becomes the leader and writes everything queued so far in
// one go (one transaction), while the others wait for their own result. When writes are rare a
// batch holds one request and nobody waits; under load the batches grow with it, so the cost per
// request falls exactly when it matters. This is how InnoDB groups its log flushes; here it
// groups chat messages sent over HTTP (MessageWriter) and profile PUTs (ProfileService).
//
// The leader does the batch on its own thread, so a thread-local database connection is the
// leader's. A leader writes batches until its own request is answered, then hands the lead to
// the oldest waiting thread; each waiter sleeps on its own condition variable, so a batch wakes
// exactly the threads it answered plus the next leader.

#include <QList>
#include <QtGlobal>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace fp {

template<typename Request, typename Response> class GroupCommit
{
public:
    /// Writes a batch: one response per request, in the same order.
    using BatchWriter = std::function<QList<Response>(const QList<Request> &)>;

    GroupCommit(BatchWriter writer, int maxBatch) : m_writer(std::move(writer)), m_max(maxBatch) { }

    /// Blocks until `request` was written, in some batch, and returns its response.
    Response submit(Request request)
    {
        Slot mine(std::move(request));
        std::unique_lock lock(m_mutex);
        m_queue.push_back(&mine);
        if (m_writing) {
            // Sleep until a leader answers this request, or hands this thread the lead.
            mine.wake.wait(lock, [&] { return mine.response.has_value() || mine.lead; });
            if (mine.response)
                return std::move(*mine.response);
        }
        m_writing = true;
        for (;;) {
            // Lead one batch: the oldest requests first, which may or may not include ours.
            QList<Slot *> batch;
            while (!m_queue.empty() && batch.size() < m_max) {
                batch.append(m_queue.front());
                m_queue.pop_front();
            }
            lock.unlock();
            QList<Request> requests;
            requests.reserve(batch.size());
            for (Slot *slot : batch)
                requests.append(slot->request);
            QList<Response> responses;
            try {
                responses = m_writer(requests);
            } catch (...) {
                // The others go back to the head of the queue for the next leader; this thread
                // leaves (so its slot must not stay queued) with the exception.
                lock.lock();
                for (qsizetype i = batch.size() - 1; i >= 0; --i) {
                    if (batch[i] != &mine)
                        m_queue.push_front(batch[i]);
                }
                std::erase(m_queue, &mine);
                handOver();
                throw;
            }
            if (responses.size() != batch.size())
                qFatal("GroupCommit: the batch writer answered %lld of %lld requests",
                       qint64(responses.size()), qint64(batch.size()));
            lock.lock();
            ++m_batches;
            for (qsizetype i = 0; i < batch.size(); ++i) {
                batch[i]->response = std::move(responses[i]);
                if (batch[i] != &mine)
                    batch[i]->wake.notify_one(); // under the lock: the slot outlives the call
            }
            if (mine.response) {
                handOver();
                return std::move(*mine.response);
            }
        }
    }

    /// Batches written so far (tests and metrics).
    quint64 batchCount() const
    {
        std::lock_guard lock(m_mutex);
        return m_batches;
    }
    /// Requests waiting for a batch.
    int waiting() const
    {
        std::lock_guard lock(m_mutex);
        return int(m_queue.size());
    }

private:
    struct Slot
    {
        explicit Slot(Request r) : request(std::move(r)) { }
        Request request;
        std::optional<Response> response;
        bool lead = false; // this thread writes the next batch
        std::condition_variable wake; // only this slot's thread waits on it
    };

    /// The leader is done: the oldest waiting thread leads next, or nobody is writing. Called
    /// with the lock held. One thread wakes per batch, not every waiter.
    void handOver()
    {
        if (m_queue.empty()) {
            m_writing = false;
            return;
        }
        m_queue.front()->lead = true;
        m_queue.front()->wake.notify_one();
    }

    BatchWriter m_writer;
    int m_max;
    mutable std::mutex m_mutex;
    std::deque<Slot *> m_queue;
    bool m_writing = false;
    quint64 m_batches = 0;
};

} // namespace fp
