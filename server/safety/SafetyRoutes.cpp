#include "server/safety/SafetyRoutes.h"

#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/safety/SafetyJson.h"
#include "server/safety/SafetyService.h"
#include "server/safety/SafetyValidation.h"

namespace fp {

namespace {

template<typename T> HttpResponse staffReply(const Result<T> &result)
{
    if (!result)
        return result.error();
    return HttpResponse::json(200, result->toJson());
}

} // namespace

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
                          Result<BlockRecord> block = safety.block(ctx.caller->userId, *blocked);
                          if (!block)
                              return block.error();
                          return HttpResponse::json(201, blockToJson(*block));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/blocks"),
                      .access = Access::User,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const PageRequest<> page = keysetPageRequest(ctx, problems);
                          if (!problems.empty())
                              return problems.error();
                          Result<Page<BlockRecord>> blocks =
                              safety.blocks(ctx.caller->userId, page);
                          if (!blocks)
                              return blocks.error();
                          return HttpResponse::json(200, pageJson(*blocks, blockToJson));
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
                          Result<ReportRecord> report = safety.report(ctx.caller->userId, *input);
                          if (!report)
                              return report.error();
                          return HttpResponse::json(201, reportCreatedToJson(*report));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/reports/mine"),
                      .access = Access::User,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const PageRequest<> page = keysetPageRequest(ctx, problems);
                          if (!problems.empty())
                              return problems.error();
                          Result<Page<ReportRecord>> reports =
                              safety.myReports(ctx.caller->userId, page);
                          if (!reports)
                              return reports.error();
                          return HttpResponse::json(200, pageJson(*reports, myReportToJson));
                      }});

    router.add(
        Route {.method = "GET",
               .pattern = QStringLiteral("/api/admin/reports"),
               .access = Access::Moderator,
               .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                   Problems problems;
                   const PageRequest<int> page = offsetPageRequest(ctx, problems);
                   if (!problems.empty())
                       return problems.error();
                   Result<ReportFilter> filter = SafetyValidation::parseReportFilter(
                       queryText(ctx, "status"), queryText(ctx, "severity"),
                       queryText(ctx, "min_age_minutes"), queryText(ctx, "escalated"));
                   if (!filter)
                       return filter.error();
                   Result<Page<admin::Report, int>> reports = safety.reports(*filter, page);
                   if (!reports)
                       return reports.error();
                   return HttpResponse::json(
                       200, pageJson(*reports, [](const admin::Report &r) { return r.toJson(); }));
               }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/reports/{id}"),
                      .access = Access::Moderator,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return staffReply(
                              safety.reportDetail(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/admin/reports/{id}/claim"),
                      .access = Access::Moderator,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return staffReply(
                              safety.claim(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/admin/reports/{id}/action"),
                      .access = Access::Moderator,
                      .idempotent = true,
                      .handler = [&safety](RequestContext &ctx) -> HttpResponse {
                          return staffReply(
                              safety.act(*ctx.caller, ctx.param(QStringLiteral("id")),
                                         admin::ReportActionRequest::fromJson(ctx.jsonObject())));
                      }});
}

} // namespace fp
