#include "server/profile/ProfileJson.h"

#include "common/Time.h"

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

} // namespace

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
                        {QStringLiteral("avatar_url"),
                         nullable(p.avatarLink.isEmpty() ? p.avatarUrl : p.avatarLink)},
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

QJsonObject publicProfileJson(const PublicProfile &p)
{
    return QJsonObject {{QStringLiteral("user_id"), p.userId},
                        {QStringLiteral("nickname"), p.nickname},
                        {QStringLiteral("avatar_url"), nullable(p.avatarUrl)},
                        {QStringLiteral("bio"), nullable(p.bio)}};
}

QJsonObject avatarLinksToJson(const AvatarLinks &links)
{
    return QJsonObject {
        {QStringLiteral("avatar_url"), links.large},
        {QStringLiteral("avatar_urls"),
         QJsonObject {{QStringLiteral("128"), links.small}, {QStringLiteral("512"), links.large}}},
        {QStringLiteral("expires_at"), toWireTime(links.expiresAt)}};
}

} // namespace fp
