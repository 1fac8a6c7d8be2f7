#include "server/conversation/GateScheduler.h"

#include "server/conversation/ConversationService.h"
#include "server/core/WorkerPool.h"

namespace fp {

GateScheduler::GateScheduler(WorkerPool &pool, int tickMs, QObject *parent)
    : QObject(parent), m_pool(pool)
{
    m_timer.setInterval(tickMs);
    connect(&m_timer, &QTimer::timeout, this, &GateScheduler::tick);
}

void GateScheduler::start()
{
    m_timer.start();
}

void GateScheduler::tick()
{
    // One pass at a time: a slow database must not pile passes up on the pool.
    if (m_running->exchange(true))
        return;
    const bool submitted = m_pool.trySubmit([running = m_running] {
        ConversationService().runDueGates();
        running->store(false);
    });
    if (!submitted)
        m_running->store(false);
}

} // namespace fp
