#pragma once

// The server's settings, read in one place: built-in defaults < INI file (--config) < FP_*
// environment variables. Every setting is listed in kSettings (Config.cpp), which also
// produces `friendship-server --help`.

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <variant>

namespace fp {

enum class LogFormat { Json, Text };

struct Config
{
    bool developmentMode = false;
    QString eventLoop; // "epoll" or "qt" (installed by main() before the application exists)

    QString httpAddress;
    quint16 httpPort = 0;
    qint64 maxBodyBytes = 0;
    int httpHeaderTimeoutMs = 0;
    int httpIdleTimeoutMs = 0;
    int httpMaxConnectionsPerAddress = 0;

    QString dbHost;
    quint16 dbPort = 0;
    QString dbSocket;
    QString dbName;
    QString dbUser;
    QString dbPassword;
    int dbLockWaitSeconds = 0;

    QString redisHost;
    quint16 redisPort = 0;
    QString redisKeyPrefix;

    QString jwtSecret;
    QString jwtPreviousSecret;

    QString adminEmail;
    QString adminPassword;
    QString adminPasswordFile; // where a generated adminPassword is written (mode 0600)

    int gateIntervalSeconds = 0;
    int messageRetentionDays = 0;
    int retentionSweepSeconds = 0;
    int matchTickMs = 0;
    int analyticsMinCell = 0; // analytics: smaller cells (of people, events) are suppressed

    // Moderation (server/admin): escalation of unclaimed critical reports, claim length.
    int reportEscalationMinutes = 0;
    int reportHighEscalationMinutes = 0;
    int reportClaimMinutes = 0;
    int repeatedBlocksCount = 0; // blocked messages of one person within...
    int repeatedBlocksMinutes = 0; // ...this long that raise an item about them

    // The event backbone (server/events, docs/events.md).
    bool eventRelayEnabled = true;
    int eventStreamMaxLength = 0;
    int eventOutboxRetentionHours = 0;
    int eventClaimIdleMs = 0;
    int eventMaxDeliveries = 0;

    LogFormat logFormat = LogFormat::Json;

    int workerThreads = 0;
    int workerQueueLimit = 0;
    int shutdownGraceMs = 0;

    // Login brute-force protection (server/identity/LoginThrottle.h).
    int loginFailureLimit = 0;
    int loginLockIncrementSeconds = 0;
    int loginLockMaxSeconds = 0;
    int loginAddressFailureLimit = 0;
    int refreshReuseGraceSeconds = 0;
    /// Empty: the list built into the binary.
    QString commonPasswordsFile;

    int rateAuthPerMinute = 0;
    int rateMutationsPerMinute = 0;
    int rateReadsPerMinute = 0;
    int rateExportsPerMinute = 0;

    int wsAuthTimeoutMs = 0;
    int wsPingIntervalMs = 0;
    int wsMaxFramesPerSecond = 0;
    /// Largest WebSocket frame or message a client may send (close 1009 above it); fixed, not
    /// a setting: the frames of the contract are small.
    qint64 wsMaxMessageBytes = 16 * 1024;

    QStringList corsOrigins; // exact origins; empty: same-origin only
    QStringList trustedProxies; // addresses or CIDR ranges
    /// Sign-in with an OpenID Connect provider (server/identity/OidcSignIn.h). No client id:
    /// the provider is off (its routes answer 404).
    struct OidcProvider
    {
        QStringList clientIds;
        QStringList issuers;
        QString jwksUrl; // https, or http on a loopback host
    };
    OidcProvider oidcGoogle;
    OidcProvider oidcApple;
    int oidcJwksMinRefreshSeconds = 0;

    // Avatars (server/profile/AvatarService.h, docs/avatars.md) and where media is stored
    // (server/media/ObjectStore.h).
    qint64 avatarMaxBytes = 0;
    qint64 avatarMaxPixels = 0;
    int avatarUrlTtlSeconds = 0;
    int readCacheSeconds = 0; // answers kept in memory (ReadCache) live at most this long
    QString mediaStore; // "local" or "s3"
    QString mediaDir; // local: objects are files under it
    QString s3Endpoint; // s3: http(s)://host[:port], path-style requests
    QString s3Bucket;
    QString s3Region;
    QString s3AccessKeyId;
    QString s3SecretAccessKey;
    int s3TimeoutMs = 0;

    QString tlsCert; // both empty: plain HTTP (behind a TLS-terminating proxy)
    QString tlsKey;
    QString metricsToken; // empty: /metrics answers loopback clients only
    /// Empty: the migrations compiled into the binary. Set only by tests and operators
    /// who need to run a different set.
    QString migrationsDir;

    /// Loads and validates. On failure returns one line naming the bad setting.
    static std::variant<Config, QString> load(const QString &iniPath,
                                              const QProcessEnvironment &environment);
    /// A human-readable list of every setting with its default, for --help.
    static QString describeSettings();
};

namespace settings {
/// Parses a comma-separated list of browser origins (FP_CORS_ORIGINS): scheme://host[:port]
/// each, never "*". Returns an empty string, or one line naming the bad entry.
QString parseOrigins(const QString &value, QStringList *origins);
/// Parses a comma-separated list of IP addresses and CIDR ranges (FP_TRUSTED_PROXIES).
QString parseAddressRanges(const QString &value, QStringList *ranges);
} // namespace settings

} // namespace fp
