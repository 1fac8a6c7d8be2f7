#include "server/http/HttpServer.h"

#include "server/base/Log.h"
#include "server/base/Metrics.h"
#include "server/base/WorkerPool.h"
#include "server/http/ConnectionGuard.h"
#include "server/http/Idempotency.h"
#include "server/http/PlainGet.h"
#include "server/storage/Database.h"
#include "server/storage/WorkCounters.h"

#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMetaObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <algorithm>
#include <exception>

namespace fp {

struct HttpServer::Exchange
{
    RequestContext context;
    std::unique_ptr<QHttpServerResponder> responder;
    QPointer<QTcpSocket> socket;
    QElapsedTimer timer;
    WorkCount work; // what answering asked of MariaDB and Redis (logged with the request)
    bool fromMemory = false; // answered on the I/O thread from an answer kept in memory
    bool early = false; // answered by the connection guard, before Qt's HTTP server read it
};

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

/// An answer's headers as they go out, in order: the request id, the answer's own, then its
/// type and length (a 204 has neither). Both ways of writing an answer send exactly these.
QList<QPair<QByteArray, QByteArray>> headersOnTheWire(const QString &requestId,
                                                      const HttpResponse &response)
{
    QList<QPair<QByteArray, QByteArray>> headers;
    headers.reserve(response.headers.size() + 3);
    headers.append({"X-Request-Id", requestId.toLatin1()});
    headers.append(response.headers);
    if (response.status != 204) {
        if (!response.contentType.isEmpty())
            headers.append({"Content-Type", response.contentType});
        headers.append({"Content-Length", QByteArray::number(response.body.size())});
    }
    return headers;
}

/// A JSON route's body into ctx.json; 415 for another content type, 400 for text that is not
/// JSON. An empty body leaves ctx.json undefined (the route says whether that is allowed).
std::optional<AppError> readJsonBody(RequestContext &ctx)
{
    if (!ctx.body.isEmpty() && !isJsonContentType(ctx.header("content-type")))
        return AppError {ErrorCode::UnsupportedMediaType,
                         QStringLiteral("Send the body as application/json"),
                         {}};
    if (ctx.body.trimmed().isEmpty())
        return std::nullopt;
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(ctx.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return AppError {ErrorCode::MalformedJson,
                         QStringLiteral("The body is not valid JSON: %1 at offset %2")
                             .arg(parseError.errorString())
                             .arg(parseError.offset),
                         {}};
    ctx.json = document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
    return std::nullopt;
}

} // namespace

bool isJsonContentType(const QByteArray &contentType)
{
    const QByteArray mediaType = contentType.split(';').first().trimmed().toLower();
    return mediaType == "application/json";
}

HttpServer::HttpServer(const Config &config, Router &router, WorkerPool &pool, Metrics &metrics,
                       QObject *parent)
    : QAbstractHttpServer(parent), m_config(config), m_router(router), m_pool(pool),
      m_metrics(metrics),
      m_rateLimiter(RateBudgets {config.rateAuthPerMinute, config.rateMutationsPerMinute,
                                 config.rateReadsPerMinute, config.rateExportsPerMinute}),
      m_browserPolicy(config.corsOrigins, config.trustedProxies, !config.tlsCert.isEmpty()),
      m_answers(this, [this](std::vector<Answer> &answers) {
          for (Answer &answer : answers)
              respond(answer.exchange, std::move(answer.response));
      })
{
    m_metrics.describe(QStringLiteral("fp_http_requests_total"), QStringLiteral("counter"),
                       QStringLiteral("HTTP requests answered, by route, method and status"));
    m_metrics.describe(QStringLiteral("fp_http_request_duration_seconds"),
                       QStringLiteral("histogram"),
                       QStringLiteral("Time from request received to response written, by route"));
    m_metrics.describe(QStringLiteral("fp_http_clients_gone_total"), QStringLiteral("counter"),
                       QStringLiteral("Responses dropped because the client disconnected first"));
    m_metrics.describe(
        QStringLiteral("fp_http_connections_refused_total"), QStringLiteral("counter"),
        QStringLiteral("Requests and connections the connection guard refused or closed, by "
                       "reason"));
    // Connected before anyone else's slot: the guards of upgraded connections learn that
    // QWebSocket took over before the gateway sees it.
    connect(this, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        for (const QPointer<GuardedTcpServer> &server : std::as_const(m_listening)) {
            if (server)
                server->webSocketsHandedOver();
        }
    });
}

