#pragma once

// The profile domain's wire shapes: the caller's whole profile (GET/PUT /api/profile) and the
// public part others see once revealed or befriended. Nothing else of a profile ever leaves for
// another user.

#include "server/profile/ProfileTypes.h"

#include <QJsonObject>

namespace fp {

/// Every field of API_SPEC's profile, nulls included.
QJsonObject profileToJson(const Profile &profile);
/// {user_id, nickname, avatar_url, bio}.
QJsonObject publicProfileJson(const PublicProfile &profile);

} // namespace fp
