#pragma once

// The profile domain's wire shapes: the caller's whole profile (GET/PUT /api/profile) and the
// public part others see once revealed or befriended. Nothing else of a profile ever leaves for
// another user.

#include "server/profile/AvatarUrls.h"
#include "server/profile/ProfileTypes.h"

#include <QJsonObject>

namespace fp {

/// Every field of API_SPEC's profile, nulls included.
QJsonObject profileToJson(const Profile &profile);
/// {user_id, nickname, avatar_url, bio}.
QJsonObject publicProfileJson(const PublicProfile &profile);
/// {avatar_url (512 px), avatar_urls: {"128", "512"}, expires_at}: an avatar's signed URLs.
QJsonObject avatarLinksToJson(const AvatarLinks &links);

} // namespace fp
