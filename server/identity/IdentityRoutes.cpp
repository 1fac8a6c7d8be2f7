#include "server/identity/IdentityRoutes.h"

#include "common/Time.h"
#include "server/core/Router.h"
#include "server/identity/IdentityService.h"
#include "server/identity/Jwt.h"

#include <QJsonDocument>
#include <QTimeZone>
#include <QUuid>
#include <initializer_list>
#include <memory>

namespace fp {

namespace {

constexpr int kDeviceLabelMax = 100;
constexpr int kUserAgentMax = 512;
constexpr int kRefreshTokenMax = 512;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

/// Reads the fields of a JSON body, collecting every problem so one answer names them all.
class Fields
{
public:
    Fields(const RequestContext &ctx, std::initializer_list<const char *> known)
        : m_body(ctx.json.toObject())
    {
        if (!ctx.json.isObject()) {
            problem(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
            return;
        }
        for (auto it = m_body.begin(); it != m_body.end(); ++it) {
            bool isKnown = false;
            for (const char *name : known)
                isKnown = isKnown || it.key() == QLatin1String(name);
            if (!isKnown)
                problem(it.key(), QStringLiteral("is not a known field"));
        }
    }

    /// The string `name`; a missing, null or empty one is a problem when `required`.
    std::optional<QString> string(const char *name, bool required)
    {
        const QString key = QString::fromLatin1(name);
        const QJsonValue value = m_body.value(key);
        if (value.isUndefined() || value.isNull() ||
            (value.isString() && value.toString().isEmpty())) {
            if (required && m_body.contains(key) && value.isString())
                problem(key, QStringLiteral("must not be empty"));
            else if (required)
                problem(key, QStringLiteral("is required"));
            return std::nullopt;
        }
        if (!value.isString()) {
            problem(key, QStringLiteral("must be a string"));
            return std::nullopt;
        }
        return value.toString();
    }

    void problem(const QString &field, const QString &what)
    {
        if (!m_problems.contains(field))
            m_problems.insert(field, what);
    }
    bool ok() const { return m_problems.isEmpty(); }
    AppError error() const { return AppError::validation(m_problems); }

private:
    QJsonObject m_body;
    QJsonObject m_problems;
};

bool hasControlCharacters(const QString &text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

/// Free text from a header: invalid UTF-8 replaced, control characters dropped, bounded.
QString cleanHeaderText(const QByteArray &raw, qsizetype max)
{
    QString text = QString::fromUtf8(raw);
    text.removeIf([](QChar c) { return c.category() == QChar::Other_Control; });
    return IdentityRules::truncateCodePoints(text.trimmed(), max);
}

ClientInfo clientOf(const RequestContext &ctx)
{
    ClientInfo client;
    bool isV4 = false;
    const quint32 v4 = ctx.clientAddress.toIPv4Address(&isV4);
    if (isV4) {
        client.ipAddress = QHostAddress(v4).toString(); // also for ::ffff:a.b.c.d
    } else {
        QHostAddress plain = ctx.clientAddress;
        plain.setScopeId(QString());
        client.ipAddress = plain.toString();
    }
    client.userAgent = cleanHeaderText(ctx.header("user-agent"), kUserAgentMax);
    return client;
}

QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonObject toJson(const UserRecord &user)
{
    return {{QStringLiteral("id"), user.id},
            {QStringLiteral("email"), user.email},
            {QStringLiteral("nickname"), user.nickname},
            {QStringLiteral("created_at"), toWireTime(user.createdAt)}};
}

QJsonObject toJson(const IssuedTokens &tokens)
{
    return {{QStringLiteral("user"), toJson(tokens.user)},
            {QStringLiteral("access_token"), tokens.accessToken},
            {QStringLiteral("refresh_token"), tokens.refreshToken},
            {QStringLiteral("token_type"), QStringLiteral("Bearer")},
            {QStringLiteral("expires_in"), tokens.expiresIn}};
}

QJsonObject toJson(const SessionRecord &session, const QString &currentSessionId)
{
    return {{QStringLiteral("id"), session.id},
            {QStringLiteral("device_label"), nullable(session.deviceLabel)},
            {QStringLiteral("ip_address"), nullable(session.ipAddress)},
            {QStringLiteral("user_agent"), nullable(session.userAgent)},
            {QStringLiteral("created_at"), toWireTime(session.createdAt)},
            {QStringLiteral("last_used_at"), toWireTime(session.lastUsedAt)},
            {QStringLiteral("current"), session.id == currentSessionId}};
}

HttpResponse tokenResponse(int status, const Result<IssuedTokens> &tokens)
{
    if (!tokens)
        return tokens.error();
    // Tokens must never be kept by a cache between the client and us (RFC 6749 5.1).
    return HttpResponse::json(status, toJson(*tokens)).withHeader("Cache-Control", "no-store");
}

HttpResponse noContent(const Status &status)
{
    if (!status)
        return status.error();
    return HttpResponse::noContent();
}

QString encodeCursor(const SessionCursor &cursor)
{
    const QJsonObject object {{QStringLiteral("t"), double(cursor.lastUsedAt.toMSecsSinceEpoch())},
                              {QStringLiteral("i"), cursor.id}};
    return QString::fromLatin1(
        Jwt::base64Url(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}

std::optional<SessionCursor> decodeCursor(const QString &text)
{
    if (text.size() > 512)
        return std::nullopt;
    const std::optional<QByteArray> bytes = Jwt::fromBase64Url(text.toLatin1());
    if (!bytes)
        return std::nullopt;
    const QJsonObject object = QJsonDocument::fromJson(*bytes).object();
    const QJsonValue t = object.value(QStringLiteral("t"));
    const QString id = object.value(QStringLiteral("i")).toString();
    if (!t.isDouble() || QUuid::fromString(id).isNull() || id.size() != 36)
        return std::nullopt;
    return SessionCursor {QDateTime::fromMSecsSinceEpoch(qint64(t.toDouble()), QTimeZone::utc()),
                          id};
}

/// A lowercase canonical UUID, as every id of this API.
bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
}

std::optional<QString> refreshTokenField(Fields &fields)
{
    std::optional<QString> token = fields.string("refresh_token", true);
    if (token && token->size() > kRefreshTokenMax) {
        fields.problem(QStringLiteral("refresh_token"),
                       QStringLiteral("must be at most %1 characters").arg(kRefreshTokenMax));
        return std::nullopt;
    }
    return token;
}

HttpResponse registerAccount(IdentityService &service, RequestContext &ctx)
{
    Fields f(ctx, {"email", "password", "nickname"});
    RegisterInput input;
    if (const auto email = f.string("email", true)) {
        input.email = IdentityRules::normaliseEmail(*email);
        if (const QString problem = IdentityRules::emailProblem(input.email); !problem.isEmpty())
            f.problem(QStringLiteral("email"), problem);
    }
    if (const auto password = f.string("password", true)) {
        input.password = *password;
        QString problem = IdentityRules::passwordProblem(input.password);
        if (problem.isEmpty() && !input.email.isEmpty() && input.password.toLower() == input.email)
            problem = QStringLiteral("must not be your email address");
        if (!problem.isEmpty())
            f.problem(QStringLiteral("password"), problem);
    }
    if (const auto nickname = f.string("nickname", true)) {
        input.nickname = nickname->trimmed();
        if (const QString problem = IdentityRules::nicknameProblem(input.nickname);
            !problem.isEmpty())
            f.problem(QStringLiteral("nickname"), problem);
    }
    if (!f.ok())
        return f.error();
    return tokenResponse(201, service.registerAccount(input, clientOf(ctx)));
}

HttpResponse login(IdentityService &service, RequestContext &ctx)
{
    Fields f(ctx, {"email", "password", "device_label"});
    LoginInput input;
    if (const auto email = f.string("email", true)) {
        input.email = IdentityRules::normaliseEmail(*email);
        if (input.email.isEmpty())
            f.problem(QStringLiteral("email"), QStringLiteral("must not be empty"));
        else if (input.email.size() > IdentityRules::kEmailMax)
            f.problem(
                QStringLiteral("email"),
                QStringLiteral("must be at most %1 characters").arg(IdentityRules::kEmailMax));
    }
    if (const auto password = f.string("password", true)) {
        input.password = *password;
        if (IdentityRules::codePoints(input.password) > IdentityRules::kPasswordMax)
            f.problem(
                QStringLiteral("password"),
                QStringLiteral("must be at most %1 characters").arg(IdentityRules::kPasswordMax));
    }
    if (const auto label = f.string("device_label", false)) {
        input.deviceLabel = label->trimmed();
        if (input.deviceLabel.isEmpty() ||
            IdentityRules::codePoints(input.deviceLabel) > kDeviceLabelMax ||
            hasControlCharacters(input.deviceLabel) || !input.deviceLabel.isValidUtf16())
            f.problem(QStringLiteral("device_label"),
                      QStringLiteral("must be 1 to %1 characters, without control characters")
                          .arg(kDeviceLabelMax));
    }
    if (!f.ok())
        return f.error();
    return tokenResponse(200, service.login(input, clientOf(ctx)));
}

HttpResponse refresh(IdentityService &service, RequestContext &ctx)
{
    Fields f(ctx, {"refresh_token"});
    const std::optional<QString> token = refreshTokenField(f);
    if (!f.ok())
        return f.error();
    return tokenResponse(200, service.refresh(*token, clientOf(ctx)));
}

HttpResponse logout(IdentityService &service, RequestContext &ctx)
{
    Fields f(ctx, {"refresh_token"});
    const std::optional<QString> token = refreshTokenField(f);
    if (!f.ok())
        return f.error();
    return noContent(service.logout(*token));
}

HttpResponse listSessions(IdentityService &service, RequestContext &ctx)
{
    QJsonObject problems;
    int limit = kDefaultPageSize;
    if (ctx.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = ctx.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxPageSize)
            problems.insert(QStringLiteral("query.limit"),
                            QStringLiteral("must be an integer from 1 to %1").arg(kMaxPageSize));
    }
    SessionCursor after;
    if (ctx.query.hasQueryItem(QStringLiteral("cursor"))) {
        const std::optional<SessionCursor> cursor =
            decodeCursor(ctx.query.queryItemValue(QStringLiteral("cursor")));
        if (cursor)
            after = *cursor;
        else
            problems.insert(QStringLiteral("query.cursor"),
                            QStringLiteral("is not a cursor this server issued"));
    }
    if (!problems.isEmpty())
        return AppError::validation(problems);

    Result<SessionPage> page = service.listSessions(*ctx.caller, limit, after);
    if (!page)
        return page.error();
    QJsonArray items;
    for (const SessionRecord &session : std::as_const(page->items))
        items.append(toJson(session, ctx.caller->sessionId));
    return HttpResponse::json(200,
                              QJsonObject {{QStringLiteral("items"), items},
                                           {QStringLiteral("next_cursor"),
                                            page->next ? QJsonValue(encodeCursor(*page->next))
                                                       : QJsonValue(QJsonValue::Null)}});
}

HttpResponse revokeSession(IdentityService &service, RequestContext &ctx)
{
    const QString id = ctx.param(QStringLiteral("id"));
    if (!isUuid(id))
        return AppError::notFound(QStringLiteral("No such session"));
    return noContent(service.revokeSession(*ctx.caller, id));
}

HttpResponse logoutOthers(IdentityService &service, RequestContext &ctx)
{
    return noContent(service.logoutOtherSessions(*ctx.caller));
}

HttpResponse changePassword(IdentityService &service, RequestContext &ctx)
{
    Fields f(ctx, {"current_password", "new_password"});
    PasswordChangeInput input;
    if (const auto current = f.string("current_password", true)) {
        input.currentPassword = *current;
        if (IdentityRules::codePoints(input.currentPassword) > IdentityRules::kPasswordMax)
            f.problem(
                QStringLiteral("current_password"),
                QStringLiteral("must be at most %1 characters").arg(IdentityRules::kPasswordMax));
    }
    if (const auto next = f.string("new_password", true)) {
        input.newPassword = *next;
        QString problem = IdentityRules::passwordProblem(input.newPassword);
        if (problem.isEmpty() && input.newPassword == input.currentPassword)
            problem = QStringLiteral("must differ from the current password");
        if (!problem.isEmpty())
            f.problem(QStringLiteral("new_password"), problem);
    }
    if (!f.ok())
        return f.error();
    return noContent(service.changePassword(*ctx.caller, input, clientOf(ctx)));
}

} // namespace

void registerIdentityRoutes(Router &router, const Config &config)
{
    auto service = std::make_shared<IdentityService>(config);
    auto bind = [service](HttpResponse (*handler)(IdentityService &, RequestContext &)) {
        return [service, handler](RequestContext &ctx) {
            return handler(*service, ctx);
        };
    };

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/register"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = bind(registerAccount)});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/login"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = bind(login)});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/refresh"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = bind(refresh)});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/logout"),
                      .access = Access::Public,
                      .handler = bind(logout)});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/auth/sessions"),
                      .access = Access::User,
                      .handler = bind(listSessions)});
    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/auth/sessions/{id}"),
                      .access = Access::User,
                      .handler = bind(revokeSession)});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/logout-all"),
                      .access = Access::User,
                      .handler = bind(logoutOthers)});
    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/auth/password"),
                      .access = Access::User,
                      .handler = bind(changePassword)});
}

} // namespace fp
