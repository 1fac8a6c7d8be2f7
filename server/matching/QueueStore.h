#pragma once

// The live part of the matching queue, in Redis: who is waiting (a sorted set by join time),
// who is still there (a marker that expires 15 minutes after the last sign of life: joining,
// polling the status, or an open WebSocket), the matcher lease, and join/leave spam counters.
// MySQL keeps the history and is what a pass reconciles against, so losing Redis loses no
// queued person: their entries come back from matching_queue_entries.

#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class QueueStore
{
public:
    static constexpr int kAliveSeconds = 15 * 60;

    /// Adds or refreshes a waiting user (join time in ms since the epoch).
    static bool add(const QString &userId, qint64 enqueuedAtMs);
    static void remove(const QStringList &userIds);
    /// Waiting user ids, longest waiting first; nullopt when Redis is unreachable.
    static std::optional<QStringList> waiting();
    static std::optional<qint64> length();
    /// Whether the user is in the live queue; nullopt when Redis is unreachable.
    static std::optional<bool> isWaiting(const QString &userId);

    static void markAlive(const QString &userId);
    /// Which of these are still alive; nullopt when Redis cannot tell.
    static std::optional<QStringList> alive(const QStringList &userIds);

    /// Takes or renews the matcher lease for `holder`; false when another instance holds it.
    /// Without Redis nobody gets it, and passes wait (the database still prevents double
    /// matches; the lease only keeps instances from wasting passes on each other).
    static bool takeLease(const QString &holder, int ttlMs);

    /// Counts a join in the spam window; returns the count (nullopt without Redis).
    static std::optional<int> countJoin(const QString &userId, int windowSeconds);
    /// Seconds left of a join cooldown (0 when none).
    static int cooldownLeft(const QString &userId);
    static void startCooldown(const QString &userId, int seconds);
};

} // namespace fp
