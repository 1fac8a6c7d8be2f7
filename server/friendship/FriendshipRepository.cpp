#include "server/friendship/FriendshipRepository.h"

#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

namespace {

const QString kFriendshipColumns =
    QStringLiteral("id, user_low_id, user_high_id, origin_match_session_id, created_at");

FriendshipRecord friendshipFrom(const SqlResult &r)
{
    return FriendshipRecord {r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                             r.value(3).toString(), Sql::toTime(r.value(4))};
}

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

Result<std::optional<FriendshipRecord>>
FriendshipRepository::findActive(const QString &friendshipId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT %1 FROM friendships WHERE id = ? AND ended_at IS NULL")
                      .arg(kFriendshipColumns),
                  {friendshipId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<FriendshipRecord>();
    return std::optional<FriendshipRecord>(friendshipFrom(r));
}

Result<std::optional<FriendshipRecord>>
FriendshipRepository::activeBetween(const QString &userA, const QString &userB) const
{
    const bool aLow = userA < userB;
    // FOR UPDATE: the callers end the row they found, in the same transaction.
    SqlResult r = Sql::exec(QStringLiteral("SELECT %1 FROM friendships WHERE user_low_id = ? AND "
                                           "user_high_id = ? AND ended_at IS NULL FOR UPDATE")
                                .arg(kFriendshipColumns),
                            {aLow ? userA : userB, aLow ? userB : userA});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<FriendshipRecord>();
    return std::optional<FriendshipRecord>(friendshipFrom(r));
}

Result<bool> FriendshipRepository::end(const QString &friendshipId, const QString &byUserId,
                                       const QString &reason, const QDateTime &now) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("UPDATE friendships SET ended_at = ?, "
                                 "ended_by_user_id = ? WHERE id = ? AND ended_at IS NULL"),
                  {Sql::time(now), byUserId, friendshipId});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return false;
    const FriendshipEventRecord event {Sql::newId(),
                                       friendshipId,
                                       QStringLiteral("ended"),
                                       byUserId,
                                       QJsonObject {{QStringLiteral("reason"), reason}},
                                       now};
    if (Status inserted = insertEvent(event); !inserted)
        return inserted.error();
    return true;
}

Result<KeysetPage<FriendItem>>
FriendshipRepository::listFriends(const QString &userId, int limit,
                                  const std::optional<KeysetCursor> &after) const
{
    // The friend is whichever side of the pair the caller is not. The last event is the newest
    // by (created_at, id).
    QString sql = QStringLiteral(
        "SELECT f.id, IF(f.user_low_id = ?, f.user_high_id, f.user_low_id) AS friend_id, "
        "p.nickname, p.avatar_url, f.created_at, "
        "(SELECT e.event_type FROM friendship_events e WHERE e.friendship_id = f.id "
        " ORDER BY e.created_at DESC, e.id DESC LIMIT 1), "
        "(SELECT e.created_at FROM friendship_events e WHERE e.friendship_id = f.id "
        " ORDER BY e.created_at DESC, e.id DESC LIMIT 1) "
        "FROM friendships f "
        "JOIN users u ON u.id = IF(f.user_low_id = ?, f.user_high_id, f.user_low_id) "
        "LEFT JOIN user_profiles p ON p.user_id = u.id "
        "WHERE (f.user_low_id = ? OR f.user_high_id = ?) AND f.ended_at IS NULL "
        "AND u.deleted_at IS NULL ");
    QVariantList bindings {userId, userId, userId, userId};
    if (after) {
        sql += QStringLiteral("AND (f.created_at < ? OR (f.created_at = ? AND f.id < ?)) ");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    sql += QStringLiteral("ORDER BY f.created_at DESC, f.id DESC LIMIT ?");
    bindings << limit + 1;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    KeysetPage<FriendItem> page;
    while (r.next()) {
        FriendItem item;
        item.friendshipId = r.value(0).toString();
        item.userId = r.value(1).toString();
        item.nickname = r.value(2).toString();
        item.avatarUrl = r.value(3).toString();
        item.since = Sql::toTime(r.value(4));
        item.lastEventType = r.value(5).toString();
        if (!r.value(6).isNull())
            item.lastEventAt = Sql::toTime(r.value(6));
        page.items.append(item);
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.next = KeysetCursor {page.items.last().since, page.items.last().friendshipId};
    }
    return page;
}

Result<KeysetPage<FriendshipEventRecord>>
FriendshipRepository::events(const QString &friendshipId, int limit,
                             const std::optional<KeysetCursor> &after) const
{
    QString sql = QStringLiteral("SELECT id, friendship_id, event_type, actor_user_id, "
                                 "payload_json, created_at FROM friendship_events "
                                 "WHERE friendship_id = ? ");
    QVariantList bindings {friendshipId};
    if (after) {
        sql += QStringLiteral("AND (created_at > ? OR (created_at = ? AND id > ?)) ");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    sql += QStringLiteral("ORDER BY created_at, id LIMIT ?");
    bindings << limit + 1;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    KeysetPage<FriendshipEventRecord> page;
    while (r.next()) {
        page.items.append(FriendshipEventRecord {
            r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
            r.value(3).toString(), QJsonDocument::fromJson(r.value(4).toString().toUtf8()).object(),
            Sql::toTime(r.value(5))});
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.next = KeysetCursor {page.items.last().createdAt, page.items.last().id};
    }
    return page;
}

Status FriendshipRepository::insertEvent(const FriendshipEventRecord &event) const
{
    SqlResult r = Sql::exec(QStringLiteral("INSERT INTO friendship_events (id, friendship_id, "
                                           "event_type, actor_user_id, payload_json, created_at) "
                                           "VALUES (?, ?, ?, ?, ?, ?)"),
                            {event.id, event.friendshipId, event.eventType,
                             Sql::nullableText(event.actorUserId), compactJson(event.payload),
                             Sql::time(event.createdAt)});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

} // namespace fp
