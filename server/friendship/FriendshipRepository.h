#pragma once

// All SQL of the friendship domain: friendships (an ordered pair, soft-ended with ended_at) and
// their event timeline. Only active friendships (ended_at IS NULL) are ever returned.

#include "common/Result.h"
#include "server/friendship/FriendshipTypes.h"
#include "server/storage/PairCondition.h"

#include <QJsonObject>
#include <QList>
#include <optional>

namespace fp {

/// A friend-list row before the friend's public profile is added.
struct FriendRow
{
    QString friendshipId;
    QString friendUserId;
    QDateTime since;
    QString lastEventType;
    QDateTime lastEventAt;
};

class FriendshipRepository
{
public:
    Result<std::optional<FriendshipRecord>> findActive(const QString &friendshipId) const;
    /// The pair's active friendship, locked until the transaction ends (the callers end it).
    Result<std::optional<FriendshipRecord>> activeBetween(const QString &userA,
                                                          const QString &userB) const;
    /// Whether the pair has a friendship row at all (active or ended).
    Result<bool> anyBetween(const QString &userA, const QString &userB) const;
    /// The id of the pair's active friendship, or empty (no lock).
    Result<QString> activeIdBetween(const QString &userA, const QString &userB) const;
    /// Whether the two are friends now, as a condition another domain can ask inside its own
    /// statement.
    static PairCondition friendsNowCondition();
    /// Ends the friendship (ended_at, ended_by) and appends an 'ended' event; false when it had
    /// already ended (a concurrent removal).
    Result<bool> end(const QString &friendshipId, const QString &byUserId, const QString &reason,
                     const QDateTime &now) const;
    /// The pair's friendship made or revived (a friendship ended earlier is the same row) with
    /// its 'created' event; returns its id.
    Result<QString> createOrRevive(const QString &userA, const QString &userB,
                                   const QString &matchSessionId, const QJsonObject &createdPayload,
                                   const QDateTime &now) const;
    /// The other side of each of the user's active friendships.
    Result<QStringList> activeFriendIdsOf(const QString &userId) const;
    /// The active friendships of one user, locked (an account deletion ends them all).
    Result<QStringList> lockActiveOf(const QString &userId) const;
    /// The caller's active friendships, newest first; limit + 1 rows (the caller pages).
    Result<QList<FriendRow>> friendsOf(const QString &userId, int limit,
                                       const std::optional<KeysetCursor> &after) const;
    /// A friendship's events, oldest first; limit + 1 rows.
    Result<QList<FriendshipEventRecord>> events(const QString &friendshipId, int limit,
                                                const std::optional<KeysetCursor> &after) const;
    Status insertEvent(const FriendshipEventRecord &event) const;
    /// {friendships, friendship_events}: the person's rows for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
};

} // namespace fp
