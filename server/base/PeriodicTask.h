#pragma once

// Runs `work` on the worker pool every `intervalMs`, one pass at a time: a timer on the owning
// thread submits a pass unless the previous one is still running (a slow database must not
// pile passes up on the pool) or the pool is full (the next tick tries again). For jobs whose
// state lives in the database, so a pass missed or cut short by a restart loses nothing: the
// decision gates' timers and the message retention sweep.

#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>
#include <memory>

namespace fp {

class WorkerPool;

class PeriodicTask : public QObject
{
    Q_OBJECT
public:
    PeriodicTask(WorkerPool &pool, int intervalMs, std::function<void()> work,
                 QObject *parent = nullptr);
    void start();

private:
    void tick();

    WorkerPool &m_pool;
    std::function<void()> m_work;
    QTimer m_timer;
    std::shared_ptr<std::atomic<bool>> m_running = std::make_shared<std::atomic<bool>>(false);
};

} // namespace fp
