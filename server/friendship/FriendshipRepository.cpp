#include "server/friendship/FriendshipRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

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

/// friendships stores each pair once, ordered (user_low_id < user_high_id, bytewise on the
/// lowercase UUID strings).
QVariantList orderedPair(const QString &userA, const QString &userB)
{
    return {qMin(userA, userB), qMax(userA, userB)};
}

} // namespace

Result<std::optional<FriendshipRecord>>
FriendshipRepository::findActive(const QString &friendshipId) const
{
    return Sql::optionalRow<FriendshipRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM friendships WHERE id = ? AND ended_at IS NULL")
                      .arg(kFriendshipColumns),
                  {friendshipId}),
        friendshipFrom);
}

Result<std::optional<FriendshipRecord>>
FriendshipRepository::activeBetween(const QString &userA, const QString &userB) const
{
    return Sql::optionalRow<FriendshipRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM friendships WHERE user_low_id = ? AND "
                                 "user_high_id = ? AND ended_at IS NULL FOR UPDATE")
                      .arg(kFriendshipColumns),
                  orderedPair(userA, userB)),
        friendshipFrom);
}

Result<bool> FriendshipRepository::anyBetween(const QString &userA, const QString &userB) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT 1 FROM friendships WHERE user_low_id = ? AND "
                                           "user_high_id = ? LIMIT 1"),
                            orderedPair(userA, userB));
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

PairCondition FriendshipRepository::friendsNowCondition()
{
    return {QStringLiteral("EXISTS(SELECT 1 FROM friendships WHERE user_low_id = ? AND "
                           "user_high_id = ? AND ended_at IS NULL)"),
            [](const QString &userA, const QString &userB) {
                return orderedPair(userA, userB);
            }};
}

Result<QString> FriendshipRepository::activeIdBetween(const QString &userA,
                                                      const QString &userB) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE user_low_id = ? AND "
                                           "user_high_id = ? AND ended_at IS NULL LIMIT 1"),
                            orderedPair(userA, userB));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toString() : QString();
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

Result<QString> FriendshipRepository::createOrRevive(const QString &userA, const QString &userB,
                                                     const QString &matchSessionId,
                                                     const QJsonObject &createdPayload,
                                                     const QDateTime &now) const
{
    const QVariantList pair = orderedPair(userA, userB);
    SqlResult existing = Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE "
                                                  "user_low_id = ? AND user_high_id = ? "
                                                  "FOR UPDATE"),
                                   pair);
    if (!existing.ok())
        return existing.toAppError();
    QString id;
    if (existing.next()) {
        id = existing.value(0).toString();
        SqlResult revive = Sql::exec(
            QStringLiteral("UPDATE friendships SET ended_at = NULL, ended_by_user_id = NULL, "
                           "origin_match_session_id = ? WHERE id = ?"),
            {matchSessionId, id});
        if (!revive.ok())
            return revive.toAppError();
    } else {
        id = Sql::newId();
        SqlResult r =
            Sql::exec(QStringLiteral("INSERT INTO friendships (id, user_low_id, user_high_id, "
                                     "origin_match_session_id, created_at) "
                                     "VALUES (?, ?, ?, ?, ?)"),
                      {id, pair[0], pair[1], matchSessionId, Sql::time(now)});
        if (!r.ok())
            return r.toAppError();
    }
    if (Status s =
            insertEvent({Sql::newId(), id, QStringLiteral("created"), {}, createdPayload, now});
        !s)
        return s.error();
    return id;
}

Result<QStringList> FriendshipRepository::activeFriendIdsOf(const QString &userId) const
{
    return Sql::strings(
        Sql::exec(QStringLiteral("SELECT IF(user_low_id = ?, user_high_id, user_low_id) "
                                 "FROM friendships WHERE (user_low_id = ? OR "
                                 "user_high_id = ?) AND ended_at IS NULL"),
                  {userId, userId, userId}));
}

Result<QStringList> FriendshipRepository::lockActiveOf(const QString &userId) const
{
    return Sql::strings(
        Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE (user_low_id = ? OR "
                                 "user_high_id = ?) AND ended_at IS NULL FOR UPDATE"),
                  {userId, userId}));
}

Result<QList<FriendRow>>
FriendshipRepository::friendsOf(const QString &userId, int limit,
                                const std::optional<KeysetCursor> &after) const
{
    // The friend is whichever side of the pair the caller is not. The last event is the newest
    // by (created_at, id).
    QString sql = QStringLiteral(
        "SELECT f.id, IF(f.user_low_id = ?, f.user_high_id, f.user_low_id), f.created_at, "
        "(SELECT e.event_type FROM friendship_events e WHERE e.friendship_id = f.id "
        " ORDER BY e.created_at DESC, e.id DESC LIMIT 1), "
        "(SELECT e.created_at FROM friendship_events e WHERE e.friendship_id = f.id "
        " ORDER BY e.created_at DESC, e.id DESC LIMIT 1) "
        "FROM friendships f WHERE (f.user_low_id = ? OR f.user_high_id = ?) "
        "AND f.ended_at IS NULL ");
    QVariantList bindings {userId, userId, userId};
    if (after) {
        sql += QStringLiteral("AND (f.created_at < ? OR (f.created_at = ? AND f.id < ?)) ");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    sql += QStringLiteral("ORDER BY f.created_at DESC, f.id DESC LIMIT ?");
    bindings << limit;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QList<FriendRow> rows;
    while (r.next()) {
        FriendRow row {r.value(0).toString(),
                       r.value(1).toString(),
                       Sql::toTime(r.value(2)),
                       r.value(3).toString(),
                       {}};
        if (!r.value(4).isNull())
            row.lastEventAt = Sql::toTime(r.value(4));
        rows.append(row);
    }
    return rows;
}

Result<QList<FriendshipEventRecord>>
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
    bindings << limit;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QList<FriendshipEventRecord> events;
    while (r.next()) {
        events.append(FriendshipEventRecord {
            r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
            r.value(3).toString(), QJsonDocument::fromJson(r.value(4).toString().toUtf8()).object(),
            Sql::toTime(r.value(5))});
    }
    return events;
}

Status FriendshipRepository::insertEvent(const FriendshipEventRecord &event) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO friendship_events (id, friendship_id, "
                       "event_type, actor_user_id, payload_json, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)"),
        {event.id, event.friendshipId, event.eventType, Sql::nullableText(event.actorUserId),
         compactJson(event.payload), Sql::time(event.createdAt)}));
}

Result<QJsonObject> FriendshipRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {{"friendships",
          "SELECT id, IF(user_low_id = ?, user_high_id, user_low_id) AS friend_user_id, "
          "origin_match_session_id, created_at, ended_at, ended_by_user_id FROM friendships "
          "WHERE user_low_id = ? OR user_high_id = ? ORDER BY created_at",
          3},
         {"friendship_events",
          "SELECT id, friendship_id, event_type, payload_json, created_at FROM friendship_events "
          "WHERE actor_user_id = ? ORDER BY created_at"}},
        userId);
}

} // namespace fp
