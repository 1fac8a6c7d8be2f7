#pragma once

// POST /api/meet_reflections.

namespace fp {

class Catalog;
class ReflectionService;
class Router;

void registerReflectionRoutes(Router &router, const ReflectionService &reflections,
                              const Catalog &catalog);

} // namespace fp
