#include "server/profile/ProfileVisibility.h"

#include "server/core/Log.h"

namespace fp {

bool mayViewProfile(const QString &viewerId, const QString &ownerId)
{
    if (viewerId.isEmpty() || ownerId.isEmpty())
        return false;
    if (viewerId == ownerId)
        return true;
    const Result<bool> friends = ProfileRepository().friendsNow(viewerId, ownerId);
    if (!friends) {
        log::warning(QStringLiteral("profile_visibility_unknown"),
                     {{QStringLiteral("viewer_id"), viewerId},
                      {QStringLiteral("owner_id"), ownerId},
                      {QStringLiteral("error"), friends.error().message}});
        return false;
    }
    return *friends;
}

Result<std::optional<PublicProfile>> loadPublicProfile(const QString &userId)
{
    return ProfileRepository().publicProfile(userId);
}

QJsonObject publicProfileJson(const PublicProfile &p)
{
    const auto nullable = [](const QString &text) {
        return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
    };
    return QJsonObject {{QStringLiteral("user_id"), p.userId},
                        {QStringLiteral("nickname"), p.nickname},
                        {QStringLiteral("avatar_url"), nullable(p.avatarUrl)},
                        {QStringLiteral("bio"), nullable(p.bio)}};
}

} // namespace fp
