#pragma once

// Brute-force protection for password checks (login, password change), after Keycloak's
// defaults: per account, every failure from the `failureLimit`-th on locks the account for
// `lockIncrement` seconds more than the previous lock (up to `lockMax`); failures are forgotten
// 12 hours after the last one, and a success forgets them at once. Per client address, a budget
// of failures per 15 minutes. While locked, a login is refused (429) without checking the
// password, so a locked answer reveals nothing; unknown emails are counted like known ones.
// State lives in Redis so every instance shares it; when Redis is unreachable an in-process
// store takes over (protection never turns off).

#include <QHash>
#include <QMutex>
#include <QString>

namespace fp {

struct ThrottleSettings
{
    int failureLimit = 30;
    int lockIncrementSeconds = 60;
    int lockMaxSeconds = 900;
    int failureResetSeconds = 12 * 3600;
    int addressFailureLimit = 100;
    int addressWindowSeconds = 15 * 60;
};

class LoginThrottle
{
public:
    explicit LoginThrottle(ThrottleSettings settings);

    /// Seconds to wait before a password may be checked for this account from this address,
    /// or 0 when it may be checked now.
    int retryAfterSeconds(const QString &email, const QString &address);
    /// Counts a wrong password; returns the lock (seconds) it started, or 0.
    int recordFailure(const QString &email, const QString &address);
    /// Forgets the account's failures (the address budget is kept).
    void recordSuccess(const QString &email);

    /// The lock after `failures` consecutive failures: 0 below the limit, then growing by the
    /// increment with each failure, capped at the maximum.
    static int lockSecondsFor(qint64 failures, const ThrottleSettings &settings);
    /// The key an address is counted under: the IPv4 address, or the /64 of an IPv6 address.
    static QString addressKey(const QString &address);

private:
    struct Local
    {
        qint64 value = 0;
        qint64 expiresAtMs = 0;
    };
    static QString accountKey(const QString &email);
    // The in-process fallback.
    qint64 localIncrement(const QString &key, int ttlSeconds, bool slidingExpiry);
    qint64 localRemainingMs(const QString &key, qint64 *value = nullptr);
    void localSet(const QString &key, qint64 value, qint64 ttlMs);
    void localRemove(const QString &key);

    ThrottleSettings m_settings;
    QMutex m_mutex;
    QHash<QString, Local> m_local;
};

} // namespace fp
