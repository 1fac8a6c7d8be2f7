#pragma once

// GET /api/catalog, GET and PUT /api/profile (API_SPEC "Profile and onboarding").

namespace fp {

class Router;

void registerProfileRoutes(Router &router);

} // namespace fp
