#pragma once

// All SQL of the friendship domain: friendships (an ordered pair, soft-ended with ended_at) and
// their event timeline. Only active friendships (ended_at IS NULL) are ever returned.

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

struct FriendshipRecord
{
    QString id;
    QString userLowId;
    QString userHighId;
    QString originMatchSessionId;
    QDateTime createdAt;

    bool hasMember(const QString &userId) const
    {
        return userId == userLowId || userId == userHighId;
    }
};

struct FriendItem
{
    QString friendshipId;
    QString userId;
    QString nickname;
    QString avatarUrl; // empty = null
    QDateTime since;
    QString lastEventType; // empty when the friendship has no event at all
    QDateTime lastEventAt;
};

struct FriendshipEventRecord
{
    QString id;
    QString friendshipId;
    QString eventType;
    QString actorUserId; // empty: the system
    QJsonObject payload;
    QDateTime createdAt;
};

/// Where a page starts: after the row with this sort time and id (keyset pagination).
struct KeysetCursor
{
    QDateTime time;
    QString id;
};

template<typename T> struct KeysetPage
{
    QList<T> items;
    std::optional<KeysetCursor> next;
};

class FriendshipRepository
{
public:
    Result<std::optional<FriendshipRecord>> findActive(const QString &friendshipId) const;
    Result<std::optional<FriendshipRecord>> activeBetween(const QString &userA,
                                                          const QString &userB) const;
    /// Ends the friendship (ended_at, ended_by) and appends an 'ended' event; false when it had
    /// already ended (a concurrent removal).
    Result<bool> end(const QString &friendshipId, const QString &byUserId, const QString &reason,
                     const QDateTime &now) const;
    /// The caller's active friendships, newest first.
    Result<KeysetPage<FriendItem>> listFriends(const QString &userId, int limit,
                                               const std::optional<KeysetCursor> &after) const;
    /// A friendship's events, oldest first.
    Result<KeysetPage<FriendshipEventRecord>>
    events(const QString &friendshipId, int limit, const std::optional<KeysetCursor> &after) const;
    Status insertEvent(const FriendshipEventRecord &event) const;
};

} // namespace fp
