#pragma once

// GET /api/daily_prompts/today, POST /api/daily_prompts/answers, GET and POST
// /api/weekly_intent, GET /api/xp.

namespace fp {

class EngagementService;
class Router;

void registerEngagementRoutes(Router &router, const EngagementService &engagement);

} // namespace fp
