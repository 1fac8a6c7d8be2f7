#pragma once

// Brute-force protection for password checks (login, password change, account deletion), after
// Keycloak's defaults: per account, every failure from the `failureLimit`-th on locks the
// account for `lockIncrement` seconds more than the previous lock (up to `lockMax`); failures
// are forgotten 12 hours after the last one, and a success forgets them at once. Per client
// address (IPv6 by /64, RateLimiter::addressKey), a budget of failures per 15 minutes. While
// locked, a password is refused (429) without being checked, so a locked answer reveals
// nothing; unknown emails are counted like known ones.
//
// Every check is reserved before the password is looked at, in one atomic step: the attempt
// counts as a failure until it is known to have succeeded, and the attempt that would lock the
// account (were it wrong) sets the lock at once. So parallel guesses cannot all pass the check
// before any failure is counted: at most `failureLimit` of them reach the password.
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

/// One reserved password check.
struct ThrottleAttempt
{
    /// Above 0: refused, the password must not be checked; wait this long.
    int retryAfterSeconds = 0;
    /// The lock this attempt started in advance (it stays when the password is wrong).
    int lockSeconds = 0;

    bool allowed() const { return retryAfterSeconds == 0; }
};

class LoginThrottle
{
public:
    explicit LoginThrottle(ThrottleSettings settings);

    /// Reserves a password check for this account from this address, counted as a failure
    /// until succeeded() or released() says otherwise.
    ThrottleAttempt reserve(const QString &email, const QString &address);
    /// The password was right: forgets the account's failures and lock, and gives the address
    /// its reserved unit back (the address budget counts failures only).
    void succeeded(const QString &email, const QString &address);
    /// The password could not be checked (the hasher was busy): the attempt did not happen.
    void released(const QString &email, const QString &address, const ThrottleAttempt &attempt);

    /// The lock after `failures` consecutive failures: 0 below the limit, then growing by the
    /// increment with each failure, capped at the maximum.
    static int lockSecondsFor(qint64 failures, const ThrottleSettings &settings);

private:
    struct Local
    {
        qint64 value = 0;
        qint64 expiresAtMs = 0;
    };
    static QString accountKey(const QString &email);
    // The in-process fallback (callers hold m_mutex).
    ThrottleAttempt reserveLocally(const QByteArray &lock, const QByteArray &failures,
                                   const QByteArray &addressFailures);
    qint64 localIncrement(const QString &key, int ttlSeconds, bool slidingExpiry);
    void localDecrement(const QString &key);
    qint64 localRemainingMs(const QString &key, qint64 *value = nullptr);
    void localSet(const QString &key, qint64 value, qint64 ttlMs);
    void localRemove(const QString &key);

    ThrottleSettings m_settings;
    QMutex m_mutex;
    QHash<QString, Local> m_local;
};

} // namespace fp
