#include "server/identity/LoginThrottle.h"

#include "server/base/Log.h"
#include "server/storage/Redis.h"

#include <QDateTime>
#include <QHostAddress>
#include <QMutexLocker>
#include <algorithm>
#include <atomic>
#include <sodium.h>

namespace fp {

namespace {

constexpr qsizetype kMaxLocalEntries = 100000;

// PTTL of the account lock, then the address failure count and its PTTL: one round trip.
const QByteArray kCheckScript =
    QByteArrayLiteral("local lock = redis.call('PTTL', KEYS[1]) "
                      "local n = tonumber(redis.call('GET', KEYS[2]) or '0') "
                      "local ttl = redis.call('PTTL', KEYS[2]) "
                      "return {lock, n, ttl}");

// Account failures expire `reset` seconds after the last one; the address window is fixed
// from its first failure.
const QByteArray kFailureScript = QByteArrayLiteral(
    "local n = redis.call('INCR', KEYS[1]) "
    "redis.call('EXPIRE', KEYS[1], ARGV[1]) "
    "local a = redis.call('INCR', KEYS[2]) "
    "if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end "
    "return {n, a}");

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

int ceilSeconds(qint64 ms)
{
    return ms <= 0 ? 0 : int((ms + 999) / 1000);
}

QByteArray failKey(const QString &account)
{
    return Redis::key("login:fail:acct:" + account.toLatin1());
}

QByteArray lockKey(const QString &account)
{
    return Redis::key("login:lock:acct:" + account.toLatin1());
}

QByteArray addressFailKey(const QString &address)
{
    return Redis::key("login:fail:addr:" + address.toUtf8());
}

bool isIntegerArray(const std::optional<RedisReply> &reply, int size)
{
    if (!reply || reply->type != RedisReply::Type::Array || reply->elements.size() != size)
        return false;
    return std::all_of(reply->elements.begin(), reply->elements.end(),
                       [](const RedisReply &e) { return e.type == RedisReply::Type::Integer; });
}

void warnFallback()
{
    static std::atomic<qint64> lastWarningMs {0};
    const qint64 now = nowMs();
    if (now - lastWarningMs.load() > 60000) {
        lastWarningMs = now;
        log::warning(
            QStringLiteral("login_throttle_fallback"),
            {{QStringLiteral("reason"), QStringLiteral("redis unreachable, counting in process")}});
    }
}

} // namespace

LoginThrottle::LoginThrottle(ThrottleSettings settings) : m_settings(settings) { }

int LoginThrottle::lockSecondsFor(qint64 failures, const ThrottleSettings &s)
{
    if (failures < s.failureLimit)
        return 0;
    const qint64 steps = failures - s.failureLimit + 1;
    return int(std::min<qint64>(qint64(s.lockMaxSeconds), steps * s.lockIncrementSeconds));
}

QString LoginThrottle::addressKey(const QString &address)
{
    QHostAddress parsed(address);
    if (parsed.isNull())
        return address.left(64);
    bool isV4 = false;
    const quint32 v4 = parsed.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString();
    // One IPv6 host usually holds a whole /64: count the prefix, not the address.
    Q_IPV6ADDR bytes = parsed.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

QString LoginThrottle::accountKey(const QString &email)
{
    // Hashed: Redis never holds the addresses of people being guessed at.
    const QByteArray utf8 = email.trimmed().toLower().toUtf8();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(utf8.constData()),
                       quint64(utf8.size()));
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), 16).toHex());
}

