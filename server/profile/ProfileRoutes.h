#pragma once

// GET /api/catalog, GET and PUT /api/profile.

namespace fp {

class ProfileService;
class Router;

void registerProfileRoutes(Router &router, const ProfileService &profiles);

} // namespace fp
