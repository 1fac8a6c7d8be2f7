#pragma once

// GET /api/catalog, GET and PUT /api/profile; avatars: PUT and DELETE /api/profile/avatar,
// GET /api/users/{user_id}/avatar (its URLs, for whoever may see it), GET /api/avatars/{key}
// (the image of a signed URL).

#include <QString>

namespace fp {

class AvatarService;
class ProfileService;
class ReadCache;
class Router;
struct OutboxEvent;

/// `kept` holds GET /api/profile's answers by user id (docs/performance.md).
void registerProfileRoutes(Router &router, const ProfileService &profiles,
                           const AvatarService &avatars, qint64 avatarMaxBytes, ReadCache &kept);

/// Whether a committed event can change someone's GET /api/profile answer, and whose.
bool keptProfileChangedBy(const OutboxEvent &event, QString *userId);

} // namespace fp
