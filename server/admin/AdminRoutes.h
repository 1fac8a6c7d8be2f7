#pragma once

// The staff API under /api/admin/ (API_SPEC "Admin"): queue metrics, the report queue and its
// workflow, users, trust, analytics series and the audit log. Roles are declared on each route.

namespace fp {

class Router;
struct Config;

void registerAdminRoutes(Router &router, const Config &config);

} // namespace fp
