#include "server/http/RateLimiter.h"

#include "server/storage/Redis.h"

#include <QDateTime>
#include <cmath>

namespace fp {

namespace {

constexpr qint64 kWindowMs = 60'000;

// KEYS[1] current window counter, KEYS[2] previous window counter; ARGV: limit, elapsed ms in
// the current window. Counts the request only when it is allowed, so a client hammering a
// closed door does not keep itself locked out for ever. Returns {allowed, estimate}.
const QByteArray kSlidingWindowScript = QByteArrayLiteral(R"lua(
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local limit = tonumber(ARGV[1])
local elapsed = tonumber(ARGV[2])
local estimate = previous * (60000 - elapsed) / 60000 + current
if estimate + 1 > limit then
  return {0, math.floor(estimate)}
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 120000)
return {1, math.floor(estimate + 1)}
)lua");

int retryAfter(qint64 elapsedMs)
{
    // The estimate falls as the previous window slides out: by the next window start at most.
    return int(std::max<qint64>(1, (kWindowMs - elapsedMs + 999) / 1000));
}

} // namespace

RateLimiter::RateLimiter(RateBudgets budgets) : m_budgets(budgets) { }

RateClass RateLimiter::effectiveClass(const Route &route)
{
    if (route.rate != RateClass::Auto)
        return route.rate;
    return route.method == "GET" ? RateClass::Read : RateClass::Mutation;
}

QString RateLimiter::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString();
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address.toString();
    Q_IPV6ADDR bytes = address.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

QString RateLimiter::addressKey(const QString &address)
{
    const QHostAddress parsed(address);
    return parsed.isNull() ? address.left(64) : addressKey(parsed);
}

int RateLimiter::limitFor(RateClass rateClass, bool perAccount) const
{
    switch (rateClass) {
    case RateClass::Auth:
        return m_budgets.authPerMinute;
    case RateClass::Mutation:
        return perAccount ? m_budgets.mutationsPerMinute : m_budgets.mutationsPerMinute * 4;
    case RateClass::Read:
        return perAccount ? m_budgets.readsPerMinute : m_budgets.readsPerMinute * 4;
    case RateClass::Export:
        return perAccount ? m_budgets.exportsPerMinute : m_budgets.exportsPerMinute * 4;
    case RateClass::Auto:
    case RateClass::None:
        break;
    }
    return 0;
}

RateDecision RateLimiter::spend(RateClass rateClass, const QString &subject, bool perAccount)
{
    if (rateClass == RateClass::None || rateClass == RateClass::Auto)
        return {};
    const int limit = limitFor(rateClass, perAccount);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 window = now / kWindowMs;
    const qint64 elapsed = now % kWindowMs;
    const QByteArray base =
        Redis::key("rate:" + QByteArray::number(int(rateClass)) + ':' + subject.toUtf8() + ':');

    const auto reply =
        Redis::command({"EVAL", kSlidingWindowScript, "2", base + QByteArray::number(window),
                        base + QByteArray::number(window - 1), QByteArray::number(limit),
                        QByteArray::number(elapsed)});
    if (reply && reply->type == RedisReply::Type::Array && reply->elements.size() == 2) {
        if (reply->elements[0].integer == 1)
            return {};
        return {false, retryAfter(elapsed)};
    }
    // Redis is unreachable (or answered nonsense): count here, stricter for authentication.
    const int localLimit = rateClass == RateClass::Auth ? std::max(1, limit / 2) : limit;
    return spendLocally(QString::fromUtf8(base), localLimit, now);
}

RateDecision RateLimiter::spendLocally(const QString &key, int limit, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    if (nowMs - m_lastSweepMs > kWindowMs) { // forget subjects idle for two windows
        m_lastSweepMs = nowMs;
        for (auto it = m_local.begin(); it != m_local.end();) {
            if (nowMs - it->windowStart > 2 * kWindowMs)
                it = m_local.erase(it);
            else
                ++it;
        }
    }
    Windows &w = m_local[key];
    const qint64 windowStart = nowMs - nowMs % kWindowMs;
    if (w.windowStart != windowStart) {
        w.previous = (windowStart - w.windowStart == kWindowMs) ? w.current : 0;
        w.current = 0;
        w.windowStart = windowStart;
    }
    const qint64 elapsed = nowMs - windowStart;
    const double estimate =
        w.previous * double(kWindowMs - elapsed) / double(kWindowMs) + w.current;
    if (estimate + 1 > limit)
        return {false, retryAfter(elapsed)};
    ++w.current;
    return {};
}

} // namespace fp
