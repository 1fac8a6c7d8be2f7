#pragma once

// The identity domain's wire shapes (API_SPEC "Identity"). Never a hash, a token of someone
// else, or another person's email.

#include "server/identity/IdentityTypes.h"

#include <QJsonObject>

namespace fp {

/// {user:{id, email, nickname, created_at}, access_token, refresh_token, token_type, expires_in}
QJsonObject issuedTokensToJson(const IssuedTokens &tokens);
/// {provider, created_at}
QJsonObject authIdentityToJson(const AuthIdentity &identity);
/// {id, device_label, ip_address, user_agent, created_at, last_used_at, current}
QJsonObject sessionToJson(const SessionRecord &session, const QString &currentSessionId);

} // namespace fp
