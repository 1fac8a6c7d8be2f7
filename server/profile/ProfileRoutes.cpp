#include "server/profile/ProfileRoutes.h"

#include "server/http/Router.h"
#include "server/profile/ProfileJson.h"
#include "server/profile/ProfileService.h"

namespace fp {

void registerProfileRoutes(Router &router, const ProfileService &profiles)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/catalog"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      // A constant held in memory: as cheap to serve as /healthz.
                      .rate = RateClass::None,
                      .handler = [body = profiles.catalog().toJson()](RequestContext &) {
                          // Changes only with a deploy: let clients and proxies keep it a while.
                          return HttpResponse::json(200, body).withHeader("Cache-Control",
                                                                          "public, max-age=300");
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/profile"),
                      .access = Access::User,
                      .handler = [&profiles](RequestContext &ctx) {
                          return reply(profiles.profile(ctx.caller->userId), profileToJson);
                      }});

    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/profile"),
                      .access = Access::User,
                      .handler = [&profiles](RequestContext &ctx) {
                          return reply(profiles.update(ctx.caller->userId, ctx.json),
                                       profileToJson);
                      }});
}

} // namespace fp
