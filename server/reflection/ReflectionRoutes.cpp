#include "server/reflection/ReflectionRoutes.h"

#include "server/http/Router.h"
#include "server/reflection/ReflectionJson.h"
#include "server/reflection/ReflectionService.h"
#include "server/reflection/ReflectionValidation.h"

namespace fp {

void registerReflectionRoutes(Router &router, const ReflectionService &reflections,
                              const Catalog &catalog)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/meet_reflections"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&reflections, &catalog](RequestContext &ctx) -> HttpResponse {
                          Result<ReflectionInput> input =
                              ReflectionValidation::parseReflection(ctx.json, catalog);
                          if (!input)
                              return input.error();
                          return reply(reflections.reflect(ctx.caller->userId, *input),
                                       reflectionCreatedToJson, 201);
                      }});
}

} // namespace fp
