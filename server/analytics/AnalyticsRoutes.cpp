#include "server/analytics/AnalyticsRoutes.h"

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
                      .access = Access::Moderator,
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
}

} // namespace fp
