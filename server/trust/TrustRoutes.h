#pragma once

// GET /api/trust_score/{user_id}, and the staff's view of a person's trust:
// GET /api/admin/users/{id}/trust-score, /trust-events and /trust-history.

namespace fp {

class Router;
class TrustService;

void registerTrustRoutes(Router &router, const TrustService &trust);

} // namespace fp
