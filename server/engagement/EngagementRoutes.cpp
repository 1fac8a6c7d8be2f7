#include "server/engagement/EngagementRoutes.h"

#include "server/engagement/EngagementJson.h"
#include "server/engagement/EngagementService.h"
#include "server/engagement/EngagementValidation.h"
#include "server/http/Router.h"

namespace fp {

void registerEngagementRoutes(Router &router, const EngagementService &engagement)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/daily_prompts/today"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          Result<TodaysPrompt> today = engagement.todaysPrompt(ctx.caller->userId);
                          if (!today)
                              return today.error();
                          return HttpResponse::json(200, todaysPromptToJson(*today));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/daily_prompts/answers"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          Result<DailyAnswerInput> input =
                              EngagementValidation::parseDailyAnswer(ctx.json);
                          if (!input)
                              return input.error();
                          Result<DailyAnswerCreated> created =
                              engagement.answerDailyPrompt(ctx.caller->userId, *input);
                          if (!created)
                              return created.error();
                          return HttpResponse::json(201, dailyAnswerToJson(*created));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/weekly_intent"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          Result<WeeklyIntentRecord> intent =
                              engagement.currentWeeklyIntent(ctx.caller->userId);
                          if (!intent)
                              return intent.error();
                          return HttpResponse::json(200, weeklyIntentToJson(*intent));
                      }});

    // An upsert of one row per week: repeating it is harmless, so no Idempotency-Key needed.
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/weekly_intent"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          Result<WeeklyIntentInput> input = EngagementValidation::parseWeeklyIntent(
                              ctx.json, QDateTime::currentDateTimeUtc().date());
                          if (!input)
                              return input.error();
                          Result<WeeklyIntentRecord> stored =
                              engagement.setWeeklyIntent(ctx.caller->userId, *input);
                          if (!stored)
                              return stored.error();
                          return HttpResponse::json(200, weeklyIntentToJson(*stored));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/xp"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          Result<XpSummary> xp = engagement.xp(ctx.caller->userId);
                          if (!xp)
                              return xp.error();
                          return HttpResponse::json(200, xpSummaryToJson(*xp));
                      }});
}

} // namespace fp
