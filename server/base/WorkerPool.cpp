#include "server/base/WorkerPool.h"

#include <QRunnable>

namespace fp {

WorkerPool::WorkerPool(int threads, int queueLimit) : m_limit(threads + queueLimit)
{
    m_pool.setMaxThreadCount(threads);
    m_pool.setExpiryTimeout(-1); // keep threads, and with them their database connections
}

WorkerPool::~WorkerPool()
{
    m_pool.waitForDone();
}

bool WorkerPool::trySubmit(std::function<void()> task)
{
    if (m_pending.fetch_add(1) >= m_limit) {
        m_pending.fetch_sub(1);
        return false;
    }
    m_pool.start(QRunnable::create([this, task = std::move(task)]() {
        task();
        m_pending.fetch_sub(1);
    }));
    return true;
}

bool WorkerPool::waitForDone(int msecs)
{
    return m_pool.waitForDone(msecs);
}

} // namespace fp
