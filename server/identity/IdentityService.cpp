#include "server/identity/IdentityService.h"

#include "common/Time.h"
#include "server/admin/AdminRules.h"
#include "server/admin/AdminService.h"
#include "server/base/Log.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/identity/IdentityEvents.h"
#include "server/identity/IdentityRules.h"
#include "server/identity/Jwt.h"
#include "server/identity/PasswordHasher.h"
#include "server/identity/TokenVerifier.h"
#include "server/profile/ProfileRules.h"
#include "server/profile/ProfileService.h"
#include "server/storage/Database.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fp {

namespace {

// One message for every failed login, whatever failed: nothing tells a guesser which part.
const QString kLoginFailed = QStringLiteral("Wrong email or password");
const QString kRefreshFailed =
    QStringLiteral("The refresh token is invalid, expired or already used");

AppError hasherBusy()
{
    return AppError::unavailable(QStringLiteral("The server is busy, try again shortly"), 1);
}

QDateTime utcNow()
{
    return QDateTime::currentDateTimeUtc();
}

// account.created, in the transaction that inserts the account. `actorUserId` is the person
// who signed up; empty for the account the server seeds itself.
Status recordAccountCreated(const NewUser &user, const QString &actorUserId)
{
    return Outbox::record({.type = event::AccountCreated,
                           .subjectType = QLatin1StringView("user"),
                           .subjectId = user.id,
                           .actorUserId = actorUserId,
                           .payload = {{QStringLiteral("role"), roleName(user.role)}},
                           .occurredAt = {}});
}

// The account about to be inserted, as the session it opens with sees it.
UserRecord recordOf(const NewUser &user)
{
    UserRecord record;
    record.id = user.id;
    record.email = user.email;
    record.status = QStringLiteral("active");
    record.nickname = user.nickname;
    record.createdAt = utcNow();
    return record;
}

// account.identity_linked / account.identity_unlinked, in the transaction of the change.
Status recordIdentityChange(const EventType &type, const QString &userId, const QString &provider,
                            bool atSignUp)
{
    QJsonObject payload {{QStringLiteral("provider"), provider}};
    if (type.name == event::AccountIdentityLinked.name)
        payload.insert(QStringLiteral("at_sign_up"), atSignUp);
    return Outbox::record({.type = type,
                           .subjectType = QLatin1StringView("user"),
                           .subjectId = userId,
                           .actorUserId = userId,
                           .payload = payload,
                           .occurredAt = {}});
}

// A nickname for an account made through a provider: the one the person chose, else the name
// the provider shared, else a default; always one the profile rules accept.
QString signUpNickname(const QString &chosen, const QString &fromProvider)
{
    for (const QString &candidate : {chosen, fromProvider.trimmed().left(32).trimmed()}) {
        if (!candidate.isEmpty() && ProfileRules::nicknameProblem(candidate).isEmpty())
            return candidate;
    }
    return QStringLiteral("Friend");
}

// `text` as the whole content of `path`, which only its owner may read (0600, also when it
// existed with wider rights; a symbolic link there is refused). Empty, or what went wrong.
QString writeOwnerOnlyFile(const QString &path, const QString &text)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return QStringLiteral("cannot create the folder");
    const QByteArray native = QFile::encodeName(info.absoluteFilePath());
    const int fd =
        ::open(native.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return QString::fromLocal8Bit(std::strerror(errno));
    const QByteArray bytes = text.toUtf8() + '\n';
    const bool written = ::fchmod(fd, 0600) == 0 &&
        ::write(fd, bytes.constData(), size_t(bytes.size())) == bytes.size();
    const QString error = written ? QString() : QString::fromLocal8Bit(std::strerror(errno));
    ::close(fd);
    return error;
}

} // namespace

IdentityService::IdentityService(const IdentityRepository &repository, TokenVerifier &tokens,
                                 const ProfileService &profiles, const AvatarService &avatars,
                                 const AdminService &admin, const DomainEvents &events,
                                 IdentitySettings settings)
    : m_repository(repository), m_tokens(tokens), m_profiles(profiles), m_avatars(avatars),
      m_admin(admin), m_events(events), m_settings(std::move(settings)),
      m_throttle(std::make_unique<LoginThrottle>(m_settings.throttle)),
      m_oidc(std::make_unique<OidcSignIn>(m_settings.oidcProviders,
                                          m_settings.oidcJwksMinRefreshSeconds))
{
    m_rotationKeys << IdentityRules::refreshRotationKey(m_settings.jwtSecret);
    if (!m_settings.jwtPreviousSecret.isEmpty())
        m_rotationKeys << IdentityRules::refreshRotationKey(m_settings.jwtPreviousSecret);
}

IdentityService::~IdentityService() = default;

AppError IdentityService::lockedOut(int retryAfterSeconds)
{
    AppError error = AppError::rateLimited(retryAfterSeconds);
    error.message = QStringLiteral("Too many failed attempts, try again later");
    return error;
}

QString IdentityService::accessTokenFor(const UserRecord &user, const QString &sessionId) const
{
    AccessClaims claims;
    claims.userId = user.id;
    claims.sessionId = sessionId;
    claims.role = user.role;
    claims.issuedAt = QDateTime::currentSecsSinceEpoch();
    claims.expiresAt = claims.issuedAt + Jwt::kAccessLifetimeSeconds;
    claims.tokenId = Jwt::randomTokenId();
    return QString::fromLatin1(Jwt::sign(claims, m_settings.jwtSecret));
}

