#pragma once

// All SQL of the matching domain: the queue history (matching_queue_entries) and match
// sessions.

#include "common/Result.h"
#include "server/matching/MatchingTypes.h"
#include "server/storage/PairCondition.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <optional>

namespace fp {

/// 409 for a join while the person already waits (found before the insert, or by its unique
/// key when two joins race).
inline AppError alreadyQueued()
{
    return AppError::conflict(QStringLiteral("You are already in the queue"))
        .because(QStringLiteral("already_queued"));
}

class MatchingRepository
{
public:
    Result<std::optional<QueueEntry>> activeEntry(const QString &userId) const;
    Result<QList<QueueEntry>> activeEntries() const;
    /// Whether the user's match is in its conversation (status active_chat).
    Result<bool> inActiveChat(const QString &userId) const;
    /// Inserts an active entry; a concurrent second join hits the one-active-entry key: Conflict.
    Result<QueueEntry> enqueue(const QString &userId, const QString &regionKey,
                               const QDateTime &now) const;
    /// Ends the user's active entry with `status` (cancelled/expired): the entry ended, or
    /// nullopt when there was none. With `entryId`, only that entry: nothing ends when the
    /// user's active entry is another one, joined since it was read.
    Result<std::optional<QueueEntry>> endEntry(const QString &userId, const QString &status,
                                               const QDateTime &now,
                                               const QString &entryId = {}) const;
    /// The user's newest entry (for GET /queue/status after a match).
    Result<std::optional<QueueEntry>> latestEntry(const QString &userId) const;
    Result<std::optional<MatchSessionRecord>> matchSession(const QString &id) const;
    /// Whether the two ever shared a match, in either orientation.
    Result<bool> haveMet(const QString &userA, const QString &userB) const;
    /// haveMet() as a condition another domain can ask inside its own statement.
    static PairCondition haveMetCondition();
    /// Sets a match's status (ended, friend_revealed) when its conversation ends or reveals.
    Status setStatus(const QString &matchSessionId, const QString &status,
                     const QDateTime &now) const;

    /// Inside the caller's transaction: both entries active → matched, and the match_sessions
    /// row (with the conversation id it opens). Conflict when either entry was no longer active
    /// (someone left, or another pass took them).
    Status recordMatch(const MatchSessionRecord &match, const QString &entryA,
                       const QString &entryB) const;
    /// (userA, userB, matchedAt) of the matches since `since` involving any of `userIds`.
    Result<QList<std::tuple<QString, QString, QDateTime>>>
    pastMatches(const QStringList &userIds, const QDateTime &since) const;
    /// How many finished matches (the conversation ran its course) each user has.
    Result<QHash<QString, int>> finishedMatchCounts(const QStringList &userIds) const;

    // The staff's queue metrics.
    Result<int> activeQueueEntries() const;
    Result<int> activeChats() const;
    /// Waits (seconds) of entries that left the queue matched within [from, to).
    Result<QList<double>> matchedWaits(const QDateTime &from, const QDateTime &to) const;
    /// Entries that left the queue within [from, to), by final status.
    Result<QMap<QString, int>> queueOutcomes(const QDateTime &from, const QDateTime &to) const;
    Result<QList<QueueSpan>> queueSpans(const QDateTime &from, const QDateTime &to) const;
    Result<QList<QDateTime>> matchTimes(const QDateTime &from, const QDateTime &to) const;

    /// {matching_queue_entries, match_sessions}: the person's rows for their data export; a
    /// peer's id only for those in `friendIds` (anyone else stays an alias).
    Result<QJsonObject> exportFor(const QString &userId, const QStringList &friendIds) const;
};

} // namespace fp
