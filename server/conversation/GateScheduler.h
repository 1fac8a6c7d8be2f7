#pragma once

// Drives the decision gates' timers: a timer on the owning thread asks, every tick, that the
// worker pool run ConversationService::runDueGates(). Every time is derived from stored
// started_at and gate counters, so nothing is lost in a restart, and each step is claimed in the
// database, so several instances can run schedulers side by side.

#include <QObject>
#include <QTimer>
#include <atomic>
#include <memory>

namespace fp {

class WorkerPool;

class GateScheduler : public QObject
{
    Q_OBJECT
public:
    GateScheduler(WorkerPool &pool, int tickMs, QObject *parent = nullptr);
    void start();

private:
    void tick();

    WorkerPool &m_pool;
    QTimer m_timer;
    std::shared_ptr<std::atomic<bool>> m_running = std::make_shared<std::atomic<bool>>(false);
};

} // namespace fp
