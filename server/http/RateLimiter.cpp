#include "server/http/RateLimiter.h"

#include "server/storage/Redis.h"

#include <QDateTime>
#include <cmath>

namespace fp {

namespace {

constexpr qint64 kWindowMs = 60'000;

// KEYS: for each subject its current and then its previous window counter; ARGV[1]: elapsed ms
// in the current window, ARGV[1 + i]: subject i's limit. Every subject is checked before any is
// counted, and a request is counted only when all allow it, so a client hammering a closed door
// does not keep itself locked out for ever. One MGET, one INCR per subject (PEXPIRE only when a
// window starts). Returns {1, 0} when allowed, {0, i} when subject i refused.
const QByteArray kSlidingWindowScript = QByteArrayLiteral(R"lua(
local counts = redis.call('MGET', unpack(KEYS))
local elapsed = tonumber(ARGV[1])
local subjects = #KEYS / 2
for i = 1, subjects do
  local current = tonumber(counts[2 * i - 1] or '0')
  local previous = tonumber(counts[2 * i] or '0')
  local estimate = previous * (60000 - elapsed) / 60000 + current
  if estimate + 1 > tonumber(ARGV[1 + i]) then
    return {0, i}
  end
end
for i = 1, subjects do
  if redis.call('INCR', KEYS[2 * i - 1]) == 1 then
    redis.call('PEXPIRE', KEYS[2 * i - 1], 120000)
  end
end
return {1, 0}
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
    return spend(rateClass, {RateSubject {subject, perAccount}});
}

RateDecision RateLimiter::spend(RateClass rateClass, const QList<RateSubject> &subjects)
{
    if (rateClass == RateClass::None || rateClass == RateClass::Auto || subjects.isEmpty())
        return {};
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 window = now / kWindowMs;
    const qint64 elapsed = now % kWindowMs;
    QList<QByteArray> bases;
    QList<QByteArray> command {"EVAL", kSlidingWindowScript,
                               QByteArray::number(2 * subjects.size())};
    QList<QByteArray> limits;
    for (const RateSubject &s : subjects) {
        const QByteArray base =
            Redis::key("rate:" + QByteArray::number(int(rateClass)) + ':' + s.key.toUtf8() + ':');
        bases << base;
        command << base + QByteArray::number(window) << base + QByteArray::number(window - 1);
        limits << QByteArray::number(limitFor(rateClass, s.perAccount));
    }
    command << QByteArray::number(elapsed) << limits;

    const auto reply = Redis::command(command);
    if (reply && reply->type == RedisReply::Type::Array && reply->elements.size() == 2) {
        if (reply->elements[0].integer == 1)
            return {};
        return {false, retryAfter(elapsed)};
    }
    // Redis is unreachable (or answered nonsense): count here, stricter for authentication.
    for (qsizetype i = 0; i < subjects.size(); ++i) {
        const int limit = limitFor(rateClass, subjects[i].perAccount);
        const int localLimit = rateClass == RateClass::Auth ? std::max(1, limit / 2) : limit;
        if (const RateDecision d = spendLocally(QString::fromUtf8(bases[i]), localLimit, now);
            !d.allowed)
            return d;
    }
    return {};
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
