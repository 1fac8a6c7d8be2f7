#include "server/identity/LoginThrottle.h"

#include "server/base/Log.h"
#include "server/http/RateLimiter.h"
#include "server/storage/Redis.h"

#include <QDateTime>
#include <QMutexLocker>
#include <algorithm>
#include <atomic>
#include <sodium.h>

namespace fp {

namespace {

constexpr qsizetype kMaxLocalEntries = 100000;

// KEYS: the account lock, the account failures, the address failures. ARGV: failure limit,
// lock increment, lock maximum, account reset seconds, address limit, address window seconds.
// Refused while the account is locked or the address budget is spent ({wait ms, 0}); otherwise
// counts the attempt as a failure for both, sets the lock this failure would start, and
// returns {0, lock seconds}. Account failures expire `reset` seconds after the last one; the
// address window is fixed from its first failure.
const QByteArray kReserveScript = QByteArrayLiteral(R"lua(
local lock = redis.call('PTTL', KEYS[1])
if lock > 0 then return {lock, 0} end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[5]) then
  return {math.max(1000, redis.call('PTTL', KEYS[3])), 0}
end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('INCR', KEYS[3])
if redis.call('TTL', KEYS[3]) < 0 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
local limit = tonumber(ARGV[1])
local seconds = 0
if n >= limit then
  seconds = math.min(tonumber(ARGV[3]), (n - limit + 1) * tonumber(ARGV[2]))
  redis.call('SET', KEYS[1], '1', 'EX', seconds)
end
return {0, seconds}
)lua");

// KEYS as above. ARGV[1] "1": forget the account's failures and lock (a success); "0": take
// back one reserved failure and, when ARGV[2] is "1", the lock it started (not checked).
const QByteArray kGiveBackScript = QByteArrayLiteral(R"lua(
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
  if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
end
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return 1
)lua");

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

QByteArray addressFailKey(const QString &addressKey)
{
    return Redis::key("login:fail:addr:" + addressKey.toUtf8());
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

QString LoginThrottle::accountKey(const QString &email)
{
    // Hashed: Redis never holds the addresses of people being guessed at.
    const QByteArray utf8 = email.trimmed().toLower().toUtf8();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(utf8.constData()),
                       quint64(utf8.size()));
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), 16).toHex());
}

ThrottleAttempt LoginThrottle::reserve(const QString &email, const QString &address)
{
    const QString account = accountKey(email);
    const QByteArray lock = lockKey(account);
    const QByteArray failures = failKey(account);
    const QByteArray addressFailures = addressFailKey(RateLimiter::addressKey(address));
    const auto reply = Redis::command({"EVAL", kReserveScript, "3", lock, failures, addressFailures,
                                       QByteArray::number(m_settings.failureLimit),
                                       QByteArray::number(m_settings.lockIncrementSeconds),
                                       QByteArray::number(m_settings.lockMaxSeconds),
                                       QByteArray::number(m_settings.failureResetSeconds),
                                       QByteArray::number(m_settings.addressFailureLimit),
                                       QByteArray::number(m_settings.addressWindowSeconds)});
    if (isIntegerArray(reply, 2))
        return ThrottleAttempt {ceilSeconds(reply->elements[0].integer),
                                int(reply->elements[1].integer)};
    warnFallback();
    QMutexLocker locker(&m_mutex);
    return reserveLocally(lock, failures, addressFailures);
}

ThrottleAttempt LoginThrottle::reserveLocally(const QByteArray &lock, const QByteArray &failures,
                                              const QByteArray &addressFailures)
{
    if (const qint64 lockedMs = localRemainingMs(QString::fromLatin1(lock)); lockedMs > 0)
        return ThrottleAttempt {ceilSeconds(lockedMs), 0};
    qint64 addressCount = 0;
    const qint64 windowMs = localRemainingMs(QString::fromUtf8(addressFailures), &addressCount);
    if (addressCount >= m_settings.addressFailureLimit)
        return ThrottleAttempt {std::max(1, ceilSeconds(windowMs)), 0};
    const qint64 count =
        localIncrement(QString::fromLatin1(failures), m_settings.failureResetSeconds, true);
    localIncrement(QString::fromUtf8(addressFailures), m_settings.addressWindowSeconds, false);
    const int lockSeconds = lockSecondsFor(count, m_settings);
    if (lockSeconds > 0)
        localSet(QString::fromLatin1(lock), 1, qint64(lockSeconds) * 1000);
    return ThrottleAttempt {0, lockSeconds};
}

void LoginThrottle::succeeded(const QString &email, const QString &address)
{
    const QString account = accountKey(email);
    const QByteArray addressFailures = addressFailKey(RateLimiter::addressKey(address));
    Redis::command({"EVAL", kGiveBackScript, "3", lockKey(account), failKey(account),
                    addressFailures, "1", "0"});
    QMutexLocker locker(&m_mutex);
    localRemove(QString::fromLatin1(failKey(account)));
    localRemove(QString::fromLatin1(lockKey(account)));
    localDecrement(QString::fromUtf8(addressFailures));
}

void LoginThrottle::released(const QString &email, const QString &address,
                             const ThrottleAttempt &attempt)
{
    const QString account = accountKey(email);
    const QByteArray addressFailures = addressFailKey(RateLimiter::addressKey(address));
    const QByteArray liftLock = attempt.lockSeconds > 0 ? "1" : "0";
    Redis::command({"EVAL", kGiveBackScript, "3", lockKey(account), failKey(account),
                    addressFailures, "0", liftLock});
    QMutexLocker locker(&m_mutex);
    localDecrement(QString::fromLatin1(failKey(account)));
    if (attempt.lockSeconds > 0)
        localRemove(QString::fromLatin1(lockKey(account)));
    localDecrement(QString::fromUtf8(addressFailures));
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

void LoginThrottle::localDecrement(const QString &key)
{
    const auto it = m_local.find(key);
    if (it != m_local.end() && it->expiresAtMs > nowMs() && it->value > 0)
        --it->value;
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