Result<IssuedTokens> IdentityService::openSession(const UserRecord &user,
                                                  const QString &deviceLabel,
                                                  const ClientInfo &client, const NewUser *newUser,
                                                  const NewIdentity *newIdentity)
{
    NewSession session;
    session.id = Sql::newId();
    session.userId = user.id;
    session.deviceLabel = deviceLabel;
    session.ipAddress = client.ipAddress;
    session.userAgent = client.userAgent;
    session.expiresAt = utcNow().addDays(IdentityRules::kSessionDays);
    const QString refreshToken = IdentityRules::newRefreshToken();
    session.refreshTokenHash = IdentityRules::hashRefreshToken(refreshToken);

    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    if (newUser) {
        if (Status created = m_repository.insertUser(*newUser); !created)
            return created.error();
        if (Status profile = m_profiles.createProfile(newUser->id, newUser->nickname); !profile)
            return profile.error();
        if (Status recorded = recordAccountCreated(*newUser, newUser->id); !recorded)
            return recorded.error();
    }
    if (newIdentity) {
        if (Status linked = m_repository.insertIdentity(*newIdentity); !linked)
            return linked.error();
        if (Status recorded = recordIdentityChange(event::AccountIdentityLinked, user.id,
                                                   newIdentity->provider, newUser != nullptr);
            !recorded)
            return recorded.error();
    }
    if (Status inserted = m_repository.insertSession(session); !inserted)
        return inserted.error();
    if (!tx.commit())
        return databaseUnavailable();
    (void)m_repository.touchLastSeen(user.id);

    IssuedTokens tokens;
    tokens.user = user;
    tokens.accessToken = accessTokenFor(user, session.id);
    tokens.refreshToken = refreshToken;
    tokens.expiresIn = Jwt::kAccessLifetimeSeconds;
    return tokens;
}

Result<IssuedTokens> IdentityService::registerAccount(const RegisterInput &input,
                                                      const ClientInfo &client)
{
    const AppError taken = AppError::conflict(QStringLiteral("That email is already registered"));
    AppError takenWithField = taken;
    takenWithField.details = QJsonObject {
        {QStringLiteral("fields"),
         QJsonObject {{QStringLiteral("email"), QStringLiteral("is already registered")}}}};

    Result<bool> exists = m_repository.emailTaken(input.email);
    if (!exists)
        return exists.error();
    if (*exists)
        return takenWithField;

    const std::optional<QByteArray> hash = PasswordHasher::hash(input.password);
    if (!hash)
        return hasherBusy();

    NewUser user {Sql::newId(), input.email, *hash, input.nickname};
    Result<IssuedTokens> tokens = openSession(recordOf(user), {}, client, &user);
    if (!tokens && tokens.error().code == ErrorCode::Conflict)
        return takenWithField; // registered by someone else a moment ago
    if (tokens) {
        // The stored creation time, to the millisecond the database kept.
        if (Result<std::optional<UserRecord>> stored = m_repository.findUserById(user.id);
            stored && stored->has_value()) {
            tokens->user = **stored;
            tokens->user.nickname = input.nickname;
        }
        log::info(QStringLiteral("account_registered"),
                  {{QStringLiteral("user_id"), tokens->user.id}});
    }
    return tokens;
}

Result<IssuedTokens> IdentityService::login(const LoginInput &input, const ClientInfo &client)
{
    Result<std::optional<UserRecord>> found = m_repository.findUserByEmail(input.email);
    if (!found)
        return found.error();
    const std::optional<UserRecord> &user = *found;
    const bool checkable = user && !user->deleted() && !user->passwordHash.isEmpty();

    // The check is reserved before the password is looked at (a locked account is refused
    // without looking, so the answer says nothing about the password or the account). From here
    // on a known and an unknown email take the same steps, the same time (one hash each) and
    // get the same answers, busy included.
    const ThrottleAttempt attempt = m_throttle->reserve(input.email, client.ipAddress);
    if (!attempt.allowed())
        return lockedOut(attempt.retryAfterSeconds);
    const std::optional<bool> verified = checkable
        ? PasswordHasher::verify(user->passwordHash, input.password)
        : PasswordHasher::verifyUnknown(input.password);
    if (!verified) {
        m_throttle->released(input.email, client.ipAddress, attempt);
        return hasherBusy();
    }
    if (!*verified) {
        if (attempt.lockSeconds > 0)
            log::warning(QStringLiteral("login_locked"),
                         {{QStringLiteral("lock_seconds"), attempt.lockSeconds},
                          {QStringLiteral("address"), client.ipAddress}});
        return AppError::unauthorized(kLoginFailed);
    }
    m_throttle->succeeded(input.email, client.ipAddress);
    if (user->banned()) {
        AppError suspended = AppError::forbidden(QStringLiteral("This account is suspended"));
        suspended.details =
            QJsonObject {{QStringLiteral("reason"), QStringLiteral("account_banned")}};
        return suspended;
    }
    UserRecord account = *user;
    account.nickname = nicknameOf(account.id);
    Result<IssuedTokens> tokens = openSession(account, input.deviceLabel, client);
    if (tokens)
        log::info(QStringLiteral("login"), {{QStringLiteral("user_id"), user->id}});
    return tokens;
}

QString IdentityService::graceAnswer(const QString &presented, const LockedSession &session,
                                     int presentedGeneration) const
{
    const qint64 graceMs = qint64(m_settings.refreshReuseGraceSeconds) * 1000;
    if (graceMs <= 0 || presentedGeneration != session.refreshGeneration - 1 ||
        !session.rotatedAgoMs || *session.rotatedAgoMs > graceMs)
        return {};
    // The first refresh was answered with the token derived from this one: the same again (the
    // secret may have been rotated in between, so each accepted one is tried).
    for (const QByteArray &key : m_rotationKeys) {
        const QString next = IdentityRules::nextRefreshToken(key, presented);
        if (IdentityRules::hashRefreshToken(next) == session.refreshTokenHash)
            return next;
    }
    return {};
}

