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

Result<Profile> ProfileService::update(const QString &userId, const QJsonValue &body) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    // Locking the profile row first makes concurrent PUTs of one user take turns, so each is
    // validated against what the other committed.
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
    // Any failure returns before commit: the Transaction rolls every section back.
    if (Status s = m_repository.updateProfileRow(userId, u, now); !s)
        return s.error();
    if (u.preferences) {
        if (Status s = m_repository.replacePreferences(userId, *u.preferences, now); !s)
            return s.error();
    }
    if (u.values) {
        if (Status s = m_repository.replaceValues(userId, *u.values); !s)
            return s.error();
    }
    if (u.interests) {
        if (Status s = m_repository.replaceInterests(userId, *u.interests); !s)
            return s.error();
    }
    if (u.offLimitsTopics) {
        if (Status s = m_repository.replaceOffLimitsTopics(userId, *u.offLimitsTopics); !s)
            return s.error();
    }
    if (u.nonNegotiables) {
        if (Status s = m_repository.replaceNonNegotiables(userId, *u.nonNegotiables); !s)
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
