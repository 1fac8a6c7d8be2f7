#include "server/base/Config.h"

#include <QByteArray>
#include <QFileInfo>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSettings>
#include <QUrl>
#include <array>
#include <functional>

namespace fp {

namespace {

struct Setting
{
    const char *env; // FP_HTTP_PORT
    const char *iniKey; // http/port, i.e. [http] port = ... in the INI file
    const char *defaultValue;
    const char *help;
    bool secret = false;
};

// Every setting the server reads. Keep in step with resources/friendship-server.example.ini.
const Setting kSettings[] = {
    {"FP_ENV", "server/env", "production",
     "production or development (development allows a missing FP_JWT_SECRET)"},
    {"FP_HTTP_ADDRESS", "http/address", "127.0.0.1", "address the API and WebSocket listen on"},
    {"FP_HTTP_PORT", "http/port", "8080",
     "port of the API and the WebSocket /ws (0 picks a free one)"},
    {"FP_MAX_BODY_BYTES", "http/max_body_bytes", "1048576",
     "largest accepted request body; larger gets 413"},
    {"FP_HTTP_HEADER_TIMEOUT_MS", "http/header_timeout_ms", "10000",
     "a request head must be complete this long after the connection opened (or after its "
     "first byte, on a keep-alive connection); slower ones are closed"},
    {"FP_HTTP_IDLE_TIMEOUT_MS", "http/idle_timeout_ms", "60000",
     "a connection with no request in progress (or whose body stops arriving) is closed after "
     "this long; WebSocket connections have their own ping timeout"},
    {"FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "http/max_connections_per_address", "256",
     "open connections one client address (IPv6: its /64) may hold; more get 503 and are "
     "closed (FP_TRUSTED_PROXIES are exempt)"},
    {"FP_DB_HOST", "db/host", "127.0.0.1", "MariaDB/MySQL host"},
    {"FP_DB_PORT", "db/port", "3306", "MariaDB/MySQL port"},
    {"FP_DB_SOCKET", "db/socket", "",
     "MariaDB/MySQL unix socket (used instead of host/port when set)"},
    {"FP_DB_NAME", "db/name", "friendship", "database name"},
    {"FP_DB_USER", "db/user", "friendship", "database user"},
    {"FP_DB_PASSWORD", "db/password", "", "database password", true},
    // 10 s rather than InnoDB's 50: a request that waited that long for a row's lock is better
    // answered 503 with Retry-After than held until the client gave up.
    {"FP_DB_LOCK_WAIT_SECONDS", "db/lock_wait_seconds", "10",
     "how long a statement waits for a row another transaction holds before it is refused "
     "(the change is tried again a few times, then answered 503)"},
    {"FP_REDIS_HOST", "redis/host", "127.0.0.1", "Redis host"},
    {"FP_REDIS_PORT", "redis/port", "6379", "Redis port"},
    {"FP_REDIS_KEY_PREFIX", "redis/key_prefix", "fp:",
     "prefix of every Redis key and channel (deployments sharing a Redis use different ones)"},
    {"FP_JWT_SECRET", "jwt/secret", "",
     "secret signing access tokens, at least 32 bytes (required outside development)", true},
    {"FP_JWT_PREVIOUS_SECRET", "jwt/previous_secret", "",
     "the previous secret, still accepted while tokens signed with it live", true},
    {"FP_ADMIN_EMAIL", "admin/email", "admin@friendship.local",
     "email of the first admin account, created when none exists"},
    {"FP_ADMIN_PASSWORD", "admin/password", "",
     "its password (generated when empty, and written to FP_ADMIN_PASSWORD_FILE)", true},
    {"FP_ADMIN_PASSWORD_FILE", "admin/password_file", "var/admin-password",
     "where a generated first-admin password is written, readable by its owner only"},
    {"FP_GATE_INTERVAL_SECONDS", "conversation/gate_interval_seconds", "600",
     "decision gates open at 1x, 2x and 3x this after a chat starts"},
    {"FP_MATCH_TICK_MS", "matching/tick_ms", "1000", "how often the matcher pairs the queue"},
    {"FP_MESSAGE_RETENTION_DAYS", "privacy/message_retention_days", "30",
     "chat messages older than this are deleted, unless a report about their conversation is "
     "still open or triaged"},
    {"FP_RETENTION_SWEEP_SECONDS", "privacy/retention_sweep_seconds", "3600",
     "how often expired chat messages are looked for"},
    {"FP_ANALYTICS_MIN_CELL", "analytics/min_cell", "5",
     "analytics cells counting fewer people or events than this (but some) are suppressed"},
    {"FP_REPORT_ESCALATION_MINUTES", "moderation/report_escalation_minutes", "15",
     "a critical report nobody has claimed for this long is marked escalated"},
    {"FP_REPORT_HIGH_ESCALATION_MINUTES", "moderation/report_high_escalation_minutes", "60",
     "a high-severity report nobody has claimed for this long is marked escalated"},
    {"FP_REPORT_CLAIM_MINUTES", "moderation/report_claim_minutes", "30",
     "how long a moderator's claim on a report locks it for others"},
    {"FP_REPEATED_BLOCKS_COUNT", "moderation/repeated_blocks_count", "3",
     "this many messages of one person blocked by the chat rules..."},
    {"FP_REPEATED_BLOCKS_MINUTES", "moderation/repeated_blocks_minutes", "10",
     "...within this many minutes raise a moderation item about the person"},
    {"FP_EVENT_RELAY", "events/relay", "on",
     "on: this instance takes part in moving the outbox to the Redis stream (one pass at a time "
     "across instances); off: it only records events"},
    {"FP_EVENT_STREAM_MAX_LENGTH", "events/stream_max_length", "1000000",
     "entries kept in the Redis event stream (approximately: XADD MAXLEN ~)"},
    {"FP_EVENT_OUTBOX_RETENTION_HOURS", "events/outbox_retention_hours", "72",
     "relayed outbox rows and job run records are kept this long, then purged"},
    {"FP_EVENT_CLAIM_IDLE_MS", "events/claim_idle_ms", "30000",
     "an event pending this long (doubling per delivery) is delivered again, on any instance"},
    {"FP_EVENT_MAX_DELIVERIES", "events/max_deliveries", "5",
     "deliveries after which a failing event is parked in the dead-letter stream"},
    {"FP_LOG_FORMAT", "log/format", "json", "json (one object a line) or text"},
    {"FP_EVENT_LOOP", "server/event_loop", "epoll",
     "epoll (waits on thousands of sockets cheaply) or qt (Qt's own poll loop); from the "
     "environment only, as it is chosen before anything else starts"},
    // 32: a worker waits on MariaDB far more than it computes, and PUTs of profiles are
    // written together only while their workers wait together (64 connections of http_bench:
    // p99 about 40 ms with 32, about 60 ms with 16).
    {"FP_WORKER_THREADS", "server/worker_threads", "32",
     "threads doing database work, each with its own connection"},
    {"FP_WORKER_QUEUE_LIMIT", "server/worker_queue_limit", "256",
     "requests waiting for a worker before new ones get 503"},
    {"FP_SHUTDOWN_GRACE_MS", "server/shutdown_grace_ms", "10000",
     "how long shutdown waits for in-flight requests"},
    {"FP_RATE_AUTH_PER_MINUTE", "rate/auth_per_minute", "20",
     "login/register/refresh (and Google/Apple sign-in and linking) requests a minute per client "
     "address"},
    {"FP_RATE_MUTATIONS_PER_MINUTE", "rate/mutations_per_minute", "120",
     "writes a minute per account (4x per client address)"},
    {"FP_RATE_READS_PER_MINUTE", "rate/reads_per_minute", "600",
     "reads a minute per account (4x per client address)"},
    {"FP_RATE_EXPORTS_PER_MINUTE", "rate/exports_per_minute", "2",
     "data exports (GET /api/me/export) a minute per account (4x per client address)"},
    {"FP_WS_AUTH_TIMEOUT_MS", "websocket/auth_timeout_ms", "5000",
     "a socket must send its auth frame within this"},
    {"FP_WS_PING_INTERVAL_MS", "websocket/ping_interval_ms", "25000",
     "the server pings every socket this often; 2.5x silence closes it"},
    {"FP_WS_MAX_FRAMES_PER_SECOND", "websocket/max_frames_per_second", "20",
     "frames a socket may send a second before it is throttled, then closed (1008)"},
    {"FP_LOGIN_FAILURE_LIMIT", "login/failure_limit", "30",
     "failed logins of one account before it is locked (failures are forgotten after 12 h)"},
    {"FP_LOGIN_LOCK_INCREMENT_SECONDS", "login/lock_increment_seconds", "60",
     "each failure from the limit on locks the account this much longer than the last"},
    {"FP_LOGIN_LOCK_MAX_SECONDS", "login/lock_max_seconds", "900", "longest account lock"},
    {"FP_LOGIN_ADDRESS_FAILURE_LIMIT", "login/address_failure_limit", "100",
     "failed logins from one client address (IPv6: its /64) per 15 minutes"},
    // 0, as API_SPEC has it: re-using a dead refresh token revokes the session, however soon.
    {"FP_REFRESH_REUSE_GRACE_SECONDS", "login/refresh_reuse_grace_seconds", "0",
     "a refresh token presented again this soon after its rotation gets the same new token "
     "(a lost response, two tabs) instead of revoking the session as reuse; 0: never"},
    {"FP_COMMON_PASSWORDS_FILE", "login/common_passwords_file", "",
     "list of common passwords refused at sign-up and password change, one a line (default: the "
     "one built in, resources/common-passwords.txt); the server does not start without it"},
    {"FP_CORS_ORIGINS", "http/cors_origins", "",
     "comma-separated exact origins allowed to call the API and open /ws from a browser (empty: "
     "same-origin only)"},
    {"FP_TRUSTED_PROXIES", "http/trusted_proxies", "",
     "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is believed"},
    {"FP_OIDC_GOOGLE_CLIENT_IDS", "oidc/google_client_ids", "",
     "comma-separated OAuth client ids of the frontends signing in with Google (empty: Sign in "
     "with Google is off)"},
    {"FP_OIDC_GOOGLE_ISSUER", "oidc/google_issuer",
     "https://accounts.google.com,accounts.google.com",
     "comma-separated issuers a Google ID token may name"},
    {"FP_OIDC_GOOGLE_JWKS_URL", "oidc/google_jwks_url",
     "https://www.googleapis.com/oauth2/v3/certs",
     "Google's signing keys (https, or http on a loopback host)"},
    {"FP_OIDC_APPLE_CLIENT_IDS", "oidc/apple_client_ids", "",
     "comma-separated Services IDs (web) or bundle ids signing in with Apple (empty: Sign in with "
     "Apple is off)"},
    {"FP_OIDC_APPLE_ISSUER", "oidc/apple_issuer", "https://appleid.apple.com",
     "comma-separated issuers an Apple ID token may name"},
    {"FP_OIDC_APPLE_JWKS_URL", "oidc/apple_jwks_url", "https://appleid.apple.com/auth/keys",
     "Apple's signing keys (https, or http on a loopback host)"},
    {"FP_OIDC_JWKS_MIN_REFRESH_SECONDS", "oidc/jwks_min_refresh_seconds", "60",
     "a token naming an unknown key makes the server fetch the provider's keys again, but never "
     "sooner than this after the last fetch"},
    {"FP_TLS_CERT", "http/tls_cert", "",
     "PEM certificate (chain) to serve HTTPS and wss:// directly"},
    {"FP_TLS_KEY", "http/tls_key", "", "PEM private key for FP_TLS_CERT", true},
    {"FP_METRICS_TOKEN", "metrics/token", "",
     "bearer token a scraper sends for GET /metrics (empty: only clients on loopback may read it)",
     true},
    {"FP_AVATAR_MAX_BYTES", "media/avatar_max_bytes", "5242880",
     "largest avatar image accepted by PUT /api/profile/avatar; larger gets 413"},
    {"FP_AVATAR_MAX_PIXELS", "media/avatar_max_pixels", "40000000",
     "an avatar whose header announces more pixels (width x height) is refused before it is "
     "decoded"},
    {"FP_AVATAR_URL_TTL_SECONDS", "media/avatar_url_ttl_seconds", "3600",
     "signed avatar URLs stay valid between this long and twice this long after they are given"},
    {"FP_READ_CACHE_SECONDS", "http/read_cache_seconds", "30",
     "how long an answer kept in memory (GET /api/profile, another person's trust score) may be "
     "served at most; a change drops it at once, on every instance through Redis; 0 keeps none"},
    {"FP_MEDIA_STORE", "media/store", "local",
     "where avatars are stored: local (files under FP_MEDIA_DIR) or s3 (FP_S3_*)"},
    {"FP_MEDIA_DIR", "media/dir", "var/media",
     "directory of the local media store; ./scripts/run puts it under its var/"},
    {"FP_S3_ENDPOINT", "s3/endpoint", "",
     "S3-compatible endpoint, http(s)://host[:port] (path-style requests); required for s3"},
    {"FP_S3_BUCKET", "s3/bucket", "", "bucket the media objects go to; required for s3"},
    {"FP_S3_REGION", "s3/region", "us-east-1", "region named in the AWS Signature V4 scope"},
    {"FP_S3_ACCESS_KEY_ID", "s3/access_key_id", "", "access key id; required for s3"},
    {"FP_S3_SECRET_ACCESS_KEY", "s3/secret_access_key", "", "secret access key; required for s3",
     true},
    {"FP_S3_TIMEOUT_MS", "s3/timeout_ms", "10000",
     "an S3 request not answered within this long fails (503)"},
    {"FP_MIGRATIONS_DIR", "db/migrations_dir", "",
     "directory of *.sql migrations (default: the ones built in)"},
};

const Setting &settingFor(const char *env)
{
    for (const auto &s : kSettings) {
        if (qstrcmp(s.env, env) == 0)
            return s;
    }
    qFatal("unknown setting %s", env); // a programming error, caught by the unit tests
}

QString iniKeyFor(const char *env)
{
    return QString::fromLatin1(settingFor(env).iniKey);
}

class Reader
{
public:
    Reader(const QSettings *ini, const QProcessEnvironment &env) : m_ini(ini), m_env(env) { }