Result<IssuedTokens> IdentityService::refresh(const QString &refreshToken, const ClientInfo &client)
{
    // An access token (or anything else) is not a refresh token: no lookup needed.
    if (!refreshToken.startsWith(QLatin1String("rt_")))
        return AppError::unauthorized(kRefreshFailed);
    const QString oldHash = IdentityRules::hashRefreshToken(refreshToken);

    Result<std::optional<IssuedRefreshToken>> issued = m_repository.issuedRefreshToken(oldHash);
    if (!issued)
        return issued.error();
    if (!issued->has_value())
        return AppError::unauthorized(kRefreshFailed); // never issued here
    const IssuedRefreshToken presented = **issued;

    // Concurrent refreshes of one session queue on its row lock; each then sees what the one
    // before it committed, so exactly one finds the token current and rotates it, and the others
    // are within the grace window of that rotation.
    LockedSession session;
    QString newToken;
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<std::optional<LockedSession>> locked = m_repository.lockSession(presented.sessionId);
        if (!locked)
            return locked.error();
        if (!locked->has_value() || (*locked)->revoked)
            return AppError::unauthorized(kRefreshFailed);
        session = **locked;
        if (session.expiresAt <= utcNow())
            return AppError::unauthorized(kRefreshFailed);

        if (session.refreshTokenHash == oldHash) {
            newToken = IdentityRules::nextRefreshToken(m_rotationKeys.first(), refreshToken);
            Result<bool> rotated = m_repository.rotateRefreshToken(
                session.sessionId, oldHash, session.refreshGeneration,
                IdentityRules::hashRefreshToken(newToken), client.ipAddress, client.userAgent);
            if (!rotated)
                return rotated.error();
            if (!*rotated)
                return AppError::unauthorized(kRefreshFailed);
        } else {
            newToken = graceAnswer(refreshToken, session, presented.generation);
            if (newToken.isEmpty()) {
                // A token the session has moved past: someone else holds a copy of it (or of
                // one after it). However many rotations back, both parties lose the session.
                Result<bool> revoked = m_repository.revokeSession(
                    session.sessionId, session.userId, QStringLiteral("token_reuse"),
                    IdentityRepository::Revocable::Unrevoked);
                if (!revoked)
                    return revoked.error();
                if (!tx.commit())
                    return databaseUnavailable();
                log::warning(QStringLiteral("refresh_token_reuse"),
                             {{QStringLiteral("user_id"), session.userId},
                              {QStringLiteral("session_id"), session.sessionId},
                              {QStringLiteral("generations_back"),
                               session.refreshGeneration - presented.generation},
                              {QStringLiteral("address"), client.ipAddress}});
                m_tokens.announceRevoked(session.userId, {session.sessionId});
                return AppError::unauthorized(kRefreshFailed);
            }
            log::info(QStringLiteral("refresh_repeated"),
                      {{QStringLiteral("session_id"), session.sessionId}});
        }
        if (!tx.commit())
            return databaseUnavailable();
    }

    Result<std::optional<UserRecord>> user = m_repository.findUserById(session.userId);
    if (!user)
        return user.error();
    if (!user->has_value() || (*user)->deleted() || (*user)->banned()) {
        (void)m_repository.revokeSession(session.sessionId, session.userId,
                                         QStringLiteral("account_disabled"),
                                         IdentityRepository::Revocable::Unrevoked);
        m_tokens.announceRevoked(session.userId, {session.sessionId});
        return AppError::unauthorized(kRefreshFailed);
    }
    (void)m_repository.touchLastSeen((*user)->id);

    IssuedTokens tokens;
    tokens.user = **user;
    tokens.user.nickname = nicknameOf(tokens.user.id);
    tokens.accessToken = accessTokenFor(**user, session.sessionId);
    tokens.refreshToken = newToken;
    tokens.expiresIn = Jwt::kAccessLifetimeSeconds;
    return tokens;
}

bool IdentityService::oidcEnabled(const QString &provider) const
{
    return m_oidc->enabled(provider);
}

Result<oidc::Claims> IdentityService::acceptIdToken(const OidcInput &input)
{
    Result<oidc::Claims> claims = m_oidc->verify(input.provider, input.idToken, input.nonce);
    if (!claims)
        return claims.error();
    // One use per token: its nonce (as the token carries it, raw or hashed) is spent until the
    // token expires.
    const QByteArray key = QCryptographicHash::hash(
        (claims->issuer + QLatin1Char('\n') + claims->nonce).toUtf8(), QCryptographicHash::Sha256);
    const QDateTime now = utcNow();
    const QDateTime until =
        QDateTime::fromSecsSinceEpoch(claims->expiresAt + oidc::kClockSkewSeconds, Qt::UTC);
    Result<bool> fresh =
        m_repository.useNonce(QString::fromLatin1(key.toHex()), std::max(until, now), now);
    if (!fresh)
        return fresh.error();
    if (!*fresh) {
        log::warning(QStringLiteral("oidc_token_replayed"),
                     {{QStringLiteral("provider"), input.provider}});
        return AppError::unauthorized(QStringLiteral("This ID token was used already"))
            .because(QStringLiteral("invalid_id_token"));
    }
    return claims;
}

