#include "server/safety/SafetyJson.h"

#include "common/Time.h"

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
                        {QStringLiteral("created_at"), toWireTime(report.createdAt)},
                        {QStringLiteral("updated_at"), toWireTime(report.updatedAt)}};
}

} // namespace fp
