#pragma once

// Liveness, readiness, metrics and the API contract: the routes operators and tools use.

#include <QString>

namespace fp {

class Router;
class Metrics;

/// /healthz, /readyz, /metrics (for `metricsToken`'s bearer, or loopback clients when empty) and
/// the contract.
void registerHealthRoutes(Router &router, Metrics &metrics, const QString &metricsToken);

} // namespace fp
