#pragma once

// Request budgets per client address and per account, counted in Redis so every instance
// shares them (a sliding window over two fixed one-minute windows). A request does not ask
// Redis each time: the process leases units of each budget (an eighth of what remains, at most
// 16, in one round trip through a Lua script for the address and the account together) and
// spends them locally until they run out. Instances sharing a budget never take more than it
// together; a budget can be refused early by at most the units other instances leased and have
// not spent yet (leases shrink to one unit near the limit, and end with their minute). The I/O
// thread spends leased units only; when a lease runs low it has a worker lease more before it
// runs out (topUpLeases), so that a busy caller's requests never wait for Redis. When
// Redis is unreachable the same windows are counted in this process instead, with the
// authentication budget halved: limits degrade to stricter, never to "unlimited".

#include "server/http/Router.h"

#include <QHash>
#include <QHostAddress>
#include <QMutex>
#include <QString>

namespace fp {

struct RateBudgets
{
    int authPerMinute = 20; // per address: login, register, refresh
    int mutationsPerMinute = 120; // per account; per address 4x (shared NATs)
    int readsPerMinute = 600; // per account; per address 4x
    int exportsPerMinute = 2; // per account; per address 4x: each one reads every table
};

/// Whose budget a request spends: "ip:" + addressKey(...) (per address) or "user:<id>".
struct RateSubject
{
    QString key;
    bool perAccount = false;
};

struct RateDecision
{
    bool allowed = true;
    int retryAfterSeconds = 0;
};

class RateLimiter
{
public:
    explicit RateLimiter(RateBudgets budgets);

    /// Spends one unit of `rateClass` for `subject` ("ip:" + addressKey(...) or "user:<id>").
    RateDecision spend(RateClass rateClass, const QString &subject, bool perAccount);
    /// Spends one unit for every subject at once, in one round trip: allowed only when every
    /// budget allows it, and then counted in each.
    RateDecision spend(RateClass rateClass, const QList<RateSubject> &subjects);

    /// Spends one unit for every subject from what this process already leased, or returns
    /// false (and spends nothing) when that would need Redis: for the I/O thread, which
    /// never waits on it. Sets `topUp` when a lease fell below kTopUpBelow units and no top-up
    /// of it is on its way: the caller then has topUpLeases() run off its thread.
    bool spendLeased(RateClass rateClass, const QList<RateSubject> &subjects,
                     bool *topUp = nullptr);
    /// Leases more units, in one round trip, for the budgets spendLeased() found low. When
    /// Redis refuses (a budget is spent) or is away it leases nothing: the request that finds
    /// no unit then goes the usual way, spend(), which answers for both.
    void topUpLeases(RateClass rateClass, const QList<RateSubject> &subjects);
    /// A top-up spendLeased() asked for will not run (the worker queue was full): the next
    /// request that finds the lease low asks again.
    void dropTopUp(RateClass rateClass, const QList<RateSubject> &subjects);
    static constexpr int kTopUpBelow = 8;
    /// The effective class of a route for a method (Auto → Read or Mutation).
    static RateClass effectiveClass(const Route &route);

    /// The key every per-address budget counts a client under (request budgets here, password
    /// guessing in LoginThrottle): the IPv4 address, also when written IPv4-mapped, or the /64
    /// prefix of an IPv6 address. One IPv6 host usually holds a whole /64 and can take a fresh
    /// address from it for every request, so counting whole addresses would count nothing.
    static QString addressKey(const QHostAddress &address);
    /// The same for an address in text; text that is no address is kept (truncated).
    static QString addressKey(const QString &address);

private:
    int limitFor(RateClass rateClass, bool perAccount) const;
    RateDecision spendLocally(const QString &key, int limit, qint64 nowMs);
    /// The budgets' keys in Redis (without the window), for the subjects in their order.
    static QList<QByteArray> budgetKeys(RateClass rateClass, const QList<RateSubject> &subjects);
    /// Spends one leased unit of every subject's budget, or none when one has no unit left;
    /// `topUp` as in spendLeased().
    bool takeFromLeases(RateClass rateClass, const QList<RateSubject> &subjects, qint64 window,
                        bool *topUp = nullptr);
    int leasedUnits(RateClass rateClass, const QString &subject, qint64 window);
    /// What Redis granted for the budgets `asked` (indexes into `subjects`), in their order.
    struct Grant
    {
        enum class Outcome { Granted, Refused, RedisAway } outcome = Outcome::RedisAway;
        QList<int> units;
    };
    Grant leaseFromRedis(RateClass rateClass, const QList<RateSubject> &subjects,
                         const QList<QByteArray> &bases, const QList<qsizetype> &asked,
                         qint64 window, qint64 elapsed) const;
    RateDecision spendWithoutRedis(RateClass rateClass, const QList<RateSubject> &subjects,
                                   const QList<QByteArray> &bases, qint64 now);

    RateBudgets m_budgets;
    QMutex m_mutex;
    struct Windows
    {
        qint64 windowStart = 0; // ms, start of the current minute window
        int current = 0;
        int previous = 0;
    };
    QHash<QString, Windows> m_local;
    struct Lease
    {
        qint64 window = 0; // the minute window the units were counted in
        int units = 0; // counted in Redis, not spent yet
        // A worker was asked to lease more (cleared when it is done, or when it could not be
        // queued).
        bool toppingUp = false;
    };
    // A budget this process holds units of. Looked up by class and subject as the caller has
    // them: building each budget's Redis key for every request served from memory was 3 % of
    // the I/O thread under http_bench's trust-score load.
    struct LeaseKey
    {
        RateClass rateClass;
        QString subject;
        bool operator==(const LeaseKey &) const = default;
        friend size_t qHash(const LeaseKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, int(key.rateClass), key.subject);
        }
    };
    QHash<LeaseKey, Lease> m_leases;
    qint64 m_leaseWindow = 0;
    qint64 m_lastSweepMs = 0;
};

} // namespace fp
