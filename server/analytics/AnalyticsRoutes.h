#pragma once

// POST /api/events (API_SPEC "Analytics and privacy"): product analytics from clients.

#include "common/Result.h"
#include "server/analytics/AnalyticsRepository.h"

#include <QDateTime>
#include <QJsonValue>
#include <QList>

namespace fp {

class Router;

namespace analytics {
constexpr int kMaxEventsPerBatch = 100;
constexpr int kMaxPropertiesBytes = 4096;
constexpr qint64 kMaxFutureSeconds = 24 * 3600;
constexpr qint64 kMaxPastSeconds = 30 * 24 * 3600;

/// Parses and validates a batch as a whole: every bad field is named at once
/// (e.g. "events[3].occurred_at"). Pure: `now` is the server's clock.
Result<QList<AnalyticsEvent>> parseBatch(const QJsonValue &body, const QDateTime &now);
} // namespace analytics

void registerAnalyticsRoutes(Router &router);

} // namespace fp
