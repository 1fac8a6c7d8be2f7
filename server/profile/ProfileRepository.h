#pragma once

// All SQL of the profile domain (user_profiles, user_preference_settings, user_value_scores,
// user_interest_scores, user_off_limits_topics, user_non_negotiables, and the friendships
// lookup behind profile visibility). The replace* writes belong in the caller's Transaction:
// a PUT is all of them or none.

#include "common/Result.h"
#include "server/profile/ProfileValidation.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

/// Everything the caller's GET /api/profile shows.
struct Profile
{
    QString userId;
    QString nickname;
    QString ageRange; // empty = null
    QString locationCity; // empty = null
    QString locationCountry; // empty = null
    QString avatarUrl; // empty = null
    QString bio; // empty = null
    std::optional<ProfilePreferences> preferences; // nullopt until first written
    QMap<QString, int> values;
    QMap<QString, int> interests;
    QStringList offLimitsTopics;
    QList<ProfileNonNegotiable> nonNegotiables; // by priority_rank
    QDateTime updatedAt;

    bool onboardingComplete() const
    {
        return ProfileRules::onboardingComplete(nickname, preferences, values.size(),
                                                interests.size());
    }
};

/// The part of a profile others see once revealed (API_SPEC: peer {user_id, nickname,
/// avatar_url, bio}).
struct PublicProfile
{
    QString userId;
    QString nickname;
    QString avatarUrl; // empty = null
    QString bio; // empty = null
};

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
    /// profile's updated_at covers every section).
    Status updateProfileRow(const QString &userId, const ProfileUpdate &update,
                            const QDateTime &now) const;
    Status replacePreferences(const QString &userId, const ProfilePreferences &prefs,
                              const QDateTime &now) const;
    Status replaceValues(const QString &userId, const QMap<QString, int> &scores) const;
    Status replaceInterests(const QString &userId, const QMap<QString, int> &scores) const;
    Status replaceOffLimitsTopics(const QString &userId, const QStringList &topics) const;
    Status replaceNonNegotiables(const QString &userId,
                                 const QList<ProfileNonNegotiable> &items) const;

    Result<std::optional<PublicProfile>> publicProfile(const QString &userId) const;
    /// Whether a friendships row links the two users and has not ended.
    Result<bool> friendsNow(const QString &userA, const QString &userB) const;
};

} // namespace fp
