#pragma once

// Trust and reflections (API_SPEC "Reflection, trust, rituals"): POST /api/meet_reflections and
// GET /api/trust_score/{user_id}.

namespace fp {

class Router;

void registerTrustRoutes(Router &router);

} // namespace fp
