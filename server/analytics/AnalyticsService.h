#pragma once

// The analytics domain: client events (POST /api/events; a repeated event_id is stored once),
// the legacy staff time series, and product analytics read from the rollups the consumer keeps
// (docs/analytics.md): series per metric, the funnel, retention cohorts, the client events
// explorer; the rebuild of every rollup from the kept events. No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "server/analytics/AnalyticsRepository.h"
#include "server/analytics/AnalyticsRollups.h"

namespace fp {

class AnalyticsService
{
public:
    AnalyticsService(const AnalyticsRepository &repository, int minCell = 5)
        : m_repository(repository), m_rollups(repository), m_minCell(minCell)
    { }

    /// Stores the caller's batch; returns how many events were new.
    Result<int> record(const QString &userId, const QList<AnalyticsEvent> &events) const;
    /// One point per bucket from `query.from` to `query.to`; empty buckets are 0.
    Result<admin::TimeSeries> timeSeries(const TimeSeriesQuery &query) const;

    /// One metric per bucket, from the rollups; cells under the minimum are suppressed.
    Result<SeriesResult> series(const SeriesQuery &query) const;
    Result<FunnelResult> funnel(const FunnelQuery &query) const;
    Result<RetentionResult> retention(const RetentionQuery &query) const;
    Result<SeriesResult> clientEvents(const ClientEventsQuery &query) const;

    /// Recomputes every rollup from the kept events the consumer has applied (and, for people
    /// who signed up before the first kept event, from the accounts), in one transaction that
    /// live updates wait for. Returns how many events were replayed.
    Result<qint64> rebuild() const;
    /// The analytics_retention job.
    Result<int> purgeRollups(const QDateTime &now) const { return m_repository.purgeRollups(now); }

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }
    /// Unlinks the person from their client events, and puts a pseudonym for them in the
    /// rollups (in the deletion's transaction).
    Status eraseFor(const QString &userId) const
    {
        if (Status s = m_repository.anonymise(userId); !s)
            return s;
        return m_repository.pseudonymise(userId);
    }

    int minCell() const { return m_minCell; }

private:
    const AnalyticsRepository &m_repository;
    AnalyticsRollups m_rollups;
    int m_minCell;
};

} // namespace fp