Result<IssuedTokens> IdentityService::signInWithProvider(const OidcInput &input,
                                                         const ClientInfo &client)
{
    Result<oidc::Claims> claims = acceptIdToken(input);
    if (!claims)
        return claims.error();

    Result<std::optional<QString>> linked =
        m_repository.userIdForIdentity(input.provider, claims->subject);
    if (!linked)
        return linked.error();
    if (linked->has_value()) {
        Result<std::optional<UserRecord>> user = m_repository.findUserById(**linked);
        if (!user)
            return user.error();
        if (!user->has_value() || (*user)->deleted())
            return AppError::unauthorized(QStringLiteral("This account no longer exists"));
        if ((*user)->banned())
            return AppError::forbidden(QStringLiteral("This account is suspended"))
                .because(QStringLiteral("account_banned"));
        UserRecord account = **user;
        account.nickname = nicknameOf(account.id);
        Result<IssuedTokens> tokens = openSession(account, input.deviceLabel, client);
        if (tokens)
            log::info(QStringLiteral("login"),
                      {{QStringLiteral("user_id"), account.id},
                       {QStringLiteral("provider"), input.provider}});
        return tokens;
    }

    // Not linked yet: a new account, unless its email belongs to one already. Taking that one
    // over because the provider vouches for the address would hand the account to whoever holds
    // the address now (recycled, or never the owner's): its owner signs in and links instead.
    if (claims->email.isEmpty())
        return AppError::forbidden(
                   QStringLiteral("The provider shared no email address; an account needs one"))
            .because(QStringLiteral("email_required"));
    const QString email = IdentityRules::normaliseEmail(claims->email);
    const AppError linkRequired =
        AppError::conflict(QStringLiteral("An account with this email exists: sign in to it (with "
                                          "its password) and link this "
                                          "provider from there"))
            .because(QStringLiteral("link_required"));
    Result<bool> taken = m_repository.emailTaken(email);
    if (!taken)
        return taken.error();
    if (*taken)
        return linkRequired;

    NewUser user {Sql::newId(), email, {}, signUpNickname(input.nickname, claims->name)};
    const NewIdentity identity {Sql::newId(), user.id, input.provider, claims->subject};
    Result<IssuedTokens> tokens =
        openSession(recordOf(user), input.deviceLabel, client, &user, &identity);
    if (!tokens) {
        // The same email or the same subject, a moment ago (a double submit).
        if (tokens.error().code == ErrorCode::Conflict)
            return linkRequired;
        return tokens;
    }
    if (Result<std::optional<UserRecord>> stored = m_repository.findUserById(user.id);
        stored && stored->has_value()) {
        tokens->user = **stored;
        tokens->user.nickname = user.nickname;
    }
    tokens->created = true;
    log::info(QStringLiteral("account_registered"),
              {{QStringLiteral("user_id"), user.id}, {QStringLiteral("provider"), input.provider}});
    return tokens;
}

Result<QList<AuthIdentity>> IdentityService::identities(const Caller &caller) const
{
    Result<std::optional<UserRecord>> user = m_repository.findUserById(caller.userId);
    if (!user)
        return user.error();
    if (!user->has_value() || (*user)->deleted())
        return AppError::unauthorized();
    Result<QList<AuthIdentity>> linked = m_repository.identitiesOf(caller.userId);
    if (!linked)
        return linked.error();
    QList<AuthIdentity> all;
    if (!(*user)->passwordHash.isEmpty())
        all.append({QStringLiteral("password"), (*user)->createdAt});
    all.append(*linked);
    return all;
}

Result<AuthIdentity> IdentityService::linkIdentity(const Caller &caller, const OidcInput &input)
{
    Result<oidc::Claims> claims = acceptIdToken(input);
    if (!claims)
        return claims.error();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    if (Result<UserRecord> user = lockedLiveAccount(caller.userId); !user)
        return user.error();
    Result<std::optional<QString>> owner =
        m_repository.userIdForIdentity(input.provider, claims->subject);
    if (!owner)
        return owner.error();
    if (owner->has_value() && **owner != caller.userId)
        return AppError::conflict(
                   QStringLiteral("This sign-in is already linked to another account"))
            .because(QStringLiteral("identity_in_use"));
    Result<QList<AuthIdentity>> linked = m_repository.identitiesOf(caller.userId);
    if (!linked)
        return linked.error();
    for (const AuthIdentity &identity : *linked) {
        if (identity.provider != input.provider)
            continue;
        if (owner->has_value())
            return identity; // this very link exists: nothing to do
        return AppError::conflict(
                   QStringLiteral("Another account of this provider is linked; unlink it first"))
            .because(QStringLiteral("provider_already_linked"));
    }
    const NewIdentity identity {Sql::newId(), caller.userId, input.provider, claims->subject};
    if (Status s = m_repository.insertIdentity(identity); !s) {
        if (s.error().code == ErrorCode::Conflict)
            return AppError::conflict(
                       QStringLiteral("This sign-in is already linked to another account"))
                .because(QStringLiteral("identity_in_use"));
        return s.error();
    }
    if (Status s = recordIdentityChange(event::AccountIdentityLinked, caller.userId, input.provider,
                                        false);
        !s)
        return s.error();
    if (!tx.commit())
        return databaseUnavailable();
    log::info(
        QStringLiteral("identity_linked"),
        {{QStringLiteral("user_id"), caller.userId}, {QStringLiteral("provider"), input.provider}});
    Result<QList<AuthIdentity>> after = m_repository.identitiesOf(caller.userId);
    if (after) {
        for (const AuthIdentity &a : *after) {
            if (a.provider == input.provider)
                return a;
        }
    }
    return AuthIdentity {input.provider, utcNow()};
}

Result<UserRecord> IdentityService::lockedLiveAccount(const QString &userId) const
{
    // The account row locked: links and unlinks of one account take turns.
    Result<std::optional<UserRecord>> user = m_repository.findAccount(userId, true);
    if (!user)
        return user.error();
    if (!user->has_value() || (*user)->deleted())
        return AppError::unauthorized();
    return **user;
}

