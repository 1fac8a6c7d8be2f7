#include "server/app/Application.h"

#include "server/core/HttpServer.h"
#include "server/core/Log.h"
#include "server/core/WorkerPool.h"
#include "server/health/HealthRoutes.h"
#include "server/identity/AdminSeeder.h"
#include "server/realtime/EventBus.h"
#include "server/realtime/Gateway.h"
#include "server/storage/Database.h"
#include "server/storage/Migrator.h"
#include "server/storage/Redis.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QTimer>
#include <cstdio>

namespace fp {

namespace {

void configureStorage(const Config &c)
{
    Database::configure(
        DbSettings {c.dbHost, c.dbPort, c.dbSocket, c.dbName, c.dbUser, c.dbPassword});
    Redis::configure(RedisSettings {c.redisHost, c.redisPort, 500, 1000});
}

QString databaseWhere(const Config &c)
{
    return c.dbSocket.isEmpty()
        ? QStringLiteral("%1:%2/%3").arg(c.dbHost).arg(c.dbPort).arg(c.dbName)
        : QStringLiteral("%1 (socket)/%2").arg(c.dbSocket, c.dbName);
}

QString migrateWith(const Config &config)
{
    QString error;
    {
        QSqlDatabase db;
        if (!Database::openStandalone(db, QStringLiteral("fp-migrations"), &error))
            return QStringLiteral("cannot connect to the database at %1: %2")
                .arg(databaseWhere(config), error);
        Migrator migrator(config.migrationsDir);
        error = migrator.migrate(db);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fp-migrations"));
    return error;
}

} // namespace

int runMigrations(const Config &config)
{
    configureStorage(config);
    const QString error = migrateWith(config);
    if (!error.isEmpty()) {
        log::error(QStringLiteral("migrations_failed"), {{QStringLiteral("error"), error}});
        return 1;
    }
    log::info(QStringLiteral("migrations_up_to_date"));
    return 0;
}

Application::Application(Config config, QObject *parent)
    : QObject(parent), m_config(std::move(config))
{ }

Application::~Application() = default;

bool Application::start()
{
    configureStorage(m_config);
    if (const QString error = migrateWith(m_config); !error.isEmpty()) {
        log::error(QStringLiteral("startup_failed"), {{QStringLiteral("error"), error}});
        return false;
    }
    if (const QString error = seedFirstAdmin(m_config); !error.isEmpty()) {
        log::error(QStringLiteral("startup_failed"), {{QStringLiteral("error"), error}});
        return false;
    }

    m_pool = std::make_unique<WorkerPool>(m_config.workerThreads, m_config.workerQueueLimit);
    m_metrics.gauge(QStringLiteral("fp_worker_pool_pending"),
                    QStringLiteral("Requests waiting for or running on a database worker"),
                    [pool = m_pool.get()] { return double(pool->pending()); });
    m_metrics.gauge(
        QStringLiteral("fp_db_errors_total"), QStringLiteral("Failed database statements"),
        [] { return double(Database::failureCount()); }, QStringLiteral("counter"));
    registerRoutes();

    m_http = std::make_unique<HttpServer>(m_config, m_router, *m_pool, m_metrics);
    m_port = m_http->start(QHostAddress(m_config.httpAddress), m_config.httpPort);
    if (m_port == 0) {
        log::error(QStringLiteral("startup_failed"),
                   {{QStringLiteral("error"),
                     QStringLiteral("cannot listen on %1:%2 (address in use?)")
                         .arg(m_config.httpAddress)
                         .arg(m_config.httpPort)}});
        return false;
    }
    acceptWebSockets();
    log::info(
        QStringLiteral("listening"),
        {{QStringLiteral("address"), m_config.httpAddress}, {QStringLiteral("port"), int(m_port)}});
    return true;
}

void Application::registerRoutes()
{
    registerHealthRoutes(m_router, m_metrics);
}

void Application::acceptWebSockets()
{
    m_bus = std::make_unique<EventBus>(
        RedisSettings {m_config.redisHost, m_config.redisPort, 500, 1000});
    m_bus->start();
    const GatewaySettings settings {m_config.wsAuthTimeoutMs, m_config.wsPingIntervalMs,
                                    m_config.wsMaxFramesPerSecond, 16 * 1024};
    m_gateway = std::make_unique<Gateway>(
        settings, *m_pool, *m_bus, [this](const QString &token) -> Result<Caller> {
            // Same verification as a request's bearer token, revocation checks included.
            const HttpServer::Authenticator &authenticate = m_http->authenticator();
            if (!authenticate)
                return AppError::unauthorized();
            RequestContext ctx;
            ctx.headers.insert("authorization", "Bearer " + token.toUtf8());
            return authenticate(ctx);
        });
    m_metrics.gauge(QStringLiteral("fp_websocket_connections"),
                    QStringLiteral("Open WebSocket connections"),
                    [gateway = m_gateway.get()] { return double(gateway->connectionCount()); });
    connect(m_http.get(), &HttpServer::newWebSocketConnection, this, [this] {
        while (m_http->hasPendingWebSocketConnections()) {
            std::unique_ptr<QWebSocket> socket = m_http->nextPendingWebSocketConnection();
            if (m_shuttingDown) {
                socket->close(QWebSocketProtocol::CloseCodeGoingAway,
                              QStringLiteral("server shutting down"));
                socket.release()->deleteLater();
                continue;
            }
            m_gateway->accept(std::move(socket));
        }
    });
}

void Application::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    log::info(QStringLiteral("shutdown_started"),
              {{QStringLiteral("in_flight"), m_http ? m_http->inFlight() : 0}});
    if (!m_http) {
        QCoreApplication::quit();
        return;
    }
    m_http->stopAccepting();
    if (m_http->inFlight() == 0) {
        finishShutdown();
        return;
    }
    connect(m_http.get(), &HttpServer::idle, this, &Application::finishShutdown);
    QTimer::singleShot(m_config.shutdownGraceMs, this, [this] {
        log::warning(QStringLiteral("shutdown_grace_expired"),
                     {{QStringLiteral("in_flight"), m_http->inFlight()}});
        finishShutdown();
    });
}

void Application::finishShutdown()
{
    if (m_finishing)
        return;
    m_finishing = true;
    if (m_gateway)
        m_gateway->closeAll(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutting down"));
    // Let the close frames leave before the process ends.
    QTimer::singleShot(200, this, [this] {
        m_pool->waitForDone(m_config.shutdownGraceMs);
        if (m_bus)
            m_bus->stop();
        log::info(QStringLiteral("shutdown_complete"));
        QCoreApplication::quit();
    });
}

} // namespace fp
