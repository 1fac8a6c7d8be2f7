#include "server/events/JobScheduler.h"

#include "server/base/Log.h"
#include "server/base/WorkerPool.h"
#include "server/storage/Database.h"

#include <QDateTime>
#include <algorithm>

namespace fp {

struct JobScheduler::Slot
{
    Job job;
    std::atomic<bool> busy {false}; // a pass is on the pool
    std::atomic<qint64> notBeforeMs {0}; // this instance asks again from then on
};

JobScheduler::JobScheduler(WorkerPool &pool, QByteArray holder, QObject *parent)
    : QObject(parent), m_pool(pool), m_holder(std::move(holder))
{
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &JobScheduler::tick);
}

JobScheduler::~JobScheduler() = default;

void JobScheduler::add(Job job)
{
    auto slot = std::make_shared<Slot>();
    slot->job = std::move(job);
    m_slots.push_back(std::move(slot));
}

void JobScheduler::start()
{
    // Every job has its row before any instance asks for a lease on it (at start, like the
    // migrations: a job without its row would never be granted).
    for (const auto &slot : m_slots)
        Sql::exec(QStringLiteral("INSERT IGNORE INTO background_jobs (name) VALUES (?)"),
                  {QString::fromLatin1(slot->job.name)});
    m_timer.start();
}

void JobScheduler::stop()
{
    m_timer.stop();
}

void JobScheduler::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const auto &slot : m_slots) {
        if (slot->busy.load() || now < slot->notBeforeMs.load())
            continue;
        slot->busy = true;
        const bool submitted = m_pool.trySubmit([slot, holder = m_holder] {
            bool ran = false;
            const qint64 untilDueMs = attempt(*slot, holder, &ran);
            // Ask again when the job is due (or its holder's lease ends: a holder that died
            // is replaced then), and at least every few seconds, whoever changed the row.
            const qint64 waitMs =
                std::clamp<qint64>(ran ? slot->job.intervalMs : untilDueMs, 50, kLongestWaitMs);
            slot->notBeforeMs = QDateTime::currentMSecsSinceEpoch() + waitMs;
            slot->busy = false;
        });
        if (!submitted)
            slot->busy = false; // the pool is full: the next tick tries again
    }
}

Result<int> JobScheduler::purgeRuns(int retentionHours, int limit)
{
    const SqlResult r = Sql::exec(QStringLiteral("DELETE FROM background_job_runs WHERE "
                                                 "started_at < NOW(3) - INTERVAL ? HOUR LIMIT ?"),
                                  {retentionHours, limit});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

qint64 JobScheduler::attempt(const Slot &slot, const QByteArray &holder, bool *ran)
{
    const Job &job = slot.job;
    const QString name = QString::fromLatin1(job.name);
    const SqlResult granted = Sql::exec(
        QStringLiteral("UPDATE background_jobs SET lease_holder = ?, "
                       "lease_token = LAST_INSERT_ID(lease_token + 1), "
                       "lease_until = NOW(3) + INTERVAL ? MICROSECOND, last_started_at = NOW(3) "
                       "WHERE name = ? AND next_run_at <= NOW(3) AND "
                       "(lease_until IS NULL OR lease_until < NOW(3))"),
        {QString::fromLatin1(holder), qint64(job.leaseMs) * 1000, name});
    if (!granted.ok())
        return kLongestWaitMs;
    if (granted.numRowsAffected() != 1) {
        // Not due, or another instance holds it: how long until either changes.
        SqlResult due = Sql::exec(
            QStringLiteral("SELECT GREATEST(TIMESTAMPDIFF(MICROSECOND, NOW(3), next_run_at), "
                           "COALESCE(TIMESTAMPDIFF(MICROSECOND, NOW(3), lease_until), 0)) FROM "
                           "background_jobs WHERE name = ?"),
            {name});
        return due.ok() && due.next() ? due.value(0).toLongLong() / 1000 : kLongestWaitMs;
    }
    SqlResult tokenRow = Sql::exec(QStringLiteral("SELECT LAST_INSERT_ID()"));
    if (!tokenRow.ok() || !tokenRow.next())
        return kLongestWaitMs; // the lease ends by itself
    const qint64 token = tokenRow.value(0).toLongLong();
    SqlResult started = Sql::exec(
        QStringLiteral("INSERT INTO background_job_runs (name, holder, lease_token, started_at) "
                       "VALUES (?, ?, ?, NOW(3))"),
        {name, QString::fromLatin1(holder), token});
    const QVariant runId = started.ok() ? started.query().lastInsertId() : QVariant();

    const Status outcome = job.run();
    *ran = true;
    const QString error = outcome ? QString() : outcome.error().message.left(500);
    const SqlResult completed = Sql::exec(
        QStringLiteral("UPDATE background_jobs SET lease_holder = NULL, lease_until = NULL, "
                       "next_run_at = NOW(3) + INTERVAL ? MICROSECOND, "
                       "last_success_at = IF(?, NOW(3), last_success_at), last_error = ?, "
                       "runs = runs + 1 WHERE name = ? AND lease_token = ?"),
        {qint64(job.intervalMs) * 1000, bool(outcome), Sql::nullableText(error), name, token});
    const bool fenced = completed.ok() && completed.numRowsAffected() == 0;
    if (fenced)
        log::warning(QStringLiteral("job_lease_lost"),
                     {{QStringLiteral("job"), name}, {QStringLiteral("lease_token"), token}});
    if (!outcome)
        log::warning(QStringLiteral("job_failed"),
                     {{QStringLiteral("job"), name}, {QStringLiteral("error"), error}});
    if (runId.isValid())
        Sql::exec(QStringLiteral("UPDATE background_job_runs SET finished_at = NOW(3), "
                                 "outcome = ?, error = ? WHERE id = ?"),
                  {fenced        ? QStringLiteral("fenced")
                       : outcome ? QStringLiteral("succeeded")
                                 : QStringLiteral("failed"),
                   Sql::nullableText(error), runId});
    return job.intervalMs;
}

} // namespace fp
