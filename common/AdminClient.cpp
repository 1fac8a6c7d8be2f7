#include "common/AdminClient.h"

#include "common/Time.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUuid>

namespace fp::admin {

namespace {

constexpr int kTransferTimeoutMs = 10000;
constexpr int kProbeIntervalMs = 2000;
// Refresh this long before the access token expires, so a call never races its expiry.
constexpr int kRefreshMarginSeconds = 60;

QJsonObject jwtPayload(const QString &token)
{
    const QStringList parts = token.split(QLatin1Char('.'));
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(QByteArray::fromBase64(parts[1].toLatin1(),
                                                          QByteArray::Base64UrlEncoding |
                                                              QByteArray::OmitTrailingEquals))
        .object();
}

AppError unreachableError(const QString &why)
{
    AppError error = AppError::unavailable(QStringLiteral("Cannot reach the server (%1)").arg(why));
    error.details.insert(QStringLiteral("unreachable"), true);
    return error;
}

AppError errorFromBody(int status, const QJsonObject &body)
{
    AppError error;
    const std::optional<ErrorCode> code =
        errorCodeFromName(body.value(QStringLiteral("code")).toString());
    error.code = code.value_or(status == 401       ? ErrorCode::Unauthorized
                                   : status == 403 ? ErrorCode::Forbidden
                                   : status == 404 ? ErrorCode::NotFound
                                                   : ErrorCode::Internal);
    error.message = body.value(QStringLiteral("message")).toString();
    if (error.message.isEmpty())
        error.message = QStringLiteral("The server answered HTTP %1").arg(status);
    error.details = body.value(QStringLiteral("details")).toObject();
    return error;
}

QString wire(const QDateTime &t)
{
    return toWireTime(t);
}

} // namespace

AdminClient::AdminClient(QObject *parent)
    : QObject(parent), m_network(new QNetworkAccessManager(this))
{
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] { refresh({}); });
    m_probeTimer.setInterval(kProbeIntervalMs);
    connect(&m_probeTimer, &QTimer::timeout, this, &AdminClient::probe);
}

void AdminClient::setServer(const QUrl &server)
{
    m_server = server;
    m_server.setPath(QString());
}

bool AdminClient::isUnreachable(const AppError &error)
{
    return error.details.value(QStringLiteral("unreachable")).toBool();
}

void AdminClient::login(const QString &email, const QString &password, Callback<Identity> done)
{
    Call call {.method = "POST",
               .path = QStringLiteral("/api/auth/login"),
               .body = {{QStringLiteral("email"), email},
                        {QStringLiteral("password"), password},
                        {QStringLiteral("device_label"), QStringLiteral("friendship-console")}},
               .authenticated = false};
    call.done = [this, email, done](int, const QJsonDocument &body, const AppError *error) {
        if (error) {
            done(*error);
            return;
        }
        acceptTokens(body.object());
        m_identity.email = email;
        done(m_identity);
    };
    send(std::move(call));
}

void AdminClient::resume(const QString &refreshToken, Callback<Identity> done)
{
    m_refreshToken = refreshToken;
    refresh([this, done](const AppError *error) {
        if (error)
            done(*error);
        else
            done(m_identity);
    });
}

void AdminClient::logout(Callback<Ok> done)
{
    const QString token = m_refreshToken;
    m_accessToken.clear();
    m_refreshToken.clear();
    m_identity = {};
    m_refreshTimer.stop();
    if (token.isEmpty()) {
        if (done)
            done(Ok {});
        return;
    }
    Call call {.method = "POST",
               .path = QStringLiteral("/api/auth/logout"),
               .body = {{QStringLiteral("refresh_token"), token}},
               .authenticated = false};
    call.done = [done](int, const QJsonDocument &, const AppError *error) {
        if (!done)
            return;
        if (error)
            done(*error);
        else
            done(Ok {});
    };
    send(std::move(call));
}

