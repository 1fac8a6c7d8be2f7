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
                          return reply(engagement.todaysPrompt(ctx.caller->userId),
                                       todaysPromptToJson);
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
                          return reply(engagement.answerDailyPrompt(ctx.caller->userId, *input),
                                       dailyAnswerToJson, 201);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/weekly_intent"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          return reply(engagement.currentWeeklyIntent(ctx.caller->userId),
                                       weeklyIntentToJson);
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
                          return reply(engagement.setWeeklyIntent(ctx.caller->userId, *input),
                                       weeklyIntentToJson);
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/xp"),
                      .access = Access::User,
                      .handler = [&engagement](RequestContext &ctx) -> HttpResponse {
                          return reply(engagement.xp(ctx.caller->userId), xpSummaryToJson);
                      }});
}

} // namespace fp