HttpServer::~HttpServer() = default;

quint16 HttpServer::start(const QHostAddress &address, quint16 port, const QSslConfiguration &tls)
{
    ConnectionLimits limits;
    limits.maxBodyBytes = m_config.maxBodyBytes;
    for (const Route &route : m_router.routes()) {
        if (route.maxBodyBytes > 0)
            limits.largerBodies.append({route.method, route.pattern.toUtf8(), route.maxBodyBytes});
    }
    limits.maxWebSocketMessageBytes = m_config.wsMaxMessageBytes;
    limits.headerTimeoutMs = m_config.httpHeaderTimeoutMs;
    limits.idleTimeoutMs = m_config.httpIdleTimeoutMs;
    limits.maxConnectionsPerAddress = m_config.httpMaxConnectionsPerAddress;
    auto *tcp = new GuardedTcpServer(
        limits, tls,
        [this](const QHostAddress &peer) { return m_browserPolicy.isTrustedProxy(peer); },
        [this](Refusal refusal, const QHostAddress &peer) {
            const QString reason = refusalName(refusal);
            m_metrics.increment(QStringLiteral("fp_http_connections_refused_total"),
                                {{QStringLiteral("reason"), reason}});
            // Closing an idle kept-alive connection is routine: counted, not logged.
            if (refusal != Refusal::IdleTimeout)
                log::warning(QStringLiteral("connection_refused"),
                             {{QStringLiteral("reason"), reason},
                              {QStringLiteral("peer"), peer.toString()}});
        },
        this);
    if (!tcp->listen(address, port)) {
        delete tcp;
        return 0;
    }
    tcp->setEarlyAnswer(
        [this](QByteArrayView head, const QHostAddress &peer) { return answerEarly(head, peer); });
    bind(tcp);
    m_listening.append(tcp);
    return tcp->serverPort();
}

void HttpServer::stopAccepting()
{
    m_accepting = false;
    for (const QPointer<GuardedTcpServer> &server : std::as_const(m_listening)) {
        if (server)
            server->close();
    }
}

bool HttpServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QString path = request.url().path();
    if (path == QLatin1String("/ws") &&
        request.value("upgrade").compare("websocket", Qt::CaseInsensitive) == 0) {
        // Returning true without writing lets Qt complete the WebSocket handshake
        // (newWebSocketConnection); the gateway takes it from there.
        return true;
    }

    auto exchange = std::make_shared<Exchange>();
    exchange->timer.start();
    exchange->socket = socket;
    exchange->responder = std::make_unique<QHttpServerResponder>(makeResponder(request, socket));
    RequestContext &ctx = exchange->context;
    ctx.method = methodName(request.method());
    ctx.path = path;
    ctx.query = request.query();
    for (const auto &[name, value] : request.headers())
        ctx.headers.insert(name.toLower(), value);
    ctx.requestId = chooseRequestId(ctx.header("x-request-id"));
    ctx.clientAddress =
        m_browserPolicy.clientAddress(request.remoteAddress(), ctx.header("x-forwarded-for"));
    ctx.body = request.body();
    ++m_inFlight;

    if (!m_accepting) {
        respond(exchange, AppError::unavailable(QStringLiteral("The server is shutting down"), 1));
        return true;
    }

    QList<QByteArray> allowed;
    // A browser's CORS preflight names an origin and the method it asks about; any other
    // OPTIONS is a method no route has (405 with Allow, as the contract says for every path).
    if (ctx.method == "OPTIONS" && !ctx.header("origin").isEmpty() &&
        !ctx.header("access-control-request-method").isEmpty()) {
        m_router.find(ctx.method, path, &allowed);
        answerPreflight(exchange, allowed);
        return true;
    }
    const auto match = m_router.find(ctx.method, path, &allowed);
    if (!match) {
        if (allowed.isEmpty()) {
            ctx.routePattern = QStringLiteral("(unknown)");
            respond(exchange, AppError::notFound(QStringLiteral("No route for %1").arg(path)));
        } else {
            ctx.routePattern = QStringLiteral("(method not allowed)");
            HttpResponse r(AppError {
                ErrorCode::MethodNotAllowed,
                QStringLiteral("%1 is not allowed here").arg(QString::fromLatin1(ctx.method)),
                QJsonObject {{QStringLiteral("allowed"), QJsonArray::fromStringList([&] {
                                  QStringList names;
                                  for (const auto &m : allowed)
                                      names << QString::fromLatin1(m);
                                  return names;
                              }())}}});
            r.withHeader("Allow", allowed.join(", "));
            respond(exchange, std::move(r));
        }
        return true;
    }
    const Route &route = *match->route;
    ctx.routePattern = route.pattern;
    ctx.pathParams = match->params;
    dispatch(exchange, route);
    return true;
}

