#pragma once

// All SQL of the identity domain (users, user_profiles, user_sessions): bound statements
// through Sql::exec, typed results. Multi-statement operations are wrapped in a Transaction by
// the caller (IdentityService); the `lock...` queries take row locks and need one.

#include "common/Result.h"
#include "server/core/Http.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
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
    QString nickname;
    QDateTime createdAt;
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
    QString nickname;
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
    QString previousRefreshTokenHash;
    bool revoked = false;
    QDateTime expiresAt;
};

/// What the token verifier needs to know about a session and its account.
struct SessionState
{
    QString userId;
    bool revoked = false;
    QDateTime expiresAt;
    UserRecord user; // without password hash
};

/// Keyset position in the session list (most recently used first).
struct SessionCursor
{
    QDateTime lastUsedAt;
    QString id;
    bool isNull() const { return id.isEmpty(); }
};

class IdentityRepository
{
public:
    Result<std::optional<UserRecord>> findUserByEmail(const QString &email) const;
    Result<std::optional<UserRecord>> findUserById(const QString &userId) const;
    Result<bool> emailTaken(const QString &email) const;
    /// users + user_profiles; a taken email is AppError conflict.
    Status insertUser(const NewUser &user) const;
    Status updatePasswordHash(const QString &userId, const QByteArray &hash) const;
    Status touchLastSeen(const QString &userId) const;

    Status insertSession(const NewSession &session) const;
    /// The session whose current or previous refresh token hashes to `hash`, read without
    /// locks (lock it with lockSession before deciding anything).
    Result<std::optional<QString>> sessionIdByRefreshHash(const QString &hash) const;
    /// The session row, locked until the transaction ends (needs one). Locking the primary key
    /// only, never a range of the token indexes, keeps concurrent refreshes free of deadlocks:
    /// they queue on this row and each then sees what the one before it committed.
    Result<std::optional<LockedSession>> lockSession(const QString &sessionId) const;
    /// Rotates the session's refresh token from `oldHash` to `newHash` (the old one becomes
    /// previous_refresh_token_hash) and records this use; false when the session no longer
    /// holds `oldHash` unrevoked.
    Result<bool> rotateRefreshToken(const QString &sessionId, const QString &oldHash,
                                    const QString &newHash, const QString &ipAddress,
                                    const QString &userAgent) const;
    /// Revokes one unrevoked, unexpired session (of `userId` when given). False when none.
    Result<bool> revokeSession(const QString &sessionId, const QString &userId,
                               const QString &reason) const;
    /// Revokes every unrevoked session of `userId` except `keepSessionId` (needs a
    /// transaction); returns the ids revoked.
    Result<QStringList> revokeOtherSessions(const QString &userId, const QString &keepSessionId,
                                            const QString &reason) const;
    /// Live sessions of a user, most recently used first, at most `limit` after `after`.
    Result<QList<SessionRecord>> listLiveSessions(const QString &userId, int limit,
                                                  const SessionCursor &after) const;
    Result<std::optional<SessionState>> sessionState(const QString &sessionId) const;
};

} // namespace fp
