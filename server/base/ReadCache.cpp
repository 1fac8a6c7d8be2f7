#include "server/base/ReadCache.h"

#include <QDateTime>

namespace fp {

ReadCache::ReadCache(qint64 lifetimeMs, qsizetype maxEntries)
    : m_lifetimeMs(lifetimeMs), m_maxPerShard(std::max<qsizetype>(1, maxEntries / kShards))
{ }

ReadCache::Shard &ReadCache::shardFor(const QString &key) const
{
    return m_shards[qHash(key) % kShards];
}

std::optional<QByteArray> ReadCache::find(const QString &key) const
{
    if (!m_enabled.load() || m_lifetimeMs <= 0)
        return std::nullopt;
    Shard &shard = shardFor(key);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&shard.mutex);
        const auto it = shard.entries.constFind(key);
        if (it != shard.entries.cend() && it->expiresAtMs > now) {
            ++m_hits;
            return it->answer;
        }
    }
    ++m_misses;
    return std::nullopt;
}

void ReadCache::store(const QString &key, QByteArray answer, Ticket ticket,
                      std::optional<qint64> validUntilMs)
{
    if (!m_enabled.load() || m_lifetimeMs <= 0)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 expires = std::min(now + m_lifetimeMs, validUntilMs.value_or(now + m_lifetimeMs));
    if (expires <= now)
        return;
    Shard &shard = shardFor(key);
    QMutexLocker lock(&shard.mutex);
    // Checked under the shard's lock: an eviction raises the epoch before it takes the lock to
    // erase, so either this sees the raised epoch or the eviction erases what this stores.
    if (m_epoch.load() != ticket.epoch)
        return;
    if (shard.entries.size() >= m_maxPerShard && !shard.entries.contains(key)) {
        shard.entries.removeIf(
            [now](const auto &entry) { return entry.value().expiresAtMs <= now; });
        if (shard.entries.size() >= m_maxPerShard)
            return;
    }
    shard.entries.insert(key, Entry {std::move(answer), expires});
}

void ReadCache::evict(const QString &key)
{
    ++m_epoch;
    ++m_evictions;
    Shard &shard = shardFor(key);
    QMutexLocker lock(&shard.mutex);
    shard.entries.remove(key);
}

void ReadCache::evictAll()
{
    ++m_epoch;
    ++m_evictions;
    for (Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        shard.entries.clear();
    }
}

void ReadCache::setEnabled(bool enabled)
{
    if (!enabled)
        m_enabled.store(false);
    // Dropped whichever way: on the way off nothing may be served any more, on the way on
    // nothing kept before may have missed an eviction.
    evictAll();
    if (enabled)
        m_enabled.store(true);
}

qsizetype ReadCache::size() const
{
    qsizetype n = 0;
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        n += shard.entries.size();
    }
    return n;
}

} // namespace fp