Status IdentityService::unlinkIdentity(const Caller &caller, const QString &provider)
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<UserRecord> user = lockedLiveAccount(caller.userId);
    if (!user)
        return user.error();
    Result<QList<AuthIdentity>> linked = m_repository.identitiesOf(caller.userId);
    if (!linked)
        return linked.error();
    const bool isLinked = std::any_of(linked->begin(), linked->end(), [&](const AuthIdentity &a) {
        return a.provider == provider;
    });
    if (!isLinked)
        return AppError::notFound(QStringLiteral("This provider is not linked"));
    const qsizetype left = linked->size() - 1 + (user->passwordHash.isEmpty() ? 0 : 1);
    if (left < 1)
        return AppError::conflict(
                   QStringLiteral(
                       "This is the account's only way to sign in: link another one first"))
            .because(QStringLiteral("last_sign_in_method"));
    Result<bool> deleted = m_repository.deleteIdentity(caller.userId, provider);
    if (!deleted)
        return deleted.error();
    if (Status s =
            recordIdentityChange(event::AccountIdentityUnlinked, caller.userId, provider, false);
        !s)
        return s;
    if (!tx.commit())
        return databaseUnavailable();
    log::info(QStringLiteral("identity_unlinked"),
              {{QStringLiteral("user_id"), caller.userId}, {QStringLiteral("provider"), provider}});
    return Ok {};
}

Status IdentityService::logout(const QString &refreshToken)
{
    if (!refreshToken.startsWith(QLatin1String("rt_")))
        return Ok {};
    const QString hash = IdentityRules::hashRefreshToken(refreshToken);
    Result<std::optional<IssuedRefreshToken>> issued = m_repository.issuedRefreshToken(hash);
    if (!issued)
        return issued.error();
    if (!issued->has_value())
        return Ok {};
    // Any token of the session: its holder wants it over (or is a thief, whom ending it stops).
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<LockedSession>> locked = m_repository.lockSession((*issued)->sessionId);
    if (!locked)
        return locked.error();
    if (!locked->has_value() || (*locked)->revoked)
        return Ok {};
    Result<bool> revoked = m_repository.revokeSession((*locked)->sessionId, (*locked)->userId,
                                                      QStringLiteral("logout"),
                                                      IdentityRepository::Revocable::Unrevoked);
    if (!revoked)
        return revoked.error();
    if (!tx.commit())
        return databaseUnavailable();
    m_tokens.announceRevoked((*locked)->userId, {(*locked)->sessionId});
    return Ok {};
}

Result<Page<SessionRecord>> IdentityService::listSessions(const Caller &caller,
                                                          const PageRequest<> &page)
{
    Result<QList<SessionRecord>> rows =
        m_repository.listLiveSessions(caller.userId, page.limit + 1, page.after);
    if (!rows)
        return rows.error();
    return paging::keysetPage(std::move(*rows), page.limit, [](const SessionRecord &s) {
        return KeysetCursor {s.lastUsedAt, s.id};
    });
}

Status IdentityService::revokeSession(const Caller &caller, const QString &sessionId)
{
    Result<bool> revoked =
        m_repository.revokeSession(sessionId, caller.userId, QStringLiteral("user_revoked"),
                                   IdentityRepository::Revocable::Live);
    if (!revoked)
        return revoked.error();
    if (!*revoked)
        return AppError::notFound(QStringLiteral("No such session"));
    m_tokens.announceRevoked(caller.userId, {sessionId});
    return Ok {};
}

Status IdentityService::logoutOtherSessions(const Caller &caller)
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QStringList> revoked = m_repository.revokeOtherSessions(caller.userId, caller.sessionId,
                                                                   QStringLiteral("logout_all"));
    if (!revoked)
        return revoked.error();
    if (!tx.commit())
        return databaseUnavailable();
    m_tokens.announceRevoked(caller.userId, *revoked);
    return Ok {};
}

Status IdentityService::changePassword(const Caller &caller, const PasswordChangeInput &input,
                                       const ClientInfo &client)
{
    Result<std::optional<UserRecord>> found = m_repository.findUserById(caller.userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->deleted())
        return AppError::unauthorized();
    // An account made with Google or Apple has no password to change (setting a first one is
    // not offered yet).
    if ((*found)->passwordHash.isEmpty())
        return AppError::conflict(QStringLiteral("This account has no password"))
            .because(QStringLiteral("no_password"));
    const UserRecord &user = **found;

    if (!user.email.isEmpty() && input.newPassword.toLower() == user.email)
        return AppError::validation(
            {{QStringLiteral("new_password"), QStringLiteral("must not be your email address")}});
    if (Status checked = checkPassword(user, input.currentPassword, client.ipAddress); !checked) {
        if (checked.error().code != ErrorCode::Forbidden)
            return checked.error();
        AppError wrong = AppError::forbidden(QStringLiteral("The current password is wrong"));
        wrong.details =
            QJsonObject {{QStringLiteral("fields"),
                          QJsonObject {{QStringLiteral("current_password"),
                                        QStringLiteral("is not your current password")}}}};
        return wrong;
    }

    const std::optional<QByteArray> hash = PasswordHasher::hash(input.newPassword);
    if (!hash)
        return hasherBusy();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    if (Status updated = m_repository.updatePasswordHash(user.id, *hash); !updated)
        return updated.error();
    Result<QStringList> revoked = m_repository.revokeOtherSessions(
        user.id, caller.sessionId, QStringLiteral("password_changed"));
    if (!revoked)
        return revoked.error();
    if (!tx.commit())
        return databaseUnavailable();
    m_tokens.announceRevoked(user.id, *revoked);
    log::info(QStringLiteral("password_changed"),
              {{QStringLiteral("user_id"), user.id},
               {QStringLiteral("sessions_revoked"), int(revoked->size())}});
    return Ok {};
}

QString effectiveStatus(const UserRecord &user, const QDateTime &now)
{
    if (user.deleted())
        return QStringLiteral("deleted");
    if (user.banned())
        return QStringLiteral("banned");
    if (user.restricted(now))
        return QStringLiteral("restricted");
    return QStringLiteral("active");
}

