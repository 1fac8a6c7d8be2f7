#include "server/trust/TrustRoutes.h"

#include "server/core/Router.h"
#include "server/profile/Catalog.h"
#include "server/trust/ReflectionService.h"
#include "server/trust/TrustService.h"

namespace fp {

void registerTrustRoutes(Router &router)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/meet_reflections"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<ReflectionInput> input =
                              ReflectionRules::parseReflection(ctx.json, Catalog::shared());
                          if (!input)
                              return input.error();
                          Result<ReflectionCreated> created =
                              ReflectionService().reflect(ctx.caller->userId, *input);
                          if (!created)
                              return created.error();
                          return HttpResponse::json(201, reflectionCreatedToJson(*created));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/trust_score/{user_id}"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<TrustScoreView> view = TrustService().scoreFor(
                              *ctx.caller, ctx.param(QStringLiteral("user_id")));
                          if (!view)
                              return view.error();
                          return HttpResponse::json(200, trustScoreToJson(*view));
                      }});
}

} // namespace fp