void HttpServer::dispatch(const std::shared_ptr<Exchange> &exchange, const Route &route)
{
    // Inline means on this I/O thread, which must never wait on Redis or MariaDB: only a public
    // route without a rate budget (spending one asks Redis) may run here.
    if (route.execution == Execution::Inline && route.access == Access::Public &&
        RateLimiter::effectiveClass(route) == RateClass::None) {
        respond(exchange, runOnWorker(*exchange, route));
        return;
    }
    if (route.fromMemory) {
        if (std::optional<HttpResponse> kept = answerFromMemory(exchange->context, route)) {
            exchange->fromMemory = true;
            respond(exchange, std::move(*kept));
            return;
        }
    }
    const bool queued = m_pool.trySubmit([this, exchange, &route]() mutable {
        HttpResponse response = runOnWorker(*exchange, route);
        m_answers.push({std::move(exchange), std::move(response)});
    });
    if (!queued) {
        respond(exchange,
                AppError::unavailable(QStringLiteral("The server is busy, try again shortly"), 1));
    }
}

std::optional<HttpResponse> HttpServer::answerFromMemory(RequestContext &ctx, const Route &route)
{
    // Only the plain case: a refusal of any kind (token, role, budget) is left to the worker,
    // which answers it with everything it spends and logs.
    if (route.access == Access::Public || route.idempotent || !m_cachedAuthenticator)
        return std::nullopt;
    std::optional<Result<Caller>> caller = m_cachedAuthenticator(ctx);
    if (!caller || !*caller || accessRefusal(**caller, route.access))
        return std::nullopt;
    ctx.caller = std::move(caller->value());
    std::optional<HttpResponse> kept = route.fromMemory(ctx);
    const RateClass rateClass = RateLimiter::effectiveClass(route);
    const QList<RateSubject> subjects {
        {QStringLiteral("ip:") + RateLimiter::addressKey(ctx.clientAddress), false},
        {QStringLiteral("user:") + ctx.caller->userId, true}};
    bool topUp = false;
    if (!kept || !m_rateLimiter.spendLeased(rateClass, subjects, &topUp)) {
        ctx.caller.reset();
        return std::nullopt;
    }
    // A lease ran low: a worker leases more now, so the caller's next requests find units here
    // instead of each going to a worker to wait for Redis. With the queue full it is dropped,
    // to be asked for again by the next request, and one that finds no unit goes to a worker.
    if (topUp && !m_pool.trySubmit([this, rateClass, subjects] {
            m_rateLimiter.topUpLeases(rateClass, subjects);
        }))
        m_rateLimiter.dropTopUp(rateClass, subjects);
    return kept;
}

HttpResponse HttpServer::runOnWorker(Exchange &exchange, const Route &route)
{
    const log::RequestScope scope(exchange.context.requestId);
    const WorkCount before = workOnThisThread();
    HttpResponse response = runRoute(exchange, route);
    exchange.work = workOnThisThread().since(before);
    return response;
}

