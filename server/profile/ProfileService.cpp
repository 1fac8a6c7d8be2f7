#include "server/profile/ProfileService.h"

#include "common/Time.h"
#include "server/profile/Catalog.h"
#include "server/storage/Database.h"

#include <QJsonArray>

namespace fp {

namespace {

QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonValue nullable(const std::optional<int> &score)
{
    return score ? QJsonValue(*score) : QJsonValue(QJsonValue::Null);
}

QJsonObject scoresToJson(const QMap<QString, int> &scores)
{
    QJsonObject o;
    for (auto it = scores.constBegin(); it != scores.constEnd(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QJsonObject preferencesToJson(const ProfilePreferences &s)
{
    QJsonArray windows;
    for (const ProfileWindow &w : s.availabilityWindows)
        windows.append(QJsonObject {{QStringLiteral("day"), w.day},
                                    {QStringLiteral("start"), w.start},
                                    {QStringLiteral("end"), w.end}});
    return QJsonObject {{QStringLiteral("conversation_depth"), nullable(s.conversationDepth)},
                        {QStringLiteral("contact_frequency"), nullable(s.contactFrequency)},
                        {QStringLiteral("directness_score"), nullable(s.directnessScore)},
                        {QStringLiteral("humor_score"), nullable(s.humorScore)},
                        {QStringLiteral("response_pace"), nullable(s.responsePace)},
                        {QStringLiteral("group_comfort"), nullable(s.groupComfort)},
                        {QStringLiteral("friendship_intention"), nullable(s.friendshipIntention)},
                        {QStringLiteral("voice_note_ok"), s.voiceNoteOk},
                        {QStringLiteral("availability_windows"), windows},
                        {QStringLiteral("timezone"), s.timezone}};
}

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
    Result<ProfileUpdate> parsed =
        validateProfileUpdate(body, Catalog::shared(), keysOnFile(*stored));
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

QJsonObject profileToJson(const Profile &p)
{
    QJsonArray topics = QJsonArray::fromStringList(p.offLimitsTopics);
    QJsonArray nonNegotiables;
    for (const ProfileNonNegotiable &n : p.nonNegotiables)
        nonNegotiables.append(QJsonObject {{QStringLiteral("dimension"), n.dimension},
                                           {QStringLiteral("key"), n.key},
                                           {QStringLiteral("priority_rank"), n.priorityRank}});
    return QJsonObject {{QStringLiteral("user_id"), p.userId},
                        {QStringLiteral("nickname"), p.nickname},
                        {QStringLiteral("age_range"), nullable(p.ageRange)},
                        {QStringLiteral("location_city"), nullable(p.locationCity)},
                        {QStringLiteral("location_country"), nullable(p.locationCountry)},
                        {QStringLiteral("avatar_url"), nullable(p.avatarUrl)},
                        {QStringLiteral("bio"), nullable(p.bio)},
                        {QStringLiteral("preferences"),
                         p.preferences ? QJsonValue(preferencesToJson(*p.preferences))
                                       : QJsonValue(QJsonValue::Null)},
                        {QStringLiteral("values"), scoresToJson(p.values)},
                        {QStringLiteral("interests"), scoresToJson(p.interests)},
                        {QStringLiteral("off_limits_topics"), topics},
                        {QStringLiteral("non_negotiables"), nonNegotiables},
                        {QStringLiteral("onboarding_complete"), p.onboardingComplete()},
                        {QStringLiteral("updated_at"), toWireTime(p.updatedAt)}};
}

} // namespace fp
