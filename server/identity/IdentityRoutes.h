#pragma once

// The identity routes of API_SPEC.md (register, login, refresh, logout, sessions, logout-all,
// password): parse and validate each request into the service's inputs, render its results.

namespace fp {

class Router;
struct Config;

void registerIdentityRoutes(Router &router, const Config &config);

} // namespace fp
