#pragma once

// The friendship domain: who sees a friendship (only its two members: anyone else gets 404),
// friends listed with their public profiles, ending a friendship (soft, with an 'ended' event),
// the events clients may add, the friendship a mutual reveal creates, and the one rule for
// seeing someone else's profile: only a friend's, never before reveal. No HTTP and no SQL here.

#include "server/friendship/FriendshipRepository.h"

namespace fp {

class ProfileService;

class FriendshipService
{
public:
    FriendshipService(const FriendshipRepository &repository, const ProfileService &profiles)
        : m_repository(repository), m_profiles(profiles)
    { }

    Result<Page<FriendItem>> listFriends(const QString &userId, const PageRequest<> &page) const;
    /// Ends the caller's friendship with `friendUserId`; NotFound when they are not friends.
    Status removeFriend(const QString &userId, const QString &friendUserId) const;
    Result<Page<FriendshipEventRecord>> events(const QString &userId, const QString &friendshipId,
                                               const PageRequest<> &page) const;
    Result<FriendshipEventRecord> addEvent(const QString &userId, const QString &friendshipId,
                                           const FriendshipEventInput &input) const;

    /// A mutual reveal (inside the conversation's transaction): the pair's friendship, new or
    /// revived, with its 'created' event. Returns the friendship id. `actorUserId`: whose
    /// decision completed the reveal (empty: the system).
    Result<QString> befriend(const QString &userA, const QString &userB,
                             const QString &matchSessionId, const QString &conversationId,
                             const QString &actorUserId) const;
    /// Ends the pair's active friendship, if any, inside the caller's transaction (a block, a
    /// panic exit). `reason` goes into the 'ended' event.
    Result<bool> endBetween(const QString &userA, const QString &userB, const QString &actorUserId,
                            const QString &reason) const;
    /// Ends every active friendship of a person who deletes their account; returns the ids.
    Result<QStringList> endAllOf(const QString &userId, const QString &reason) const;
    /// Whether the two are friends now.
    Result<bool> friendsNow(const QString &userA, const QString &userB) const;
    /// friendsNow() as a condition another domain can ask inside its own statement.
    static PairCondition friendsNowCondition();
    /// Whether the two were ever friends (a friendship that ended still counts).
    Result<bool> everFriends(const QString &userA, const QString &userB) const
    {
        return m_repository.anyBetween(userA, userB);
    }
    /// The people `userId` is friends with now.
    Result<QStringList> friendIdsOf(const QString &userId) const
    {
        return m_repository.activeFriendIdsOf(userId);
    }
    /// The friendship id of the two, or empty when they are not friends now.
    Result<QString> friendshipIdOf(const QString &userA, const QString &userB) const;

    /// Whether `viewerId` may see `ownerId`'s profile: the same person, or friends now. Fails
    /// closed: when the database cannot answer, the answer is no (and the cause is logged).
    bool mayViewProfile(const QString &viewerId, const QString &ownerId) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }

private:
    /// friendship.event_recorded for a row of friendship_events other than 'created' (which
    /// friendship.created announces): its type and, for an end, the reason code.
    static Status recordFriendshipEvent(const QString &friendshipId, const QString &actorUserId,
                                        const QString &eventType, const QString &reason = {});
    const FriendshipRepository &m_repository;
    const ProfileService &m_profiles;
};

} // namespace fp
