#include "server/app/Application.h"

#include "server/admin/AdminRoutes.h"
#include "server/analytics/AnalyticsConsumer.h"
#include "server/analytics/AnalyticsRoutes.h"
#include "server/app/DemoData.h"
#include "server/app/Domains.h"
#include "server/app/EventRoutes.h"
#include "server/app/HealthRoutes.h"
#include "server/app/ModerationNoticeGreeting.h"
#include "server/app/StaffAlertFeed.h"
#include "server/base/Log.h"
#include "server/base/WorkerPool.h"
#include "server/conversation/ConversationRoutes.h"
#include "server/engagement/EngagementRoutes.h"
#include "server/events/BackboneStatus.h"
#include "server/events/EventConsumers.h"
#include "server/events/JobScheduler.h"
#include "server/events/Outbox.h"
#include "server/events/OutboxRelay.h"
#include "server/events/UserNotices.h"
#include "server/friendship/FriendshipRoutes.h"
#include "server/http/HttpServer.h"
#include "server/http/Idempotency.h"
#include "server/identity/IdentityRoutes.h"
#include "server/identity/IdentityRules.h"
#include "server/matching/MatchScheduler.h"
#include "server/matching/MatchingRoutes.h"
#include "server/media/ImageSanitizer.h"
#include "server/privacy/PrivacyRoutes.h"
#include "server/profile/ProfileRoutes.h"
#include "server/realtime/EventBus.h"
#include "server/realtime/Gateway.h"
#include "server/reflection/ReflectionRoutes.h"
#include "server/safety/SafetyRoutes.h"
#include "server/safety/SafetyService.h"
#include "server/storage/Database.h"
#include "server/storage/Migrator.h"
#include "server/storage/Redis.h"
#include "server/trust/TrustRoutes.h"

#include <QCoreApplication>
#include <QDir>
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
    Database::configure(DbSettings {c.dbHost, c.dbPort, c.dbSocket, c.dbName, c.dbUser,
                                    c.dbPassword, c.dbLockWaitSeconds});
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

int runAnalyticsRebuild(const Config &config)
{
    configureStorage(config);
    if (const QString error = migrateWith(config); !error.isEmpty()) {
        log::error(QStringLiteral("migrations_failed"), {{QStringLiteral("error"), error}});
        return 1;
    }
    const AnalyticsRepository repository;
    const AnalyticsService analytics(repository, config.analyticsMinCell);
    const Result<qint64> replayed = analytics.rebuild();
    if (!replayed) {
        log::error(QStringLiteral("analytics_rebuild_failed"),
                   {{QStringLiteral("error"), replayed.error().message}});
        return 1;
    }
    log::info(QStringLiteral("analytics_rebuilt"), {{QStringLiteral("events"), *replayed}});
    return 0;
}

int runDemoData(const Config &config, const DemoDataOptions &options)
{
    configureStorage(config);
    if (const QString error = migrateWith(config); !error.isEmpty()) {
        log::error(QStringLiteral("migrations_failed"), {{QStringLiteral("error"), error}});
        return 1;
    }
    const Result<qint64> recorded = recordDemoData(options);
    if (!recorded) {
        log::error(QStringLiteral("demo_data_failed"),
                   {{QStringLiteral("error"), recorded.error().message}});
        return 1;
    }
    log::info(QStringLiteral("demo_data_recorded"),
              {{QStringLiteral("people"), options.users},
               {QStringLiteral("days"), options.days},
               {QStringLiteral("events"), *recorded}});
    return 0;
}