int LoginThrottle::retryAfterSeconds(const QString &email, const QString &address)
{
    const QString account = accountKey(email);
    const QString addr = addressKey(address);
    const auto reply =
        Redis::command({"EVAL", kCheckScript, "2", lockKey(account), addressFailKey(addr)});
    if (isIntegerArray(reply, 3)) {
        const qint64 lockMs = reply->elements[0].integer;
        const qint64 failures = reply->elements[1].integer;
        const qint64 windowMs = reply->elements[2].integer;
        int wait = lockMs > 0 ? ceilSeconds(lockMs) : 0;
        if (failures >= m_settings.addressFailureLimit)
            wait = std::max(wait, windowMs > 0 ? ceilSeconds(windowMs) : 1);
        return wait;
    }
    warnFallback();
    QMutexLocker lock(&m_mutex);
    int wait = ceilSeconds(localRemainingMs(QString::fromLatin1(lockKey(account))));
    qint64 failures = 0;
    const qint64 windowMs = localRemainingMs(QString::fromLatin1(addressFailKey(addr)), &failures);
    if (failures >= m_settings.addressFailureLimit)
        wait = std::max(wait, std::max(1, ceilSeconds(windowMs)));
    return wait;
}

int LoginThrottle::recordFailure(const QString &email, const QString &address)
{
    const QString account = accountKey(email);
    const QString addr = addressKey(address);
    const auto reply =
        Redis::command({"EVAL", kFailureScript, "2", failKey(account), addressFailKey(addr),
                        QByteArray::number(m_settings.failureResetSeconds),
                        QByteArray::number(m_settings.addressWindowSeconds)});
    if (isIntegerArray(reply, 2)) {
        const int lockSeconds = lockSecondsFor(reply->elements[0].integer, m_settings);
        if (lockSeconds > 0) {
            const auto set = Redis::command(
                {"SET", lockKey(account), "1", "EX", QByteArray::number(lockSeconds)});
            if (!set || set->isError()) {
                QMutexLocker lock(&m_mutex);
                localSet(QString::fromLatin1(lockKey(account)), 1, qint64(lockSeconds) * 1000);
            }
        }
        return lockSeconds;
    }
    warnFallback();
    QMutexLocker lock(&m_mutex);
    const qint64 failures =
        localIncrement(QString::fromLatin1(failKey(account)), m_settings.failureResetSeconds, true);
    localIncrement(QString::fromLatin1(addressFailKey(addr)), m_settings.addressWindowSeconds,
                   false);
    const int lockSeconds = lockSecondsFor(failures, m_settings);
    if (lockSeconds > 0)
        localSet(QString::fromLatin1(lockKey(account)), 1, qint64(lockSeconds) * 1000);
    return lockSeconds;
}

void LoginThrottle::recordSuccess(const QString &email)
{
    const QString account = accountKey(email);
    Redis::command({"DEL", failKey(account), lockKey(account)});
    QMutexLocker lock(&m_mutex);
    localRemove(QString::fromLatin1(failKey(account)));
    localRemove(QString::fromLatin1(lockKey(account)));
}

qint64 LoginThrottle::localIncrement(const QString &key, int ttlSeconds, bool slidingExpiry)
{
    const qint64 now = nowMs();
    if (m_local.size() >= kMaxLocalEntries) {
        for (auto it = m_local.begin(); it != m_local.end();)
            it = it->expiresAtMs <= now ? m_local.erase(it) : std::next(it);
    }
    Local &entry = m_local[key];
    if (entry.expiresAtMs <= now) {
        entry.value = 0;
        entry.expiresAtMs = now + qint64(ttlSeconds) * 1000;
    } else if (slidingExpiry) {
        entry.expiresAtMs = now + qint64(ttlSeconds) * 1000;
    }
    return ++entry.value;
}

qint64 LoginThrottle::localRemainingMs(const QString &key, qint64 *value)
{
    const auto it = m_local.constFind(key);
    const qint64 now = nowMs();
    if (it == m_local.constEnd() || it->expiresAtMs <= now) {
        if (value)
            *value = 0;
        return 0;
    }
    if (value)
        *value = it->value;
    return it->expiresAtMs - now;
}

void LoginThrottle::localSet(const QString &key, qint64 value, qint64 ttlMs)
{
    m_local.insert(key, Local {value, nowMs() + ttlMs});
}

void LoginThrottle::localRemove(const QString &key)
{
    m_local.remove(key);
}

} // namespace fp
