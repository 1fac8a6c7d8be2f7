#pragma once

// All SQL of the identity domain (users, user_sessions, user_auth_identities): bound statements
// through Sql::exec, typed results. Multi-statement operations are wrapped in a Transaction by
// the caller (IdentityService); the `lock...` queries take row locks and need one.

#include "common/Result.h"
#include "server/base/Paging.h"
#include "server/identity/IdentityTypes.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class IdentityRepository
{
public:
    Result<std::optional<UserRecord>> findUserByEmail(const QString &email) const;
    Result<std::optional<UserRecord>> findUserById(const QString &userId) const;
    Result<bool> emailTaken(const QString &email) const;
    /// A taken email is AppError conflict.
    Status insertUser(const NewUser &user) const;
    /// Whether any account that is not deleted has the admin role.
    Result<bool> adminExists() const;
    Status updatePasswordHash(const QString &userId, const QByteArray &hash) const;
    Status touchLastSeen(const QString &userId) const;

    /// The session and its first refresh token (generation 0); needs a transaction.
    Status insertSession(const NewSession &session) const;
    /// Any refresh token a session ever issued (current or superseded), read without locks
    /// (lock the session with lockSession before deciding anything).
    Result<std::optional<IssuedRefreshToken>> issuedRefreshToken(const QString &hash) const;
    /// The session row, locked until the transaction ends (needs one). Locking the primary key
    /// only, never a range of the token indexes, keeps concurrent refreshes free of deadlocks:
    /// they queue on this row and each then sees what the one before it committed.
    Result<std::optional<LockedSession>> lockSession(const QString &sessionId) const;
    /// Rotates the session's refresh token from `oldHash` (generation `oldGeneration`) to
    /// `newHash`, remembers the new one in the family and records this use; needs a
    /// transaction. False when the session no longer holds `oldHash` unrevoked: the single
    /// conditional UPDATE is what makes two rotations of one token impossible.
    Result<bool> rotateRefreshToken(const QString &sessionId, const QString &oldHash,
                                    int oldGeneration, const QString &newHash,
                                    const QString &ipAddress, const QString &userAgent) const;
    /// Which sessions revokeSession() revokes: any not revoked yet, or only live ones (not
    /// expired either), as a person revoking one of their devices may.
    enum class Revocable { Unrevoked, Live };
    /// Revokes session `sessionId` of `userId` if it is `which`, and records the change for
    /// the other instances (recordAccessChange). False when there is no such session.
    Result<bool> revokeSession(const QString &sessionId, const QString &userId,
                               const QString &reason, Revocable which) const;
    /// Revokes every unrevoked session of `userId` except `keepSessionId` (needs a
    /// transaction); returns the ids revoked.
    Result<QStringList> revokeOtherSessions(const QString &userId, const QString &keepSessionId,
                                            const QString &reason) const;
    /// Live sessions of a user, most recently used first, at most `limit` after `after`.
    Result<QList<SessionRecord>> listLiveSessions(const QString &userId, int limit,
                                                  const std::optional<KeysetCursor> &after) const;
    Result<std::optional<SessionState>> sessionState(const QString &sessionId) const;
    /// sessionState() of many sessions in one statement; a session without a row is absent.
    Result<QHash<QString, SessionState>> sessionStates(const QStringList &sessionIds) const;
    /// Records, in access_changes, that these sessions were revoked, or (no session ids) that
    /// something about the account every session of `userId` stands for changed: status,
    /// restriction, ban, role, deletion. Inside a transaction the row is written just before it
    /// commits (so the time recorded is within a commit of when others can see it); otherwise
    /// at once. Every write of those columns calls it: it is how other instances learn of the
    /// change when Redis's notice is lost (TokenVerifier).
    Status recordAccessChange(const QString &userId, const QStringList &sessionIds = {}) const;
    /// The access changes recorded within the last `seconds` by MariaDB's clock, oldest first.
    Result<QList<AccessChange>> accessChangesWithin(int seconds) const;
    /// When a session was opened (its sign-in); nullopt for an unknown one.
    Result<std::optional<QDateTime>> sessionOpenedAt(const QString &sessionId) const;

    /// Staff: the account row, locked for the rest of the transaction when asked.
    Result<std::optional<UserRecord>> findAccount(const QString &userId, bool lockForUpdate) const;
    /// Staff: accounts whose id is `query`, whose email starts with it, or among `alsoIds`,
    /// newest first; `offset` skipped, at most `limit`.
    Result<QList<UserRecord>> searchAccounts(const QString &query, const QStringList &alsoIds,
                                             int limit, int offset) const;
    /// Staff: accounts by id.
    Result<QList<UserRecord>> accounts(const QStringList &userIds) const;
    /// Live sessions per user, by user id.
    Result<QHash<QString, int>> liveSessionCounts(const QStringList &userIds) const;
    /// status: active, restricted (with an optional end) or banned.
    Status setStatus(const QString &userId, const QString &status, const QDateTime &restrictedUntil,
                     const QDateTime &now) const;
    Status setRole(const QString &userId, Role role) const;

    /// The account a provider's subject is linked to.
    Result<std::optional<QString>> userIdForIdentity(const QString &provider,
                                                     const QString &subject) const;
    /// A linked subject already linked (to anyone) is AppError conflict.
    Status insertIdentity(const NewIdentity &identity) const;
    /// The providers linked to an account, oldest first.
    Result<QList<AuthIdentity>> identitiesOf(const QString &userId) const;
    /// Providers linked to each account, by user id (the staff view).
    Result<QHash<QString, QStringList>> providersOf(const QStringList &userIds) const;
    /// False when the account had no such provider linked.
    Result<bool> deleteIdentity(const QString &userId, const QString &provider) const;
    /// Records an ID token's nonce as used until `expiresAt`: false when it was used already.
    /// Forgets a few expired ones on the way.
    Result<bool> useNonce(const QString &nonceHash, const QDateTime &expiresAt,
                          const QDateTime &now) const;

    /// {users, user_auth_identities, user_sessions}: the person's rows for their export.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// Locks the account row (an account deletion); nullopt when there is none.
    Result<std::optional<QString>> lockStatus(const QString &userId) const;
    /// Scrubs what identifies the person: the users row is kept, marked deleted, with email,
    /// password and last sign-in gone; linked providers deleted; devices forgotten.
    Status scrub(const QString &userId, const QDateTime &now) const;
    /// Deletes what ended sessions no longer need: the refresh-token hashes of sessions that
    /// ended (expired, or revoked) in the week before `tokensBefore`, and sessions that ended
    /// before `sessionsBefore` (with their hashes), for each way of ending at most `limit`
    /// sessions; and at most ten times as many access changes recorded before `tokensBefore`.
    /// Returns how many rows went.
    Result<int> purgeEndedSessions(const QDateTime &tokensBefore, const QDateTime &sessionsBefore,
                                   int limit) const;
};

} // namespace fp
