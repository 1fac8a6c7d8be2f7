#pragma once

// Owns and wires the server's parts: configuration → storage → routes → HTTP/WebSocket server.
// main() builds one and runs it; tests run the real binary instead.

#include "server/base/Config.h"
#include "server/base/Metrics.h"
#include "server/http/Router.h"

#include "server/app/KeptAnswers.h"

#include <QObject>
#include <QPointer>
#include <QWebSocket>
#include <atomic>
#include <memory>

namespace fp {

class Domains;
class EventBus;
class EventConsumers;
class JobScheduler;
class OutboxRelay;
class Gateway;
class MatchScheduler;
class HttpServer;
class WorkerPool;

class Application : public QObject
{
    Q_OBJECT
public:
    explicit Application(Config config, QObject *parent = nullptr);
    ~Application() override;

    /// Migrates, seeds the first admin, binds the port. Returns false (after logging one line
    /// saying why) when the server cannot start.
    bool start();
    /// Graceful stop: no new connections, in-flight requests finish (up to the grace period),
    /// WebSockets are closed with "going away", then the event loop quits.
    void shutdown();

    quint16 port() const { return m_port; }

private:
    void registerRoutes();
    void acceptWebSockets();
    void startBackgroundWork();
    void startEventBackbone();
    void scheduleJobs();
    void refreshBackboneMetrics();
    void finishShutdown();

    Config m_config;
    Metrics m_metrics;
    Router m_router;
    // Before the threads that use it (the bus's listener, the workers), so it outlives them.
    KeptAnswers m_kept;
    std::unique_ptr<WorkerPool> m_pool;
    std::unique_ptr<HttpServer> m_http;
    std::unique_ptr<EventBus> m_bus;
    std::unique_ptr<Domains> m_domains;
    std::unique_ptr<MatchScheduler> m_matchScheduler;
    std::unique_ptr<Gateway> m_gateway;
    std::unique_ptr<OutboxRelay> m_relay;
    std::unique_ptr<EventConsumers> m_consumers;
    std::unique_ptr<JobScheduler> m_jobs;
    quint16 m_port = 0;
    bool m_shuttingDown = false;
    bool m_finishing = false;
    std::atomic<bool> m_refreshingSessions {false}; // a session refresh is queued or running
    std::atomic<bool> m_sessionRefreshFailing {false}; // the last one failed (and said so)
};

/// Applies migrations with the configured database; for `friendship-server migrate`.
int runMigrations(const Config &config);
/// `friendship-server analytics-rebuild`: recomputes every analytics rollup from the kept
/// events (docs/analytics.md) and exits.
int runAnalyticsRebuild(const Config &config);
struct DemoDataOptions;
/// `friendship-server demo-data --users N --days D`: records a demo history (server/app/
/// DemoData.h) and exits.
int runDemoData(const Config &config, const DemoDataOptions &options);

} // namespace fp
