#include "server/friendship/FriendshipService.h"

#include "server/base/Log.h"
#include "server/events/Outbox.h"
#include "server/profile/ProfileService.h"
#include "server/storage/Database.h"

namespace fp {

namespace {

AppError noSuchFriendship()
{
    return AppError::notFound(QStringLiteral("No such friendship"));
}

} // namespace

Result<Page<FriendItem>> FriendshipService::listFriends(const QString &userId,
                                                        const PageRequest<> &page) const
{
    Result<QList<FriendRow>> rows = m_repository.friendsOf(userId, page.limit + 1, page.after);
    if (!rows)
        return rows.error();
    const Page<FriendRow> friends =
        paging::keysetPage(std::move(*rows), page.limit, [](const FriendRow &row) {
            return KeysetCursor {row.since, row.friendshipId};
        });
    QStringList ids;
    for (const FriendRow &row : friends.items)
        ids << row.friendUserId;
    Result<QHash<QString, PublicProfile>> profiles = m_profiles.publicProfiles(ids);
    if (!profiles)
        return profiles.error();
    Page<FriendItem> result;
    result.next = friends.next;
    for (const FriendRow &row : friends.items) {
        // A friend whose account is gone has no public profile left: not listed.
        const auto profile = profiles->constFind(row.friendUserId);
        if (profile == profiles->constEnd())
            continue;
        result.items.append({row.friendshipId, row.friendUserId, profile->nickname,
                             profile->avatarUrl, row.since, row.lastEventType, row.lastEventAt});
    }
    return result;
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

Result<Page<FriendshipEventRecord>> FriendshipService::events(const QString &userId,
                                                              const QString &friendshipId,
                                                              const PageRequest<> &page) const
{
    Result<std::optional<FriendshipRecord>> friendship = m_repository.findActive(friendshipId);
    if (!friendship)
        return friendship.error();
    if (!*friendship || !(*friendship)->hasMember(userId))
        return noSuchFriendship();
    Result<QList<FriendshipEventRecord>> events =
        m_repository.events(friendshipId, page.limit + 1, page.after);
    if (!events)
        return events.error();
    return paging::keysetPage(std::move(*events), page.limit, [](const FriendshipEventRecord &e) {
        return KeysetCursor {e.createdAt, e.id};
    });
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
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    if (Status inserted = m_repository.insertEvent(event); !inserted)
        return inserted.error();
    // The type only: the payload holds the person's note.
    if (Status recorded = recordFriendshipEvent(friendshipId, userId, input.eventType); !recorded)
        return recorded.error();
    if (!tx.commit())
        return databaseUnavailable();
    return event;
}

Result<QString> FriendshipService::befriend(const QString &userA, const QString &userB,
                                            const QString &matchSessionId,
                                            const QString &conversationId,
                                            const QString &actorUserId) const
{
    Result<QString> id =
        m_repository.createOrRevive(userA, userB, matchSessionId,
                                    {{QStringLiteral("conversation_id"), conversationId},
                                     {QStringLiteral("match_session_id"), matchSessionId}},
                                    QDateTime::currentDateTimeUtc());
    if (!id)
        return id;
    if (Status recorded =
            Outbox::record({.type = event::FriendshipCreated,
                            .subjectType = QLatin1StringView("friendship"),
                            .subjectId = *id,
                            .actorUserId = actorUserId,
                            .payload = {{QStringLiteral("match_id"), matchSessionId},
                                        {QStringLiteral("conversation_id"), conversationId}},
                            .occurredAt = {}});
        !recorded)
        return recorded.error();
    return id;
}

Status FriendshipService::recordFriendshipEvent(const QString &friendshipId,
                                                const QString &actorUserId,
                                                const QString &eventType, const QString &reason)
{
    QJsonObject payload {{QStringLiteral("event_type"), eventType}};
    if (!reason.isEmpty())
        payload.insert(QStringLiteral("reason"), reason);
    return Outbox::record({.type = event::FriendshipEventRecorded,
                           .subjectType = QLatin1StringView("friendship"),
                           .subjectId = friendshipId,
                           .actorUserId = actorUserId,
                           .payload = payload,
                           .occurredAt = {}});
}

Result<bool> FriendshipService::endBetween(const QString &userA, const QString &userB,
                                           const QString &actorUserId, const QString &reason) const
{
    Result<std::optional<FriendshipRecord>> friendship = m_repository.activeBetween(userA, userB);
    if (!friendship)
        return friendship.error();
    if (!*friendship)
        return false;
    Result<bool> ended =
        m_repository.end((*friendship)->id, actorUserId, reason, QDateTime::currentDateTimeUtc());
    if (!ended || !*ended)
        return ended;
    if (Status recorded =
            recordFriendshipEvent((*friendship)->id, actorUserId, QStringLiteral("ended"), reason);
        !recorded)
        return recorded.error();
    return true;
}

Result<QStringList> FriendshipService::endAllOf(const QString &userId, const QString &reason) const
{
    Result<QStringList> ids = m_repository.lockActiveOf(userId);
    if (!ids)
        return ids.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const QString &id : std::as_const(*ids)) {
        Result<bool> ended = m_repository.end(id, userId, reason, now);
        if (!ended)
            return ended.error();
        if (!*ended)
            continue;
        if (Status recorded = recordFriendshipEvent(id, userId, QStringLiteral("ended"), reason);
            !recorded)
            return recorded.error();
    }
    return *ids;
}

Result<QString> FriendshipService::friendshipIdOf(const QString &userA, const QString &userB) const
{
    return m_repository.activeIdBetween(userA, userB);
}

PairCondition FriendshipService::friendsNowCondition()
{
    return FriendshipRepository::friendsNowCondition();
}

Result<bool> FriendshipService::friendsNow(const QString &userA, const QString &userB) const
{
    Result<QString> id = m_repository.activeIdBetween(userA, userB);
    if (!id)
        return id.error();
    return !id->isEmpty();
}

bool FriendshipService::mayViewProfile(const QString &viewerId, const QString &ownerId) const
{
    if (viewerId.isEmpty() || ownerId.isEmpty())
        return false;
    if (viewerId == ownerId)
        return true;
    const Result<QString> friendship = m_repository.activeIdBetween(viewerId, ownerId);
    if (!friendship) {
        log::warning(QStringLiteral("profile_visibility_unknown"),
                     {{QStringLiteral("viewer_id"), viewerId},
                      {QStringLiteral("owner_id"), ownerId},
                      {QStringLiteral("error"), friendship.error().message}});
        return false;
    }
    return !friendship->isEmpty();
}

} // namespace fp
