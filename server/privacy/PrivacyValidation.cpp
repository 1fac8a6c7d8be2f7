#include "server/privacy/PrivacyValidation.h"

#include "server/base/Validation.h"

namespace fp::PrivacyValidation {

Result<QString> parseDeletion(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body.isUndefined() ? QJsonValue(QJsonObject()) : body, {"password"},
                        problems);
    const QJsonValue password = fields.value("password");
    if (!password.isString() || password.toString().isEmpty() || password.toString().size() > 128)
        fields.problem("password", QStringLiteral("required: your current password"));
    if (!problems.empty())
        return problems.error();
    return password.toString();
}

} // namespace fp::PrivacyValidation
