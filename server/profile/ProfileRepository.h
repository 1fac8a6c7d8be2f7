#pragma once

// All SQL of the profile domain (user_profiles, user_preference_settings, user_value_scores,
// user_interest_scores, user_off_limits_topics, user_non_negotiables, user_avatars). The write*
// functions belong in the caller's Transaction (a PUT is all of them or none) and write only what
// differs from what the caller read under the profile row's lock: rows are deleted by their own
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
    /// The whole profile of `userId`, or nullopt without a user_profiles row. With
    /// `lockForUpdate` the user_profiles row is locked (FOR UPDATE) until the caller's
    /// transaction ends, which serialises concurrent updates of one profile.
    Result<std::optional<Profile>> load(const QString &userId, bool lockForUpdate = false) const;
    /// Creates the user_profiles row (accounts get one at registration; this covers rows that
    /// predate that).
    Status createProfileRow(const QString &userId, const QString &nickname,
                            const QDateTime &now) const;
    /// Writes the scalar fields present in `update` and sets updated_at = `now` (always: the
    /// profile's updated_at covers every section); `stampsCompletion` also sets
    /// onboarding_completed_at = `now`, for the write that first completes the profile.
    Status updateProfileRow(const QString &userId, const ProfileUpdate &update,
                            const QDateTime &now, bool stampsCompletion) const;
    Status replacePreferences(const QString &userId, const ProfilePreferences &prefs,
                              const QDateTime &now) const;
    Status writeValues(const QString &userId, const QMap<QString, int> &before,
                       const QMap<QString, int> &after) const;
    Status writeInterests(const QString &userId, const QMap<QString, int> &before,
                          const QMap<QString, int> &after) const;
    Status writeOffLimitsTopics(const QString &userId, const QStringList &before,
                                const QStringList &after) const;
    Status writeNonNegotiables(const QString &userId, const QList<ProfileNonNegotiable> &before,
                               const QList<ProfileNonNegotiable> &after) const;

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
