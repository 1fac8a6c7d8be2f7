#include "server/matching/MatchingRoutes.h"

#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/matching/MatchingJson.h"
#include "server/matching/MatchingService.h"
#include "server/matching/MatchingValidation.h"

namespace fp {

void registerMatchingRoutes(Router &router, const MatchingService &matching)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/matching/queue/join"),
                      .access = Access::Participant,
                      .idempotent = true,
                      .handler = [&matching](RequestContext &ctx) -> HttpResponse {
                          Result<QString> region = MatchingValidation::parseJoin(ctx.json);
                          if (!region)
                              return region.error();
                          return reply(matching.join(*ctx.caller, *region), queueEntryToJson, 202);
                      }});
    router.add(
        Route {.method = "POST",
               .pattern = QStringLiteral("/api/matching/queue/leave"),
               .access = Access::User,
               .takesNoBody = true,
               .handler = [&matching](RequestContext &ctx) -> HttpResponse {
                   const Result<bool> left = matching.leave(ctx.caller->userId);
                   if (!left)
                       return left.error();
                   if (!*left)
                       return AppError::notFound(QStringLiteral("You are not in the queue"));
                   return HttpResponse::json(
                       200, QJsonObject {{QStringLiteral("status"), QStringLiteral("cancelled")}});
               }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/matching/queue/status"),
                      .access = Access::User,
                      .handler = [&matching](RequestContext &ctx) -> HttpResponse {
                          return reply(matching.status(ctx.caller->userId), queueStatusToJson);
                      }});
    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/matching/session/{id}"),
        .access = Access::User,
        .handler = [&matching](RequestContext &ctx) -> HttpResponse {
            const Result<MatchSessionView> session =
                matching.session(*ctx.caller, ctx.param(QStringLiteral("id")));
            if (!session)
                return session.error();
            return HttpResponse::json(
                200, matchSessionToJson(session->match, ctx.caller->userId, session->revealedPeer));
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/queue/metrics"),
                      .access = Access::Analytics,
                      .handler = [&matching](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const int window =
                              queryInteger(ctx, "window_minutes", 60, 1, 24 * 60, problems);
                          if (!problems.empty())
                              return problems.error();
                          return reply(matching.queueMetrics(window));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/queue/metrics/history"),
                      .access = Access::Analytics,
                      .handler = [&matching](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const int minutes =
                              queryInteger(ctx, "minutes", 60, 1, 24 * 60, problems);
                          const int step = queryInteger(ctx, "step_minutes", 1, 1, 60, problems);
                          if (problems.empty() && minutes / step > 1440)
                              problems.add(QStringLiteral("query.step_minutes"),
                                           QStringLiteral("at most 1440 steps"));
                          if (!problems.empty())
                              return problems.error();
                          return reply(matching.queueHistory(minutes, step));
                      }});
}

} // namespace fp
