#include "server/identity/IdentityService.h"

#include "server/core/Log.h"
#include "server/identity/Jwt.h"
#include "server/identity/PasswordHasher.h"
#include "server/identity/TokenVerifier.h"
#include "server/storage/Database.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>
#include <sodium.h>

namespace fp {

namespace {

// One message for every failed login, whatever failed: nothing tells a guesser which part.
const QString kLoginFailed = QStringLiteral("Wrong email or password");
const QString kRefreshFailed =
    QStringLiteral("The refresh token is invalid, expired or already used");

QSet<QString> loadCommonPasswords()
{
    QSet<QString> list;
    QFile file(QStringLiteral(":/resources/common-passwords.txt"));
    if (!file.open(QIODevice::ReadOnly)) {
        log::error(QStringLiteral("common_passwords_missing"));
        return list;
    }
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty() && !line.startsWith(QLatin1Char('#')))
            list.insert(line.toLower());
    }
    return list;
}

AppError hasherBusy()
{
    return AppError::unavailable(QStringLiteral("The server is busy, try again shortly"), 1);
}

QDateTime utcNow()
{
    return QDateTime::currentDateTimeUtc();
}

} // namespace

namespace IdentityRules {

QString normaliseEmail(const QString &email)
{
    return email.trimmed().toLower();
}

QString emailProblem(const QString &email)
{
    static const QRegularExpression shape(
        QStringLiteral("^[^@\\s]{1,64}@[^@\\s.]+(\\.[^@\\s.]+)+$"));
    if (email.isEmpty())
        return QStringLiteral("is required");
    if (email.size() > kEmailMax)
        return QStringLiteral("must be at most %1 characters").arg(kEmailMax);
    for (const QChar c : email) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return QStringLiteral("must be an email address");
    }
    if (!shape.match(email).hasMatch())
        return QStringLiteral("must be an email address");
    return {};
}

qsizetype codePoints(const QString &text)
{
    qsizetype count = 0;
    for (const QChar c : text) {
        if (!c.isLowSurrogate())
            ++count;
    }
    return count;
}

QString truncateCodePoints(const QString &text, qsizetype max)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i).isLowSurrogate())
            continue;
        if (count == max)
            return text.left(i);
        ++count;
    }
    return text;
}

bool isCommonPassword(const QString &password)
{
    static const QSet<QString> list = loadCommonPasswords();
    return list.contains(password.toLower());
}

QString passwordProblem(const QString &password)
{
    if (!password.isValidUtf16())
        return QStringLiteral("must be valid Unicode text");
    const qsizetype length = codePoints(password);
    if (length < kPasswordMin)
        return QStringLiteral("must be at least %1 characters").arg(kPasswordMin);
    if (length > kPasswordMax)
        return QStringLiteral("must be at most %1 characters").arg(kPasswordMax);
    if (isCommonPassword(password))
        return QStringLiteral("is too common and easily guessed, choose another one");
    return {};
}

QString nicknameProblem(const QString &nickname)
{
    static const QRegularExpression allowed(QStringLiteral("^[\\p{L}\\p{M}\\p{N} _.\\-]+$"));
    static const QRegularExpression letterOrDigit(QStringLiteral("[\\p{L}\\p{N}]"));
    const qsizetype length = codePoints(nickname);
    if (length < kNicknameMin || length > kNicknameMax)
        return QStringLiteral("must be %1 to %2 characters").arg(kNicknameMin).arg(kNicknameMax);
    if (!nickname.isValidUtf16() || !allowed.match(nickname).hasMatch() ||
        !letterOrDigit.match(nickname).hasMatch())
        return QStringLiteral("may contain letters, digits, spaces, _ . and - only");
    return {};
}

QString newRefreshToken()
{
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    const QString token = QStringLiteral("rt_") +
        QString::fromLatin1(Jwt::base64Url(QByteArray(reinterpret_cast<const char *>(bytes), 32)));
    sodium_memzero(bytes, sizeof bytes);
    return token;
}

QString hashRefreshToken(const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(utf8.constData()),
                       quint64(utf8.size()));
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(digest), sizeof digest).toHex());
}

} // namespace IdentityRules

IdentityService::IdentityService(const Config &config)
    : m_secret(config.jwtSecret.toUtf8()),
      m_throttle(std::make_unique<LoginThrottle>(ThrottleSettings {
          config.loginFailureLimit, config.loginLockIncrementSeconds, config.loginLockMaxSeconds,
          12 * 3600, config.loginAddressFailureLimit, 15 * 60}))
{
    (void)IdentityRules::isCommonPassword(QString()); // load the list now, not on first use
}

AppError IdentityService::lockedOut(int retryAfterSeconds)
{
    AppError error = AppError::rateLimited(retryAfterSeconds);
    error.message = QStringLiteral("Too many failed attempts, try again later");
    error.details = QJsonObject {{QStringLiteral("retry_after_seconds"), retryAfterSeconds}};
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
    return QString::fromLatin1(Jwt::sign(claims, m_secret));
}