Application::Application(Config config, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_kept(qint64(m_config.readCacheSeconds) * 1000)
{ }

Application::~Application()
{
    // The message writer answers through the gateway, which goes before the domains.
    if (m_domains)
        m_domains->conversations.stopWritingMessages();
}

namespace {

/// Loads what the domains are built from and cannot run without: a broken catalog or rules
/// file stops the server at start instead of letting chat go unchecked.
QString loadCatalogAndRules(std::optional<Catalog> *catalog, std::optional<ModerationRules> *rules)
{
    Result<Catalog> loaded = Catalog::embedded();
    if (!loaded)
        return QStringLiteral("catalog: %1").arg(loaded.error().message);
    Result<ModerationRules> moderation =
        ModerationRules::fromFiles(QStringLiteral(":/resources/moderation/rules.json"),
                                   QStringLiteral(":/resources/catalog/catalog.json"));
    if (!moderation)
        return QStringLiteral("moderation rules: %1").arg(moderation.error().message);
    catalog->emplace(std::move(loaded).value());
    rules->emplace(std::move(moderation).value());
    return {};
}

/// The list of passwords too common to accept: without it sign-up would take any of them.
QString loadCommonPasswords(const Config &config)
{
    const QString path = config.commonPasswordsFile.isEmpty() ? CommonPasswords::builtInPath()
                                                              : config.commonPasswordsFile;
    Result<CommonPasswords> list = CommonPasswords::fromFile(path);
    if (!list)
        return list.error().message;
    log::info(QStringLiteral("common_passwords_loaded"),
              {{QStringLiteral("entries"), int(list->size())}});
    IdentityRules::useCommonPasswords(std::move(list).value());
    return {};
}

} // namespace

bool Application::start()
{
    configureStorage(m_config);
    const auto fail = [](const QString &error) {
        log::error(QStringLiteral("startup_failed"), {{QStringLiteral("error"), error}});
        return false;
    };
    if (const QString error = migrateWith(m_config); !error.isEmpty())
        return fail(error);
    std::optional<Catalog> catalog;
    std::optional<ModerationRules> rules;
    if (const QString error = loadCatalogAndRules(&catalog, &rules); !error.isEmpty())
        return fail(error);
    if (const QString error = loadCommonPasswords(m_config); !error.isEmpty())
        return fail(error);
    // Avatars are accepted as JPEG, PNG and WebP and stored as JPEG: without Qt's plugins for
    // them (WebP: Debian's qt6-image-formats-plugins) uploads would fail one by one.
    if (const QStringList missing = ImageSanitizer::missingFormats(); !missing.isEmpty())
        return fail(QStringLiteral("Qt cannot handle the image formats %1: install "
                                   "qt6-image-formats-plugins")
                        .arg(missing.join(QStringLiteral(", "))));
    if (m_config.mediaStore == QLatin1String("local") && !QDir().mkpath(m_config.mediaDir))
        return fail(QStringLiteral("FP_MEDIA_DIR %1 cannot be created").arg(m_config.mediaDir));

    m_pool = std::make_unique<WorkerPool>(m_config.workerThreads, m_config.workerQueueLimit);
    m_metrics.gauge(QStringLiteral("fp_worker_pool_pending"),
                    QStringLiteral("Requests waiting for or running on a database worker"),
                    [pool = m_pool.get()] { return double(pool->pending()); });
    m_metrics.gauge(
        QStringLiteral("fp_db_errors_total"), QStringLiteral("Failed database statements"),
        [] { return double(Database::failureCount()); }, QStringLiteral("counter"));
    m_bus = std::make_unique<EventBus>(redisSettingsFor(m_config));
    // Answers are kept only while this instance hears every eviction (docs/performance.md).
    m_bus->setEvictionListener(
        [kept = &m_kept](const QByteArray &evictions) { kept->evict(evictions); },
        [kept = &m_kept](bool listening) { kept->setListening(listening); });
    Outbox::onEventsCommitted([kept = &m_kept,
                               bus = m_bus.get()](const QList<OutboxEvent> &events) {
        kept->committed(events, [bus](const QByteArray &lines) { bus->publishEvictions(lines); });
    });
    m_bus->start();
    m_metrics.gauge(
        QStringLiteral("fp_read_cache_hits_total"),
        QStringLiteral(
            "Reads answered from memory (GET /api/profile, another person's trust score)"),
        [kept = &m_kept] { return double(kept->profiles.hits() + kept->othersTrust.hits()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_read_cache_misses_total"),
        QStringLiteral("Reads of those routes that found no answer in memory (then read MariaDB)"),
        [kept = &m_kept] { return double(kept->profiles.misses() + kept->othersTrust.misses()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_read_cache_evictions_total"),
        QStringLiteral("Answers in memory dropped because something they were read from changed"),
        [kept = &m_kept] {
            return double(kept->profiles.evictions() + kept->othersTrust.evictions());
        },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_read_cache_entries"), QStringLiteral("Answers kept in memory"),
        [kept = &m_kept] { return double(kept->profiles.size() + kept->othersTrust.size()); });
    m_metrics.gauge(
        QStringLiteral("fp_event_bus_dropped_total"),
        QStringLiteral("Events for other instances dropped while Redis was unreachable"),
        [bus = m_bus.get()] { return double(bus->droppedCount()); }, QStringLiteral("counter"));
    m_domains = std::make_unique<Domains>(m_config, *m_bus, std::move(*catalog), std::move(*rules));

    if (const QString error = m_domains->identity.seedFirstAdmin(); !error.isEmpty())
        return fail(error);
    if (const QString error = m_domains->engagement.seedPromptCatalog(); !error.isEmpty())
        return fail(error);

    m_http = std::make_unique<HttpServer>(m_config, m_router, *m_pool, m_metrics);
    m_http->setAuthenticator([tokens = &m_domains->tokens](const RequestContext &ctx) {
        const std::optional<QByteArray> token =
            TokenVerifier::bearerToken(ctx.header("authorization"));
        if (!token)
            return Result<Caller>(AppError::unauthorized());
        return tokens->verify(*token);
    });
    m_metrics.gauge(
        QStringLiteral("fp_http_answered_from_memory_total"),
        QStringLiteral("Requests answered with an answer kept in memory (docs/performance.md)"),
        [http = m_http.get()] { return double(http->answeredFromMemory()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_http_early_answers_total"),
        QStringLiteral("Requests answered from memory by the connection guard, before Qt's HTTP "
                       "server read them (docs/performance.md)"),
        [http = m_http.get()] { return double(http->answeredEarly()); }, QStringLiteral("counter"));
    m_http->setCachedAuthenticator([tokens = &m_domains->tokens](const RequestContext &ctx) {
        const std::optional<QByteArray> token =
            TokenVerifier::bearerToken(ctx.header("authorization"));
        if (!token)
            return std::optional<Result<Caller>>();
        return tokens->verifyFromCache(*token);
    });
    acceptWebSockets();
    registerRoutes();
    QSslConfiguration tls;
    if (!m_config.tlsCert.isEmpty()) {
        QString error;
        tls = loadTlsConfiguration(m_config, &error);
        if (tls.isNull())
            return fail(error);
    }
    m_port = m_http->start(QHostAddress(m_config.httpAddress), m_config.httpPort, tls);
    if (m_port == 0)
        return fail(QStringLiteral("cannot listen on %1:%2 (address in use?)")
                        .arg(m_config.httpAddress)
                        .arg(m_config.httpPort));
    startBackgroundWork();
    log::info(
        QStringLiteral("listening"),
        {{QStringLiteral("address"), m_config.httpAddress}, {QStringLiteral("port"), int(m_port)}});
    return true;
}

void Application::registerRoutes()
{
    Domains &d = *m_domains;
    registerHealthRoutes(m_router, m_metrics, m_config.metricsToken);
    registerIdentityRoutes(m_router, d.identity);
    registerProfileRoutes(m_router, d.profiles, d.avatars, m_config.avatarMaxBytes,
                          m_kept.profiles);
    registerEngagementRoutes(m_router, d.engagement);
    registerTrustRoutes(m_router, d.trust, m_kept.othersTrust);
    registerReflectionRoutes(m_router, d.reflections, d.catalog);
    registerFriendshipRoutes(m_router, d.friendships);
    registerSafetyRoutes(m_router, d.safety, d.catalog);
    registerMatchingRoutes(m_router, d.matching);
    registerConversationRoutes(m_router, *m_gateway, d.conversations, d.catalog);
    registerAnalyticsRoutes(m_router, d.analytics);
    registerPrivacyRoutes(m_router, d.privacy);
    registerAdminRoutes(m_router, d.admin);
    registerEventRoutes(m_router, d.admin, m_config.redisKeyPrefix.toUtf8());
}

void Application::acceptWebSockets()
{
    TokenVerifier &tokens = m_domains->tokens;
    // Revocations made here reach this instance's sockets even while Redis is down; those of
    // other instances arrive through Redis and also drop the verifier's cached session state.
    tokens.setLocalRevocationListener(
        [bus = m_bus.get()](const QString &userId, const QStringList &ids) {
            QMetaObject::invokeMethod(
                bus, [bus, userId, ids] { Q_EMIT bus->sessionsRevoked(userId, ids); },
                Qt::QueuedConnection);
        });
    connect(m_bus.get(), &EventBus::sessionsRevoked, this,
            [&tokens](const QString &userId, const QStringList &ids) {
                tokens.forgetSessions(userId, ids);
            });
    const GatewaySettings settings {m_config.wsAuthTimeoutMs, m_config.wsPingIntervalMs,
                                    m_config.wsMaxFramesPerSecond, m_config.wsMaxMessageBytes,
                                    m_config.corsOrigins};
    m_gateway = std::make_unique<Gateway>(
        settings, *m_pool, *m_bus,
        [&tokens](const QString &token) -> Result<Caller> {
            // Same verification as a request's bearer token, revocation checks included.
            return tokens.verify(token.toUtf8());
        },
        [&tokens](const Caller &caller) { return tokens.recheck(caller); },
        [&tokens](const Caller &caller) { return tokens.recheckFromCache(caller); });
    registerNoticeFrames(*m_gateway);
    registerStaffAlertFeed(*m_gateway, m_domains->safety);
    greetWithPendingNotices(*m_gateway, m_domains->safety);
    m_metrics.gauge(QStringLiteral("fp_websocket_connections"),
                    QStringLiteral("Open WebSocket connections"),
                    [gateway = m_gateway.get()] { return double(gateway->connectionCount()); });
    m_metrics.gauge(
        QStringLiteral("fp_websocket_frames_without_worker_total"),
        QStringLiteral("Client frames handled from the I/O thread, holding no worker (chat.send "
                       "with the session's state in memory)"),
        [gateway = m_gateway.get()] { return double(gateway->framesWithoutWorker()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_websocket_frames_on_workers_total"),
        QStringLiteral("Client frames handled on a worker thread"),
        [gateway = m_gateway.get()] { return double(gateway->framesOnWorkers()); },
        QStringLiteral("counter"));
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

void Application::startBackgroundWork()
{
    Domains &d = *m_domains;
    m_metrics.gauge(
        QStringLiteral("fp_chat_messages_stored_total"), QStringLiteral("Chat messages stored"),
        [&d] { return double(d.conversations.storedMessageCount()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_chat_message_batches_total"),
        QStringLiteral("Transactions that stored chat messages (messages / batches = batch size)"),
        [&d] { return double(d.conversations.messageBatchCount()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_profile_write_batches_total"),
        QStringLiteral("Transactions that wrote PUT /api/profile requests (PUTs / batches = "
                       "batch size)"),
        [&d] { return double(d.profiles.writeBatchCount()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_session_reads_alone_total"),
        QStringLiteral("Session states read from MariaDB one at a time (a cache miss)"),
        [&d] { return double(d.tokens.sessionsReadAlone()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_session_reads_batched_total"),
        QStringLiteral("Session states of sessions in use re-read in batches before they expire"),
        [&d] { return double(d.tokens.sessionsReadInBatches()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_access_change_readings_total"),
        QStringLiteral("Readings of the recent session revocations and account changes that "
                       "succeeded (one a second: they vouch for the sessions cached)"),
        [&d] { return double(d.tokens.accessChangeReadings()); }, QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_access_changes_applied_total"),
        QStringLiteral("Session revocations and account changes read from MariaDB that made "
                       "this instance forget what it cached"),
        [&d] { return double(d.tokens.accessChangesApplied()); }, QStringLiteral("counter"));
    // Every second, the recent access changes are read (they vouch for every session cached),
    // and the sessions in use they cannot vouch for are re-read together, a few hundred per
    // statement, instead of each busy socket or client reading its own when its entry expires.
    auto *sessions = new QTimer(this);
    connect(sessions, &QTimer::timeout, this, [this, &d] {
        if (m_shuttingDown || m_refreshingSessions.exchange(true))
            return;
        const bool queued = m_pool->trySubmit([this, &d] {
            // While MariaDB is away each socket's own read fails the same way: said once.
            const Result<qsizetype> refreshed = d.tokens.refreshActiveSessions();
            if (refreshed)
                m_sessionRefreshFailing = false;
            else if (!m_sessionRefreshFailing.exchange(true))
                log::warning(QStringLiteral("session_refresh_failed"),
                             {{QStringLiteral("cause"), refreshed.error().message}});
            m_refreshingSessions = false;
        });
        if (!queued)
            m_refreshingSessions = false;
    });
    sessions->start(1000);
    startEventBackbone();
    scheduleJobs();
    m_matchScheduler = std::make_unique<MatchScheduler>(
        d.matching, *m_pool, m_metrics, m_config.matchTickMs,
        [gateway = m_gateway.get()] { return gateway->authenticatedUserIds(); });
    m_matchScheduler->start();
}

void Application::startEventBackbone()
{
    const RedisSettings redis = redisSettingsFor(m_config);
    m_relay = std::make_unique<OutboxRelay>(
        RelaySettings {redis, m_config.eventStreamMaxLength, 500, 1000});
    if (m_config.eventRelayEnabled) {
        Outbox::onCommitted([relay = m_relay.get()] { relay->wake(); });
        m_relay->start();
    }
    m_consumers = std::make_unique<EventConsumers>(
        ConsumerSettings {redis, m_bus->instanceId().toLatin1(), m_config.eventClaimIdleMs,
                          m_config.eventMaxDeliveries, 200, 1000, 100000});
    // Each consumer of the event stream: one line (docs/events.md, "Adding a consumer").
    m_consumers->add(std::make_unique<AnalyticsConsumer>(m_domains->analyticsRepository));
    m_consumers->start();

    m_metrics.gauge(
        QStringLiteral("fp_event_relayed_total"),
        QStringLiteral("Outbox rows this instance added to the event stream"),
        [relay = m_relay.get()] { return double(relay->relayedCount()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_event_relay_failed_passes_total"),
        QStringLiteral("Relay passes on this instance that failed (Redis or the database away)"),
        [relay = m_relay.get()] { return double(relay->failedPasses()); },
        QStringLiteral("counter"));
    m_metrics.gauge(
        QStringLiteral("fp_event_relayed_again_total"),
        QStringLiteral("Outbox rows relayed again because Redis had lost them"),
        [relay = m_relay.get()] { return double(relay->rewoundCount()); },
        QStringLiteral("counter"));
    m_metrics.describe(QStringLiteral("fp_event_consumer_applied_total"), QStringLiteral("counter"),
                       QStringLiteral("Events a consumer group applied on this instance"));
    m_metrics.describe(QStringLiteral("fp_event_consumer_failures_total"),
                       QStringLiteral("counter"),
                       QStringLiteral("Deliveries a consumer group failed on this instance"));
    m_metrics.describe(QStringLiteral("fp_event_outbox_backlog"), QStringLiteral("gauge"),
                       QStringLiteral("Committed events not yet on the stream"));
    m_metrics.describe(QStringLiteral("fp_event_relay_lag_seconds"), QStringLiteral("gauge"),
                       QStringLiteral("Age of the oldest event not yet on the stream"));
    m_metrics.describe(QStringLiteral("fp_event_consumer_lag"), QStringLiteral("gauge"),
                       QStringLiteral("Stream entries a consumer group has not read yet"));
    m_metrics.describe(QStringLiteral("fp_event_consumer_pending"), QStringLiteral("gauge"),
                       QStringLiteral("Entries a consumer group read but has not applied"));
    m_metrics.describe(QStringLiteral("fp_event_dead_letters"), QStringLiteral("gauge"),
                       QStringLiteral("Events parked in the dead-letter stream"));
    m_metrics.describe(QStringLiteral("fp_event_stream_reachable"), QStringLiteral("gauge"),
                       QStringLiteral("1 while Redis answers; 0: events wait in the outbox "
                                      "(degraded, nothing is lost)"));
    m_metrics.describe(QStringLiteral("fp_job_last_success_timestamp_seconds"),
                       QStringLiteral("gauge"),
                       QStringLiteral("When each background job last succeeded, on any "
                                      "instance (Unix time)"));
    m_metrics.describe(QStringLiteral("fp_job_failing"), QStringLiteral("gauge"),
                       QStringLiteral("1 when a background job's last run failed"));
    m_metrics.describe(QStringLiteral("fp_report_time_to_claim_seconds"), QStringLiteral("gauge"),
                       QStringLiteral("Time from filing to first claim of reports claimed in the "
                                      "last 7 days, by severity and quantile"));
    m_metrics.describe(QStringLiteral("fp_report_time_to_resolution_seconds"),
                       QStringLiteral("gauge"),
                       QStringLiteral("Time from filing to resolution of reports resolved in the "
                                      "last 7 days, by severity and quantile"));
    m_metrics.describe(QStringLiteral("fp_reports_unresolved"), QStringLiteral("gauge"),
                       QStringLiteral("Reports and moderation items open or being handled, by "
                                      "severity"));
    m_metrics.gauge(QStringLiteral("fp_staff_alert_subscribers"),
                    QStringLiteral("Staff sockets on this instance following the alert feed"),
                    [gateway = m_gateway.get()] {
                        return double(gateway->subscriberCount(QString(SafetyService::kStaffFeed)));
                    });
    refreshBackboneMetrics();
    auto *refresh = new QTimer(this);
    connect(refresh, &QTimer::timeout, this, &Application::refreshBackboneMetrics);
    refresh->start(5000);
}

void Application::refreshBackboneMetrics()
{
    // Counted on a worker, not at scrape time: a scrape must not wait on MariaDB or Redis.
    const QByteArray prefix = m_config.redisKeyPrefix.toUtf8();
    const QList<EventConsumers::GroupCounts> counts = m_consumers->counts();
    m_pool->trySubmit([metrics = &m_metrics, prefix, counts, safety = &m_domains->safety] {
        if (Result<admin::ReportMetrics> reports = safety->reportMetrics(7 * 24)) {
            for (const admin::ReportTimes &t : std::as_const(reports->severities)) {
                const auto at = [&t](const char *quantile) {
                    return MetricLabels {
                        {QStringLiteral("severity"), t.severity},
                        {QStringLiteral("quantile"), QString::fromLatin1(quantile)}};
                };
                metrics->set(QStringLiteral("fp_report_time_to_claim_seconds"), at("0.5"),
                             t.claimP50Seconds);
                metrics->set(QStringLiteral("fp_report_time_to_claim_seconds"), at("0.95"),
                             t.claimP95Seconds);
                metrics->set(QStringLiteral("fp_report_time_to_resolution_seconds"), at("0.5"),
                             t.resolveP50Seconds);
                metrics->set(QStringLiteral("fp_report_time_to_resolution_seconds"), at("0.95"),
                             t.resolveP95Seconds);
                metrics->set(QStringLiteral("fp_reports_unresolved"),
                             {{QStringLiteral("severity"), t.severity}}, double(t.open));
            }
        }
        for (const EventConsumers::GroupCounts &c : counts) {
            const MetricLabels group {{QStringLiteral("group"), QString::fromLatin1(c.group)}};
            metrics->set(QStringLiteral("fp_event_consumer_applied_total"), group,
                         double(c.applied));
            metrics->set(QStringLiteral("fp_event_consumer_failures_total"), group,
                         double(c.failed));
        }
        const BackboneStatus status = BackboneStatus::read(prefix);
        if (status.databaseReachable) {
            metrics->set(QStringLiteral("fp_event_outbox_backlog"), {},
                         double(status.outboxBacklog));
            metrics->set(QStringLiteral("fp_event_relay_lag_seconds"), {}, status.relayLagSeconds);
        }
        for (const BackboneStatus::JobState &job : status.jobs) {
            const MetricLabels name {{QStringLiteral("job"), job.name}};
            metrics->set(QStringLiteral("fp_job_last_success_timestamp_seconds"), name,
                         job.lastSuccessAt.isValid()
                             ? double(job.lastSuccessAt.toMSecsSinceEpoch()) / 1000.0
                             : 0.0);
            metrics->set(QStringLiteral("fp_job_failing"), name, job.lastError.isEmpty() ? 0 : 1);
        }
        metrics->set(QStringLiteral("fp_event_stream_reachable"), {},
                     status.streamReachable ? 1 : 0);
        for (const BackboneStatus::Group &g : status.groups) {
            const MetricLabels group {{QStringLiteral("group"), g.name}};
            metrics->set(QStringLiteral("fp_event_consumer_pending"), group, double(g.pending));
            metrics->set(QStringLiteral("fp_event_consumer_lag"), group, double(g.lag));
        }
        if (status.streamReachable)
            metrics->set(QStringLiteral("fp_event_dead_letters"), {}, double(status.deadLetters));
    });
}

void Application::scheduleJobs()
{
    Domains &d = *m_domains;
    const auto done = [](auto result) -> Status {
        if (!result)
            return result.error();
        return Ok {};
    };
    m_jobs = std::make_unique<JobScheduler>(*m_pool, m_bus->instanceId().toLatin1());
    // Gate steps are claimed in the database, so a run cut short is finished by the next.
    m_jobs->add(Job {"gate_sweep", 500, 10000, [&d] {
                         d.conversations.runDueGates();
                         return Status(Ok {});
                     }});
    m_jobs->add(Job {"message_retention", m_config.retentionSweepSeconds * 1000, 600000,
                     [&d, done, days = m_config.messageRetentionDays]() -> Status {
                         const QDateTime now = QDateTime::currentDateTimeUtc();
                         if (Status s = done(d.conversations.deleteExpiredMessages(now)); !s)
                             return s;
                         // Attempts the rules blocked are kept like the chat they were aimed at.
                         return done(d.safety.purgeBlockedMessages(now.addDays(-days)));
                     }});
    m_jobs->add(Job {"report_escalation", 5000, 60000, [&d] {
                         return d.safety.escalateOverdue(QDateTime::currentDateTimeUtc());
                     }});
    m_jobs->add(Job {"idempotency_key_expiry", 60000, 120000, [] {
                         Idempotency::sweepExpired();
                         return Status(Ok {});
                     }});
    m_jobs->add(Job {"session_purge", 3600000, 600000, [&d] {
                         return d.identity.purgeEndedSessions(QDateTime::currentDateTimeUtc());
                     }});
    m_jobs->add(Job {"analytics_retention", 3600000, 600000, [&d, done] {
                         return done(d.analytics.purgeRollups(QDateTime::currentDateTimeUtc()));
                     }});
    m_jobs->add(Job {"outbox_purge", 60000, 300000,
                     [&d, hours = m_config.eventOutboxRetentionHours, done]() -> Status {
                         if (Status s = done(Outbox::purge(hours)); !s)
                             return s;
                         if (Status s = done(d.safety.purgeAlerts(QDateTime::currentDateTimeUtc()));
                             !s)
                             return s;
                         if (Status s = done(UserNotices::purge()); !s)
                             return s;
                         return done(JobScheduler::purgeRuns(hours));
                     }});
    m_jobs->start();
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
    if (m_jobs)
        m_jobs->stop();
    if (m_finishing)
        return;
    m_finishing = true;
    if (m_gateway)
        m_gateway->closeAll(QWebSocketProtocol::CloseCodeGoingAway,
                            QStringLiteral("server shutting down"));
    // Let the close frames leave before the process ends.
    QTimer::singleShot(200, this, [this] {
        m_pool->waitForDone(m_config.shutdownGraceMs);
        // Chat messages already queued are stored (their senders were told nothing yet).
        m_domains->conversations.stopWritingMessages();
        // The relay's last pass and the consumers' batches finish; anything left is picked up
        // from the outbox and the pending entries by the next instance to start.
        if (m_consumers)
            m_consumers->stop();
        if (m_relay)
            m_relay->stop();
        if (m_bus)
            m_bus->stop();
        log::info(QStringLiteral("shutdown_complete"));
        QCoreApplication::quit();
    });
}

} // namespace fp
