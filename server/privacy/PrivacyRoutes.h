#pragma once

// GET /api/me/export and DELETE /api/me (API_SPEC "Analytics and privacy").

namespace fp {

class PrivacyService;
class Router;

void registerPrivacyRoutes(Router &router, const PrivacyService &privacy);

} // namespace fp
