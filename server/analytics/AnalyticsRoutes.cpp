#include "server/analytics/AnalyticsRoutes.h"

#include "server/analytics/AnalyticsJson.h"
#include "server/analytics/AnalyticsService.h"
#include "server/analytics/AnalyticsValidation.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"

namespace fp {

void registerAnalyticsRoutes(Router &router, const AnalyticsService &analytics)
{
    router.add(Route {
        .method = "POST",
        .pattern = QStringLiteral("/api/events"),
        .access = Access::User,
        .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
            Result<QList<AnalyticsEvent>> events =
                AnalyticsValidation::parseBatch(ctx.json, QDateTime::currentDateTimeUtc());
            if (!events)
                return events.error();
            Result<int> accepted = analytics.record(ctx.caller->userId, *events);
            if (!accepted)
                return accepted.error();
            return HttpResponse::json(202, QJsonObject {{QStringLiteral("accepted"), *accepted}});
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/timeseries"),
                      .access = Access::Analytics,
                      .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
                          Result<TimeSeriesQuery> query = AnalyticsValidation::parseTimeSeriesQuery(
                              queryText(ctx, "metric"), queryText(ctx, "bucket"),
                              queryText(ctx, "from"), queryText(ctx, "to"));
                          if (!query)
                              return query.error();
                          Result<admin::TimeSeries> series = analytics.timeSeries(*query);
                          if (!series)
                              return series.error();
                          return HttpResponse::json(200, series->toJson());
                      }});

    // Product analytics from the rollups (docs/analytics.md): analysts, moderators, admins.
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/metrics"),
                      .access = Access::Analytics,
                      .handler = [](RequestContext &) -> HttpResponse {
                          return HttpResponse::json(200, AnalyticsJson::metrics());
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/series"),
                      .access = Access::Analytics,
                      .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
                          Result<SeriesQuery> query = AnalyticsValidation::parseSeriesQuery(
                              queryText(ctx, "metric"), queryText(ctx, "bucket"),
                              queryText(ctx, "from"), queryText(ctx, "to"), queryText(ctx, "split"),
                              queryText(ctx, "dimension"), QDateTime::currentDateTimeUtc());
                          if (!query)
                              return query.error();
                          Result<SeriesResult> series = analytics.series(*query);
                          if (!series)
                              return series.error();
                          return HttpResponse::json(200, AnalyticsJson::series(*series));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/funnel"),
                      .access = Access::Analytics,
                      .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
                          Result<FunnelQuery> query = AnalyticsValidation::parseFunnelQuery(
                              queryText(ctx, "cohort_week"), queryText(ctx, "from"),
                              queryText(ctx, "to"), queryText(ctx, "breakdown"));
                          if (!query)
                              return query.error();
                          Result<FunnelResult> funnel = analytics.funnel(*query);
                          if (!funnel)
                              return funnel.error();
                          return HttpResponse::json(200, AnalyticsJson::funnel(*funnel));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/retention"),
                      .access = Access::Analytics,
                      .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
                          Result<RetentionQuery> query = AnalyticsValidation::parseRetentionQuery(
                              queryText(ctx, "from"), queryText(ctx, "to"),
                              QDateTime::currentDateTimeUtc().date());
                          if (!query)
                              return query.error();
                          Result<RetentionResult> cohorts = analytics.retention(*query);
                          if (!cohorts)
                              return cohorts.error();
                          return HttpResponse::json(200, AnalyticsJson::retention(*cohorts));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/analytics/client-events"),
                      .access = Access::Analytics,
                      .handler = [&analytics](RequestContext &ctx) -> HttpResponse {
                          Result<ClientEventsQuery> query =
                              AnalyticsValidation::parseClientEventsQuery(
                                  queryText(ctx, "bucket"), queryText(ctx, "from"),
                                  queryText(ctx, "to"), queryText(ctx, "name"),
                                  queryText(ctx, "property"), QDateTime::currentDateTimeUtc());
                          if (!query)
                              return query.error();
                          Result<SeriesResult> events = analytics.clientEvents(*query);
                          if (!events)
                              return events.error();
                          return HttpResponse::json(200, AnalyticsJson::series(*events));
                      }});
}

} // namespace fp
