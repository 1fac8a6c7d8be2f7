#pragma once

// The friendship domain's data: a friendship (an ordered pair, soft-ended with ended_at), a
// friend as the friend list shows them, and the events of a friendship's timeline.

#include "server/base/Paging.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

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

/// A validated POST /api/friendships/{id}/events body.
struct FriendshipEventInput
{
    QString eventType; // starter_completed | scheduled_chat
    QJsonObject payload;
};

} // namespace fp
