#pragma once

// The one rule for seeing someone else's profile: never before reveal. A user sees their own
// profile, and the public part of a friend's (a friendships row links them and has not ended).
// Staff access is decided by the staff routes' role, not here. Reveal, friends and any later
// route that shows a person go through these functions.

#include "common/Result.h"
#include "server/profile/ProfileRepository.h"

#include <QJsonObject>
#include <QString>
#include <optional>

namespace fp {

/// Whether `viewerId` may see `ownerId`'s profile: the same user, or friends now. Fails closed:
/// when the database cannot answer, the answer is false (and the cause is logged).
bool mayViewProfile(const QString &viewerId, const QString &ownerId);

/// The public part of a profile, unconditionally (for code that already established the right
/// to see it, e.g. the reveal transaction); nullopt when there is no such profile.
Result<std::optional<PublicProfile>> loadPublicProfile(const QString &userId);

/// {user_id, nickname, avatar_url, bio}: what a revealed peer or a friend shows. Nothing else of
/// a profile ever leaves for another user.
QJsonObject publicProfileJson(const PublicProfile &profile);

} // namespace fp
