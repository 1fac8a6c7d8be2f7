#include "server/safety/SafetyRoutes.h"

#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/safety/SafetyJson.h"
#include "server/safety/SafetyService.h"
#include "server/safety/SafetyValidation.h"

#include <QJsonArray>

namespace fp {

void registerSafetyRoutes(Router &router, const SafetyService &safety, const Catalog &catalog)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/blocks"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          Result<QString> blocked = SafetyValidation::parseBlockedUserId(ctx.json);
                          if (!blocked)
                              return blocked.error();
                          return reply(safety.block(ctx.caller->userId, *blocked), blockToJson,
                                       201);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/blocks"),
                      .access = Access::User,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return keysetList(
                              ctx,
                              [&](const PageRequest<> &page) {
                                  return safety.blocks(ctx.caller->userId, page);
                              },
                              blockToJson);
                      }});

    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/blocks/{blocked_user_id}"),
                      .access = Access::User,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          const QString blocked = ctx.param(QStringLiteral("blocked_user_id"));
                          if (!validation::isUuid(blocked))
                              return AppError::notFound(
                                  QStringLiteral("You have not blocked this user"));
                          if (Status lifted = safety.unblock(ctx.caller->userId, blocked); !lifted)
                              return lifted.error();
                          return HttpResponse::noContent();
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/reports"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&safety, &catalog](RequestContext &ctx) -> HttpResponse {
                          Result<ReportInput> input =
                              SafetyValidation::parseReport(ctx.json, catalog);
                          if (!input)
                              return input.error();
                          return reply(safety.report(ctx.caller->userId, *input),
                                       reportCreatedToJson, 201);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/reports/mine"),
                      .access = Access::User,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return keysetList(
                              ctx,
                              [&](const PageRequest<> &page) {
                                  return safety.myReports(ctx.caller->userId, page);
                              },
                              myReportToJson);
                      }});

    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/admin/reports"),
        .access = Access::Moderator,
        .handler = [&safety](RequestContext &ctx) -> HttpResponse {
            return offsetList(
                ctx, [&](const PageRequest<int> &page) -> Result<Page<admin::Report, int>> {
                    Result<ReportFilter> filter = SafetyValidation::parseReportFilter(
                        queryText(ctx, "status"), queryText(ctx, "severity"),
                        queryText(ctx, "min_age_minutes"), queryText(ctx, "escalated"),
                        queryText(ctx, "source"), queryText(ctx, "claimed_by"), ctx.caller->userId);
                    if (!filter)
                        return filter.error();
                    return safety.reports(*filter, page);
                });
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/reports/metrics"),
                      .access = Access::Moderator,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          Result<int> window =
                              SafetyValidation::parseMetricsWindow(queryText(ctx, "window_hours"));
                          if (!window)
                              return window.error();
                          return reply(safety.reportMetrics(*window));
                      }});

    router.add(
        Route {.method = "GET",
               .pattern = QStringLiteral("/api/me/notices"),
               .access = Access::User,
               .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                   const QString pending = queryText(ctx, "pending");
                   if (!pending.isEmpty() && pending != QLatin1String("true") &&
                       pending != QLatin1String("false"))
                       return AppError::validation(
                           {{QStringLiteral("query.pending"), QStringLiteral("true or false")}});
                   Result<QList<ModerationNotice>> notices =
                       safety.notices(ctx.caller->userId, pending == QLatin1String("true"));
                   if (!notices)
                       return notices.error();
                   QJsonArray items;
                   for (const ModerationNotice &n : std::as_const(*notices))
                       items.append(noticeToJson(n));
                   return HttpResponse::json(200, QJsonObject {{QStringLiteral("items"), items}});
               }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/me/notices/{id}/ack"),
                      .access = Access::User,
                      .takesNoBody = true,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return reply(safety.acknowledgeNotice(ctx.caller->userId,
                                                                ctx.param(QStringLiteral("id"))),
                                       noticeToJson);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/reports/{id}"),
                      .access = Access::Moderator,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return reply(
                              safety.reportDetail(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/admin/reports/{id}/claim"),
                      .access = Access::Moderator,
                      .takesNoBody = true,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return reply(safety.claim(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/admin/reports/{id}/action"),
                      .access = Access::Moderator,
                      .idempotent = true,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          Result<admin::ReportActionRequest> request =
                              admin::readRequest<admin::ReportActionRequest>(ctx.jsonObject());
                          if (!request)
                              return request.error();
                          return reply(
                              safety.act(*ctx.caller, ctx.param(QStringLiteral("id")), *request));
                      }});
}

} // namespace fp