    QString raw(const char *name) const
    {
        const QString envName = QString::fromLatin1(name);
        if (m_env.contains(envName))
            return m_env.value(envName);
        if (m_ini) {
            const QString key = iniKeyFor(name);
            if (m_ini->contains(key)) {
                // An unquoted a,b in an INI file reads as a list: the setting is its text.
                const QVariant value = m_ini->value(key);
                if (value.typeId() == QMetaType::QStringList)
                    return value.toStringList().join(QLatin1Char(','));
                return value.toString();
            }
        }
        return QString::fromLatin1(settingFor(name).defaultValue);
    }

    bool failed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }

    QString text(const char *name) { return raw(name).trimmed(); }

    qint64 integer(const char *name, qint64 min, qint64 max)
    {
        const QString value = raw(name).trimmed();
        bool ok = false;
        const qint64 parsed = value.toLongLong(&ok);
        if (!ok || parsed < min || parsed > max)
            fail(name,
                 QStringLiteral("must be an integer from %1 to %2 (got '%3')")
                     .arg(min)
                     .arg(max)
                     .arg(value));
        return parsed;
    }

    QString oneOf(const char *name, const QStringList &allowed)
    {
        const QString value = raw(name).trimmed().toLower();
        if (!allowed.contains(value))
            fail(name,
                 QStringLiteral("must be one of %1 (got '%2')")
                     .arg(allowed.join(QStringLiteral(", ")), value));
        return value;
    }

