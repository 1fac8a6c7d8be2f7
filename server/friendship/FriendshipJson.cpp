#include "server/friendship/FriendshipJson.h"

#include "common/Time.h"

namespace fp {

QJsonObject friendToJson(const FriendItem &friendItem)
{
    QJsonObject lastEvent;
    if (!friendItem.lastEventType.isEmpty())
        lastEvent = {{QStringLiteral("event_type"), friendItem.lastEventType},
                     {QStringLiteral("created_at"), toWireTime(friendItem.lastEventAt)}};
    return QJsonObject {
        {QStringLiteral("friendship_id"), friendItem.friendshipId},
        {QStringLiteral("user_id"), friendItem.userId},
        {QStringLiteral("nickname"), friendItem.nickname},
        {QStringLiteral("avatar_url"),
         friendItem.avatarUrl.isEmpty() ? QJsonValue(QJsonValue::Null)
                                        : QJsonValue(friendItem.avatarUrl)},
        {QStringLiteral("since"), toWireTime(friendItem.since)},
        {QStringLiteral("last_event"),
         lastEvent.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(lastEvent)}};
}

QJsonObject friendshipEventToJson(const FriendshipEventRecord &event)
{
    return QJsonObject {{QStringLiteral("id"), event.id},
                        {QStringLiteral("friendship_id"), event.friendshipId},
                        {QStringLiteral("event_type"), event.eventType},
                        {QStringLiteral("payload"), event.payload},
                        {QStringLiteral("created_at"), toWireTime(event.createdAt)}};
}

} // namespace fp
