#pragma once

// All SQL of the analytics domain: the analytics_events stream (backend-proposal §13.G), and
// the staff time series, which today are computed by scanning other domains' tables (the reads
// named in docs/architecture.md; rollups maintained from the event stream replace them).

#include "common/Result.h"
#include "server/analytics/AnalyticsTypes.h"

#include <QJsonObject>
#include <QList>
#include <QMap>

namespace fp {

class AnalyticsRepository
{
public:
    /// Stores a batch with one multi-row INSERT IGNORE: events whose event_id is already stored
    /// (or repeated within the batch) are dropped. Returns the events newly stored, in batch
    /// order. Run it in a transaction: it reads back what it stored.
    Result<QList<AnalyticsEvent>> insertEvents(const QString &userId,
                                               const QList<AnalyticsEvent> &events) const;
    /// One metric (a name of admin::TimeSeries::metrics()) per bucket start ("hour", "day").
    Result<QMap<QDateTime, BucketValue>> bucketed(const QString &metric, const QString &bucket,
                                                  const QDateTime &from, const QDateTime &to) const;

    /// Adds `counts` (events per type and hour) to analytics_event_counts, in key order so two
    /// consumers adding to the same rows at once cannot deadlock.
    Status addEventCounts(const QMap<QPair<QString, QDateTime>, qint64> &counts) const;

    /// {analytics_events}: the person's events for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// Unlinks the person from their events (product analytics stay, anonymous).
    Status anonymise(const QString &userId) const;
};

} // namespace fp
