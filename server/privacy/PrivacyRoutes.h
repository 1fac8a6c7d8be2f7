#pragma once

// GET /api/me/export and DELETE /api/me (API_SPEC "Analytics and privacy"); registers the
// analytics routes (POST /api/events) too.

namespace fp {

class Router;

void registerPrivacyRoutes(Router &router);

} // namespace fp
