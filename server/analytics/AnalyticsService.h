#pragma once

// The analytics domain: client events (POST /api/events; a repeated event_id is stored once)
// and the staff time series. No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "server/analytics/AnalyticsRepository.h"

namespace fp {

class AnalyticsService
{
public:
    explicit AnalyticsService(const AnalyticsRepository &repository) : m_repository(repository) { }

    /// Stores the caller's batch; returns how many events were new.
    Result<int> record(const QString &userId, const QList<AnalyticsEvent> &events) const;
    /// One point per bucket from `query.from` to `query.to`; empty buckets are 0.
    Result<admin::TimeSeries> timeSeries(const TimeSeriesQuery &query) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }
    Status eraseFor(const QString &userId) const { return m_repository.anonymise(userId); }

private:
    const AnalyticsRepository &m_repository;
};

} // namespace fp
