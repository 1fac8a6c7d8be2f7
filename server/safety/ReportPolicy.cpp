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

} // namespace fp::ReportPolicy