HttpResponse HttpServer::runRoute(Exchange &exchange, const Route &route)
{
    RequestContext &ctx = exchange.context;
    try {
        const RateClass rateClass = RateLimiter::effectiveClass(route);
        const RateSubject address {
            QStringLiteral("ip:") + RateLimiter::addressKey(ctx.clientAddress), false};
        if (route.access == Access::Public) {
            if (const RateDecision d = m_rateLimiter.spend(rateClass, {address}); !d.allowed)
                return AppError::rateLimited(d.retryAfterSeconds);
        } else {
            // The token first (a signature check, its session state cached), so the address's
            // and the account's budgets are spent together in one Redis round trip. A refused
            // token still spends the address's budget.
            Result<Caller> caller =
                m_authenticator ? m_authenticator(ctx) : Result<Caller>(AppError::unauthorized());
            if (!caller) {
                if (const RateDecision d = m_rateLimiter.spend(rateClass, {address}); !d.allowed)
                    return AppError::rateLimited(d.retryAfterSeconds);
                return caller.error();
            }
            if (const RateDecision d = m_rateLimiter.spend(
                    rateClass,
                    {address, RateSubject {QStringLiteral("user:") + caller->userId, true}});
                !d.allowed)
                return AppError::rateLimited(d.retryAfterSeconds);
            if (std::optional<AppError> refused = accessRefusal(*caller, route.access))
                return *refused;
            ctx.caller = std::move(caller.value());
        }
        // The body is read once the caller is known, as every check of a request is: someone
        // without a token hears 401 whatever they sent.
        if (route.takesJson) {
            if (std::optional<AppError> refused = readJsonBody(ctx))
                return *refused;
        }
        if (route.idempotent && ctx.caller && ctx.headers.contains("idempotency-key"))
            return runIdempotently(ctx, route);
        // Kept in memory after all: the I/O thread only lacked the session's state or a leased
        // unit of the budget, which this worker has just read or leased.
        if (route.fromMemory && ctx.caller) {
            if (std::optional<HttpResponse> kept = route.fromMemory(ctx)) {
                exchange.fromMemory = true;
                return std::move(*kept);
            }
        }
        return route.handler(ctx);
    } catch (const std::exception &e) {
        log::error(QStringLiteral("handler_exception"),
                   {{QStringLiteral("request_id"), ctx.requestId},
                    {QStringLiteral("route"), ctx.routePattern},
                    {QStringLiteral("cause"), QString::fromUtf8(e.what())}});
    } catch (...) {
        log::error(QStringLiteral("handler_exception"),
                   {{QStringLiteral("request_id"), ctx.requestId},
                    {QStringLiteral("route"), ctx.routePattern}});
    }
    return AppError::internal();
}

HttpResponse HttpServer::runIdempotently(RequestContext &ctx, const Route &route)
{
    const QByteArray key = ctx.header("idempotency-key");
    if (const QString problem = Idempotency::validateKey(key); !problem.isEmpty())
        return AppError::validation({{QStringLiteral("header.Idempotency-Key"), problem}});
    const QString scope = QString::fromLatin1(ctx.method) + QLatin1Char(' ') + route.pattern;
    Idempotency::Claim claim = Idempotency::claim(ctx.caller->userId, key, scope,
                                                  Idempotency::requestHash(ctx), ctx.requestId);
    if (!claim.proceed)
        return claim.response;

    HttpResponse response;
    {
        // The handler's own transactions join this one, so its effect and the stored answer
        // commit together or not at all.
        Transaction tx;
        if (!tx.begin()) {
            Idempotency::release(claim.rowId);
            return databaseUnavailable();
        }
        response = route.handler(ctx);
        const bool success = !response.error && response.status >= 200 && response.status < 300;
        if (success && Idempotency::complete(claim.rowId, response) && tx.commit())
            return response;
        tx.rollback();
        if (success) // the effect was lost with the rollback: say so rather than claim success
            response =
                AppError::unavailable(QStringLiteral("Could not save the result, try again"), 1);
    }
    // A refusal is the request's answer too, replayed like a success (the contract: "whatever
    // its status"), once what the handler did is undone. Not one that trying again may change:
    // 5xx, 429.
    const int status = response.error ? response.error->status() : response.status;
    if (status >= 400 && status < 500 && status != 429) {
        HttpResponse answer = response;
        if (response.error)
            answer.body = renderErrorBody(*response.error, ctx.requestId);
        answer.status = status;
        if (Idempotency::complete(claim.rowId, answer))
            return response;
    }
    Idempotency::release(claim.rowId);
    return response;
}