void AdminClient::acceptTokens(const QJsonObject &tokens)
{
    m_accessToken = tokens.value(QStringLiteral("access_token")).toString();
    m_refreshToken = tokens.value(QStringLiteral("refresh_token")).toString();
    const int expiresIn = tokens.value(QStringLiteral("expires_in")).toInt(900);
    m_accessExpiry = QDateTime::currentDateTimeUtc().addSecs(expiresIn);
    const QJsonObject claims = jwtPayload(m_accessToken);
    m_identity.userId = claims.value(QStringLiteral("sub")).toString();
    m_identity.role = claims.value(QStringLiteral("role")).toString();
    const QJsonObject user = tokens.value(QStringLiteral("user")).toObject();
    if (user.contains(QStringLiteral("email")))
        m_identity.email = user.value(QStringLiteral("email")).toString();
    m_refreshTimer.start(std::max(5, expiresIn - kRefreshMarginSeconds) * 1000);
    Q_EMIT refreshTokenChanged(m_refreshToken);
}

void AdminClient::refresh(std::function<void(const AppError *)> done)
{
    if (done)
        m_waitingForRefresh.append(std::move(done));
    // Refresh tokens rotate: two refreshes in flight would revoke the session, so share one.
    if (m_refreshing)
        return;
    m_refreshing = true;
    Call call {.method = "POST",
               .path = QStringLiteral("/api/auth/refresh"),
               .body = {{QStringLiteral("refresh_token"), m_refreshToken}},
               .authenticated = false};
    call.done = [this](int status, const QJsonDocument &body, const AppError *error) {
        m_refreshing = false;
        const bool failed = error != nullptr;
        if (!failed)
            acceptTokens(body.object());
        else if (status == 401) {
            m_accessToken.clear();
            m_refreshToken.clear();
            m_refreshTimer.stop();
            Q_EMIT sessionExpired(QStringLiteral("Your session ended; please sign in again."));
        } else if (isUnreachable(*error)) {
            m_refreshTimer.start(kProbeIntervalMs * 5); // try again once the server is back
        }
        const auto waiting = std::exchange(m_waitingForRefresh, {});
        for (const auto &callback : waiting)
            callback(failed ? error : nullptr);
    };
    send(std::move(call));
}

void AdminClient::send(Call call)
{
    QUrl url = m_server;
    url.setPath(call.path);
    if (!call.query.isEmpty())
        url.setQuery(call.query);
    QNetworkRequest request(url);
    request.setTransferTimeout(kTransferTimeoutMs);
    if (call.authenticated)
        request.setRawHeader("Authorization", "Bearer " + m_accessToken.toLatin1());
    if (!call.idempotencyKey.isEmpty())
        request.setRawHeader("Idempotency-Key", call.idempotencyKey);
    QByteArray payload;
    if (call.method != "GET") {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        payload = QJsonDocument(call.body).toJson(QJsonDocument::Compact);
    }
    QNetworkReply *reply = m_network->sendCustomRequest(request, call.method, payload);
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, call = std::move(call)]() mutable { deliver(reply, std::move(call)); });
}

void AdminClient::deliver(QNetworkReply *reply, Call call)
{
    reply->deleteLater();
    const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttr.isValid()) {
        setReachable(false);
        const AppError error = unreachableError(reply->errorString());
        call.done(0, {}, &error);
        return;
    }
    setReachable(true);
    const int status = statusAttr.toInt();
    const QJsonDocument body = QJsonDocument::fromJson(reply->readAll());
    if (status == 401 && call.authenticated && !call.retried && !m_refreshToken.isEmpty()) {
        // The access token may have expired under us: refresh once, then replay the call.
        call.retried = true;
        refresh([this, call](const AppError *error) mutable {
            if (error)
                call.done(401, {}, error);
            else
                send(std::move(call));
        });
        return;
    }
    if (status >= 200 && status < 300) {
        call.done(status, body, nullptr);
        return;
    }
    const AppError error = errorFromBody(status, body.object());
    call.done(status, body, &error);
}

