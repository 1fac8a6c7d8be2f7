#include "server/base/PeriodicTask.h"

#include "server/base/WorkerPool.h"

namespace fp {

PeriodicTask::PeriodicTask(WorkerPool &pool, int intervalMs, std::function<void()> work,
                           QObject *parent)
    : QObject(parent), m_pool(pool), m_work(std::move(work))
{
    m_timer.setInterval(intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &PeriodicTask::tick);
}

void PeriodicTask::start()
{
    m_timer.start();
}

void PeriodicTask::tick()
{
    if (m_running->exchange(true))
        return;
    // The pass owns copies of what it needs: it may outlive this object at shutdown.
    const bool submitted = m_pool.trySubmit([running = m_running, work = m_work] {
        work();
        running->store(false);
    });
    if (!submitted)
        m_running->store(false);
}

} // namespace fp