QString IdentityService::nicknameOf(const QString &userId) const
{
    Result<std::optional<PublicProfile>> profile = m_profiles.publicProfile(userId);
    return profile && profile->has_value() ? (*profile)->nickname : QString();
}

Result<std::optional<QDateTime>> IdentityService::accountCreatedAt(const QString &userId,
                                                                   bool includeDeleted) const
{
    Result<std::optional<UserRecord>> found = m_repository.findUserById(userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (!includeDeleted && (*found)->deleted()))
        return std::optional<QDateTime>();
    return std::optional<QDateTime>((*found)->createdAt);
}

Status IdentityService::checkPassword(const UserRecord &user, const QString &password,
                                      const QString &address) const
{
    // Accounts without a password (social-only) cannot confirm this way; they are still
    // counted and take a hash's time, like a wrong password.
    const ThrottleAttempt attempt = m_throttle->reserve(user.email, address);
    if (!attempt.allowed())
        return lockedOut(attempt.retryAfterSeconds);
    const std::optional<bool> verified = user.passwordHash.isEmpty()
        ? PasswordHasher::verifyUnknown(password)
        : PasswordHasher::verify(user.passwordHash, password);
    if (!verified) {
        m_throttle->released(user.email, address, attempt);
        return hasherBusy();
    }
    if (!*verified) {
        if (attempt.lockSeconds > 0)
            log::warning(QStringLiteral("password_check_locked"),
                         {{QStringLiteral("user_id"), user.id},
                          {QStringLiteral("lock_seconds"), attempt.lockSeconds},
                          {QStringLiteral("address"), address}});
        return AppError::forbidden(QStringLiteral("The password is wrong"));
    }
    m_throttle->succeeded(user.email, address);
    return Ok {};
}

Status IdentityService::confirmPassword(const QString &userId, const QString &password,
                                        const QString &address) const
{
    Result<std::optional<UserRecord>> found = m_repository.findUserById(userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->deleted())
        return AppError::unauthorized();
    if (Status checked = checkPassword(**found, password, address); !checked) {
        if (checked.error().code != ErrorCode::Forbidden)
            return checked.error();
        AppError wrong = AppError::forbidden(QStringLiteral("The password is wrong"));
        wrong.details = QJsonObject {
            {QStringLiteral("fields"),
             QJsonObject {{QStringLiteral("password"), QStringLiteral("is not your password")}}}};
        return wrong;
    }
    return Ok {};
}

Status IdentityService::confirmOwner(const Caller &caller, const QString &password,
                                     const QString &clientAddress) const
{
    Result<std::optional<UserRecord>> found = m_repository.findUserById(caller.userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->deleted())
        return AppError::unauthorized();
    if ((*found)->passwordHash.isEmpty()) {
        // No password to ask for: a sign-in with the provider just now stands for it.
        Result<std::optional<QDateTime>> opened = m_repository.sessionOpenedAt(caller.sessionId);
        if (!opened)
            return opened.error();
        if (opened->has_value() && (*opened)->secsTo(utcNow()) <= kRecentSignInSeconds)
            return Ok {};
        return AppError::forbidden(
                   QStringLiteral(
                       "Sign in again with your provider, then confirm within 10 minutes"))
            .because(QStringLiteral("recent_sign_in_required"));
    }
    if (password.isEmpty())
        return AppError::validation(
            {{QStringLiteral("password"), QStringLiteral("required: your current password")}});
    return confirmPassword(caller.userId, password, clientAddress);
}

