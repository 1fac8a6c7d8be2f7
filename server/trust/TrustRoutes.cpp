#include "server/trust/TrustRoutes.h"

#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/trust/TrustJson.h"
#include "server/trust/TrustService.h"

namespace fp {

void registerTrustRoutes(Router &router, const TrustService &trust)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/trust_score/{user_id}"),
                      .access = Access::User,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          return reply(
                              trust.scoreFor(*ctx.caller, ctx.param(QStringLiteral("user_id"))),
                              trustScoreToJson);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-score"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          Result<TrustScoreView> view =
                              trust.scoreFor(*ctx.caller, ctx.param(QStringLiteral("id")));
                          if (!view)
                              return view.error();
                          return HttpResponse::json(200, staffTrustScore(*view).toJson());
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-events"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          return offsetList(ctx, [&](const PageRequest<int> &page) {
                              return trust.ledgerPage(ctx.param(QStringLiteral("id")), page);
                          });
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}/trust-history"),
                      .access = Access::Moderator,
                      .handler = [&trust](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          QDateTime from = queryTime(ctx, "from", problems);
                          QDateTime to = queryTime(ctx, "to", problems);
                          if (!to.isValid())
                              to = QDateTime::currentDateTimeUtc();
                          if (!from.isValid())
                              from = to.addDays(-90);
                          if (problems.empty() && from >= to)
                              problems.add(QStringLiteral("query.to"),
                                           QStringLiteral("must be after from"));
                          if (!problems.empty())
                              return problems.error();
                          Result<admin::TimeSeries> series =
                              trust.history(ctx.param(QStringLiteral("id")), from, to);
                          if (!series)
                              return series.error();
                          return HttpResponse::json(200, series->toJson());
                      }});
}

} // namespace fp
