#include "server/matching/MatchScheduler.h"

#include "server/base/Log.h"
#include "server/base/Metrics.h"
#include "server/base/WorkerPool.h"
#include "server/matching/MatchingService.h"
#include "server/matching/QueueStore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QUuid>

namespace fp {

namespace {
constexpr qint64 kAnnounceEveryMs = 5000; // queue.status to queued users "every few seconds"
}

MatchScheduler::MatchScheduler(MatchingService &service, WorkerPool &pool, Metrics &metrics,
                               int tickMs, std::function<QStringList()> connectedUsers,
                               QObject *parent)
    : QObject(parent), m_service(service), m_pool(pool), m_metrics(metrics), m_tickMs(tickMs),
      m_connectedUsers(std::move(connectedUsers)),
      m_instance(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_metrics.gauge(QStringLiteral("fp_queue_length"),
                    QStringLiteral("People waiting in the matching queue"),
                    [this] { return double(m_queueLength.load()); });
    m_metrics.describe(QStringLiteral("fp_matches_total"), QStringLiteral("counter"),
                       QStringLiteral("Matches made"));
    m_metrics.describe(
        QStringLiteral("fp_queue_expired_total"), QStringLiteral("counter"),
        QStringLiteral("Queue entries expired after 15 minutes without a sign of life"));
    m_metrics.describe(QStringLiteral("fp_queue_wait_seconds"), QStringLiteral("histogram"),
                       QStringLiteral("How long matched people waited"));
    m_metrics.setBuckets(QStringLiteral("fp_queue_wait_seconds"),
                         {1, 5, 10, 30, 60, 120, 300, 600, 900});
    m_metrics.describe(QStringLiteral("fp_matcher_pass_duration_seconds"),
                       QStringLiteral("histogram"), QStringLiteral("Duration of one matcher pass"));
    connect(&m_timer, &QTimer::timeout, this, &MatchScheduler::tick);
}

void MatchScheduler::start()
{
    m_timer.start(m_tickMs);
}

void MatchScheduler::stop()
{
    m_timer.stop();
}

void MatchScheduler::tick()
{
    if (m_passRunning.exchange(true))
        return; // the previous pass is still running: skip, never pile up
    QStringList connected;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (nowMs - m_lastAnnounceMs >= kAnnounceEveryMs) {
        m_lastAnnounceMs = nowMs;
        connected = m_connectedUsers();
    }
    const bool queued = m_pool.trySubmit([this, connected] {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (!connected.isEmpty())
            m_service.announceWaiting(connected, now);
        // The lease outlives a few ticks so a slow pass keeps it; another instance takes over
        // within that time if this one dies.
        if (QueueStore::takeLease(m_instance, std::max(3 * m_tickMs, 5000))) {
            QElapsedTimer timer;
            timer.start();
            const PassReport report = m_service.runPass(now);
            m_metrics.observe(QStringLiteral("fp_matcher_pass_duration_seconds"), {},
                              double(timer.nsecsElapsed()) / 1e9);
            if (report.matched > 0)
                m_metrics.increment(QStringLiteral("fp_matches_total"), {}, report.matched);
            if (report.expired > 0)
                m_metrics.increment(QStringLiteral("fp_queue_expired_total"), {}, report.expired);
            for (const double wait : report.matchedWaitSeconds)
                m_metrics.observe(QStringLiteral("fp_queue_wait_seconds"), {}, wait);
            if (report.matched > 0)
                log::info(QStringLiteral("matcher_pass"), report.stats.toJson());
        }
        if (const std::optional<qint64> length = QueueStore::length())
            m_queueLength = *length;
        m_passRunning = false;
    });
    if (!queued)
        m_passRunning = false;
}

} // namespace fp
