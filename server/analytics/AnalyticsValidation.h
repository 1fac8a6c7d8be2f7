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

} // namespace fp::AnalyticsValidation
