#pragma once

// A bounded pool for blocking work (database, Redis, password hashing), separate from the
// global QThreadPool (which has one thread per core). Its threads are started as work needs
// them and then live as long as the pool, so each keeps its own database connection. When too
// much work is waiting, trySubmit() says no and the caller answers 503 instead of queueing
// without end.
//
// It is not a QThreadPool because of what a hand-off cost there (issue #16): QThreadPool wakes
// a thread through a QWaitCondition under its QMutex, and its threads contend for that one
// mutex, so a request handed to a worker cost about 6 futex calls. Here a submission takes
// one short lock and wakes at most one thread, and only one that is asleep; a worker that
// finishes a task takes the next one before it would sleep. Sleeping threads are woken last
// in, first out, so a light load keeps running on the same few warm threads.

#include <QList>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace fp {

class WorkerPool
{
public:
    WorkerPool(int threads, int queueLimit);
    /// Runs what was submitted to the end, then stops the threads.
    ~WorkerPool();

    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    /// Runs `task` on a worker thread; false (and nothing runs) when the queue is full.
    bool trySubmit(std::function<void()> task);
    /// Tasks waiting or running.
    int pending() const { return m_pending.load(); }
    /// The most threads it runs.
    int threads() const { return m_maxThreads; }
    /// Threads started so far (they are started as work needs them).
    int startedThreads() const;
    /// Times a submission woke a sleeping thread. A submission that a busy thread will take
    /// when it finishes its task wakes nobody.
    quint64 wakeUps() const { return m_wakeUps.load(); }
    /// Blocks until every task has finished, or `msecs` passed (-1: no limit); true when all
    /// finished.
    bool waitForDone(int msecs);

private:
    struct Worker
    {
        QThread *thread = nullptr;
        std::condition_variable wake;
        bool woken = false; // set (under the pool's mutex) by the submission that chose it
    };
    void run(Worker &self);
    void startThread();

    const int m_maxThreads;
    const int m_limit; // tasks waiting or running
    std::atomic<int> m_pending {0};
    std::atomic<quint64> m_wakeUps {0};

    mutable std::mutex m_mutex;
    std::deque<std::function<void()>> m_queue;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::vector<Worker *> m_sleeping; // the last to fall asleep at the back
    bool m_stopping = false;
    std::condition_variable m_allDone; // m_pending reached 0
};

} // namespace fp
