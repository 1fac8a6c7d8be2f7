#include "server/privacy/PrivacyValidation.h"

#include "server/base/Validation.h"

namespace fp::PrivacyValidation {

Result<QString> parseDeletion(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body.isUndefined() ? QJsonValue(QJsonObject()) : body, {"password"},
                        problems);
    // Required for an account with a password (IdentityService::confirmOwner says so); an
    // account without one (signed up with Google or Apple) confirms by a recent sign-in.
    const QJsonValue password = fields.value("password");
    if (!password.isUndefined() && !password.isNull() &&
        (!password.isString() || password.toString().size() > 128))
        fields.problem("password", QStringLiteral("required: your current password"));
    if (!problems.empty())
        return problems.error();
    return password.toString();
}

} // namespace fp::PrivacyValidation
