#pragma once

// /api/matching/... (API_SPEC "Matching") and the staff's queue metrics:
// GET /api/admin/queue/metrics and GET /api/admin/queue/metrics/history.

namespace fp {

class MatchingService;
class Router;

void registerMatchingRoutes(Router &router, const MatchingService &matching);

} // namespace fp
