#include "server/profile/ProfileRoutes.h"

#include "server/core/Router.h"
#include "server/profile/Catalog.h"
#include "server/profile/ProfileService.h"

namespace fp {

void registerProfileRoutes(Router &router)
{
    // Load (and check) the catalog now, at start: a broken one stops the server here, not at
    // some user's first request.
    const Catalog &catalog = Catalog::shared();

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/catalog"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      .handler = [&catalog](RequestContext &) {
                          static const QJsonObject body = catalog.toJson();
                          // Changes only with a deploy: let clients and proxies keep it a while.
                          return HttpResponse::json(200, body).withHeader("Cache-Control",
                                                                          "public, max-age=300");
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/profile"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<Profile> profile = ProfileService().profile(ctx.caller->userId);
                          if (!profile)
                              return profile.error();
                          return HttpResponse::json(200, profileToJson(*profile));
                      }});

    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/profile"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<Profile> profile =
                              ProfileService().update(ctx.caller->userId, ctx.json);
                          if (!profile)
                              return profile.error();
                          return HttpResponse::json(200, profileToJson(*profile));
                      }});
}

} // namespace fp
