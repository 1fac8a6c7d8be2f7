#include "server/friendship/FriendshipService.h"

#include "common/Time.h"
#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

namespace {

AppError noSuchFriendship()
{
    return AppError::notFound(QStringLiteral("No such friendship"));
}

bool hasControlCharacters(const QString &text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control && c != QLatin1Char('\n'))
            return true;
    }
    return false;
}

} // namespace

namespace FriendshipRules {

Result<FriendshipEventInput> parseEvent(const QJsonValue &body, const QDateTime &now)
{
    QJsonObject problems;
    auto problem = [&problems](const QString &path, const QString &what) {
        if (!problems.contains(path))
            problems.insert(path, what);
    };
    if (!body.isObject()) {
        problem(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return AppError::validation(problems);
    }
    const QJsonObject o = body.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != QLatin1String("event_type") && it.key() != QLatin1String("payload"))
            problem(it.key(), QStringLiteral("is not a known field"));
    }
    FriendshipEventInput input;
    input.eventType = o.value(QStringLiteral("event_type")).toString();
    if (!o.contains(QStringLiteral("event_type")))
        problem(QStringLiteral("event_type"), QStringLiteral("is required"));
    else if (input.eventType != QLatin1String("starter_completed") &&
             input.eventType != QLatin1String("scheduled_chat"))
        problem(QStringLiteral("event_type"),
                QStringLiteral("must be one of starter_completed, scheduled_chat"));

    const QJsonValue payload = o.value(QStringLiteral("payload"));
    if (payload.isUndefined() || payload.isNull()) {
        problem(QStringLiteral("payload"), QStringLiteral("is required (an object)"));
        return AppError::validation(problems);
    }
    if (!payload.isObject()) {
        problem(QStringLiteral("payload"), QStringLiteral("must be an object"));
        return AppError::validation(problems);
    }
    input.payload = payload.toObject();
    if (QJsonDocument(input.payload).toJson(QJsonDocument::Compact).size() > kMaxPayloadBytes)
        problem(QStringLiteral("payload"),
                QStringLiteral("must be at most %1 bytes of JSON").arg(kMaxPayloadBytes));

    const bool scheduled = input.eventType == QLatin1String("scheduled_chat");
    for (auto it = input.payload.begin(); it != input.payload.end(); ++it) {
        const QString path = QStringLiteral("payload.") + it.key();
        const bool known = it.key() == QLatin1String("note") ||
            (scheduled ? it.key() == QLatin1String("scheduled_for")
                       : it.key() == QLatin1String("starter_id"));
        if (!known)
            problem(path, QStringLiteral("is not a known field"));
    }
    const QJsonValue note = input.payload.value(QStringLiteral("note"));
    if (!note.isUndefined() &&
        (!note.isString() || note.toString().size() > kMaxNoteLength ||
         hasControlCharacters(note.toString())))
        problem(QStringLiteral("payload.note"),
                QStringLiteral("must be a string of at most %1 characters").arg(kMaxNoteLength));
    if (scheduled) {
        const QJsonValue when = input.payload.value(QStringLiteral("scheduled_for"));
        const QDateTime at = fromWireTime(when.toString());
        if (when.isUndefined())
            problem(QStringLiteral("payload.scheduled_for"), QStringLiteral("is required"));
        else if (!when.isString() || !at.isValid())
            problem(QStringLiteral("payload.scheduled_for"),
                    QStringLiteral("must be an RFC 3339 timestamp"));
        else if (at <= now)
            problem(QStringLiteral("payload.scheduled_for"),
                    QStringLiteral("must be in the future"));
        else if (at > now.addDays(366))
            problem(QStringLiteral("payload.scheduled_for"),
                    QStringLiteral("must be within a year"));
        else
            input.payload.insert(QStringLiteral("scheduled_for"), toWireTime(at));
    } else {
        const QJsonValue starter = input.payload.value(QStringLiteral("starter_id"));
        if (!starter.isUndefined() &&
            (!starter.isString() || starter.toString().isEmpty() ||
             starter.toString().size() > kMaxStarterIdLength ||
             hasControlCharacters(starter.toString())))
            problem(
                QStringLiteral("payload.starter_id"),
                QStringLiteral("must be a string of 1 to %1 characters").arg(kMaxStarterIdLength));
    }
    if (!problems.isEmpty())
        return AppError::validation(problems);
    return input;
}

} // namespace FriendshipRules

Result<KeysetPage<FriendItem>>
FriendshipService::listFriends(const QString &userId, int limit,
                               const std::optional<KeysetCursor> &after) const
{
    return m_repository.listFriends(userId, limit, after);
}

Status FriendshipService::removeFriend(const QString &userId, const QString &friendUserId) const
{
    if (friendUserId == userId)
        return AppError::notFound(QStringLiteral("No such friend"));
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<bool> ended = endBetween(userId, friendUserId, userId, QStringLiteral("removed"));
    if (!ended)
        return ended.error();
    if (!*ended)
        return AppError::notFound(QStringLiteral("No such friend"));
    if (!tx.commit())
        return databaseUnavailable();
    return Ok {};
}

Result<KeysetPage<FriendshipEventRecord>>
FriendshipService::events(const QString &userId, const QString &friendshipId, int limit,
                          const std::optional<KeysetCursor> &after) const
{
    Result<std::optional<FriendshipRecord>> friendship = m_repository.findActive(friendshipId);
    if (!friendship)
        return friendship.error();
    if (!*friendship || !(*friendship)->hasMember(userId))
        return noSuchFriendship();
    return m_repository.events(friendshipId, limit, after);
}

Result<FriendshipEventRecord> FriendshipService::addEvent(const QString &userId,
                                                          const QString &friendshipId,
                                                          const FriendshipEventInput &input) const
{
    Result<std::optional<FriendshipRecord>> friendship = m_repository.findActive(friendshipId);
    if (!friendship)
        return friendship.error();
    if (!*friendship || !(*friendship)->hasMember(userId))
        return noSuchFriendship();
    const FriendshipEventRecord event {Sql::newId(),    friendshipId,
                                       input.eventType, userId,
                                       input.payload,   QDateTime::currentDateTimeUtc()};
    if (Status inserted = m_repository.insertEvent(event); !inserted)
        return inserted.error();
    return event;
}

Result<bool> FriendshipService::endBetween(const QString &userA, const QString &userB,
                                           const QString &actorUserId, const QString &reason) const
{
    Result<std::optional<FriendshipRecord>> friendship = m_repository.activeBetween(userA, userB);
    if (!friendship)
        return friendship.error();
    if (!*friendship)
        return false;
    return m_repository.end((*friendship)->id, actorUserId, reason,
                            QDateTime::currentDateTimeUtc());
}

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
