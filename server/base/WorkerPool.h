#pragma once

// A bounded pool for blocking work (database, Redis, password hashing), separate from the
// global QThreadPool (which has one thread per core). Its threads live as long as the pool,
// so each keeps its own database connection. When too much work is waiting, submit() says
// no and the caller answers 503 instead of queueing without end.

#include <QThreadPool>
#include <atomic>
#include <functional>

namespace fp {

class WorkerPool
{
public:
    WorkerPool(int threads, int queueLimit);
    ~WorkerPool();

    /// Runs `task` on a worker thread; false (and nothing runs) when the queue is full.
    bool trySubmit(std::function<void()> task);
    /// Tasks waiting or running.
    int pending() const { return m_pending.load(); }
    int threads() const { return m_pool.maxThreadCount(); }
    /// Blocks until every task has finished, or `msecs` passed; true when all finished.
    bool waitForDone(int msecs);

private:
    QThreadPool m_pool;
    const int m_limit;
    std::atomic<int> m_pending {0};
};

} // namespace fp
