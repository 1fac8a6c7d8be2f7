#pragma once

// The admin domain's route: GET /api/admin/audit-log (moderators and admins).

namespace fp {

class AdminService;
class Router;

void registerAdminRoutes(Router &router, const AdminService &admin);

} // namespace fp
