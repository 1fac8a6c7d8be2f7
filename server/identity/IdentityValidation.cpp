#include "server/identity/IdentityValidation.h"

#include "server/base/Validation.h"
#include "server/identity/IdentityRules.h"
#include "server/profile/ProfileRules.h"

namespace fp::IdentityValidation {

namespace {

using IdentityRules::kPasswordMax;
// Fields whose length their own rule judges (an email's 254, a nickname's 2-32) are read
// without a bound of their own, so that rule names the problem.
constexpr qsizetype kUncheckedLength = 1 << 20;

/// A password as typed: never trimmed, any character (it is only ever hashed).
std::optional<QString> password(ObjectReader &fields, const char *name)
{
    const QJsonValue v = fields.value(name);
    if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty())) {
        fields.problem(name,
                       v.isString() ? QStringLiteral("must not be empty")
                                    : QStringLiteral("is required"));
        return std::nullopt;
    }
    if (!v.isString()) {
        fields.problem(name, QStringLiteral("must be a string"));
        return std::nullopt;
    }
    return v.toString();
}

std::optional<QString> tooLongPassword(ObjectReader &fields, const char *name)
{
    std::optional<QString> text = password(fields, name);
    if (text && validation::codePoints(*text) > kPasswordMax) {
        fields.problem(name, QStringLiteral("must be at most %1 characters").arg(kPasswordMax));
        return std::nullopt;
    }
    return text;
}

/// The email as typed, normalised; `check` adds the shape rules of registration.
std::optional<QString> email(ObjectReader &fields, bool check)
{
    const std::optional<QString> typed =
        fields.text("email", {.maxLength = kUncheckedLength, .trim = false});
    if (!typed)
        return std::nullopt;
    const QString normalised = IdentityRules::normaliseEmail(*typed);
    QString problem;
    if (check)
        problem = IdentityRules::emailProblem(normalised);
    else if (normalised.isEmpty())
        problem = QStringLiteral("must not be empty");
    else if (normalised.size() > IdentityRules::kEmailMax)
        problem = QStringLiteral("must be at most %1 characters").arg(IdentityRules::kEmailMax);
    if (!problem.isEmpty()) {
        fields.problem("email", problem);
        return std::nullopt;
    }
    return normalised;
}

/// The optional label a person gives the device a session is opened on (login, OIDC sign-in).
std::optional<QString> deviceLabel(ObjectReader &fields)
{
    return fields.text("device_label",
                       {.presence = Presence::Optional,
                        .minLength = 0,
                        .maxLength = kDeviceLabelMax,
                        .nullable = true});
}

} // namespace

Result<RegisterInput> parseRegister(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"email", "password", "nickname"}, problems);
    RegisterInput input;
    if (const auto e = email(fields, true))
        input.email = *e;
    if (const auto p = password(fields, "password")) {
        input.password = *p;
        QString problem = IdentityRules::passwordProblem(input.password);
        if (problem.isEmpty() && !input.email.isEmpty() && input.password.toLower() == input.email)
            problem = QStringLiteral("must not be your email address");
        if (!problem.isEmpty())
            fields.problem("password", problem);
    }
    if (const auto nickname = fields.text("nickname", {.maxLength = kUncheckedLength})) {
        input.nickname = *nickname;
        if (const QString problem = ProfileRules::nicknameProblem(input.nickname);
            !problem.isEmpty())
            fields.problem("nickname", problem);
    }
    if (!problems.empty())
        return problems.error();
    return input;
}

Result<LoginInput> parseLogin(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"email", "password", "device_label"}, problems);
    LoginInput input;
    if (const auto e = email(fields, false))
        input.email = *e;
    if (const auto p = tooLongPassword(fields, "password"))
        input.password = *p;
    if (const auto label = deviceLabel(fields))
        input.deviceLabel = *label;
    if (!problems.empty())
        return problems.error();
    return input;
}

Result<OidcInput> parseOidc(const QString &provider, const QJsonValue &body, bool forLinking)
{
    Problems problems;
    ObjectReader fields(
        body,
        forLinking ? QStringList {QStringLiteral("id_token"), QStringLiteral("nonce")}
                   : QStringList {QStringLiteral("id_token"), QStringLiteral("nonce"),
                                  QStringLiteral("nickname"), QStringLiteral("device_label")},
        problems);
    OidcInput input;
    input.provider = provider;
    // The token is checked whole by the verifier; only its size here.
    if (const auto token = fields.text(
            "id_token", {.policy = TextPolicy::SingleLine, .maxLength = 8192, .trim = false}))
        input.idToken = token->toLatin1();
    if (const auto nonce =
            fields.text("nonce", {.minLength = kNonceMin, .maxLength = kNonceMax, .trim = false}))
        input.nonce = *nonce;
    if (!forLinking) {
        if (const auto nickname = fields.text("nickname",
                                              {.presence = Presence::Optional,
                                               .minLength = 0,
                                               .maxLength = kUncheckedLength,
                                               .nullable = true})) {
            input.nickname = *nickname;
            if (!input.nickname.isEmpty())
                if (const QString problem = ProfileRules::nicknameProblem(input.nickname);
                    !problem.isEmpty())
                    fields.problem("nickname", problem);
        }
        if (const auto label = deviceLabel(fields))
            input.deviceLabel = *label;
    }
    if (!problems.empty())
        return problems.error();
    return input;
}

Result<QString> parseRefreshToken(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"refresh_token"}, problems);
    const std::optional<QString> token =
        fields.text("refresh_token", {.maxLength = kRefreshTokenMax, .trim = false});
    if (!problems.empty() || !token)
        return problems.error();
    return *token;
}

Result<PasswordChangeInput> parsePasswordChange(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"current_password", "new_password"}, problems);
    PasswordChangeInput input;
    if (const auto current = tooLongPassword(fields, "current_password"))
        input.currentPassword = *current;
    if (const auto next = password(fields, "new_password")) {
        input.newPassword = *next;
        QString problem = IdentityRules::passwordProblem(input.newPassword);
        if (problem.isEmpty() && input.newPassword == input.currentPassword)
            problem = QStringLiteral("must differ from the current password");
        if (!problem.isEmpty())
            fields.problem("new_password", problem);
    }
    if (!problems.empty())
        return problems.error();
    return input;
}

QString storedUserAgent(const QByteArray &header)
{
    const QString text =
        validation::withoutRefused(QString::fromUtf8(header), TextPolicy::SingleLine).trimmed();
    return validation::truncateCodePoints(text, kUserAgentMax);
}

} // namespace fp::IdentityValidation
