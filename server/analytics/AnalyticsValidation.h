#pragma once

// What POST /api/events accepts (API_SPEC "Analytics and privacy"): a batch of client events,
// checked as a whole so every bad field is named at once (e.g. "events[3].occurred_at").
// Pure: `now` is the server's clock.

#include "common/Result.h"
#include "server/analytics/AnalyticsTypes.h"

#include <QJsonValue>
#include <QList>

namespace fp::AnalyticsValidation {

constexpr int kMaxEventsPerBatch = 100;
constexpr int kMaxPropertiesBytes = 4096;
constexpr qint64 kMaxFutureSeconds = 24 * 3600;
constexpr qint64 kMaxPastSeconds = 30 * 24 * 3600;

Result<QList<AnalyticsEvent>> parseBatch(const QJsonValue &body, const QDateTime &now);

/// ?metric (admin::TimeSeries::metrics()), ?bucket (hour or day, default day), ?from and ?to
/// (RFC 3339, from before to, at most 1000 buckets); `from` is floored to its bucket.
Result<TimeSeriesQuery> parseTimeSeriesQuery(const QString &metric, const QString &bucket,
                                             const QString &from, const QString &to);
/// The start of the hour or day `t` falls in (UTC).
QDateTime floorTo(const QDateTime &t, const QString &bucket);

/// GET /api/admin/analytics/series: ?metric (AnalyticsMetrics), ?bucket (minute, hour, day,
/// week, month; dau/wau/mau only by day/week/month), ?from ?to (RFC 3339; minutes reach back
/// 2 days, hours 90), ?split (true: one series per dimension), ?dimension; at most 1000
/// buckets. `now` is the server's clock.
Result<SeriesQuery> parseSeriesQuery(const QString &metric, const QString &bucket,
                                     const QString &from, const QString &to, const QString &split,
                                     const QString &dimension, const QDateTime &now);
/// GET /api/admin/analytics/funnel: ?cohort_week (a date; its Monday-to-Sunday week) or ?from
/// and ?to (dates, to exclusive, at most 400 days apart); ?breakdown (region, age_range,
/// intention).
Result<FunnelQuery> parseFunnelQuery(const QString &cohortWeek, const QString &from,
                                     const QString &to, const QString &breakdown);
/// GET /api/admin/analytics/retention: ?from and ?to (dates: the sign-up weeks they fall in,
/// at most 104); by default the last 12 weeks.
Result<RetentionQuery> parseRetentionQuery(const QString &from, const QString &to,
                                           const QDate &today);
/// GET /api/admin/analytics/client-events: ?bucket (hour, day), ?from ?to, ?name, ?property
/// (needs a name).
Result<ClientEventsQuery> parseClientEventsQuery(const QString &bucket, const QString &from,
                                                 const QString &to, const QString &name,
                                                 const QString &property, const QDateTime &now);

} // namespace fp::AnalyticsValidation
