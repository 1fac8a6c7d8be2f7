#pragma once

// What the identity routes accept (API_SPEC "Identity"), each body checked whole into its
// typed input (every bad field named at once). Pure.

#include "common/Result.h"
#include "server/identity/IdentityTypes.h"

#include <QJsonValue>

namespace fp::IdentityValidation {

inline constexpr int kDeviceLabelMax = 100;
inline constexpr int kUserAgentMax = 512;
inline constexpr int kRefreshTokenMax = 512;

/// {email, password, nickname}
Result<RegisterInput> parseRegister(const QJsonValue &body);
/// {email, password, device_label?}
Result<LoginInput> parseLogin(const QJsonValue &body);
/// {refresh_token} (refresh and logout)
Result<QString> parseRefreshToken(const QJsonValue &body);
/// {current_password, new_password}
Result<PasswordChangeInput> parsePasswordChange(const QJsonValue &body);
inline constexpr int kNonceMin = 16;
inline constexpr int kNonceMax = 256;
/// {id_token, nonce, nickname?, device_label?} for `provider` (sign-in); with `forLinking`,
/// {id_token, nonce} only.
Result<OidcInput> parseOidc(const QString &provider, const QJsonValue &body, bool forLinking);
/// A client's User-Agent as stored with its session: invalid UTF-8 replaced, control and
/// invisible characters dropped, bounded.
QString storedUserAgent(const QByteArray &header);

} // namespace fp::IdentityValidation
