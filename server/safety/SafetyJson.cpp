#include "server/safety/SafetyJson.h"

#include "common/Time.h"
#include "server/safety/ReportPolicy.h"

namespace fp {

QJsonObject blockToJson(const BlockRecord &block)
{
    return QJsonObject {{QStringLiteral("id"), block.id},
                        {QStringLiteral("blocked_user_id"), block.shownId()},
                        {QStringLiteral("source"), block.source},
                        {QStringLiteral("created_at"), toWireTime(block.createdAt)}};
}

QJsonObject reportCreatedToJson(const ReportRecord &report)
{
    return QJsonObject {{QStringLiteral("id"), report.id},
                        {QStringLiteral("severity"), report.severity},
                        {QStringLiteral("status"), report.status}};
}

QJsonObject myReportToJson(const ReportRecord &report)
{
    return QJsonObject {{QStringLiteral("id"), report.id},
                        {QStringLiteral("reason_code"), report.reasonCode},
                        {QStringLiteral("severity"), report.severity},
                        {QStringLiteral("status"), report.status},
                        {QStringLiteral("outcome"), ReportPolicy::outcomeInWords(report.status)},
                        {QStringLiteral("created_at"), toWireTime(report.createdAt)},
                        {QStringLiteral("updated_at"), toWireTime(report.updatedAt)}};
}

QJsonObject staffAlertToJson(const StaffAlert &alert)
{
    return QJsonObject {{QStringLiteral("type"), QStringLiteral("staff.alert")},
                        {QStringLiteral("id"), alert.id},
                        {QStringLiteral("kind"), alert.kind},
                        {QStringLiteral("report_id"), alert.reportId},
                        {QStringLiteral("source"), alert.source},
                        {QStringLiteral("severity"), alert.severity},
                        {QStringLiteral("status"), alert.status},
                        {QStringLiteral("reason_code"), alert.reasonCode},
                        {QStringLiteral("at"), toWireTime(alert.at)}};
}

QJsonObject noticeToJson(const ModerationNotice &notice)
{
    return QJsonObject {
        {QStringLiteral("id"), notice.id},
        {QStringLiteral("kind"), notice.kind},
        {QStringLiteral("message"), notice.message},
        {QStringLiteral("restricted_until"),
         notice.restrictedUntil.isValid() ? QJsonValue(toWireTime(notice.restrictedUntil))
                                          : QJsonValue()},
        {QStringLiteral("created_at"), toWireTime(notice.createdAt)},
        {QStringLiteral("acknowledged_at"),
         notice.acknowledgedAt.isValid() ? QJsonValue(toWireTime(notice.acknowledgedAt))
                                         : QJsonValue()}};
}

} // namespace fp
