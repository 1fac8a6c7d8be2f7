#pragma once

// /api/blocks, /api/reports (API_SPEC "Safety") and the staff report queue:
// GET /api/admin/reports, GET /api/admin/reports/{id}, POST .../claim, POST .../action.

namespace fp {

class Catalog;
class Router;
class SafetyService;

void registerSafetyRoutes(Router &router, const SafetyService &safety, const Catalog &catalog);

} // namespace fp
