#pragma once

// The event backbone's admin routes: the dead-letter stream, listed and re-driven
// (docs/events.md, "Dead letters"), and how the pipeline is doing.

#include <QByteArray>

namespace fp {

class AdminService;
class Router;

void registerEventRoutes(Router &router, const AdminService &admin, const QByteArray &keyPrefix);

} // namespace fp
