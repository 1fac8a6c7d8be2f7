#include "server/identity/IdentityJson.h"

#include "common/Time.h"

namespace fp {

namespace {

QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

} // namespace

QJsonObject issuedTokensToJson(const IssuedTokens &tokens)
{
    return {{QStringLiteral("user"),
             QJsonObject {{QStringLiteral("id"), tokens.user.id},
                          {QStringLiteral("email"), tokens.user.email},
                          {QStringLiteral("nickname"), tokens.user.nickname},
                          {QStringLiteral("created_at"), toWireTime(tokens.user.createdAt)}}},
            {QStringLiteral("access_token"), tokens.accessToken},
            {QStringLiteral("refresh_token"), tokens.refreshToken},
            {QStringLiteral("token_type"), QStringLiteral("Bearer")},
            {QStringLiteral("expires_in"), tokens.expiresIn}};
}

QJsonObject authIdentityToJson(const AuthIdentity &identity)
{
    return {{QStringLiteral("provider"), identity.provider},
            {QStringLiteral("created_at"), toWireTime(identity.createdAt)}};
}

QJsonObject sessionToJson(const SessionRecord &session, const QString &currentSessionId)
{
    return {{QStringLiteral("id"), session.id},
            {QStringLiteral("device_label"), nullable(session.deviceLabel)},
            {QStringLiteral("ip_address"), nullable(session.ipAddress)},
            {QStringLiteral("user_agent"), nullable(session.userAgent)},
            {QStringLiteral("created_at"), toWireTime(session.createdAt)},
            {QStringLiteral("last_used_at"), toWireTime(session.lastUsedAt)},
            {QStringLiteral("current"), session.id == currentSessionId}};
}

} // namespace fp
