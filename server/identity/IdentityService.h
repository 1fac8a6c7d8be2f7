#pragma once

// The identity domain: accounts, sessions and tokens. Registration, login (with brute-force
// protection), refresh-token rotation with reuse detection, session revocation, password
// changes; what other domains ask about accounts; the staff's view of accounts and the status
// and role changes staff make (with AdminRules deciding who may). No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/base/DomainEvents.h"
#include "server/base/Paging.h"
#include "server/identity/IdentityPorts.h"
#include "server/identity/IdentityRepository.h"
#include "server/identity/LoginThrottle.h"

#include <memory>
#include <optional>

namespace fp {

class AdminService;
class ProfileService;
class TokenVerifier;

struct IdentitySettings
{
    QByteArray jwtSecret;
    QByteArray jwtPreviousSecret; // still accepted: a repeated refresh may come from before
    /// How long after a rotation the superseded refresh token is answered with the same new
    /// token instead of revoking the session (a lost response, two tabs); 0: never.
    int refreshReuseGraceSeconds = 10;
    ThrottleSettings throttle;
    QString adminEmail; // the first admin account, created when there is none
    QString adminPassword; // empty: generated
    QString adminPasswordFile; // where a generated one is written, readable by its owner only
};

class IdentityService
{
public:
    IdentityService(const IdentityRepository &repository, TokenVerifier &tokens,
                    const ProfileService &profiles, const AdminService &admin,
                    const DomainEvents &events, IdentitySettings settings);

    /// The session-purge job: refresh-token hashes go a day after their session ended (only a
    /// live session's are ever checked), sessions themselves after 90 days (the active-user
    /// charts still count them until rollups replace those reads).
    Status purgeEndedSessions(const QDateTime &now) const;
    ~IdentityService();
    void connect(IdentityPorts ports) { m_ports = std::move(ports); }

    Result<IssuedTokens> registerAccount(const RegisterInput &input, const ClientInfo &client);
    Result<IssuedTokens> login(const LoginInput &input, const ClientInfo &client);
    /// A new token pair for the session's current refresh token. Any superseded token of the
    /// session revokes it (reuse: someone else has a copy), except the one just superseded
    /// within the grace window, which gets the same new refresh token again.
    Result<IssuedTokens> refresh(const QString &refreshToken, const ClientInfo &client);
    /// Revokes the session of any refresh token it issued; silent when none.
    Status logout(const QString &refreshToken);

    Result<Page<SessionRecord>> listSessions(const Caller &caller, const PageRequest<> &page);
    Status revokeSession(const Caller &caller, const QString &sessionId);
    Status logoutOtherSessions(const Caller &caller);
    Status changePassword(const Caller &caller, const PasswordChangeInput &input,
                          const ClientInfo &client);

    /// When the account was created, or nullopt for an unknown one (and a deleted one, unless
    /// `includeDeleted`).
    Result<std::optional<QDateTime>> accountCreatedAt(const QString &userId,
                                                      bool includeDeleted = false) const;
    /// 403 with details.fields.password when `password` is not the account's (accounts without
    /// a password never match); 429 while the account is locked for wrong passwords (the same
    /// throttle as login, counting this check); 503 when the hasher is busy.
    Status confirmPassword(const QString &userId, const QString &password,
                           const QString &clientAddress) const;

    // Staff (PUT/GET /api/admin/users/...): every read of an account and every change is
    // audit-logged in the same transaction.
    Result<Page<admin::User, int>> searchUsers(const Caller &staff, const QString &query,
                                               const PageRequest<int> &page) const;
    Result<admin::User> user(const Caller &staff, const QString &id) const;
    Result<admin::User> changeStatus(const Caller &staff, const QString &id,
                                     const admin::StatusChange &change) const;
    Result<admin::User> changeRole(const Caller &staff, const QString &id,
                                   const admin::RoleChange &change) const;
    /// The account side of a report's restrict or ban action (inside the report's
    /// transaction): refused when `staff` may not, a no-op for an account already banned.
    Status applyReportAction(const Caller &staff, const QString &userId,
                             const QString &status) const;
    /// Who an account is, for a moderator's report detail (nickname, status, role).
    Result<admin::UserBrief> brief(const QString &userId) const;

    /// The rows of the person's data export this domain holds.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// An account deletion, inside its transaction: the row locked (a second deletion or a ban
    /// racing this one waits), scrubbed, every session revoked. Unauthorized when the account
    /// is gone already.
    Status eraseFor(const QString &userId, const QDateTime &now) const;

    /// Creates the first admin account when none exists (at start). Returns an error line, or
    /// an empty string.
    QString seedFirstAdmin() const;

private:
    /// A new session and its tokens; with `newUser`, the account is created in the same
    /// transaction.
    Result<IssuedTokens> openSession(const UserRecord &user, const QString &deviceLabel,
                                     const ClientInfo &client, const NewUser *newUser = nullptr);
    QString accessTokenFor(const UserRecord &user, const QString &sessionId) const;
    QString nicknameOf(const QString &userId) const;
    Result<QList<admin::User>> staffView(const QList<UserRecord> &users) const;
    Result<admin::User> staffViewOf(const QString &userId) const;
    Status applyStatus(const Caller &staff, const UserRecord &target, const QString &status,
                       const QDateTime &restrictedUntil, bool throughConfirmedReport) const;
    static AppError lockedOut(int retryAfterSeconds);
    /// Whether `presented`, the token just superseded, is answered with `currentHash`'s token
    /// (the grace window); that token, or empty.
    QString graceAnswer(const QString &presented, const LockedSession &session,
                        int presentedGeneration) const;
    /// The account's password check, through the login throttle: 429 when locked, 503 when the
    /// hasher is busy, 403 (no details) when wrong.
    Status checkPassword(const UserRecord &user, const QString &password,
                         const QString &address) const;

    const IdentityRepository &m_repository;
    TokenVerifier &m_tokens;
    const ProfileService &m_profiles;
    const AdminService &m_admin;
    const DomainEvents &m_events;
    IdentitySettings m_settings;
    QList<QByteArray> m_rotationKeys; // the current secret's first
    std::unique_ptr<LoginThrottle> m_throttle;
    IdentityPorts m_ports;
};

} // namespace fp
