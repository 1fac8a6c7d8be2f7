#pragma once

// Runs the matcher every FP_MATCH_TICK_MS (on the worker pool, one pass at a time, and only on
// the instance holding the Redis lease), keeps connected queued users alive and tells them how
// long they have waited, and exports the queue's metrics.

#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>

namespace fp {

class Metrics;
class MatchingService;
class WorkerPool;

class MatchScheduler : public QObject
{
    Q_OBJECT
public:
    /// `connectedUsers` lists the users with an authenticated socket on this instance.
    MatchScheduler(MatchingService &service, WorkerPool &pool, Metrics &metrics, int tickMs,
                   std::function<QStringList()> connectedUsers, QObject *parent = nullptr);

    void start();
    void stop();

private:
    void tick();

    MatchingService &m_service;
    WorkerPool &m_pool;
    Metrics &m_metrics;
    int m_tickMs;
    std::function<QStringList()> m_connectedUsers;
    QTimer m_timer;
    QString m_instance;
    std::atomic<bool> m_passRunning {false};
    std::atomic<qint64> m_queueLength {0};
    qint64 m_lastAnnounceMs = 0;
};

} // namespace fp
