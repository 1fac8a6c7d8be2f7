#pragma once

// The identity domain's rules: what an email and a password must be, how refresh tokens look
// and are stored. Pure, but for the common-password list, which is read once at start.

#include "common/Result.h"

#include <QSet>
#include <QString>

namespace fp {

/// Passwords too common to accept (resources/common-passwords.txt, from
/// scripts/update-common-passwords). A password matches case-insensitively, as written or
/// without its trailing digits and symbols: "Password123456!" is "password".
class CommonPasswords
{
public:
    /// The list built into the binary.
    static QString builtInPath() { return QStringLiteral(":/resources/common-passwords.txt"); }
    /// One entry a line; lines starting with # are comments. An unreadable or empty list is an
    /// error: refusing nothing must not pass for a check.
    static Result<CommonPasswords> fromFile(const QString &path);

    explicit CommonPasswords(QSet<QString> lowercaseEntries = {})
        : m_entries(std::move(lowercaseEntries))
    { }
    bool contains(const QString &password) const;
    qsizetype size() const { return m_entries.size(); }

private:
    QSet<QString> m_entries;
};

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
/// Whether the list in use (useCommonPasswords) has the password.
bool isCommonPassword(const QString &password);
/// Sets the list passwordProblem() refuses from: once, at start, before any request is served.
void useCommonPasswords(CommonPasswords list);

/// A new opaque refresh token: "rt_" + 256 random bits in base64url.
QString newRefreshToken();
/// What is stored of it: hex SHA-256.
QString hashRefreshToken(const QString &token);
/// The key refresh tokens are rotated with, derived from a signing secret (the instances of
/// one deployment share it, and no other use of the secret can produce these tokens).
QByteArray refreshRotationKey(const QByteArray &signingSecret);
/// The token that follows `token` in its session: "rt_" + base64url HMAC-SHA256 of it under
/// `rotationKey`. Unguessable without the key, and re-derivable: a repeated refresh inside the
/// grace window is answered with the very token the first one got, though only hashes are
/// stored.
QString nextRefreshToken(const QByteArray &rotationKey, const QString &token);
} // namespace IdentityRules

} // namespace fp
