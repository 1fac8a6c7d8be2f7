#pragma once

// All SQL of the profile domain (user_profiles, user_preference_settings, user_value_scores,
// user_interest_scores, user_off_limits_topics, user_non_negotiables, user_avatars). write()
// belongs in the caller's Transaction (a batch of PUTs is all of it or none) and writes only what
// differs from what the caller read under the profile rows' lock: rows are deleted by their own
// keys and upserted by primary key, never "DELETE ... WHERE user_id = ?", whose gap locks on a
// person with no rows yet collided with other people's inserts (503s when several onboarded at
// once).

#include "common/Result.h"
#include "server/profile/ProfileTypes.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class ProfileRepository
{
public:
    /// The whole profile of `userId` in one statement, or nullopt without a user_profiles row.
    Result<std::optional<Profile>> load(const QString &userId) const;
    /// The whole profiles of `userIds` that have a user_profiles row, by user id, those rows
    /// locked (FOR UPDATE) until the caller's transaction ends: one statement, the rows locked in
    /// key order, so batches of several people never wait on each other in a cycle.
    Result<QHash<QString, Profile>> loadLocked(const QStringList &userIds) const;
    /// Creates the user_profiles row (accounts get one at registration; this covers rows that
    /// predate that).
    Status createProfileRow(const QString &userId, const QString &nickname,
                            const QDateTime &now) const;
    /// Brings several people's rows from what was read under their lock to what their PUTs make
    /// of them, in one statement per table whatever the number of people: missing profile rows
    /// created, changed columns of the profile rows set (updated_at always, to `after`'s),
    /// preferences upserted, removed keys deleted by their own keys and new or changed scores
    /// upserted by primary key. Each person at most once in `writes`.
    Status write(const QList<ProfileWrite> &writes) const;

    /// Users whose nickname starts with `prefix` (LIKE wildcards escaped), at most `limit`.
    Result<QStringList> userIdsWithNicknamePrefix(const QString &prefix, int limit) const;
    /// The person's profile rows for their data export, by table.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// An account deletion: the profile row kept as "Deleted user" (others' chats and reports
    /// still name it), every other row of the person deleted.
    Status eraseFor(const QString &userId, const QDateTime &now) const;
    /// Public parts of these users' profiles (deleted ones left out), by user id.
    Result<QHash<QString, PublicProfile>> publicProfiles(const QStringList &userIds) const;

    /// Locks the person's user_profiles row until the caller's transaction ends (a record
    /// lock: changes of one person's avatar take turns, without the gap locks a locking read
    /// of a missing user_avatars row would take); false without a profile.
    Result<bool> lockProfileRow(const QString &userId) const;
    /// The person's uploaded avatar (user_avatars), or nullopt; `lockForUpdate` locks the row.
    Result<std::optional<StoredAvatar>> avatarOf(const QString &userId,
                                                 bool lockForUpdate = false) const;
    /// Whose avatar a storage key is, or nullopt when no current avatar has it.
    Result<std::optional<QString>> avatarOwner(const QString &storageKey) const;
    /// Inserts or replaces the person's avatar row.
    Status setAvatar(const QString &userId, const StoredAvatar &avatar) const;
    Status deleteAvatar(const QString &userId) const;
};

} // namespace fp
