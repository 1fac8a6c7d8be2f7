#pragma once

// The identity domain's data: accounts, sessions and tokens, the typed inputs of its routes,
// and an account as staff see it.

#include "server/base/Caller.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

struct UserRecord
{
    QString id;
    QString email;
    QByteArray passwordHash; // empty for accounts without a password (deleted, social-only)
    QString status; // active, restricted, deleted
    Role role = Role::User;
    QString nickname; // from the profile, where a response shows it
    QDateTime createdAt;
    QDateTime lastSeenAt;
    QDateTime restrictedUntil;
    QDateTime bannedAt;
    QDateTime deletedAt;

    bool deleted() const { return status == QLatin1String("deleted") || deletedAt.isValid(); }
    bool banned() const { return bannedAt.isValid(); }
    /// Restricted accounts may log in and read, but not take part (queue, chat).
    bool restricted(const QDateTime &now) const
    {
        return status == QLatin1String("restricted") &&
            (!restrictedUntil.isValid() || restrictedUntil > now);
    }
};

struct NewUser
{
    QString id;
    QString email;
    QByteArray passwordHash;
    QString nickname; // becomes the profile's
    Role role = Role::User;
};

struct SessionRecord
{
    QString id;
    QString userId;
    QString deviceLabel;
    QString ipAddress;
    QString userAgent;
    QDateTime createdAt;
    QDateTime lastUsedAt;
    QDateTime expiresAt;
};

struct NewSession
{
    QString id;
    QString userId;
    QString refreshTokenHash;
    QString deviceLabel;
    QString ipAddress;
    QString userAgent;
    QDateTime expiresAt;
};

/// A session's refresh-token state, read under its row lock.
struct LockedSession
{
    QString sessionId;
    QString userId;
    QString refreshTokenHash;
    bool revoked = false;
    QDateTime expiresAt;
    /// The current refresh token's generation (0: the one the session opened with).
    int refreshGeneration = 0;
    /// Milliseconds since the current refresh token was issued by a rotation, by the
    /// database's clock (every instance shares it); nullopt before the first rotation.
    std::optional<qint64> rotatedAgoMs;
};

/// A refresh token the session issued at some point, found by its hash.
struct IssuedRefreshToken
{
    QString sessionId;
    int generation = 0;
};

/// What the token verifier needs to know about a session and its account.
struct SessionState
{
    QString userId;
    bool revoked = false;
    QDateTime expiresAt;
    UserRecord user; // without password hash
};

/// A row of access_changes: a session revoked, or (sessionId empty) an account changed.
struct AccessChange
{
    quint64 id = 0;
    QString userId;
    QString sessionId;
};

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

/// POST /api/auth/oidc/{provider} and POST /api/auth/identities/{provider}.
struct OidcInput
{
    QString provider; // google or apple
    QByteArray idToken;
    QString nonce; // the raw nonce the frontend gave the provider (or whose SHA-256 it gave)
    QString nickname; // trimmed; may be empty (then the token's name, or a default)
    QString deviceLabel; // may be empty
};

/// A way to sign in to an account: `password`, or a linked provider.
struct AuthIdentity
{
    QString provider;
    QDateTime createdAt;
};

/// A provider linked to an account (a user_auth_identities row to insert).
struct NewIdentity
{
    QString id;
    QString userId;
    QString provider;
    QString subject;
};

struct IssuedTokens
{
    UserRecord user;
    bool created = false; // a new account (sign-up through a provider)
    QString accessToken;
    QString refreshToken;
    qint64 expiresIn = 0;
};

/// The statuses staff set (PUT /api/admin/users/{id}/status): active, restricted, banned.
struct StatusChangeInput
{
    QString status;
    QString note;
    QDateTime restrictedUntil; // invalid: indefinite (only with restricted)
};

/// The statuses an account shows staff: deleted, banned, restricted (while it lasts), active.
QString effectiveStatus(const UserRecord &user, const QDateTime &now);

} // namespace fp
