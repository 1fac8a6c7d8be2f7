#include "server/safety/SafetyRoutes.h"

#include "server/core/Router.h"
#include "server/friendship/FriendshipRoutes.h"
#include "server/safety/SafetyService.h"

#include <QUuid>

namespace fp {

namespace {

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
}

} // namespace

void registerSafetyRoutes(Router &router)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/blocks"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<QString> blocked = SafetyRules::parseBlockedUserId(ctx.json);
                          if (!blocked)
                              return blocked.error();
                          Result<BlockRecord> block =
                              SafetyService().block(ctx.caller->userId, *blocked);
                          if (!block)
                              return block.error();
                          return HttpResponse::json(201, blockToJson(*block));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/blocks"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<PageQuery> query = pageQuery(ctx);
                          if (!query)
                              return query.error();
                          Result<KeysetPage<BlockRecord>> page = SafetyService().blocks(
                              ctx.caller->userId, query->limit, query->after);
                          if (!page)
                              return page.error();
                          return pageResponse(*page, blockToJson);
                      }});

    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/blocks/{blocked_user_id}"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          const QString blocked = ctx.param(QStringLiteral("blocked_user_id"));
                          if (!isUuid(blocked))
                              return AppError::notFound(
                                  QStringLiteral("You have not blocked this user"));
                          Status lifted = SafetyService().unblock(ctx.caller->userId, blocked);
                          if (!lifted)
                              return lifted.error();
                          return HttpResponse::noContent();
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/reports"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<ReportInput> input = SafetyRules::parseReport(ctx.json);
                          if (!input)
                              return input.error();
                          Result<ReportRecord> report =
                              SafetyService().report(ctx.caller->userId, *input);
                          if (!report)
                              return report.error();
                          return HttpResponse::json(201, reportCreatedToJson(*report));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/reports/mine"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<PageQuery> query = pageQuery(ctx);
                          if (!query)
                              return query.error();
                          Result<KeysetPage<ReportRecord>> page = SafetyService().myReports(
                              ctx.caller->userId, query->limit, query->after);
                          if (!page)
                              return page.error();
                          return pageResponse(*page, myReportToJson);
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/panic-exit"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!isUuid(id))
                              return AppError::notFound(QStringLiteral("No such conversation"));
                          Result<PanicExitInput> input = SafetyRules::parsePanicExit(ctx.json);
                          if (!input)
                              return input.error();
                          Result<PanicExitResult> result =
                              SafetyService().panicExit(ctx.caller->userId, id, *input);
                          if (!result)
                              return result.error();
                          return HttpResponse::json(200, panicExitToJson(*result));
                      }});
}

} // namespace fp
