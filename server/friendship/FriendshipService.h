#pragma once

// The friendship domain's rules: who sees a friendship (only its two members: anyone else gets
// 404), ending one (soft, with an 'ended' event), and the events clients may add.

#include "server/friendship/FriendshipRepository.h"

#include <QJsonObject>
#include <QJsonValue>

namespace fp {

struct FriendshipEventInput
{
    QString eventType; // starter_completed | scheduled_chat
    QJsonObject payload;
};

namespace FriendshipRules {
constexpr int kMaxPayloadBytes = 4096; // the compact JSON of `payload`
constexpr int kMaxNoteLength = 280;
constexpr int kMaxStarterIdLength = 64;
/// Parses and validates a POST /api/friendships/{id}/events body; `now` judges scheduled_for.
Result<FriendshipEventInput> parseEvent(const QJsonValue &body, const QDateTime &now);
} // namespace FriendshipRules

class FriendshipService
{
public:
    Result<KeysetPage<FriendItem>> listFriends(const QString &userId, int limit,
                                               const std::optional<KeysetCursor> &after) const;
    /// Ends the caller's friendship with `friendUserId`; NotFound when they are not friends.
    Status removeFriend(const QString &userId, const QString &friendUserId) const;
    Result<KeysetPage<FriendshipEventRecord>>
    events(const QString &userId, const QString &friendshipId, int limit,
           const std::optional<KeysetCursor> &after) const;
    Result<FriendshipEventRecord> addEvent(const QString &userId, const QString &friendshipId,
                                           const FriendshipEventInput &input) const;

    /// For other domains (a block, a panic exit): ends the active friendship between the two,
    /// if any, inside the caller's transaction. `reason` goes into the 'ended' event.
    Result<bool> endBetween(const QString &userA, const QString &userB, const QString &actorUserId,
                            const QString &reason) const;

private:
    FriendshipRepository m_repository;
};

QJsonObject friendToJson(const FriendItem &friendItem);
QJsonObject friendshipEventToJson(const FriendshipEventRecord &event);

} // namespace fp
