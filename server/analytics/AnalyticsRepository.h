#pragma once

// All SQL of the analytics domain: the analytics_events stream (backend-proposal §13.G).

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
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

class AnalyticsRepository
{
public:
    /// Stores a batch with one multi-row INSERT IGNORE: events whose event_id is already stored
    /// (or repeated within the batch) are dropped. Returns how many rows were newly stored.
    Result<int> insertEvents(const QString &userId, const QList<AnalyticsEvent> &events) const;
};

} // namespace fp
