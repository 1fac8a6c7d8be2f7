#include "server/safety/ReportPolicy.h"

#include <QStringList>

namespace fp::ReportPolicy {

int severityRank(const QString &severity)
{
    static const QStringList order {QStringLiteral("low"), QStringLiteral("medium"),
                                    QStringLiteral("high"), QStringLiteral("critical")};
    return int(order.indexOf(severity));
}

QString moreSevere(const QString &a, const QString &b)
{
    return severityRank(b) > severityRank(a) ? b : a;
}

std::optional<QString> severityFor(const QString &reasonCode, const Catalog &catalog)
{
    return catalog.reportSeverity(reasonCode);
}

QString panicExitSeverity(const QString &reasonCode, const Catalog &catalog)
{
    const std::optional<QString> own =
        reasonCode.isEmpty() ? std::optional<QString>() : catalog.reportSeverity(reasonCode);
    return moreSevere(own.value_or(kPanicExitFloor), kPanicExitFloor);
}

std::optional<QString> readReason(ObjectReader &fields, const Catalog &catalog, Presence presence)
{
    const QJsonValue v = fields.value("reason_code");
    if (v.isUndefined() || v.isNull()) {
        if (presence == Presence::Required)
            fields.problem("reason_code", QStringLiteral("is required"));
        return std::nullopt;
    }
    if (!v.isString() || !catalog.containsReportReason(v.toString())) {
        fields.problem("reason_code",
                       QStringLiteral("must be a report reason of GET /api/catalog"));
        return std::nullopt;
    }
    return v.toString();
}

std::optional<QString> readDetails(ObjectReader &fields)
{
    return fields.text("details_text",
                       {.presence = Presence::Optional,
                        .policy = TextPolicy::MultiLine,
                        .minLength = 0,
                        .maxLength = kMaxDetailsLength,
                        .nullable = true});
}

} // namespace fp::ReportPolicy
