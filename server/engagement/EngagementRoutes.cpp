#include "server/engagement/EngagementRoutes.h"

#include "server/core/Router.h"
#include "server/engagement/EngagementService.h"

namespace fp {

void registerEngagementRoutes(Router &router)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/daily_prompts/today"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<TodaysPrompt> today =
                              EngagementService().todaysPrompt(ctx.caller->userId);
                          if (!today)
                              return today.error();
                          return HttpResponse::json(200, todaysPromptToJson(*today));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/daily_prompts/answers"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<DailyAnswerInput> input =
                              EngagementRules::parseDailyAnswer(ctx.json);
                          if (!input)
                              return input.error();
                          Result<DailyAnswerCreated> created =
                              EngagementService().answerDailyPrompt(ctx.caller->userId, *input);
                          if (!created)
                              return created.error();
                          return HttpResponse::json(201, dailyAnswerToJson(*created));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/weekly_intent"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<WeeklyIntentRecord> intent =
                              EngagementService().currentWeeklyIntent(ctx.caller->userId);
                          if (!intent)
                              return intent.error();
                          return HttpResponse::json(200, weeklyIntentToJson(*intent));
                      }});

    // An upsert of one row per week: repeating it is harmless, so no Idempotency-Key needed.
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/weekly_intent"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<WeeklyIntentInput> input = EngagementRules::parseWeeklyIntent(
                              ctx.json, QDateTime::currentDateTimeUtc().date());
                          if (!input)
                              return input.error();
                          Result<WeeklyIntentRecord> stored =
                              EngagementService().setWeeklyIntent(ctx.caller->userId, *input);
                          if (!stored)
                              return stored.error();
                          return HttpResponse::json(200, weeklyIntentToJson(*stored));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/xp"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<XpSummary> xp = EngagementService().xp(ctx.caller->userId);
                          if (!xp)
                              return xp.error();
                          return HttpResponse::json(200, xpSummaryToJson(*xp));
                      }});
}

} // namespace fp
