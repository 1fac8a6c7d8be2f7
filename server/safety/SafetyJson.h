#pragma once

// The safety domain's wire shapes (API_SPEC "Safety"). A reporter never sees the reported
// person's data, and nobody learns who reported them.

#include "server/safety/SafetyTypes.h"

#include <QJsonObject>

namespace fp {

QJsonObject blockToJson(const BlockRecord &block);
/// {id, severity, status}: what the reporter is told when filing.
QJsonObject reportCreatedToJson(const ReportRecord &report);
/// {id, reason_code, severity, status, outcome, created_at, updated_at}: never the reported
/// user.
QJsonObject myReportToJson(const ReportRecord &report);
/// The `staff.alert` frame: codes and ids, never what anyone wrote.
QJsonObject staffAlertToJson(const StaffAlert &alert);
/// {id, kind, message, restricted_until, created_at, acknowledged_at}: GET /api/me/notices and
/// the `moderation.notice` frame's `notice`.
QJsonObject noticeToJson(const ModerationNotice &notice);

} // namespace fp
