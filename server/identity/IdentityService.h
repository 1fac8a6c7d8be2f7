#pragma once

// Accounts, sessions and tokens: the rules of registration, login (with brute-force
// protection), refresh-token rotation with reuse detection, session revocation and password
// changes. No HTTP and no SQL here: IdentityRoutes parses requests into the inputs below, the
// repository stores.

#include "common/Result.h"
#include "server/core/Config.h"
#include "server/core/Http.h"
#include "server/identity/IdentityRepository.h"
#include "server/identity/LoginThrottle.h"

#include <QString>
#include <memory>
#include <optional>

namespace fp {

struct ClientInfo
{
    QString ipAddress;
    QString userAgent;
};

struct RegisterInput
{
    QString email; // normalised
    QString password;
    QString nickname; // trimmed
};

struct LoginInput
{
    QString email; // normalised
    QString password;
    QString deviceLabel; // may be empty
};

struct PasswordChangeInput
{
    QString currentPassword;
    QString newPassword;
};

struct IssuedTokens
{
    UserRecord user;
    QString accessToken;
    QString refreshToken;
    qint64 expiresIn = 0;
};

struct SessionPage
{
    QList<SessionRecord> items;
    std::optional<SessionCursor> next;
};

/// Pure rules, shared by request validation and the service.
namespace IdentityRules {
inline constexpr int kPasswordMin = 12;
inline constexpr int kPasswordMax = 128;
inline constexpr int kNicknameMin = 2;
inline constexpr int kNicknameMax = 32;
inline constexpr int kEmailMax = 254;
inline constexpr int kSessionDays = 30;

/// Trimmed and lowercased.
QString normaliseEmail(const QString &email);
/// Empty when acceptable, else what is wrong (for details.fields).
QString emailProblem(const QString &normalisedEmail);
QString passwordProblem(const QString &password);
QString nicknameProblem(const QString &trimmedNickname);
/// Characters as people count them: Unicode code points, not UTF-16 units or bytes.
qsizetype codePoints(const QString &text);
/// At most `max` code points, never splitting a surrogate pair.
QString truncateCodePoints(const QString &text, qsizetype max);
/// In resources/common-passwords.txt (compared lowercased).
bool isCommonPassword(const QString &password);

/// A new opaque refresh token: "rt_" + 256 random bits in base64url.
QString newRefreshToken();
/// What is stored of it: hex SHA-256.
QString hashRefreshToken(const QString &token);
} // namespace IdentityRules

class IdentityService
{
public:
    explicit IdentityService(const Config &config);

    Result<IssuedTokens> registerAccount(const RegisterInput &input, const ClientInfo &client);
    Result<IssuedTokens> login(const LoginInput &input, const ClientInfo &client);
    Result<IssuedTokens> refresh(const QString &refreshToken, const ClientInfo &client);
    /// Revokes the session of a refresh token (current or just rotated); silent when none.
    Status logout(const QString &refreshToken);

    Result<SessionPage> listSessions(const Caller &caller, int limit, const SessionCursor &after);
    Status revokeSession(const Caller &caller, const QString &sessionId);
    Status logoutOtherSessions(const Caller &caller);
    Status changePassword(const Caller &caller, const PasswordChangeInput &input,
                          const ClientInfo &client);

private:
    /// A new session and its tokens; with `newUser`, the account is created in the same
    /// transaction.
    Result<IssuedTokens> openSession(const UserRecord &user, const QString &deviceLabel,
                                     const ClientInfo &client, const NewUser *newUser = nullptr);
    QString accessTokenFor(const UserRecord &user, const QString &sessionId) const;
    static AppError lockedOut(int retryAfterSeconds);

    QByteArray m_secret;
    IdentityRepository m_repository;
    std::unique_ptr<LoginThrottle> m_throttle;
};

} // namespace fp
