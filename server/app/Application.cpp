#include "server/app/Application.h"

#include "server/admin/AdminRoutes.h"
#include "server/conversation/ConversationFrames.h"
#include "server/conversation/ConversationRoutes.h"
#include "server/conversation/ConversationService.h"
#include "server/core/HttpServer.h"
#include "server/core/Log.h"
#include "server/core/PeriodicTask.h"
#include "server/core/WorkerPool.h"
#include "server/engagement/EngagementRoutes.h"
#include "server/engagement/EngagementService.h"
#include "server/friendship/FriendshipRoutes.h"
#include "server/health/HealthRoutes.h"
#include "server/identity/AdminSeeder.h"
#include "server/identity/IdentityRoutes.h"
#include "server/identity/TokenVerifier.h"
#include "server/matching/MatchScheduler.h"
#include "server/matching/MatchingRoutes.h"
#include "server/matching/MatchingService.h"
#include "server/privacy/PrivacyRoutes.h"
#include "server/privacy/PrivacyService.h"
#include "server/profile/ProfileRoutes.h"
#include "server/realtime/EventBus.h"
#include "server/realtime/Gateway.h"
#include "server/safety/SafetyRoutes.h"
#include "server/storage/Database.h"
#include "server/storage/Migrator.h"
#include "server/storage/Redis.h"
#include "server/trust/TrustRoutes.h"

#include <QCoreApplication>
#include <QFile>
#include <QSqlDatabase>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QTimer>
#include <cstdio>

namespace fp {

namespace {

RedisSettings redisSettingsFor(const Config &c)
{
    return RedisSettings {c.redisHost, c.redisPort, 500, 1000, c.redisKeyPrefix.toUtf8()};
}

void configureStorage(const Config &c)
{
    Database::configure(
        DbSettings {c.dbHost, c.dbPort, c.dbSocket, c.dbName, c.dbUser, c.dbPassword});
    Redis::configure(redisSettingsFor(c));
}

QString databaseWhere(const Config &c)
{
    return c.dbSocket.isEmpty()
        ? QStringLiteral("%1:%2/%3").arg(c.dbHost).arg(c.dbPort).arg(c.dbName)
        : QStringLiteral("%1 (socket)/%2").arg(c.dbSocket, c.dbName);
}

QSslConfiguration loadTlsConfiguration(const Config &config, QString *error)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(config.tlsCert, QSsl::Pem);
    if (chain.isEmpty()) {
        *error = QStringLiteral("FP_TLS_CERT %1 holds no PEM certificate").arg(config.tlsCert);
        return {};
    }
    QFile keyFile(config.tlsKey);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("FP_TLS_KEY %1 cannot be read").arg(config.tlsKey);
        return {};
    }
    const QByteArray pem = keyFile.readAll();
    QSslKey key(pem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(pem, QSsl::Ec, QSsl::Pem);
    if (key.isNull()) {
        *error = QStringLiteral("FP_TLS_KEY %1 holds no unencrypted PEM RSA or EC key")
                     .arg(config.tlsKey);
        return {};
    }
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(chain);
    tls.setPrivateKey(key);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone); // clients are not asked for certificates
    tls.setProtocol(QSsl::SecureProtocols);
    return tls;
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
    if (const QString error = seedPromptCatalog(); !error.isEmpty()) {
        log::error(QStringLiteral("startup_failed"), {{QStringLiteral("error"), error}});
        return false;
    }

