#pragma once

// Periodic background work that must run once across all instances (docs/events.md, "Jobs"):
// the gate sweep, the retention sweeps, report escalation, the expiry of idempotency keys and
// sessions, the outbox purge. Every instance ticks; a due job runs only where its lease was
// granted, by one UPDATE of its background_jobs row (due, and no unexpired lease). The grant
// bumps the row's lease token; a run that outlived its lease (a stalled instance) finds its
// token replaced when it completes, and its completion is ignored ("fenced"). An instance that
// dies holding a lease holds it only until the lease ends; then another instance runs the job.
//
// Jobs are written to be safe if ever run twice (each step claims its rows in the database), so
// the lease is what keeps them from running side by side, not what keeps them correct.

#include "common/Result.h"

#include <QByteArray>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace fp {

class WorkerPool;

struct Job
{
    QByteArray name;
    /// From the end of one run to the start of the next.
    int intervalMs = 60000;
    /// Longest a run may take before another instance may start the job again.
    int leaseMs = 60000;
    std::function<Status()> run;
};

class JobScheduler : public QObject
{
    Q_OBJECT
public:
    JobScheduler(WorkerPool &pool, QByteArray holder, QObject *parent = nullptr);
    ~JobScheduler() override;

    /// Before start().
    void add(Job job);
    void start();
    void stop();

    /// Deletes the records of runs that started more than `retentionHours` ago.
    static Result<int> purgeRuns(int retentionHours, int limit = 5000);

private:
    struct Slot;
    void tick();
    /// Runs the job if its lease is granted here; returns how long until it is worth asking
    /// again (ms).
    static qint64 attempt(const Slot &slot, const QByteArray &holder, bool *ran);
    /// The longest an instance goes without asking for a job it does not run.
    static constexpr qint64 kLongestWaitMs = 5000;

    WorkerPool &m_pool;
    QByteArray m_holder;
    QTimer m_timer;
    std::vector<std::shared_ptr<Slot>> m_slots;
};

} // namespace fp