void HttpServer::answerPreflight(const std::shared_ptr<Exchange> &exchange,
                                 const QList<QByteArray> &methods)
{
    RequestContext &ctx = exchange->context;
    ctx.routePattern = QStringLiteral("(preflight)");
    if (methods.isEmpty()) {
        respond(exchange, AppError::notFound(QStringLiteral("No route for %1").arg(ctx.path)));
        return;
    }
    const QByteArray origin = ctx.header("origin");
    if (!m_browserPolicy.originAllowed(origin)) {
        // No CORS headers: the browser refuses the real request.
        respond(exchange, AppError::forbidden(QStringLiteral("This origin may not call the API")));
        return;
    }
    HttpResponse r = HttpResponse::noContent();
    r.headers = m_browserPolicy.preflightHeaders(origin, methods);
    respond(exchange, std::move(r));
}

const HttpServer::RequestLabels &HttpServer::labelsFor(const QString &route,
                                                       const QByteArray &method, int status)
{
    const LabelKey key {route, method, status};
    if (const auto kept = m_labels.constFind(key); kept != m_labels.constEnd())
        return *kept;
    RequestLabels rendered {
        Metrics::renderLabels({{QStringLiteral("route"), route},
                               {QStringLiteral("method"), QString::fromLatin1(method)},
                               {QStringLiteral("status"), QString::number(status)}}),
        Metrics::renderLabels({{QStringLiteral("route"), route}})};
    if (m_labels.size() >= 1024) {
        m_labelsBeyondBound = std::move(rendered);
        return m_labelsBeyondBound;
    }
    return *m_labels.insert(key, std::move(rendered));
}

void HttpServer::respond(const std::shared_ptr<Exchange> &exchange, HttpResponse response)
{
    --m_inFlight;
    QTcpSocket *socket = exchange->socket.data();
    const bool connected = socket && socket->state() == QAbstractSocket::ConnectedState;
    conclude(*exchange, response, !connected);
    if (connected) {
        QHttpServerResponder &responder = *exchange->responder;
        responder.writeStatusLine(QHttpServerResponder::StatusCode(response.status));
        for (const auto &[name, value] : headersOnTheWire(exchange->context.requestId, response))
            responder.writeHeader(name, value);
        responder.writeBody(response.body);
    }
    exchange->responder.reset();
    if (m_inFlight == 0)
        Q_EMIT idle();
}

std::optional<QByteArray> HttpServer::answerEarly(QByteArrayView head, const QHostAddress &peer)
{
    if (!m_accepting || !m_cachedAuthenticator)
        return std::nullopt;
    std::optional<PlainGet> get = readPlainGet(head);
    if (!get)
        return std::nullopt;
    const auto match = m_router.find("GET", get->path, nullptr);
    if (!match || !match->route->fromMemory)
        return std::nullopt;
    const Route &route = *match->route;

    Exchange exchange;
    exchange.timer.start();
    RequestContext &ctx = exchange.context;
    ctx.method = "GET";
    ctx.path = std::move(get->path);
    for (auto &[name, value] : get->headers)
        ctx.headers.insert(std::move(name), std::move(value));
    ctx.clientAddress = m_browserPolicy.clientAddress(peer, ctx.header("x-forwarded-for"));
    ctx.routePattern = route.pattern;
    ctx.pathParams = match->params;
    std::optional<HttpResponse> kept = answerFromMemory(ctx, route);
    if (!kept)
        return std::nullopt;
    ctx.requestId = chooseRequestId(ctx.header("x-request-id"));
    exchange.fromMemory = true;
    exchange.early = true;
    conclude(exchange, *kept, false);

    // What QHttpServerResponder writes for the same calls in respond(). An answer kept in
    // memory is always a 200 (Route::fromMemory).
    const HttpResponse &response = *kept;
    Q_ASSERT(response.status == 200 && !response.error);
    QByteArray wire;
    wire.reserve(256 + response.body.size());
    wire.append("HTTP/1.1 200 OK\r\n");
    for (const auto &[name, value] : headersOnTheWire(ctx.requestId, response))
        wire.append(name).append(": ").append(value).append("\r\n");
    wire.append("\r\n").append(response.body);
    return wire;
}

