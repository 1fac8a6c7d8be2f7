#include "server/safety/SafetyValidation.h"

#include "server/base/Validation.h"
#include "server/safety/ReportPolicy.h"

namespace fp::SafetyValidation {

Result<QString> parseBlockedUserId(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"blocked_user_id"}, problems);
    const std::optional<QString> id = fields.id("blocked_user_id");
    if (!problems.empty() || !id)
        return problems.error();
    return *id;
}

Result<ReportInput> parseReport(const QJsonValue &body, const Catalog &catalog)
{
    Problems problems;
    ObjectReader fields(
        body, {"reported_user_id", "conversation_session_id", "reason_code", "details_text"},
        problems);
    if (!fields.isObject())
        return problems.error();
    ReportInput input;
    const auto given = [&fields](const char *name) {
        const QJsonValue v = fields.value(name);
        return !v.isUndefined() && !v.isNull();
    };
    if (given("reported_user_id"))
        input.reportedUserId = fields.id("reported_user_id").value_or(QString());
    if (given("conversation_session_id"))
        input.conversationSessionId = fields.id("conversation_session_id").value_or(QString());
    if (!given("reported_user_id") && !given("conversation_session_id"))
        fields.problem("reported_user_id",
                       QStringLiteral("is required unless conversation_session_id is given"));
    input.reasonCode =
        ReportPolicy::readReason(fields, catalog, Presence::Required).value_or(QString());
    input.detailsText = ReportPolicy::readDetails(fields).value_or(QString());
    if (!problems.empty())
        return problems.error();
    return input;
}

Result<ReportFilter> parseReportFilter(const QString &status, const QString &severity,
                                       const QString &minAgeMinutes, const QString &escalated,
                                       const QString &source, const QString &claimedBy,
                                       const QString &callerId)
{
    Problems problems;
    ReportFilter filter;
    static const QStringList statuses {QStringLiteral("open"), QStringLiteral("triaged"),
                                       QStringLiteral("actioned"), QStringLiteral("dismissed"),
                                       QStringLiteral("all")};
    if (!status.isEmpty() && !statuses.contains(status))
        problems.add(QStringLiteral("query.status"),
                     QStringLiteral("open, triaged, actioned, dismissed or all"));
    filter.status = status;
    static const QStringList severities {QStringLiteral("low"), QStringLiteral("medium"),
                                         QStringLiteral("high"), QStringLiteral("critical")};
    if (!severity.isEmpty() && !severities.contains(severity))
        problems.add(QStringLiteral("query.severity"),
                     QStringLiteral("low, medium, high or critical"));
    filter.severity = severity;
    if (!minAgeMinutes.isEmpty()) {
        bool ok = false;
        filter.minAgeMinutes = minAgeMinutes.toInt(&ok);
        if (!ok || filter.minAgeMinutes < 0 || filter.minAgeMinutes > 365 * 24 * 60)
            problems.add(QStringLiteral("query.min_age_minutes"),
                         QStringLiteral("must be an integer 0-%1").arg(365 * 24 * 60));
    }
    if (!escalated.isEmpty() && escalated != QLatin1String("true") &&
        escalated != QLatin1String("false"))
        problems.add(QStringLiteral("query.escalated"), QStringLiteral("true or false"));
    filter.escalatedOnly = escalated == QLatin1String("true");
    if (!source.isEmpty() && source != QLatin1String("report") && source != QLatin1String("rules"))
        problems.add(QStringLiteral("query.source"), QStringLiteral("report or rules"));
    filter.source = source;
    if (!claimedBy.isEmpty() && claimedBy != QLatin1String("me"))
        problems.add(QStringLiteral("query.claimed_by"), QStringLiteral("me"));
    filter.claimedBy = claimedBy.isEmpty() ? QString() : callerId;
    if (!problems.empty())
        return problems.error();
    return filter;
}

Result<int> parseMetricsWindow(const QString &windowHours)
{
    if (windowHours.isEmpty())
        return 168;
    bool ok = false;
    const int hours = windowHours.toInt(&ok);
    if (!ok || hours < 1 || hours > 2160) {
        Problems problems;
        problems.add(QStringLiteral("query.window_hours"), QStringLiteral("an integer 1-2160"));
        return problems.error();
    }
    return hours;
}

} // namespace fp::SafetyValidation
