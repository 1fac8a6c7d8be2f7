#pragma once

// /api/auth/... (API_SPEC "Identity") and the staff's view of accounts:
// GET /api/admin/users, GET /api/admin/users/{id}, PUT .../status, PUT .../role.

namespace fp {

class IdentityService;
class Router;

void registerIdentityRoutes(Router &router, IdentityService &identity);

} // namespace fp