void AdminClient::setReachable(bool reachable)
{
    if (reachable == m_reachable)
        return;
    m_reachable = reachable;
    if (reachable)
        m_probeTimer.stop();
    else
        m_probeTimer.start();
    Q_EMIT reachabilityChanged(reachable);
}

void AdminClient::probe()
{
    send(Call {.method = "GET",
               .path = QStringLiteral("/healthz"),
               .authenticated = false,
               .done = [](int, const QJsonDocument &, const AppError *) {
               }});
}

template<typename T> void AdminClient::typed(Call call, Callback<T> done)
{
    call.done = [done](int, const QJsonDocument &body, const AppError *error) {
        if (error)
            done(*error);
        else
            done(T::fromJson(body.object()));
    };
    send(std::move(call));
}

void AdminClient::queueMetrics(int windowMinutes, Callback<QueueMetrics> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("window_minutes"), QString::number(windowMinutes));
    typed<QueueMetrics>(
        {.method = "GET", .path = QStringLiteral("/api/admin/queue/metrics"), .query = q}, done);
}

void AdminClient::queueHistory(int minutes, int stepMinutes, Callback<QueueHistory> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("minutes"), QString::number(minutes));
    q.addQueryItem(QStringLiteral("step_minutes"), QString::number(stepMinutes));
    typed<QueueHistory>(
        {.method = "GET", .path = QStringLiteral("/api/admin/queue/metrics/history"), .query = q},
        done);
}

void AdminClient::reports(const ReportQuery &query, Callback<Page<Report>> done)
{
    QUrlQuery q;
    if (!query.status.isEmpty())
        q.addQueryItem(QStringLiteral("status"), query.status);
    if (!query.severity.isEmpty())
        q.addQueryItem(QStringLiteral("severity"), query.severity);
    if (query.minAgeMinutes > 0)
        q.addQueryItem(QStringLiteral("min_age_minutes"), QString::number(query.minAgeMinutes));
    if (query.escalatedOnly)
        q.addQueryItem(QStringLiteral("escalated"), QStringLiteral("true"));
    if (!query.source.isEmpty())
        q.addQueryItem(QStringLiteral("source"), query.source);
    if (query.claimedByMe)
        q.addQueryItem(QStringLiteral("claimed_by"), QStringLiteral("me"));
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    typed<Page<Report>>({.method = "GET", .path = QStringLiteral("/api/admin/reports"), .query = q},
                        done);
}

void AdminClient::reportMetrics(int windowHours, Callback<ReportMetrics> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("window_hours"), QString::number(windowHours));
    typed<ReportMetrics>(
        {.method = "GET", .path = QStringLiteral("/api/admin/reports/metrics"), .query = q}, done);
}

void AdminClient::report(const QString &id, Callback<ReportDetail> done)
{
    typed<ReportDetail>({.method = "GET", .path = QStringLiteral("/api/admin/reports/") + id},
                        done);
}

void AdminClient::claim(const QString &id, Callback<Report> done)
{
    typed<Report>({.method = "POST", .path = QStringLiteral("/api/admin/reports/%1/claim").arg(id)},
                  done);
}

void AdminClient::act(const QString &id, const ReportActionRequest &request, Callback<Report> done)
{
    // One key per decision: a retry after a lost answer cannot act twice.
    typed<Report>({.method = "POST",
                   .path = QStringLiteral("/api/admin/reports/%1/action").arg(id),
                   .body = request.toJson(),
                   .idempotencyKey = QUuid::createUuid().toByteArray(QUuid::WithoutBraces)},
                  done);
}

void AdminClient::searchUsers(const QString &query, Callback<Page<User>> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("q"), query);
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("100"));
    typed<Page<User>>({.method = "GET", .path = QStringLiteral("/api/admin/users"), .query = q},
                      done);
}

