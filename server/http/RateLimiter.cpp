#include "server/http/RateLimiter.h"

#include "server/storage/Redis.h"

#include <QDateTime>
#include <cmath>

namespace fp {

namespace {

constexpr qint64 kWindowMs = 60'000;

// KEYS: for each subject its current and then its previous window counter; ARGV[1]: elapsed ms
// in the current window, ARGV[2]: the largest lease, ARGV[2 + i]: subject i's limit. Every subject
// is checked before any is counted, and units are granted only when all allow one, so a client
// hammering a closed door does not keep itself locked out for ever. Each subject is granted a lease
// of an eighth of what remains of its budget (1 to kMaxLease units), counted at once in Redis and
// spent in this process without asking again: near the limit leases shrink to one unit, so
// instances sharing a budget cannot together take more than it. One MGET, one INCRBY per subject
// (PEXPIRE only when a window starts). Returns {1, lease_1, lease_2, ...} when allowed, {0, i} when
// subject i refused.
constexpr int kMaxLease = 16;
const QByteArray kLeaseScript = QByteArrayLiteral(R"lua(
local counts = redis.call('MGET', unpack(KEYS))
local elapsed = tonumber(ARGV[1])
local subjects = #KEYS / 2
local leases = {1}
for i = 1, subjects do
  local current = tonumber(counts[2 * i - 1] or '0')
  local previous = tonumber(counts[2 * i] or '0')
  local estimate = previous * (60000 - elapsed) / 60000 + current
  local remaining = math.floor(tonumber(ARGV[2 + i]) - estimate)
  if remaining < 1 then
    return {0, i}
  end
  leases[i + 1] = math.max(1, math.min(tonumber(ARGV[2]), math.floor(remaining / 8)))
end
for i = 1, subjects do
  if redis.call('INCRBY', KEYS[2 * i - 1], leases[i + 1]) == leases[i + 1] then
    redis.call('PEXPIRE', KEYS[2 * i - 1], 120000)
  end
end
return leases
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
    QList<QByteArray> bases; // their Redis keys, made once a lease is needed
    // Until every budget has a unit in this process: lease more for those that have none, in
    // one round trip (another thread may spend what was leased before this one does).
    while (!takeFromLeases(rateClass, subjects, window)) {
        QList<qsizetype> asked;
        for (qsizetype i = 0; i < subjects.size(); ++i) {
            if (leasedUnits(rateClass, subjects[i].key, window) < 1)
                asked << i;
        }
        if (asked.isEmpty())
            continue;
        if (bases.isEmpty())
            bases = budgetKeys(rateClass, subjects);
        const Grant grant = leaseFromRedis(rateClass, subjects, bases, asked, window, elapsed);
        if (grant.outcome == Grant::Outcome::RedisAway)
            return spendWithoutRedis(rateClass, subjects, bases, now);
        if (grant.outcome == Grant::Outcome::Refused)
            return {false, retryAfter(elapsed)};
        QMutexLocker lock(&m_mutex);
        for (qsizetype j = 0; j < asked.size(); ++j) {
            Lease &lease = m_leases[LeaseKey {rateClass, subjects[asked[j]].key}];
            if (lease.window != window)
                lease = {window, 0};
            lease.units += grant.units[j];
        }
    }
    return {};
}

RateLimiter::Grant RateLimiter::leaseFromRedis(RateClass rateClass,
                                               const QList<RateSubject> &subjects,
                                               const QList<QByteArray> &bases,
                                               const QList<qsizetype> &asked, qint64 window,
                                               qint64 elapsed) const
{
    QList<QByteArray> command {"EVAL", kLeaseScript, QByteArray::number(2 * asked.size())};
    QList<QByteArray> limits;
    for (qsizetype i : asked) {
        command << bases[i] + QByteArray::number(window)
                << bases[i] + QByteArray::number(window - 1);
        limits << QByteArray::number(limitFor(rateClass, subjects[i].perAccount));
    }
    command << QByteArray::number(elapsed) << QByteArray::number(kMaxLease) << limits;
    const auto reply = Redis::command(command);
    Grant grant;
    if (!reply || reply->type != RedisReply::Type::Array || reply->elements.isEmpty())
        return grant;
    if (reply->elements[0].integer != 1) {
        grant.outcome = Grant::Outcome::Refused;
        return grant;
    }
    if (reply->elements.size() != asked.size() + 1)
        return grant;
    grant.outcome = Grant::Outcome::Granted;
    for (qsizetype j = 0; j < asked.size(); ++j)
        grant.units << int(reply->elements[j + 1].integer);
    return grant;
}

void RateLimiter::topUpLeases(RateClass rateClass, const QList<RateSubject> &subjects)
{
    if (rateClass == RateClass::None || rateClass == RateClass::Auto || subjects.isEmpty())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 window = now / kWindowMs;
    QList<qsizetype> asked;
    {
        QMutexLocker lock(&m_mutex);
        for (qsizetype i = 0; i < subjects.size(); ++i) {
            const auto it = m_leases.constFind(LeaseKey {rateClass, subjects[i].key});
            if (it != m_leases.cend() && it->toppingUp && it->window == window)
                asked << i;
        }
    }
    if (asked.isEmpty())
        return;
    const Grant grant = leaseFromRedis(rateClass, subjects, budgetKeys(rateClass, subjects), asked,
                                       window, now % kWindowMs);
    QMutexLocker lock(&m_mutex);
    for (qsizetype j = 0; j < asked.size(); ++j) {
        const auto it = m_leases.find(LeaseKey {rateClass, subjects[asked[j]].key});
        if (it == m_leases.end() || it->window != window)
            continue; // a new window began meanwhile: these units were counted in the old one
        it->toppingUp = false;
        if (grant.outcome == Grant::Outcome::Granted)
            it->units += grant.units[j];
    }
}

RateDecision RateLimiter::spendWithoutRedis(RateClass rateClass, const QList<RateSubject> &subjects,
                                            const QList<QByteArray> &bases, qint64 now)
{
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

int RateLimiter::leasedUnits(RateClass rateClass, const QString &subject, qint64 window)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_leases.constFind(LeaseKey {rateClass, subject});
    return it == m_leases.cend() || it->window != window ? 0 : it->units;
}

QList<QByteArray> RateLimiter::budgetKeys(RateClass rateClass, const QList<RateSubject> &subjects)
{
    QList<QByteArray> bases;
    bases.reserve(subjects.size());
    for (const RateSubject &s : subjects)
        bases << Redis::key("rate:" + QByteArray::number(int(rateClass)) + ':' + s.key.toUtf8() +
                            ':');
    return bases;
}

void RateLimiter::dropTopUp(RateClass rateClass, const QList<RateSubject> &subjects)
{
    QMutexLocker lock(&m_mutex);
    for (const RateSubject &subject : subjects) {
        if (const auto it = m_leases.find(LeaseKey {rateClass, subject.key}); it != m_leases.end())
            it->toppingUp = false;
    }
}

bool RateLimiter::spendLeased(RateClass rateClass, const QList<RateSubject> &subjects, bool *topUp)
{
    if (rateClass == RateClass::None || rateClass == RateClass::Auto || subjects.isEmpty())
        return true;
    const qint64 window = QDateTime::currentMSecsSinceEpoch() / kWindowMs;
    return takeFromLeases(rateClass, subjects, window, topUp);
}

bool RateLimiter::takeFromLeases(RateClass rateClass, const QList<RateSubject> &subjects,
                                 qint64 window, bool *topUp)
{
    QMutexLocker lock(&m_mutex);
    if (window != m_leaseWindow) {
        // A lease is for one window: what is left of the last one is simply not spent.
        m_leases.removeIf([window](const auto &entry) { return entry.value().window < window; });
        m_leaseWindow = window;
    }
    for (const RateSubject &subject : subjects) {
        const auto it = m_leases.constFind(LeaseKey {rateClass, subject.key});
        if (it == m_leases.cend() || it->window != window || it->units < 1)
            return false;
    }
    for (const RateSubject &subject : subjects) {
        Lease &lease = m_leases[LeaseKey {rateClass, subject.key}];
        --lease.units;
        if (topUp && lease.units < kTopUpBelow && !lease.toppingUp) {
            lease.toppingUp = true;
            *topUp = true;
        }
    }
    return true;
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
