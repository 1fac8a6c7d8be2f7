#pragma once

// The identity domain's rules: what an email and a password must be, how refresh tokens look
// and are stored. Pure (the common-password list is data shipped in the binary).

#include <QString>

namespace fp {

namespace IdentityRules {
inline constexpr int kPasswordMin = 12;
inline constexpr int kPasswordMax = 128;
inline constexpr int kEmailMax = 254;
inline constexpr int kSessionDays = 30;

/// Trimmed and lowercased.
QString normaliseEmail(const QString &email);
/// Empty when acceptable, else what is wrong (for details.fields).
QString emailProblem(const QString &normalisedEmail);
QString passwordProblem(const QString &password);
/// In resources/common-passwords.txt (compared lowercased).
bool isCommonPassword(const QString &password);

/// A new opaque refresh token: "rt_" + 256 random bits in base64url.
QString newRefreshToken();
/// What is stored of it: hex SHA-256.
QString hashRefreshToken(const QString &token);
} // namespace IdentityRules

} // namespace fp