void AdminClient::avatarImage(const QString &signedUrl, Callback<QByteArray> done)
{
    // The signed URL is its own permission: no token, and only this server's paths.
    const QUrl relative(signedUrl);
    if (!relative.isRelative() || !signedUrl.startsWith(QLatin1String("/api/avatars/"))) {
        done(AppError::notFound(QStringLiteral("Not an avatar of this server")));
        return;
    }
    QNetworkRequest request(m_server.resolved(relative));
    request.setTransferTimeout(kTransferTimeoutMs);
    QNetworkReply *reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        reply->deleteLater();
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200) {
            done(AppError::notFound(QStringLiteral("The avatar could not be loaded")));
            return;
        }
        done(reply->readAll());
    });
}

void AdminClient::user(const QString &id, Callback<User> done)
{
    typed<User>({.method = "GET", .path = QStringLiteral("/api/admin/users/") + id}, done);
}

void AdminClient::changeStatus(const QString &id, const StatusChange &change, Callback<User> done)
{
    typed<User>({.method = "PUT",
                 .path = QStringLiteral("/api/admin/users/%1/status").arg(id),
                 .body = change.toJson()},
                done);
}

void AdminClient::changeRole(const QString &id, const RoleChange &change, Callback<User> done)
{
    typed<User>({.method = "PUT",
                 .path = QStringLiteral("/api/admin/users/%1/role").arg(id),
                 .body = change.toJson()},
                done);
}

void AdminClient::trustScore(const QString &id, Callback<TrustScore> done)
{
    typed<TrustScore>(
        {.method = "GET", .path = QStringLiteral("/api/admin/users/%1/trust-score").arg(id)}, done);
}

void AdminClient::trustEvents(const QString &id, Callback<Page<TrustEvent>> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("200"));
    typed<Page<TrustEvent>>({.method = "GET",
                             .path = QStringLiteral("/api/admin/users/%1/trust-events").arg(id),
                             .query = q},
                            done);
}

void AdminClient::trustHistory(const QString &id, const QDateTime &from, const QDateTime &to,
                               Callback<TimeSeries> done)
{
    QUrlQuery q;
    if (from.isValid())
        q.addQueryItem(QStringLiteral("from"), wire(from));
    if (to.isValid())
        q.addQueryItem(QStringLiteral("to"), wire(to));
    typed<TimeSeries>({.method = "GET",
                       .path = QStringLiteral("/api/admin/users/%1/trust-history").arg(id),
                       .query = q},
                      done);
}

void AdminClient::analytics(const QString &metric, const QString &bucket, const QDateTime &from,
                            const QDateTime &to, Callback<TimeSeries> done)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("metric"), metric);
    q.addQueryItem(QStringLiteral("bucket"), bucket);
    if (from.isValid())
        q.addQueryItem(QStringLiteral("from"), wire(from));
    if (to.isValid())
        q.addQueryItem(QStringLiteral("to"), wire(to));
    typed<TimeSeries>(
        {.method = "GET", .path = QStringLiteral("/api/admin/analytics/timeseries"), .query = q},
        done);
}

void AdminClient::getJson(const QString &path, const QUrlQuery &query, Callback<QJsonObject> done)
{
    send({.method = "GET",
          .path = path,
          .query = query,
          .done = [done](int, const QJsonDocument &body, const AppError *error) {
              if (error)
                  done(*error);
              else
                  done(body.object());
          }});
}

void AdminClient::auditLog(const AuditQuery &query, Callback<Page<AuditEntry>> done)
{
    QUrlQuery q;
    if (!query.actorUserId.isEmpty())
        q.addQueryItem(QStringLiteral("actor_user_id"), query.actorUserId);
    if (!query.targetId.isEmpty())
        q.addQueryItem(QStringLiteral("target_id"), query.targetId);
    if (!query.action.isEmpty())
        q.addQueryItem(QStringLiteral("action"), query.action);
    if (query.from.isValid())
        q.addQueryItem(QStringLiteral("from"), wire(query.from));
    if (query.to.isValid())
        q.addQueryItem(QStringLiteral("to"), wire(query.to));
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    typed<Page<AuditEntry>>(
        {.method = "GET", .path = QStringLiteral("/api/admin/audit-log"), .query = q}, done);
}

} // namespace fp::admin
