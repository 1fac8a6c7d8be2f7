#pragma once

// GET /api/catalog, GET and PUT /api/profile; avatars: PUT and DELETE /api/profile/avatar,
// GET /api/users/{user_id}/avatar (its URLs, for whoever may see it), GET /api/avatars/{key}
// (the image of a signed URL).

#include <QtGlobal>

namespace fp {

class AvatarService;
class ProfileService;
class Router;

void registerProfileRoutes(Router &router, const ProfileService &profiles,
                           const AvatarService &avatars, qint64 avatarMaxBytes);

} // namespace fp