Result<IssuedTokens> IdentityService::openSession(const UserRecord &user,
                                                  const QString &deviceLabel,
                                                  const ClientInfo &client, const NewUser *newUser)
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
    UserRecord record;
    record.id = user.id;
    record.email = user.email;
    record.status = QStringLiteral("active");
    record.nickname = user.nickname;
    record.createdAt = utcNow();
    Result<IssuedTokens> tokens = openSession(record, {}, client, &user);
    if (!tokens && tokens.error().code == ErrorCode::Conflict)
        return takenWithField; // registered by someone else a moment ago
    if (tokens) {
        // The stored creation time, to the millisecond the database kept.
        if (Result<std::optional<UserRecord>> stored = m_repository.findUserById(user.id);
            stored && stored->has_value())
            tokens->user = **stored;
        log::info(QStringLiteral("account_registered"),
                  {{QStringLiteral("user_id"), tokens->user.id}});
    }
    return tokens;
}

Result<IssuedTokens> IdentityService::login(const LoginInput &input, const ClientInfo &client)
{
    // A locked account is refused before the password is looked at: the answer says nothing
    // about whether the password (or the account) is right.
    if (const int wait = m_throttle->retryAfterSeconds(input.email, client.ipAddress); wait > 0)
        return lockedOut(wait);

    Result<std::optional<UserRecord>> found = m_repository.findUserByEmail(input.email);
    if (!found)
        return found.error();
    const std::optional<UserRecord> &user = *found;

    bool passwordMatches = false;
    if (!user || user->deleted() || user->passwordHash.isEmpty()) {
        PasswordHasher::verifyDummy(input.password); // same time as a real check
    } else {
        const std::optional<bool> verified =
            PasswordHasher::verify(user->passwordHash, input.password);
        if (!verified)
            return hasherBusy();
        passwordMatches = *verified;
    }
    if (!passwordMatches) {
        if (const int lock = m_throttle->recordFailure(input.email, client.ipAddress); lock > 0)
            log::warning(QStringLiteral("login_locked"),
                         {{QStringLiteral("lock_seconds"), lock},
                          {QStringLiteral("address"), client.ipAddress}});
        return AppError::unauthorized(kLoginFailed);
    }
    m_throttle->recordSuccess(input.email);
    if (user->banned()) {
        AppError suspended = AppError::forbidden(QStringLiteral("This account is suspended"));
        suspended.details =
            QJsonObject {{QStringLiteral("reason"), QStringLiteral("account_banned")}};
        return suspended;
    }
    Result<IssuedTokens> tokens = openSession(*user, input.deviceLabel, client);
    if (tokens)
        log::info(QStringLiteral("login"), {{QStringLiteral("user_id"), user->id}});
    return tokens;
}

Result<IssuedTokens> IdentityService::refresh(const QString &refreshToken, const ClientInfo &client)
{
    // An access token (or anything else) is not a refresh token: no lookup needed.
    if (!refreshToken.startsWith(QLatin1String("rt_")))
        return AppError::unauthorized(kRefreshFailed);
    const QString oldHash = IdentityRules::hashRefreshToken(refreshToken);
    const QString newToken = IdentityRules::newRefreshToken();
    const QString newHash = IdentityRules::hashRefreshToken(newToken);

    Result<std::optional<QString>> sessionId = m_repository.sessionIdByRefreshHash(oldHash);
    if (!sessionId)
        return sessionId.error();
    if (!sessionId->has_value())
        return AppError::unauthorized(kRefreshFailed); // unknown, or rotated more than once since

    // Concurrent refreshes of one session queue on its row lock; each then sees what the one
    // before it committed, so exactly one finds the token current and rotates it.
    LockedSession session;
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<std::optional<LockedSession>> locked = m_repository.lockSession(**sessionId);
        if (!locked)
            return locked.error();
        if (!locked->has_value() || (*locked)->revoked)
            return AppError::unauthorized(kRefreshFailed);
        session = **locked;

        if (session.refreshTokenHash != oldHash) {
            if (session.previousRefreshTokenHash == oldHash) {
                // The token was already used: someone else holds a copy of it (or raced the
                // rightful owner). Both parties lose the session.
                Result<bool> revoked = m_repository.revokeSession(session.sessionId, {},
                                                                  QStringLiteral("token_reuse"));
                if (!revoked)
                    return revoked.error();
                if (!tx.commit())
                    return databaseUnavailable();
                log::warning(QStringLiteral("refresh_token_reuse"),
                             {{QStringLiteral("user_id"), session.userId},
                              {QStringLiteral("session_id"), session.sessionId},
                              {QStringLiteral("address"), client.ipAddress}});
                TokenVerifier::announceRevoked(session.userId, {session.sessionId});
            }
            return AppError::unauthorized(kRefreshFailed);
        }
        if (session.expiresAt <= utcNow())
            return AppError::unauthorized(kRefreshFailed);
        Result<bool> rotated = m_repository.rotateRefreshToken(session.sessionId, oldHash, newHash,
                                                               client.ipAddress, client.userAgent);
        if (!rotated)
            return rotated.error();
        if (!*rotated)
            return AppError::unauthorized(kRefreshFailed);
        if (!tx.commit())
            return databaseUnavailable();
    }

    Result<std::optional<UserRecord>> user = m_repository.findUserById(session.userId);
    if (!user)
        return user.error();
    if (!user->has_value() || (*user)->deleted() || (*user)->banned()) {
        (void)m_repository.revokeSession(session.sessionId, {}, QStringLiteral("account_disabled"));
        TokenVerifier::announceRevoked(session.userId, {session.sessionId});
        return AppError::unauthorized(kRefreshFailed);
    }
    (void)m_repository.touchLastSeen((*user)->id);

    IssuedTokens tokens;
    tokens.user = **user;
    tokens.accessToken = accessTokenFor(**user, session.sessionId);
    tokens.refreshToken = newToken;
    tokens.expiresIn = Jwt::kAccessLifetimeSeconds;
    return tokens;
}

