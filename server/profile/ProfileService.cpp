#include "server/profile/ProfileService.h"

#include "server/profile/ProfileValidation.h"
#include "server/storage/Database.h"

namespace fp {

namespace {

ProfileKeysOnFile keysOnFile(const std::optional<Profile> &stored)
{
    ProfileKeysOnFile keys;
    if (!stored)
        return keys;
    for (auto it = stored->values.constBegin(); it != stored->values.constEnd(); ++it)
        keys.values.insert(it.key());
    for (auto it = stored->interests.constBegin(); it != stored->interests.constEnd(); ++it)
        keys.interests.insert(it.key());
    keys.nonNegotiables = stored->nonNegotiables;
    return keys;
}

} // namespace

Result<Profile> ProfileService::profile(const QString &userId) const
{
    // One transaction so the six reads see one committed state, never half of a PUT.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<Profile>> loaded = m_repository.load(userId);
    if (!loaded)
        return loaded.error();
    if (!*loaded)
        return AppError::notFound(QStringLiteral("No profile for this account"));
    tx.commit();
    return std::move(**loaded);
}

namespace {

// Whether a PUT changes any field of the user_profiles row itself.
bool changesProfileRow(const ProfileUpdate &u, const Profile &stored)
{
    const auto differs = [](const std::optional<QString> &given, const QString &current) {
        return given && *given != current;
    };
    return differs(u.nickname, stored.nickname) || differs(u.ageRange, stored.ageRange) ||
        differs(u.locationCity, stored.locationCity) ||
        differs(u.locationCountry, stored.locationCountry) ||
        differs(u.avatarUrl, stored.avatarUrl) || differs(u.bio, stored.bio);
}

} // namespace

Result<Profile> ProfileService::update(const QString &userId, const QJsonValue &body) const
{
    // Different people never wait on each other's rows, but InnoDB may still pick a victim
    // (e.g. two inserts next to each other in a unique index): try it again before answering.
    return retryingLockConflicts([&] { return updateOnce(userId, body); });
}

Result<Profile> ProfileService::updateOnce(const QString &userId, const QJsonValue &body) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    // Locking the profile row first makes concurrent PUTs of one user take turns, so each is
    // validated against what the other committed, and the sections below are written as
    // differences from what is read here.
    Result<std::optional<Profile>> stored = m_repository.load(userId, true);
    if (!stored)
        return stored.error();
    Result<ProfileUpdate> parsed = validateProfileUpdate(body, m_catalog, keysOnFile(*stored));
    if (!parsed)
        return parsed.error();
    const ProfileUpdate &u = *parsed;
    const QDateTime now = QDateTime::currentDateTimeUtc();

    if (!*stored) {
        if (!u.nickname)
            return AppError::validation(
                {{QStringLiteral("nickname"),
                  QStringLiteral("is required: this account has no profile yet")}});
        if (Status s = m_repository.createProfileRow(userId, *u.nickname, now); !s)
            return s.error();
    }
    const Profile before = stored->value_or(Profile {});
    const bool preferencesChange = u.preferences && u.preferences != before.preferences;
    const bool valuesChange = u.values && *u.values != before.values;
    const bool interestsChange = u.interests && *u.interests != before.interests;
    const bool topicsChange = u.offLimitsTopics && *u.offLimitsTopics != before.offLimitsTopics;
    const bool nonNegotiablesChange =
        u.nonNegotiables && *u.nonNegotiables != before.nonNegotiables;
    const bool anyChange = !*stored || changesProfileRow(u, before) || preferencesChange ||
        valuesChange || interestsChange || topicsChange || nonNegotiablesChange;
    if (!anyChange) // the same PUT again: nothing to write, updated_at stays
        return std::move(**stored);

    // Any failure returns before commit: the Transaction rolls every section back.
    if (Status s = m_repository.updateProfileRow(userId, u, now); !s)
        return s.error();
    if (preferencesChange) {
        if (Status s = m_repository.replacePreferences(userId, *u.preferences, now); !s)
            return s.error();
    }
    if (valuesChange) {
        if (Status s = m_repository.writeValues(userId, before.values, *u.values); !s)
            return s.error();
    }
    if (interestsChange) {
        if (Status s = m_repository.writeInterests(userId, before.interests, *u.interests); !s)
            return s.error();
    }
    if (topicsChange) {
        if (Status s = m_repository.writeOffLimitsTopics(userId, before.offLimitsTopics,
                                                         *u.offLimitsTopics);
            !s)
            return s.error();
    }
    if (nonNegotiablesChange) {
        if (Status s =
                m_repository.writeNonNegotiables(userId, before.nonNegotiables, *u.nonNegotiables);
            !s)
            return s.error();
    }

    Result<std::optional<Profile>> after = m_repository.load(userId);
    if (!after)
        return after.error();
    if (!*after || !tx.commit())
        return databaseUnavailable();
    return std::move(**after);
}

Result<bool> ProfileService::onboardingComplete(const QString &userId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<Profile>> loaded = m_repository.load(userId);
    if (!loaded)
        return loaded.error();
    tx.commit();
    return *loaded && (*loaded)->onboardingComplete();
}

Status ProfileService::createProfile(const QString &userId, const QString &nickname) const
{
    return m_repository.createProfileRow(userId, nickname, QDateTime::currentDateTimeUtc());
}

Result<std::optional<PublicProfile>> ProfileService::publicProfile(const QString &userId) const
{
    Result<QHash<QString, PublicProfile>> found = m_repository.publicProfiles({userId});
    if (!found)
        return found.error();
    if (!found->contains(userId))
        return std::optional<PublicProfile>();
    return std::optional<PublicProfile>(found->value(userId));
}

Result<QHash<QString, PublicProfile>>
ProfileService::publicProfiles(const QStringList &userIds) const
{
    return m_repository.publicProfiles(userIds);
}

} // namespace fp
