#pragma once

namespace fp {

class Router;
class MatchingService;

/// POST /api/matching/queue/join, /leave; GET /api/matching/queue/status, /session/{id}.
void registerMatchingRoutes(Router &router, MatchingService &service);

} // namespace fp
