#include "server/analytics/AnalyticsService.h"

#include "server/events/Outbox.h"
#include "server/storage/Database.h"

namespace fp {

Result<int> AnalyticsService::record(const QString &userId,
                                     const QList<AnalyticsEvent> &events) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QList<AnalyticsEvent>> accepted = m_repository.insertEvents(userId, events);
    if (!accepted)
        return accepted.error();
    // One client.event per event stored now; a repeated event_id was announced the first time.
    for (const AnalyticsEvent &e : std::as_const(*accepted)) {
        if (Status recorded =
                Outbox::record({.type = event::ClientEvent,
                                .subjectType = QLatin1StringView("user"),
                                .subjectId = userId,
                                .actorUserId = userId,
                                .payload = {{QStringLiteral("name"), e.eventName},
                                            {QStringLiteral("properties"), e.properties}},
                                .occurredAt = e.occurredAt});
            !recorded)
            return recorded.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return int(accepted->size());
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
