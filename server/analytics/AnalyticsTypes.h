#pragma once

// The analytics domain's data: one validated client event, and the staff time series' buckets.

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace fp {

/// One validated client event, ready to store.
struct AnalyticsEvent
{
    QString eventId; // the client's id, globally unique (uq_analytics_event_id)
    QString eventName;
    QDateTime occurredAt;
    QString sessionId; // empty: none
    QJsonObject properties;
};

/// Numerator and denominator of one time-series bucket (a count has denominator 1).
struct BucketValue
{
    double numerator = 0;
    double denominator = 0;
};

/// A validated GET /api/admin/analytics/timeseries.
struct TimeSeriesQuery
{
    QString metric; // one of admin::TimeSeries::metrics()
    QString bucket; // hour, day
    QDateTime from; // floored to the bucket
    QDateTime to;
};

} // namespace fp
