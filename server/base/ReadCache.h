#pragma once

// Answers kept in memory so that a read asked again is served without the database, on the
// I/O thread (docs/performance.md, "Answers kept in memory"). An entry is dropped when what it
// was read from changes: the change's commit evicts it here at once, and every other instance
// when the eviction reaches it over Redis pub/sub. Nothing is kept while that path could miss
// an eviction (setEnabled(false) while this instance is not subscribed), and no entry outlives
// its own lifetime, which bounds how old an answer can be when a notice is lost.
//
// An answer read before a change committed must not be stored after that change's eviction:
// a reader takes a ticket() before it reads, and store() keeps the answer only when no
// eviction happened since (any key: the check is per cache, cheap and on the safe side).

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>
#include <array>
#include <atomic>
#include <optional>

namespace fp {

class ReadCache
{
public:
    /// `lifetimeMs`: how long an entry may be served at most (0: nothing is kept).
    /// `maxEntries`: beyond it new answers are not kept until entries expire.
    ReadCache(qint64 lifetimeMs, qsizetype maxEntries);

    struct Ticket
    {
        quint64 epoch = 0;
    };

    /// The answer kept for `key`, if any and still within its lifetime.
    std::optional<QByteArray> find(const QString &key) const;
    /// Taken before reading what an answer is made of.
    Ticket ticket() const { return {m_epoch.load()}; }
    /// Keeps `answer` until `validUntilMs` at the latest (its lifetime otherwise), unless an
    /// eviction happened since `ticket` or keeping is off.
    void store(const QString &key, QByteArray answer, Ticket ticket,
               std::optional<qint64> validUntilMs = std::nullopt);
    void evict(const QString &key);
    void evictAll();
    /// Off: nothing is found or kept (and everything is dropped) until it is on again.
    void setEnabled(bool enabled);
    bool enabled() const { return m_enabled.load(); }

    qsizetype size() const;
    quint64 hits() const { return m_hits.load(); }
    quint64 misses() const { return m_misses.load(); }
    quint64 evictions() const { return m_evictions.load(); }

private:
    struct Entry
    {
        QByteArray answer;
        qint64 expiresAtMs = 0;
    };
    struct Shard
    {
        mutable QMutex mutex;
        QHash<QString, Entry> entries;
    };
    static constexpr qsizetype kShards = 16;
    Shard &shardFor(const QString &key) const;

    const qint64 m_lifetimeMs;
    const qsizetype m_maxPerShard;
    mutable std::array<Shard, kShards> m_shards;
    std::atomic<quint64> m_epoch {0};
    std::atomic<bool> m_enabled {false};
    mutable std::atomic<quint64> m_hits {0};
    mutable std::atomic<quint64> m_misses {0};
    std::atomic<quint64> m_evictions {0};
};

} // namespace fp
