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
#include "server/identity/OidcSignIn.h"
#include "server/profile/AvatarService.h"

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
    /// Sign in with Google and Apple; a provider without client ids is off.
    QList<OidcProviderSettings> oidcProviders;
    int oidcJwksMinRefreshSeconds = 60;
};

class IdentityService
{
public:
    IdentityService(const IdentityRepository &repository, TokenVerifier &tokens,
                    const ProfileService &profiles, const AvatarService &avatars,
                    const AdminService &admin, const DomainEvents &events,
                    IdentitySettings settings);

    /// The session-purge job: refresh-token hashes go a day after their session ended (only a
    /// live session's are ever checked), sessions themselves after 90 days (the active-user
    /// charts still count them until rollups replace those reads).
    Status purgeEndedSessions(const QDateTime &now) const;
    ~IdentityService();
    void connect(IdentityPorts ports) { m_ports = std::move(ports); }

    /// DELETE /api/admin/users/{id}/avatar: a moderator removes someone's avatar (a report of
    /// an inappropriate one), audited as user.avatar_remove. 404 without one.
    Status removeAvatar(const Caller &staff, const QString &id) const;

    Result<IssuedTokens> registerAccount(const RegisterInput &input, const ClientInfo &client);
    Result<IssuedTokens> login(const LoginInput &input, const ClientInfo &client);
    /// A new token pair for the session's current refresh token. Any superseded token of the
    /// session revokes it (reuse: someone else has a copy), except the one just superseded
    /// within the grace window, which gets the same new refresh token again.
    Result<IssuedTokens> refresh(const QString &refreshToken, const ClientInfo &client);
    /// Whether sign-in with this provider is configured (its routes answer 404 otherwise).
    bool oidcEnabled(const QString &provider) const;
    /// Sign-in with a provider's ID token: the account it is linked to, or a new account
    /// without a password (`created`) when neither the subject nor its verified email is
    /// known. An email that belongs to an account already is 409 (reason link_required): the
    /// person signs in another way and links the provider; it never takes the account over.
    Result<IssuedTokens> signInWithProvider(const OidcInput &input, const ClientInfo &client);
    /// Every way the caller can sign in: `password` when the account has one, then the linked
    /// providers.
    Result<QList<AuthIdentity>> identities(const Caller &caller) const;
    /// Links the provider of a valid ID token to the caller's account. 409 when that person at
    /// the provider is linked to another account (identity_in_use) or the account has another
    /// person of this provider linked (provider_already_linked).
    Result<AuthIdentity> linkIdentity(const Caller &caller, const OidcInput &input);
    /// Unlinks a provider; 404 when not linked, 409 (last_sign_in_method) when it is the
    /// account's only way left to sign in.
    Status unlinkIdentity(const Caller &caller, const QString &provider);

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

    /// That the caller is the account's owner, before an account deletion: its password
    /// (as confirmPassword; an empty one is 400 with details.fields.password) for an account
    /// that has one; for one without (signed up with a provider), a session opened at most
    /// kRecentSignInSeconds ago, else 403 (reason recent_sign_in_required).
    Status confirmOwner(const Caller &caller, const QString &password,
                        const QString &clientAddress) const;
    static constexpr int kRecentSignInSeconds = 600;

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
    /// transaction): refused when `staff` may not, a no-op for an account already banned. A
    /// restriction with `restrictedUntil` ends by itself then.
    Status applyReportAction(const Caller &staff, const QString &userId, const QString &status,
                             const QDateTime &restrictedUntil = {}) const;
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
                                     const ClientInfo &client, const NewUser *newUser = nullptr,
                                     const NewIdentity *newIdentity = nullptr);
    /// The caller's account row, locked for the transaction; 401 when it is gone.
    Result<UserRecord> lockedLiveAccount(const QString &userId) const;
    /// A provider's ID token, verified and its nonce spent (a second use is 401).
    Result<oidc::Claims> acceptIdToken(const OidcInput &input);
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
    const AvatarService &m_avatars;
    const AdminService &m_admin;
    const DomainEvents &m_events;
    IdentitySettings m_settings;
    QList<QByteArray> m_rotationKeys; // the current secret's first
    std::unique_ptr<LoginThrottle> m_throttle;
    std::unique_ptr<OidcSignIn> m_oidc;
    IdentityPorts m_ports;
};

} // namespace fp
