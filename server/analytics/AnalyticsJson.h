#pragma once

// Wire shapes of the product analytics routes (resources/openapi.yaml, "Analytics"): a
// suppressed cell is null with `suppressed: true`; times are RFC 3339 UTC, days YYYY-MM-DD.

#include "server/analytics/AnalyticsTypes.h"

#include <QJsonObject>

namespace fp::AnalyticsJson {

QJsonObject metrics();
QJsonObject series(const SeriesResult &result);
QJsonObject funnel(const FunnelResult &result);
QJsonObject retention(const RetentionResult &result);

} // namespace fp::AnalyticsJson
