#include "server/base/WorkerPool.h"

#include <QThread>
#include <algorithm>
#include <chrono>

namespace fp {

WorkerPool::WorkerPool(int threads, int queueLimit)
    : m_maxThreads(std::max(1, threads)), m_limit(m_maxThreads + queueLimit)
{
    m_workers.reserve(size_t(m_maxThreads));
    m_sleeping.reserve(size_t(m_maxThreads));
}

WorkerPool::~WorkerPool()
{
    waitForDone(-1);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        for (const auto &worker : m_workers)
            worker->wake.notify_one();
    }
    for (const auto &worker : m_workers) {
        worker->thread->wait();
        delete worker->thread;
    }
}

int WorkerPool::startedThreads() const
{
    std::lock_guard lock(m_mutex);
    return int(m_workers.size());
}

bool WorkerPool::trySubmit(std::function<void()> task)
{
    if (m_pending.fetch_add(1) >= m_limit) {
        m_pending.fetch_sub(1);
        return false;
    }
    Worker *toWake = nullptr;
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(task));
        if (!m_sleeping.empty()) {
            toWake = m_sleeping.back();
            m_sleeping.pop_back();
            toWake->woken = true;
        } else if (int(m_workers.size()) < m_maxThreads) {
            // Every started thread is busy: one more takes this task (a busy thread that
            // finishes first may take it instead, and the new one then sleeps until needed).
            startThread();
        }
    }
    if (toWake) {
        toWake->wake.notify_one();
        ++m_wakeUps;
    }
    return true;
}

void WorkerPool::startThread()
{
    auto worker = std::make_unique<Worker>();
    Worker *self = worker.get();
    worker->thread = QThread::create([this, self] { run(*self); });
    worker->thread->setObjectName(QStringLiteral("worker %1").arg(m_workers.size() + 1));
    m_workers.push_back(std::move(worker));
    self->thread->start();
}

void WorkerPool::run(Worker &self)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (!m_queue.empty()) {
            std::function<void()> task = std::move(m_queue.front());
            m_queue.pop_front();
            lock.unlock();
            task();
            task = nullptr; // what it captured goes now, not when the next task comes
            lock.lock();
            if (m_pending.fetch_sub(1) == 1)
                m_allDone.notify_all();
            continue;
        }
        if (m_stopping)
            return;
        self.woken = false;
        m_sleeping.push_back(&self);
        self.wake.wait(lock, [this, &self] { return self.woken || m_stopping; });
        if (!self.woken) // stopping: still listed as sleeping
            m_sleeping.erase(std::find(m_sleeping.begin(), m_sleeping.end(), &self));
    }
}

bool WorkerPool::waitForDone(int msecs)
{
    std::unique_lock lock(m_mutex);
    const auto done = [this] {
        return m_pending.load() == 0;
    };
    if (msecs < 0) {
        m_allDone.wait(lock, done);
        return true;
    }
    return m_allDone.wait_for(lock, std::chrono::milliseconds(msecs), done);
}

} // namespace fp