Result<QList<admin::User>> IdentityService::staffView(const QList<UserRecord> &users) const
{
    QStringList ids;
    for (const UserRecord &u : users)
        ids << u.id;
    Result<QHash<QString, PublicProfile>> profiles = m_profiles.publicProfiles(ids);
    if (!profiles)
        return profiles.error();
    Result<QHash<QString, int>> sessions = m_repository.liveSessionCounts(ids);
    if (!sessions)
        return sessions.error();
    Result<QHash<QString, QStringList>> providers = m_repository.providersOf(ids);
    if (!providers)
        return providers.error();
    QHash<QString, UserStanding> standings;
    if (m_ports.standings) {
        Result<QHash<QString, UserStanding>> found = m_ports.standings(ids);
        if (!found)
            return found.error();
        standings = *found;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<admin::User> view;
    for (const UserRecord &u : users) {
        admin::User a;
        a.id = u.id;
        a.email = u.email;
        // A deleted account's profile is scrubbed and no longer public: it keeps its label.
        a.nickname = u.deleted() ? QStringLiteral("Deleted user") : profiles->value(u.id).nickname;
        // Staff see the avatar (a signed URL, or the external URL set with PUT /api/profile).
        a.avatarUrl = u.deleted() ? QString() : profiles->value(u.id).avatarUrl;
        a.status = effectiveStatus(u, now);
        a.role = roleName(u.role);
        a.createdAt = u.createdAt;
        a.lastSeenAt = u.lastSeenAt;
        a.restrictedUntil = u.restrictedUntil;
        a.bannedAt = u.bannedAt;
        const UserStanding standing = standings.value(u.id);
        a.trustScore = standing.trustScore;
        a.openReportsAgainst = standing.openReportsAgainst;
        a.reportsFiled = standing.reportsFiled;
        a.activeSessions = sessions->value(u.id);
        if (!u.passwordHash.isEmpty())
            a.signInMethods << QStringLiteral("password");
        a.signInMethods << providers->value(u.id);
        view.append(a);
    }
    return view;
}

Result<admin::User> IdentityService::staffViewOf(const QString &userId) const
{
    Result<std::optional<UserRecord>> found = m_repository.findAccount(userId, false);
    if (!found)
        return found.error();
    if (!found->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    Result<QList<admin::User>> view = staffView({**found});
    if (!view)
        return view.error();
    return view->first();
}

Result<Page<admin::User, int>> IdentityService::searchUsers(const Caller &staff,
                                                            const QString &query,
                                                            const PageRequest<int> &page) const
{
    const int offset = page.after.value_or(0);
    // Nicknames belong to the profile domain: it names the accounts whose nickname matches.
    Result<QStringList> byNickname = m_profiles.userIdsWithNicknamePrefix(query);
    if (!byNickname)
        return byNickname.error();
    Result<QList<UserRecord>> users =
        m_repository.searchAccounts(query, *byNickname, page.limit + 1, offset);
    if (!users)
        return users.error();
    Result<QList<admin::User>> view = staffView(*users);
    if (!view)
        return view.error();
    // Results carry emails: a read of private data.
    if (Status s = m_admin.record(staff, QStringLiteral("user.search"), QStringLiteral("user"), {},
                                  {}, {{QStringLiteral("query"), query}});
        !s)
        return s.error();
    return paging::offsetPage(std::move(*view), page.limit, offset);
}

Result<admin::User> IdentityService::user(const Caller &staff, const QString &id) const
{
    if (!validation::isUuid(id))
        return AppError::notFound(QStringLiteral("No such user"));
    Result<admin::User> view = staffViewOf(id);
    if (!view)
        return view.error();
    if (Status s = m_admin.record(staff, QStringLiteral("user.view"), QStringLiteral("user"), id);
        !s)
        return s.error();
    return view;
}

Status IdentityService::removeAvatar(const Caller &staff, const QString &id) const
{
    if (!validation::isUuid(id))
        return AppError::notFound(QStringLiteral("No such user"));
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<UserRecord>> target = m_repository.findUserById(id);
    if (!target)
        return target.error();
    if (!*target)
        return AppError::notFound(QStringLiteral("No such user"));
    if (Status s = m_avatars.removeByStaff(id, staff.userId); !s)
        return s;
    if (Status s =
            m_admin.record(staff, QStringLiteral("user.avatar_remove"), QStringLiteral("user"), id);
        !s)
        return s;
    if (!tx.commit())
        return databaseUnavailable();
    return Ok {};
}

Status IdentityService::applyStatus(const Caller &staff, const UserRecord &target,
                                    const QString &status, const QDateTime &restrictedUntil,
                                    bool throughConfirmedReport) const
{
    const StaffTarget rulesTarget {target.id, target.role, target.banned(), target.deleted()};
    if (std::optional<AppError> refused =
            AdminRules::statusChangeRefusal(staff, rulesTarget, status, throughConfirmedReport))
        return *refused;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (Status s = m_repository.setStatus(target.id, status, restrictedUntil, now); !s)
        return s.error();
    if (status == QLatin1String("banned")) {
        // Every session: keep none (an empty id would bind as NULL and match nothing).
        Result<QStringList> revoked = m_repository.revokeOtherSessions(
            target.id, QStringLiteral("-"), QStringLiteral("admin"));
        if (!revoked)
            return revoked.error();
        // A ban ends what the account takes part in (the conversation domain closes its chats).
        if (Status s = m_events.publish(AccountBanned {target.id, staff.userId}); !s)
            return s.error();
        Transaction::afterCommit(
            [this, userId = target.id, ids = *revoked] { m_tokens.announceRevoked(userId, ids); });
    } else if (status == QLatin1String("restricted")) {
        if (Status s = m_events.publish(AccountRestricted {target.id, staff.userId}); !s)
            return s.error();
    }
    Transaction::afterCommit([this, userId = target.id] { m_tokens.forgetUser(userId); });
    return Ok {};
}

Result<admin::User> IdentityService::changeStatus(const Caller &staff, const QString &id,
                                                  const admin::StatusChange &change) const
{
    if (const QJsonObject problems = change.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validation::isUuid(id))
        return AppError::notFound(QStringLiteral("No such user"));
    if (change.restrictedUntil.isValid() &&
        change.restrictedUntil <= QDateTime::currentDateTimeUtc())
        return AppError::validation(
            {{QStringLiteral("restricted_until"), QStringLiteral("must be in the future")}});
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<UserRecord>> target = m_repository.findAccount(id, true);
    if (!target)
        return target.error();
    if (!target->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    const QString before = (*target)->banned() ? QStringLiteral("banned") : (*target)->status;
    if (Status s = applyStatus(staff, **target, change.status, change.restrictedUntil, false); !s)
        return s.error();
    QJsonObject metadata {{QStringLiteral("from"), before}, {QStringLiteral("to"), change.status}};
    if (change.restrictedUntil.isValid())
        metadata.insert(QStringLiteral("restricted_until"), toWireTime(change.restrictedUntil));
    if (Status s = m_admin.record(staff, QStringLiteral("user.status"), QStringLiteral("user"), id,
                                  change.note, metadata);
        !s)
        return s.error();
    Result<admin::User> after = staffViewOf(id);
    if (!after)
        return after.error();
    if (!tx.commit())
        return databaseUnavailable();
    return after;
}

Result<admin::User> IdentityService::changeRole(const Caller &staff, const QString &id,
                                                const admin::RoleChange &change) const
{
    if (const QJsonObject problems = change.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validation::isUuid(id))
        return AppError::notFound(QStringLiteral("No such user"));
    if (std::optional<AppError> refused =
            AdminRules::roleChangeRefusal(staff, StaffTarget {id, Role::User, false, false}))
        return *refused;
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<UserRecord>> target = m_repository.findAccount(id, true);
    if (!target)
        return target.error();
    if (!target->has_value() || (*target)->deleted())
        return AppError::notFound(QStringLiteral("No such user"));
    const Role role = roleFromName(change.role).value_or(Role::User);
    if (Status s = m_repository.setRole(id, role); !s)
        return s.error();
    if (Status s = m_admin.record(staff, QStringLiteral("user.role"), QStringLiteral("user"), id,
                                  change.note,
                                  {{QStringLiteral("from"), roleName((*target)->role)},
                                   {QStringLiteral("to"), change.role}});
        !s)
        return s.error();
    Transaction::afterCommit([this, id] { m_tokens.forgetUser(id); });
    Result<admin::User> after = staffViewOf(id);
    if (!after)
        return after.error();
    if (!tx.commit())
        return databaseUnavailable();
    return after;
}

Status IdentityService::applyReportAction(const Caller &staff, const QString &userId,
                                          const QString &status,
                                          const QDateTime &restrictedUntil) const
{
    Result<std::optional<UserRecord>> target = m_repository.findAccount(userId, true);
    if (!target)
        return target.error();
    if (!target->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    // An account already banned stays banned (a restrict must not lift the ban).
    if ((*target)->banned())
        return Ok {};
    return applyStatus(staff, **target, status, restrictedUntil, true);
}

Result<admin::UserBrief> IdentityService::brief(const QString &userId) const
{
    admin::UserBrief b;
    b.userId = userId;
    Result<std::optional<UserRecord>> found = m_repository.findAccount(userId, false);
    if (!found)
        return found.error();
    if (!found->has_value())
        return b;
    const UserRecord &u = **found;
    if (u.deleted()) {
        b.nickname = QStringLiteral("Deleted user");
    } else {
        // Staff see the avatar (a report of an inappropriate one is judged by looking at it).
        Result<std::optional<PublicProfile>> profile = m_profiles.publicProfile(userId);
        if (!profile)
            return profile.error();
        if (*profile) {
            b.nickname = (*profile)->nickname;
            b.avatarUrl = (*profile)->avatarUrl;
        }
    }
    b.status = effectiveStatus(u, QDateTime::currentDateTimeUtc());
    b.role = roleName(u.role);
    return b;
}

Result<QJsonObject> IdentityService::exportFor(const QString &userId) const
{
    return m_repository.exportFor(userId);
}

Status IdentityService::eraseFor(const QString &userId, const QDateTime &now) const
{
    // The row lock serialises two deletions racing each other (and a ban racing this one).
    Result<std::optional<QString>> status = m_repository.lockStatus(userId);
    if (!status)
        return status.error();
    if (!status->has_value() || **status == QLatin1String("deleted"))
        return AppError::unauthorized();
    if (Status s = m_repository.scrub(userId, now); !s)
        return s.error();
    // Every session, the current one included ("-" matches no session id).
    Result<QStringList> revoked = m_repository.revokeOtherSessions(
        userId, QStringLiteral("-"), QStringLiteral("account_deleted"));
    if (!revoked)
        return revoked.error();
    Transaction::afterCommit([this, userId, ids = *revoked] {
        m_tokens.announceRevoked(userId, ids);
        m_tokens.forgetUser(userId);
    });
    return Ok {};
}

QString IdentityService::seedFirstAdmin() const
{
    Result<bool> exists = m_repository.adminExists();
    if (!exists)
        return QStringLiteral("cannot look for an admin account: %1").arg(exists.error().message);
    if (*exists)
        return {};

    const QString email = IdentityRules::normaliseEmail(m_settings.adminEmail);
    Result<bool> taken = m_repository.emailTaken(email);
    if (taken && *taken) {
        log::warning(QStringLiteral("admin_seed_skipped"),
                     {{QStringLiteral("reason"),
                       QStringLiteral("FP_ADMIN_EMAIL belongs to an existing non-admin account")}});
        return {};
    }

    const bool generated = m_settings.adminPassword.isEmpty();
    const QString password =
        generated ? PasswordHasher::randomPassword(20) : m_settings.adminPassword;
    // Written before the account exists: an account whose password nobody could read is worse
    // than a file that names an unused one.
    if (generated) {
        if (const QString error = writeOwnerOnlyFile(m_settings.adminPasswordFile, password);
            !error.isEmpty())
            return QStringLiteral("cannot write the admin password to %1: %2")
                .arg(m_settings.adminPasswordFile, error);
    }
    const std::optional<QByteArray> hash = PasswordHasher::hash(password);
    if (!hash)
        return QStringLiteral("cannot hash the admin password");

    const NewUser admin {Sql::newId(), email, *hash, QStringLiteral("admin"), Role::Admin};
    Transaction tx;
    if (!tx.begin())
        return QStringLiteral("cannot open a transaction to create the admin account");
    if (Status s = m_repository.insertUser(admin); !s)
        return QStringLiteral("cannot create the admin account: %1").arg(s.error().message);
    if (Status s = m_profiles.createProfile(admin.id, admin.nickname); !s)
        return QStringLiteral("cannot create the admin account: %1").arg(s.error().message);
    if (Status s = recordAccountCreated(admin, {}); !s)
        return QStringLiteral("cannot create the admin account: %1").arg(s.error().message);
    if (!tx.commit())
        return QStringLiteral("cannot create the admin account: the commit failed");

    log::info(QStringLiteral("admin_seeded"), {{QStringLiteral("user_id"), admin.id}});
    // Where the password is, never the password: stdout is usually collected with the logs.
    const QString where = generated
        ? QStringLiteral("in %1 (readable by its owner only)")
              .arg(QFileInfo(m_settings.adminPasswordFile).absoluteFilePath())
        : QStringLiteral("the one in FP_ADMIN_PASSWORD");
    std::printf("\n  First admin account created.\n    email:    %s\n    password: %s\n\n",
                qPrintable(email), qPrintable(where));
    std::fflush(stdout);
    return {};
}

Status IdentityService::purgeEndedSessions(const QDateTime &now) const
{
    const Result<int> purged =
        m_repository.purgeEndedSessions(now.addDays(-1), now.addDays(-90), 5000);
    if (!purged)
        return purged.error();
    return Ok {};
}

} // namespace fp
