#pragma once

// Rituals and XP (API_SPEC "Reflection, trust, rituals"): GET /api/daily_prompts/today,
// POST /api/daily_prompts/answers, GET and POST /api/weekly_intent, GET /api/xp.

namespace fp {

class Router;

void registerEngagementRoutes(Router &router);

} // namespace fp
