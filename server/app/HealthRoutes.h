#pragma once

// Liveness, readiness, metrics and the API contract: the routes operators and tools use.

namespace fp {

class Router;
class Metrics;

void registerHealthRoutes(Router &router, Metrics &metrics);

} // namespace fp