    // Moderation rules that do not load stop the server instead of letting chat go unchecked.
    if (const QString error = conversation::initialize(m_config); !error.isEmpty()) {
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
    m_bus = std::make_unique<EventBus>(redisSettingsFor(m_config));
    m_bus->start();
    m_metrics.gauge(
        QStringLiteral("fp_event_bus_dropped_total"),
        QStringLiteral("Events for other instances dropped while Redis was unreachable"),
        [bus = m_bus.get()] { return double(bus->droppedCount()); }, QStringLiteral("counter"));
    m_matching = std::make_unique<MatchingService>(*m_bus);
    registerRoutes();

    m_http = std::make_unique<HttpServer>(m_config, m_router, *m_pool, m_metrics);
    m_http->setAuthenticator(TokenVerifier(m_config));
    QSslConfiguration tls;
    if (!m_config.tlsCert.isEmpty()) {
        QString error;
        tls = loadTlsConfiguration(m_config, &error);
        if (tls.isNull()) {
            log::error(QStringLiteral("startup_failed"), {{QStringLiteral("error"), error}});
            return false;
        }
    }
    m_port = m_http->start(QHostAddress(m_config.httpAddress), m_config.httpPort, tls);
    if (m_port == 0) {
        log::error(QStringLiteral("startup_failed"),
                   {{QStringLiteral("error"),
                     QStringLiteral("cannot listen on %1:%2 (address in use?)")
                         .arg(m_config.httpAddress)
                         .arg(m_config.httpPort)}});
        return false;
    }
    acceptWebSockets();
    m_matchScheduler = std::make_unique<MatchScheduler>(
        *m_matching, *m_pool, m_metrics, m_config.matchTickMs,
        [gateway = m_gateway.get()] { return gateway->authenticatedUserIds(); });
    m_matchScheduler->start();
    log::info(
        QStringLiteral("listening"),
        {{QStringLiteral("address"), m_config.httpAddress}, {QStringLiteral("port"), int(m_port)}});
    return true;
}

void Application::registerRoutes()
{
    registerHealthRoutes(m_router, m_metrics);
    registerIdentityRoutes(m_router, m_config);
    registerProfileRoutes(m_router);
    registerPrivacyRoutes(m_router);
    registerEngagementRoutes(m_router);
    registerTrustRoutes(m_router);
    registerAdminRoutes(m_router, m_config);
    registerSafetyRoutes(m_router);
    registerFriendshipRoutes(m_router);
    registerConversationRoutes(m_router);
    registerMatchingRoutes(m_router, *m_matching);
}

void Application::acceptWebSockets()
{
    // Revocations made here reach this instance's sockets even while Redis is down; those of
    // other instances arrive through Redis and also drop the verifier's cached session state.
    TokenVerifier::setLocalRevocationListener(
        [bus = m_bus.get()](const QString &userId, const QStringList &ids) {
            QMetaObject::invokeMethod(
                bus, [bus, userId, ids] { Q_EMIT bus->sessionsRevoked(userId, ids); },
                Qt::QueuedConnection);
        });
    connect(m_bus.get(), &EventBus::sessionsRevoked, this,
            [](const QString &userId, const QStringList &ids) {
                TokenVerifier::forgetSessions(userId, ids);
            });
    const GatewaySettings settings {m_config.wsAuthTimeoutMs, m_config.wsPingIntervalMs,
                                    m_config.wsMaxFramesPerSecond, 16 * 1024, m_config.corsOrigins};
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
    conversation::setEventBus(m_bus.get());
    m_metrics.gauge(
        QStringLiteral("fp_chat_messages_stored_total"), QStringLiteral("Chat messages stored"),
        [] { return double(conversation::storedMessageCount()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_chat_message_batches_total"),
        QStringLiteral("Transactions that stored chat messages (messages / batches = batch size)"),
        [] { return double(conversation::messageBatchCount()); }, QStringLiteral("counter"));
    registerConversationFrames(*m_gateway);
    // Gate timers are derived from stored times and each step is claimed in the database, so
    // every instance runs this pass side by side (ConversationService::runDueGates).
    (new PeriodicTask(
         *m_pool, 500, [] { ConversationService().runDueGates(); }, this))
        ->start();
    (new PeriodicTask(
         *m_pool, m_config.retentionSweepSeconds * 1000,
         [days = m_config.messageRetentionDays] {
             if (Result<int> r =
                     PrivacyService().deleteExpiredMessages(QDateTime::currentDateTimeUtc(), days);
                 !r)
                 log::warning(QStringLiteral("retention_sweep_failed"),
                              {{QStringLiteral("error"), r.error().message}});
         },
         this))
        ->start();
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
    if (m_matchScheduler)
        m_matchScheduler->stop();
    if (m_finishing)
        return;
    m_finishing = true;
    if (m_gateway)
        m_gateway->closeAll(QWebSocketProtocol::CloseCodeGoingAway,
                            QStringLiteral("server shutting down"));
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
