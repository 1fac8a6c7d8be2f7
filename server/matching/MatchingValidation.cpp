#include "server/matching/MatchingValidation.h"

#include "server/base/Validation.h"

#include <QRegularExpression>

namespace fp::MatchingValidation {

Result<QString> parseJoin(const QJsonValue &body)
{
    QString region = QStringLiteral("global");
    if (body.isUndefined() || body.isNull())
        return region;
    Problems problems;
    ObjectReader fields(body, {"region_key"}, problems);
    if (fields.has("region_key")) {
        static const QRegularExpression key(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,31}$"));
        const QJsonValue v = fields.value("region_key");
        if (!v.isString() || !key.match(v.toString()).hasMatch())
            fields.problem("region_key",
                           QStringLiteral("must be 1-32 of a-z, 0-9, _ and -, starting with a "
                                          "letter or digit"));
        else
            region = v.toString();
    }
    if (!problems.empty())
        return problems.error();
    return region;
}

} // namespace fp::MatchingValidation
