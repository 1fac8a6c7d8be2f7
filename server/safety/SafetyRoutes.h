#pragma once

namespace fp {

class Router;

/// POST/GET /api/blocks, DELETE /api/blocks/{blocked_user_id}, POST /api/reports,
/// GET /api/reports/mine, POST /api/conversations/{id}/panic-exit.
void registerSafetyRoutes(Router &router);

} // namespace fp
