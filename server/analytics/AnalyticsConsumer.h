#pragma once

// The analytics domain's consumer of the event stream (docs/events.md): counts every event by
// type and hour into analytics_event_counts, and keeps the product analytics rollups
// (AnalyticsRollups, docs/analytics.md). An event of a type it knows at a version newer than
// it understands is refused (and so, after its deliveries, parked for an admin to look at)
// rather than counted as something it may not be.

#include "server/analytics/AnalyticsRepository.h"
#include "server/analytics/AnalyticsRollups.h"
#include "server/events/EventConsumer.h"

namespace fp {

class AnalyticsConsumer : public EventConsumer
{
public:
    explicit AnalyticsConsumer(const AnalyticsRepository &repository)
        : m_repository(repository), m_rollups(repository)
    { }

    QByteArray group() const override { return QByteArrayLiteral("analytics"); }
    bool wants(const QString &) const override { return true; }
    Status apply(const QList<StreamEvent> &events) override;

private:
    const AnalyticsRepository &m_repository;
    AnalyticsRollups m_rollups;
};

} // namespace fp
