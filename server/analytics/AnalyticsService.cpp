#include "server/analytics/AnalyticsService.h"

namespace fp {

Result<int> AnalyticsService::record(const QString &userId,
                                     const QList<AnalyticsEvent> &events) const
{
    return m_repository.insertEvents(userId, events);
}

Result<admin::TimeSeries> AnalyticsService::timeSeries(const TimeSeriesQuery &query) const
{
    admin::TimeSeries series {query.metric, query.bucket, query.from, query.to, {}};
    Result<QMap<QDateTime, BucketValue>> values =
        m_repository.bucketed(query.metric, query.bucket, query.from, query.to);
    if (!values)
        return values.error();
    // Daily active users is a count; every other metric is a ratio of its two sums.
    const bool ratio = query.metric != QLatin1String("daily_active_users");
    const qint64 width = query.bucket == QLatin1String("hour") ? 3600 : 86400;
    for (QDateTime t = query.from; t < query.to; t = t.addSecs(width)) {
        const BucketValue v = values->value(t);
        const double value =
            ratio ? (v.denominator > 0 ? v.numerator / v.denominator : 0) : v.numerator;
        series.points.append({t, value});
    }
    return series;
}

} // namespace fp