Status IdentityService::logout(const QString &refreshToken)
{
    if (!refreshToken.startsWith(QLatin1String("rt_")))
        return Ok {};
    const QString hash = IdentityRules::hashRefreshToken(refreshToken);
    Result<std::optional<QString>> sessionId = m_repository.sessionIdByRefreshHash(hash);
    if (!sessionId)
        return sessionId.error();
    if (!sessionId->has_value())
        return Ok {};
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<LockedSession>> locked = m_repository.lockSession(**sessionId);
    if (!locked)
        return locked.error();
    // The current token or the one just rotated away: either way its holder wants it over.
    if (!locked->has_value() || (*locked)->revoked ||
        ((*locked)->refreshTokenHash != hash && (*locked)->previousRefreshTokenHash != hash))
        return Ok {};
    Result<bool> revoked =
        m_repository.revokeSession((*locked)->sessionId, {}, QStringLiteral("logout"));
    if (!revoked)
        return revoked.error();
    if (!tx.commit())
        return databaseUnavailable();
    TokenVerifier::announceRevoked((*locked)->userId, {(*locked)->sessionId});
    return Ok {};
}

Result<SessionPage> IdentityService::listSessions(const Caller &caller, int limit,
                                                  const SessionCursor &after)
{
    Result<QList<SessionRecord>> rows =
        m_repository.listLiveSessions(caller.userId, limit + 1, after);
    if (!rows)
        return rows.error();
    SessionPage page;
    page.items = std::move(*rows);
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.next = SessionCursor {page.items.last().lastUsedAt, page.items.last().id};
    }
    return page;
}

Status IdentityService::revokeSession(const Caller &caller, const QString &sessionId)
{
    Result<bool> revoked =
        m_repository.revokeSession(sessionId, caller.userId, QStringLiteral("user_revoked"));
    if (!revoked)
        return revoked.error();
    if (!*revoked)
        return AppError::notFound(QStringLiteral("No such session"));
    TokenVerifier::announceRevoked(caller.userId, {sessionId});
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
    TokenVerifier::announceRevoked(caller.userId, *revoked);
    return Ok {};
}

Status IdentityService::changePassword(const Caller &caller, const PasswordChangeInput &input,
                                       const ClientInfo &client)
{
    Result<std::optional<UserRecord>> found = m_repository.findUserById(caller.userId);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->passwordHash.isEmpty())
        return AppError::unauthorized();
    const UserRecord &user = **found;

    if (!user.email.isEmpty() && input.newPassword.toLower() == user.email)
        return AppError::validation(
            {{QStringLiteral("new_password"), QStringLiteral("must not be your email address")}});
    if (const int wait = m_throttle->retryAfterSeconds(user.email, client.ipAddress); wait > 0)
        return lockedOut(wait);
    const std::optional<bool> verified =
        PasswordHasher::verify(user.passwordHash, input.currentPassword);
    if (!verified)
        return hasherBusy();
    if (!*verified) {
        m_throttle->recordFailure(user.email, client.ipAddress);
        AppError wrong = AppError::forbidden(QStringLiteral("The current password is wrong"));
        wrong.details =
            QJsonObject {{QStringLiteral("fields"),
                          QJsonObject {{QStringLiteral("current_password"),
                                        QStringLiteral("is not your current password")}}}};
        return wrong;
    }
    m_throttle->recordSuccess(user.email);

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
    TokenVerifier::announceRevoked(user.id, *revoked);
    log::info(QStringLiteral("password_changed"),
              {{QStringLiteral("user_id"), user.id},
               {QStringLiteral("sessions_revoked"), int(revoked->size())}});
    return Ok {};
}

} // namespace fp