    void fail(const char *name, const QString &problem)
    {
        if (m_error.isEmpty()) // the first problem is the one to fix first
            m_error = QStringLiteral("%1 %2").arg(QString::fromLatin1(name), problem);
    }

private:
    const QSettings *m_ini;
    const QProcessEnvironment &m_env;
    QString m_error;
};

} // namespace

std::variant<Config, QString> Config::load(const QString &iniPath,
                                           const QProcessEnvironment &environment)
{
    std::unique_ptr<QSettings> ini;
    if (!iniPath.isEmpty()) {
        if (!QFileInfo(iniPath).isReadable())
            return QStringLiteral("--config %1: file not found or not readable").arg(iniPath);
        ini = std::make_unique<QSettings>(iniPath, QSettings::IniFormat);
        if (ini->status() != QSettings::NoError)
            return QStringLiteral("--config %1: not a valid INI file").arg(iniPath);
    }
    Reader r(ini.get(), environment);
    Config c;

    c.developmentMode =
        r.oneOf("FP_ENV", {QStringLiteral("production"), QStringLiteral("development")}) ==
        QLatin1String("development");
    c.eventLoop = r.oneOf("FP_EVENT_LOOP", {QStringLiteral("epoll"), QStringLiteral("qt")});
    if (c.eventLoop != environment.value(QStringLiteral("FP_EVENT_LOOP"), QStringLiteral("epoll")))
        r.fail("FP_EVENT_LOOP",
               QStringLiteral("is read from the environment only, not an INI file"));
    c.httpAddress = r.text("FP_HTTP_ADDRESS");
    if (QHostAddress(c.httpAddress).isNull())
        r.fail("FP_HTTP_ADDRESS",
               QStringLiteral("must be an IP address (got '%1')").arg(c.httpAddress));
    c.httpPort = quint16(r.integer("FP_HTTP_PORT", 0, 65535));
    c.maxBodyBytes = r.integer("FP_MAX_BODY_BYTES", 1024, 64LL * 1024 * 1024);
    c.httpHeaderTimeoutMs = int(r.integer("FP_HTTP_HEADER_TIMEOUT_MS", 100, 600000));
    c.httpIdleTimeoutMs = int(r.integer("FP_HTTP_IDLE_TIMEOUT_MS", 100, 3600000));
    c.httpMaxConnectionsPerAddress =
        int(r.integer("FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS", 1, 1000000));

    c.dbHost = r.text("FP_DB_HOST");
    c.dbPort = quint16(r.integer("FP_DB_PORT", 1, 65535));
    c.dbSocket = r.text("FP_DB_SOCKET");
    c.dbName = r.text("FP_DB_NAME");
    if (c.dbName.isEmpty())
        r.fail("FP_DB_NAME", QStringLiteral("must not be empty"));
    c.dbUser = r.text("FP_DB_USER");
    if (c.dbUser.isEmpty())
        r.fail("FP_DB_USER", QStringLiteral("must not be empty"));
    c.dbPassword = r.raw("FP_DB_PASSWORD");
    c.dbLockWaitSeconds = int(r.integer("FP_DB_LOCK_WAIT_SECONDS", 1, 3600));

    c.redisHost = r.text("FP_REDIS_HOST");
    if (c.redisHost.isEmpty())
        r.fail("FP_REDIS_HOST", QStringLiteral("must not be empty"));
    c.redisPort = quint16(r.integer("FP_REDIS_PORT", 1, 65535));
    c.redisKeyPrefix = r.text("FP_REDIS_KEY_PREFIX");

    c.jwtSecret = r.raw("FP_JWT_SECRET");
    c.jwtPreviousSecret = r.raw("FP_JWT_PREVIOUS_SECRET");
    if (c.jwtSecret.isEmpty() && !c.developmentMode)
        r.fail("FP_JWT_SECRET",
               QStringLiteral("is required outside development mode (FP_ENV=development)"));
    else if (!c.jwtSecret.isEmpty() && c.jwtSecret.toUtf8().size() < 32)
        r.fail("FP_JWT_SECRET", QStringLiteral("must be at least 32 bytes long"));
    if (!c.jwtPreviousSecret.isEmpty() && c.jwtPreviousSecret.toUtf8().size() < 32)
        r.fail("FP_JWT_PREVIOUS_SECRET", QStringLiteral("must be at least 32 bytes long"));

    c.adminEmail = r.text("FP_ADMIN_EMAIL");
    if (!c.adminEmail.contains(QLatin1Char('@')))
        r.fail("FP_ADMIN_EMAIL",
               QStringLiteral("must be an email address (got '%1')").arg(c.adminEmail));
    c.adminPassword = r.raw("FP_ADMIN_PASSWORD");
    c.adminPasswordFile = r.text("FP_ADMIN_PASSWORD_FILE");
    if (!c.adminPassword.isEmpty() && (c.adminPassword.size() < 12 || c.adminPassword.size() > 128))
        r.fail("FP_ADMIN_PASSWORD", QStringLiteral("must be 12 to 128 characters long"));

    c.gateIntervalSeconds = int(r.integer("FP_GATE_INTERVAL_SECONDS", 1, 24 * 3600));
    c.messageRetentionDays = int(r.integer("FP_MESSAGE_RETENTION_DAYS", 1, 3650));
    c.retentionSweepSeconds = int(r.integer("FP_RETENTION_SWEEP_SECONDS", 1, 7 * 24 * 3600));
    c.matchTickMs = int(r.integer("FP_MATCH_TICK_MS", 10, 600000));
    c.analyticsMinCell = int(r.integer("FP_ANALYTICS_MIN_CELL", 1, 1000));
    c.reportEscalationMinutes = int(r.integer("FP_REPORT_ESCALATION_MINUTES", 1, 7 * 24 * 60));
    c.reportHighEscalationMinutes =
        int(r.integer("FP_REPORT_HIGH_ESCALATION_MINUTES", 1, 30 * 24 * 60));
    c.reportClaimMinutes = int(r.integer("FP_REPORT_CLAIM_MINUTES", 1, 24 * 60));
    c.repeatedBlocksCount = int(r.integer("FP_REPEATED_BLOCKS_COUNT", 2, 1000));
    c.repeatedBlocksMinutes = int(r.integer("FP_REPEATED_BLOCKS_MINUTES", 1, 24 * 60));
    c.eventRelayEnabled =
        r.oneOf("FP_EVENT_RELAY", {QStringLiteral("on"), QStringLiteral("off")}) ==
        QLatin1String("on");
    c.eventStreamMaxLength = int(r.integer("FP_EVENT_STREAM_MAX_LENGTH", 1000, 100000000));
    c.eventOutboxRetentionHours = int(r.integer("FP_EVENT_OUTBOX_RETENTION_HOURS", 1, 24 * 365));
    c.eventClaimIdleMs = int(r.integer("FP_EVENT_CLAIM_IDLE_MS", 100, 3600000));
    c.eventMaxDeliveries = int(r.integer("FP_EVENT_MAX_DELIVERIES", 1, 1000));
    c.logFormat = r.oneOf("FP_LOG_FORMAT", {QStringLiteral("json"), QStringLiteral("text")}) ==
            QLatin1String("text")
        ? LogFormat::Text
        : LogFormat::Json;
    c.workerThreads = int(r.integer("FP_WORKER_THREADS", 1, 256));
    c.workerQueueLimit = int(r.integer("FP_WORKER_QUEUE_LIMIT", 1, 100000));
    c.shutdownGraceMs = int(r.integer("FP_SHUTDOWN_GRACE_MS", 0, 600000));
    c.rateAuthPerMinute = int(r.integer("FP_RATE_AUTH_PER_MINUTE", 1, 1000000));
    c.rateMutationsPerMinute = int(r.integer("FP_RATE_MUTATIONS_PER_MINUTE", 1, 1000000));
    c.rateReadsPerMinute = int(r.integer("FP_RATE_READS_PER_MINUTE", 1, 1000000));
    c.rateExportsPerMinute = int(r.integer("FP_RATE_EXPORTS_PER_MINUTE", 1, 1000000));
    c.wsAuthTimeoutMs = int(r.integer("FP_WS_AUTH_TIMEOUT_MS", 100, 600000));
    c.wsPingIntervalMs = int(r.integer("FP_WS_PING_INTERVAL_MS", 100, 3600000));
    c.wsMaxFramesPerSecond = int(r.integer("FP_WS_MAX_FRAMES_PER_SECOND", 1, 10000));
    c.loginFailureLimit = int(r.integer("FP_LOGIN_FAILURE_LIMIT", 1, 100000));
    c.loginLockIncrementSeconds = int(r.integer("FP_LOGIN_LOCK_INCREMENT_SECONDS", 1, 86400));
    c.loginLockMaxSeconds = int(r.integer("FP_LOGIN_LOCK_MAX_SECONDS", 1, 7 * 86400));
    c.loginAddressFailureLimit = int(r.integer("FP_LOGIN_ADDRESS_FAILURE_LIMIT", 1, 10000000));
    c.refreshReuseGraceSeconds = int(r.integer("FP_REFRESH_REUSE_GRACE_SECONDS", 0, 60));
    c.commonPasswordsFile = r.text("FP_COMMON_PASSWORDS_FILE");
    if (const QString problem = settings::parseOrigins(r.raw("FP_CORS_ORIGINS"), &c.corsOrigins);
        !problem.isEmpty())
        r.fail("FP_CORS_ORIGINS", problem);
    if (const QString problem =
            settings::parseAddressRanges(r.raw("FP_TRUSTED_PROXIES"), &c.trustedProxies);
        !problem.isEmpty())
        r.fail("FP_TRUSTED_PROXIES", problem);
    auto oidcProvider = [&r](const char *clientIds, const char *issuers, const char *jwksUrl) {
        auto list = [](const QString &value) {
            QStringList out;
            for (const QString &item : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                if (!item.trimmed().isEmpty())
                    out << item.trimmed();
            }
            return out;
        };
        Config::OidcProvider p;
        p.clientIds = list(r.raw(clientIds));
        p.issuers = list(r.raw(issuers));
        p.jwksUrl = r.text(jwksUrl);
        const QUrl url(p.jwksUrl, QUrl::StrictMode);
        const QHostAddress host(url.host());
        const bool loopback =
            url.host() == QLatin1String("localhost") || (!host.isNull() && host.isLoopback());
        if (!url.isValid() || url.host().isEmpty() ||
            !(url.scheme() == QLatin1String("https") ||
              (url.scheme() == QLatin1String("http") && loopback)))
            r.fail(jwksUrl, QStringLiteral("must be an https URL (http only on a loopback host)"));
        if (!p.clientIds.isEmpty() && p.issuers.isEmpty())
            r.fail(issuers, QStringLiteral("must name at least one issuer"));
        return p;
    };
    c.oidcGoogle = oidcProvider("FP_OIDC_GOOGLE_CLIENT_IDS", "FP_OIDC_GOOGLE_ISSUER",
                                "FP_OIDC_GOOGLE_JWKS_URL");
    c.oidcApple =
        oidcProvider("FP_OIDC_APPLE_CLIENT_IDS", "FP_OIDC_APPLE_ISSUER", "FP_OIDC_APPLE_JWKS_URL");
    c.oidcJwksMinRefreshSeconds = int(r.integer("FP_OIDC_JWKS_MIN_REFRESH_SECONDS", 1, 86400));
    c.tlsCert = r.text("FP_TLS_CERT");
    c.metricsToken = r.text("FP_METRICS_TOKEN");
    if (!c.metricsToken.isEmpty() && c.metricsToken.size() < 16)
        r.fail("FP_METRICS_TOKEN", QStringLiteral("must be at least 16 characters"));
    c.tlsKey = r.text("FP_TLS_KEY");
    if (c.tlsCert.isEmpty() != c.tlsKey.isEmpty())
        r.fail(c.tlsCert.isEmpty() ? "FP_TLS_CERT" : "FP_TLS_KEY",
               QStringLiteral("must be set together with %1")
                   .arg(c.tlsCert.isEmpty() ? QStringLiteral("FP_TLS_KEY")
                                            : QStringLiteral("FP_TLS_CERT")));
    else if (!c.tlsCert.isEmpty() && !QFileInfo(c.tlsCert).isReadable())
        r.fail("FP_TLS_CERT", QStringLiteral("file %1 is not readable").arg(c.tlsCert));
    else if (!c.tlsKey.isEmpty() && !QFileInfo(c.tlsKey).isReadable())
        r.fail("FP_TLS_KEY", QStringLiteral("file %1 is not readable").arg(c.tlsKey));
    c.migrationsDir = r.text("FP_MIGRATIONS_DIR");
    c.avatarMaxBytes = r.integer("FP_AVATAR_MAX_BYTES", 1024, 64LL * 1024 * 1024);
    c.avatarMaxPixels = r.integer("FP_AVATAR_MAX_PIXELS", 512LL * 512, 100LL * 1000 * 1000);
    c.avatarUrlTtlSeconds = int(r.integer("FP_AVATAR_URL_TTL_SECONDS", 10, 7 * 86400));
    c.readCacheSeconds = int(r.integer("FP_READ_CACHE_SECONDS", 0, 3600));
    c.mediaStore = r.oneOf("FP_MEDIA_STORE", {QStringLiteral("local"), QStringLiteral("s3")});
    c.mediaDir = r.text("FP_MEDIA_DIR");
    if (c.mediaStore == QLatin1String("local") && c.mediaDir.isEmpty())
        r.fail("FP_MEDIA_DIR", QStringLiteral("must name a directory"));
    c.s3Endpoint = r.text("FP_S3_ENDPOINT");
    c.s3Bucket = r.text("FP_S3_BUCKET");
    c.s3Region = r.text("FP_S3_REGION");
    c.s3AccessKeyId = r.text("FP_S3_ACCESS_KEY_ID");
    c.s3SecretAccessKey = r.text("FP_S3_SECRET_ACCESS_KEY");
    c.s3TimeoutMs = int(r.integer("FP_S3_TIMEOUT_MS", 100, 600000));
    if (c.mediaStore == QLatin1String("s3")) {
        const QUrl endpoint(c.s3Endpoint, QUrl::StrictMode);
        if (!endpoint.isValid() || endpoint.host().isEmpty() ||
            (endpoint.scheme() != QLatin1String("http") &&
             endpoint.scheme() != QLatin1String("https")) ||
            (!endpoint.path().isEmpty() && endpoint.path() != QLatin1String("/")))
            r.fail("FP_S3_ENDPOINT", QStringLiteral("must be http(s)://host[:port]"));
        static const QRegularExpression bucketName(
            QStringLiteral("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
        if (!bucketName.match(c.s3Bucket).hasMatch())
            r.fail("FP_S3_BUCKET", QStringLiteral("must be an S3 bucket name"));
        if (c.s3Region.isEmpty())
            r.fail("FP_S3_REGION", QStringLiteral("must name a region"));
        if (c.s3AccessKeyId.isEmpty())
            r.fail("FP_S3_ACCESS_KEY_ID", QStringLiteral("is required with FP_MEDIA_STORE=s3"));
        if (c.s3SecretAccessKey.isEmpty())
            r.fail("FP_S3_SECRET_ACCESS_KEY", QStringLiteral("is required with FP_MEDIA_STORE=s3"));
    }

    if (r.failed())
        return r.error();
    if (c.jwtSecret.isEmpty()) {
        // Development only. A random secret per process: a fixed one would be public (it is in
        // this file), so anyone could sign tokens for any account; these die with the process.
        std::array<quint32, 8> words {};
        QRandomGenerator::system()->fillRange(words.data(), words.size());
        c.jwtSecret = QString::fromLatin1(
            QByteArray(reinterpret_cast<const char *>(words.data()), sizeof words).toBase64());
    }
    return c;
}

QString Config::describeSettings()
{
    QString out = QStringLiteral("Settings (environment variable, or KEY in the --config INI file; "
                                 "the environment wins):\n");
    for (const auto &s : kSettings) {
        const QString def = s.secret && qstrlen(s.defaultValue) == 0
            ? QStringLiteral("(unset)")
            : QStringLiteral("'%1'").arg(QString::fromLatin1(s.defaultValue));
        out += QStringLiteral("  %1  [INI %2]  default %3\n      %4\n")
                   .arg(QString::fromLatin1(s.env), QString::fromLatin1(s.iniKey), def,
                        QString::fromLatin1(s.help));
    }
    return out;
}

namespace settings {

QString parseOrigins(const QString &value, QStringList *origins)
{
    for (const QString &raw : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString origin = raw.trimmed();
        if (origin.isEmpty())
            continue;
        const QUrl url(origin, QUrl::StrictMode);
        const bool schemeOk =
            url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https");
        // An origin is scheme://host[:port] and nothing else; "*" is never accepted.
        if (!url.isValid() || !schemeOk || url.host().isEmpty() || !url.path().isEmpty() ||
            url.hasQuery() || url.hasFragment() || !url.userInfo().isEmpty())
            return QStringLiteral("'%1' is not an origin like https://app.example.com").arg(origin);
        origins->append(origin);
    }
    return {};
}

QString parseAddressRanges(const QString &value, QStringList *ranges)
{
    for (const QString &raw : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString proxy = raw.trimmed();
        if (proxy.isEmpty())
            continue;
        const bool ok = proxy.contains(QLatin1Char('/'))
            ? QHostAddress::parseSubnet(proxy).second >= 0
            : !QHostAddress(proxy).isNull();
        if (!ok)
            return QStringLiteral("'%1' is not an IP address or CIDR range").arg(proxy);
        ranges->append(proxy);
    }
    return {};
}

} // namespace settings

} // namespace fp
