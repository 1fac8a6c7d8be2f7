#pragma once

// The event backbone's admin routes: the dead-letter stream, listed and re-driven
// (docs/events.md, "Dead letters"), and how the pipeline is doing.

#include <QByteArray>

namespace fp {

class AdminService;
class Gateway;
class Router;

void registerEventRoutes(Router &router, const AdminService &admin, const QByteArray &keyPrefix);

/// The `notices.resume` frame: the frames a person must not miss, after the last one they saw.
void registerNoticeFrames(Gateway &gateway);

} // namespace fp
