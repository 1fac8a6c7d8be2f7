#pragma once

// POST /api/events (clients) and GET /api/admin/analytics/timeseries (staff).

namespace fp {

class AnalyticsService;
class Router;

void registerAnalyticsRoutes(Router &router, const AnalyticsService &analytics);

} // namespace fp
