#pragma once

// What the safety routes accept (API_SPEC "Safety"), each body checked whole into its typed
// input, and the staff report queue's filter. Pure.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/safety/SafetyTypes.h"

#include <QJsonValue>

namespace fp {

class Catalog;

namespace SafetyValidation {
/// POST /api/blocks: {blocked_user_id}.
Result<QString> parseBlockedUserId(const QJsonValue &body);
/// POST /api/reports: {reported_user_id?, conversation_session_id?, reason_code, details_text?}
/// (one of the first two).
Result<ReportInput> parseReport(const QJsonValue &body, const Catalog &catalog);
/// GET /api/admin/reports: ?status, ?severity, ?min_age_minutes, ?escalated, ?source,
/// ?claimed_by (`me`, read as `callerId`).
Result<ReportFilter> parseReportFilter(const QString &status, const QString &severity,
                                       const QString &minAgeMinutes, const QString &escalated,
                                       const QString &source = {}, const QString &claimedBy = {},
                                       const QString &callerId = {});
/// GET /api/admin/reports/metrics: ?window_hours (1-2160, default 168).
Result<int> parseMetricsWindow(const QString &windowHours);
} // namespace SafetyValidation

} // namespace fp
