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

QString ruleItemSeverity(const QString &label, bool blocked)
{
    static const QStringList high {
        QStringLiteral("threat"),     QStringLiteral("hate"),
        QStringLiteral("harassment"), QStringLiteral("sexual_solicitation"),
        QStringLiteral("self_harm"),  kRepeatedBlocksReason};
    static const QStringList medium {QStringLiteral("violence"), QStringLiteral("scam")};
    if (blocked || high.contains(label))
        return QStringLiteral("high");
    if (medium.contains(label))
        return QStringLiteral("medium");
    return QStringLiteral("low");
}

QString outcomeInWords(const QString &status)
{
    if (status == QLatin1String("triaged"))
        return QStringLiteral("A moderator is looking at your report.");
    if (status == QLatin1String("actioned"))
        return QStringLiteral("We reviewed your report and took action. Thank you for telling us.");
    if (status == QLatin1String("dismissed"))
        return QStringLiteral("We reviewed your report and found no rule was broken. Thank you "
                              "for telling us.");
    return QStringLiteral("We have your report and a moderator will look at it soon.");
}

} // namespace fp::ReportPolicy