void HttpServer::conclude(Exchange &exchange, HttpResponse &response, bool clientGone)
{
    RequestContext &ctx = exchange.context;
    const double seconds = double(exchange.timer.nsecsElapsed()) / 1e9;

    if (response.error) {
        response.status = response.error->status();
        response.contentType = "application/json; charset=utf-8";
        response.body = renderErrorBody(*response.error, ctx.requestId);
        if (response.error->retryAfterSeconds > 0)
            response.withHeader("Retry-After",
                                QByteArray::number(response.error->retryAfterSeconds));
        // RFC 6750: a 401 names the scheme, and says whether a token was sent and refused.
        if (response.status == 401)
            response.withHeader("WWW-Authenticate",
                                ctx.headers.contains("authorization")
                                    ? QByteArrayLiteral("Bearer error=\"invalid_token\"")
                                    : QByteArrayLiteral("Bearer"));
    }

    if (ctx.routePattern != QLatin1String("(preflight)"))
        response.headers.append(m_browserPolicy.corsHeaders(ctx.header("origin")));
    // An authenticated answer is not to be stored, unless its route said how it may be (the
    // catalog is the same for everyone; an avatar is the caller's to keep a while).
    const bool routeSaysHowToCache =
        std::any_of(response.headers.cbegin(), response.headers.cend(), [](const auto &header) {
            return header.first.compare("cache-control", Qt::CaseInsensitive) == 0;
        });
    response.headers.append(m_browserPolicy.securityHeaders(
        !routeSaysHowToCache && (ctx.caller.has_value() || ctx.headers.contains("authorization"))));

    const RequestLabels &labels = labelsFor(ctx.routePattern, ctx.method, response.status);
    m_metrics.incrementRendered(QStringLiteral("fp_http_requests_total"), labels.requests);
    m_metrics.observeRendered(QStringLiteral("fp_http_request_duration_seconds"), labels.duration,
                              seconds);

    // Written as JSON text: as a QJsonObject this line was a third of a request's allocations.
    JsonText::Object line;
    line.string("request_id", ctx.requestId)
        .string("method", QString::fromLatin1(ctx.method))
        .string("route", ctx.routePattern)
        .integer("status", response.status)
        .number("duration_ms", qRound(seconds * 100000.0) / 100.0)
        .integer("sql_statements", qint64(exchange.work.sqlStatements))
        .integer("redis_round_trips", qint64(exchange.work.redisRoundTrips))
        .integer("redis_commands", qint64(exchange.work.redisCommands));
    if (ctx.caller)
        line.string("user_id", ctx.caller->userId);
    if (exchange.fromMemory) {
        line.boolean("from_memory", true);
        ++m_answeredFromMemory;
    }
    if (exchange.early) {
        line.boolean("early", true);
        ++m_answeredEarly;
    }
    if (clientGone) {
        m_metrics.increment(QStringLiteral("fp_http_clients_gone_total"));
        line.boolean("client_gone", true);
        log::write(log::Level::Info, QLatin1StringView("request"), std::move(line));
    } else {
        log::write(response.status >= 500 ? log::Level::Error : log::Level::Info,
                   QLatin1StringView("request"), std::move(line));
    }
}

void HttpServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Only reached if handleRequest declined a request, which it never does; answer in our
    // error shape all the same.
    QHttpServerResponder responder = makeResponder(request, socket);
    const AppError error = AppError::notFound();
    responder.write(renderErrorBody(error, newRequestId()), "application/json; charset=utf-8",
                    QHttpServerResponder::StatusCode::NotFound);
}

} // namespace fp
