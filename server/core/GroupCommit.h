#pragma once

// Group commit: threads that each need one small write hand it to a shared queue, and whichever
// thread finds no batch in progress becomes the leader and writes everything queued so far in
// one go (one transaction), while the others wait for their own result. When writes are rare a
// batch holds one request and nobody waits; under load the batches grow with it, so the cost per
// request falls exactly when it matters. This is how InnoDB groups its log flushes; here it
// groups chat messages (ConversationService::send).
//
// The leader does the batch on its own thread, so a thread-local database connection is the
// leader's. Each thread writes at most one batch per call, then hands leadership on: nobody
// serves others for longer than one batch beyond their own.

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
        Slot mine {std::move(request), std::nullopt};
        std::unique_lock lock(m_mutex);
        m_queue.push_back(&mine);
        for (;;) {
            if (mine.response)
                return std::move(*mine.response);
            if (m_writing) {
                m_done.wait(lock);
                continue;
            }
            // Lead one batch: the oldest requests first, which may or may not include ours.
            m_writing = true;
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
                m_writing = false;
                m_done.notify_all();
                throw;
            }
            if (responses.size() != batch.size())
                qFatal("GroupCommit: the batch writer answered %lld of %lld requests",
                       qint64(responses.size()), qint64(batch.size()));
            lock.lock();
            for (qsizetype i = 0; i < batch.size(); ++i)
                batch[i]->response = std::move(responses[i]);
            ++m_batches;
            m_writing = false;
            m_done.notify_all();
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
        Request request;
        std::optional<Response> response;
    };

    BatchWriter m_writer;
    int m_max;
    mutable std::mutex m_mutex;
    std::condition_variable m_done;
    std::deque<Slot *> m_queue;
    bool m_writing = false;
    quint64 m_batches = 0;
};

} // namespace fp
