#include "server/realtime/Gateway.h"

#include "common/WsEvents.h"
#include "server/base/Log.h"
#include "server/base/WorkerPool.h"
#include "server/realtime/EventBus.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>
#include <utility>

namespace fp {

struct Gateway::Connection
{
    QPointer<QWebSocket> socket;
    int heartbeatSlice = 0;
    std::optional<Caller> caller;
    bool authenticating = false;
    qint64 lastSeenMs = 0;
    qint64 windowStartMs = 0;
    int framesInWindow = 0;
    int windowsOverLimit = 0;
    int malformedInARow = 0;
    QList<QJsonObject> sentBeforeAuthOk; // sent behind `auth` while its token is checked
    std::deque<QueuedFrame> queue;
    bool busy = false;
    QSet<QString> feeds; // subscribed
    QHash<QString, QList<QByteArray>> held; // feeds whose replay runs: their frames meanwhile
};

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Sockets are pinged a slice at a time, so each is still pinged once per interval but the
// instance never pings all of them at once: 5,000 pings (and 5,000 pongs) in one go stalled
// the chat relay for about 300 ms in ws_bench.
constexpr int kHeartbeatSlices = 25;

// Frames a client may send behind its `auth` before hearing `auth.ok`: handled once the token
// is known good. A client that sends more is not waiting for anything, and is cut off.
constexpr int kFramesBeforeAuthOk = 32;

// How often sockets whose access token expired are looked for: a socket outlives its token by
// at most this much (frames it sends in between are refused by the session check).
constexpr int kExpirySweepMs = 1000;

QJsonObject authOk(const Caller &caller)
{
    QJsonObject frame {{QStringLiteral("type"), QString(ws::AuthOk)},
                       {QStringLiteral("user_id"), caller.userId}};
    if (caller.expiresAtMs > 0)
        frame.insert(QStringLiteral("expires_in"),
                     std::max<qint64>(0, (caller.expiresAtMs - nowMs()) / 1000));
    return frame;
}

} // namespace

Gateway::Gateway(GatewaySettings settings, WorkerPool &pool, EventBus &bus, TokenCheck tokenCheck,
                 SessionCheck sessionCheck, SessionCheckFromMemory sessionCheckFromMemory,
                 QObject *parent)
    : QObject(parent), m_settings(settings), m_pool(pool), m_bus(bus),
      m_tokenCheck(std::move(tokenCheck)), m_sessionCheck(std::move(sessionCheck)),
      m_sessionCheckFromMemory(std::move(sessionCheckFromMemory)),
      m_outcomes(this, [this](std::vector<Outcome> &outcomes) {
          for (Outcome &outcome : outcomes)
              finish(outcome);
      })
{
    connect(&m_bus, &EventBus::deliver, this, &Gateway::deliver);
    connect(&m_bus, &EventBus::feedFrame, this, &Gateway::broadcast);
    connect(&m_bus, &EventBus::sessionsRevoked, this,
            [this](const QString &, const QStringList &ids) { closeSessions(ids); });
    connect(&m_heartbeat, &QTimer::timeout, this, &Gateway::heartbeat);
    m_heartbeat.start(std::max(1, m_settings.pingIntervalMs / kHeartbeatSlices));
    connect(&m_expiry, &QTimer::timeout, this, &Gateway::closeExpired);
    m_expiry.start(kExpirySweepMs);
}

Gateway::~Gateway()
{
    for (const auto &c : std::as_const(m_connections)) {
        if (c->socket) {
            c->socket->disconnect(this);
            c->socket->abort();
            delete c->socket.data();
        }
    }
}

QJsonObject Gateway::errorFrame(const QString &code, const QString &message)
{
    return {{QStringLiteral("type"), QString(ws::Error)},
            {QStringLiteral("code"), code},
            {QStringLiteral("message"), message}};
}

bool Gateway::readResumeCursor(const QJsonValue &value, std::optional<qint64> *after)
{
    if (value.isNull()) {
        *after = std::nullopt;
        return true;
    }
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 0 || number != double(qint64(number)))
        return false;
    *after = qint64(number);
    return true;
}

void Gateway::registerHandler(const QString &type, Access access, FrameHandler handler,
                              Refusal refusal)
{
    if (!refusal)
        refusal = [](const QJsonObject &, const AppError &error) {
            return errorFrame(errorCodeName(error.code), error.message);
        };
    m_handlers.insert(type,
                      std::make_shared<FrameRoute>(
                          FrameRoute {access, std::move(handler), {}, std::move(refusal), {}}));
}

void Gateway::registerAsyncHandler(const QString &type, Access access, AsyncFrameHandler handler,
                                   Refusal refusal)
{
    registerHandler(type, access, {}, std::move(refusal));
    m_handlers[type]->asyncHandler = std::move(handler);
}

void Gateway::registerFeed(const QString &subscribeType, const QString &feed, Access access,
                           FrameHandler replay)
{
    registerHandler(subscribeType, access, std::move(replay));
    m_handlers[subscribeType]->feed = feed;
    m_feedAccess.insert(feed, access);
}

void Gateway::broadcast(const QString &feed, const QByteArray &frame)
{
    const Access access = m_feedAccess.value(feed, Access::Admin);
    for (const auto &c : std::as_const(m_connections)) {
        if (!c->socket || !c->caller)
            continue;
        const bool following = c->feeds.contains(feed);
        const auto held = c->held.find(feed);
        if (!following && held == c->held.end())
            continue;
        // The role as the socket's last frame or renewal found it: someone demoted since stops
        // following the feed.
        if (accessRefusal(*c->caller, access)) {
            c->feeds.remove(feed);
            c->held.remove(feed);
            continue;
        }
        if (following) {
            // Behind the socket's own frames, and checked as they are: a moderator demoted
            // while their socket is idle stops hearing the feed within the session check's
            // bound, not at their next frame.
            enqueue(c.get(), {.frame = {}, .feed = feed, .feedFrame = frame});
        } else {
            held->append(frame); // the subscription's own check vouches for these
        }
    }
}

int Gateway::subscriberCount(const QString &feed) const
{
    int n = 0;
    for (const auto &c : m_connections)
        n += c->feeds.contains(feed) ? 1 : 0;
    return n;
}

int Gateway::authenticatedCount() const
{
    int n = 0;
    for (const auto &c : m_connections)
        n += c->caller ? 1 : 0;
    return n;
}

void Gateway::accept(std::unique_ptr<QWebSocket> owned)
{
    QWebSocket *socket = owned.release();
    socket->setParent(this);
    const QString origin = socket->origin();
    if (!origin.isEmpty() && !m_settings.allowedOrigins.contains(origin)) {
        // A page from an origin not on the list: refuse before it can say anything.
        log::warning(QStringLiteral("ws_origin_refused"), {{QStringLiteral("origin"), origin}});
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        closeSocket(socket, QWebSocketProtocol::CloseCodePolicyViolated,
                    QStringLiteral("origin not allowed"));
        return;
    }
    socket->setMaxAllowedIncomingFrameSize(quint64(m_settings.maxFrameBytes));
    socket->setMaxAllowedIncomingMessageSize(quint64(m_settings.maxFrameBytes));
    auto connection = std::make_shared<Connection>();
    connection->socket = socket;
    connection->lastSeenMs = nowMs();
    connection->heartbeatSlice = m_nextSlice;
    m_nextSlice = (m_nextSlice + 1) % kHeartbeatSlices;
    m_connections.insert(socket, connection);

    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
        if (auto c = m_connections.value(socket))
            onText(c.get(), text);
    });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [this, socket](const QByteArray &) {
        // The contract: every frame is JSON text; a binary frame is a policy violation.
        closeSocket(socket, QWebSocketProtocol::CloseCodePolicyViolated,
                    QStringLiteral("frames are JSON text"));
    });
    connect(socket, &QWebSocket::pong, this, [this, socket](quint64, const QByteArray &) {
        if (auto c = m_connections.value(socket))
            c->lastSeenMs = nowMs();
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] { drop(socket); });

    QPointer<QWebSocket> guard(socket);
    QTimer::singleShot(m_settings.authTimeoutMs, this, [this, guard] {
        if (!guard)
            return;
        auto c = m_connections.value(guard.data());
        if (c && !c->caller)
            closeSocket(guard.data(), QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                        QStringLiteral("authentication timeout"));
    });
}

void Gateway::onText(Connection *c, const QString &text)
{
    QWebSocket *socket = c->socket.data();
    const qint64 now = nowMs();
    c->lastSeenMs = now;

    // Throttle: over the limit in a one-second window earns a warning; three such windows in a
    // row close the socket.
    if (now - c->windowStartMs >= 1000) {
        if (c->framesInWindow > m_settings.maxFramesPerSecond)
            ++c->windowsOverLimit;
        else
            c->windowsOverLimit = 0;
        c->windowStartMs = now;
        c->framesInWindow = 0;
    }
    if (++c->framesInWindow > m_settings.maxFramesPerSecond) {
        if (c->windowsOverLimit >= 2 || c->framesInWindow > m_settings.maxFramesPerSecond * 3) {
            closeSocket(socket, QWebSocketProtocol::CloseCodePolicyViolated,
                        QStringLiteral("too many frames"));
            return;
        }
        if (c->framesInWindow == m_settings.maxFramesPerSecond + 1)
            send(socket,
                 errorFrame(QStringLiteral("rate_limited"),
                            QStringLiteral("Too many frames, slow down")));
        return;
    }

    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    const QJsonObject frame = document.object();
    const QString type = frame.value(QStringLiteral("type")).toString();
    if (parseError.error != QJsonParseError::NoError || !document.isObject() || type.isEmpty()) {
        // A client with a bug hears why; one that keeps sending garbage is cut off.
        if (++c->malformedInARow >= ws::MalformedFramesToClose) {
            closeSocket(socket, QWebSocketProtocol::CloseCodePolicyViolated,
                        QStringLiteral("repeated malformed frames"));
            return;
        }
        send(socket,
             errorFrame(QStringLiteral("malformed_json"),
                        QStringLiteral("A frame is a JSON object with a string \"type\"")));
        return;
    }
    c->malformedInARow = 0;

    if (!c->caller) {
        if (type == ws::Auth) {
            if (!c->authenticating)
                authenticate(c, frame);
            return;
        }
        if (!c->authenticating) {
            closeSocket(socket, QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                        QStringLiteral("authenticate first"));
            return;
        }
        // The first frame was `auth`; the client need not wait for its answer.
        if (c->sentBeforeAuthOk.size() >= kFramesBeforeAuthOk) {
            closeSocket(socket, QWebSocketProtocol::CloseCodePolicyViolated,
                        QStringLiteral("too many frames before auth.ok"));
            return;
        }
        c->sentBeforeAuthOk.append(frame);
        return;
    }
    dispatch(c, frame);
}

void Gateway::dispatch(Connection *c, const QJsonObject &frame)
{
    QWebSocket *socket = c->socket.data();
    const QString type = frame.value(QStringLiteral("type")).toString();
    if (type == ws::Ping) {
        send(socket, {{QStringLiteral("type"), QString(ws::Pong)}});
        return;
    }
    if (type == ws::Auth) {
        // A fresh token for the same account, before the current one expires.
        if (!c->authenticating)
            authenticate(c, frame);
        return;
    }
    if (!m_handlers.contains(type)) {
        // An error code the contract lists: the frame's "type" is the invalid field.
        send(socket,
             errorFrame(errorCodeName(ErrorCode::ValidationFailed),
                        QStringLiteral("No such frame type: %1").arg(type)));
        return;
    }
    enqueue(c, {.frame = frame, .feed = {}, .feedFrame = {}});
}

void Gateway::authenticate(Connection *c, const QJsonObject &frame)
{
    c->authenticating = true;
    const QString token = frame.value(QStringLiteral("access_token")).toString();
    QPointer<QWebSocket> guard(c->socket);
    // A renewal (`auth` on an authenticated socket) is not a sign-in: no greeting.
    const bool signingIn = !c->caller;
    const bool queued = m_pool.trySubmit([this, guard, token, signingIn] {
        Result<Caller> caller =
            token.isEmpty() ? Result<Caller>(AppError::unauthorized()) : m_tokenCheck(token);
        QList<QJsonObject> greeting;
        if (caller && signingIn && m_greeting)
            greeting = m_greeting(*caller);
        QMetaObject::invokeMethod(
            this,
            [this, guard, caller = std::move(caller), greeting = std::move(greeting)]() mutable {
                if (!guard)
                    return;
                auto c = m_connections.value(guard.data());
                if (!c)
                    return;
                c->authenticating = false;
                if (!caller) {
                    closeSocket(guard.data(), QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                                QStringLiteral("invalid access token"));
                    return;
                }
                if (c->caller && c->caller->userId != caller->userId) {
                    // A socket belongs to one account for its whole life.
                    closeSocket(guard.data(), QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                                QStringLiteral("a token of another account"));
                    return;
                }
                if (!c->caller)
                    m_byUser.insert(caller->userId, guard.data());
                c->caller = caller.value();
                send(guard.data(), authOk(*c->caller));
                for (const QJsonObject &frame : std::as_const(greeting))
                    send(guard.data(), frame);
                for (const QJsonObject &frame : std::exchange(c->sentBeforeAuthOk, {}))
                    dispatch(c.get(), frame);
            },
            Qt::QueuedConnection);
    });
    if (!queued) {
        c->authenticating = false;
        send(c->socket,
             errorFrame(QStringLiteral("unavailable"),
                        QStringLiteral("The server is busy, try again")));
    }
}

void Gateway::enqueue(Connection *c, QueuedFrame item)
{
    c->queue.push_back(std::move(item));
    if (!c->busy)
        runNext(c);
}

void Gateway::runNext(Connection *c)
{
    if (c->queue.empty()) {
        c->busy = false;
        return;
    }
    c->busy = true;
    QueuedFrame item = std::move(c->queue.front());
    c->queue.pop_front();
    if (!item.feedFrame.isEmpty()) {
        passOnFeedFrame(c, std::move(item));
        return;
    }
    const QJsonObject frame = std::move(item.frame);
    const Caller caller = *c->caller;
    std::shared_ptr<const FrameRoute> route =
        m_handlers.value(frame.value(QStringLiteral("type")).toString());
    Outcome outcome;
    outcome.socket = c->socket;
    outcome.feed = route->feed;
    // A subscription's live frames wait for its replay (kept by broadcast meanwhile).
    outcome.holding = !route->feed.isEmpty() && !c->feeds.contains(route->feed);
    if (outcome.holding)
        c->held.insert(route->feed, {});

    if (route->asyncHandler && m_sessionCheckFromMemory) {
        if (std::optional<Result<Caller>> current = m_sessionCheckFromMemory(caller)) {
            ++m_framesWithoutWorker;
            handle(route, frame, *current, std::move(outcome));
            return;
        }
    }
    const QString feed = route->feed;
    const bool holding = outcome.holding;
    const bool queued = m_pool.trySubmit(
        [this, caller, route = std::move(route), frame, outcome = std::move(outcome)]() mutable {
            // The socket was authorised when it sent `auth`; the session may have been revoked
            // or the account restricted or banned since (on any instance, Redis up or not).
            const Result<Caller> current =
                m_sessionCheck ? m_sessionCheck(caller) : Result<Caller>(caller);
            handle(route, frame, current, std::move(outcome));
        });
    if (queued)
        ++m_framesOnWorkers;
    else {
        send(c->socket,
             errorFrame(QStringLiteral("unavailable"),
                        QStringLiteral("The server is busy, try again")));
        if (holding)
            c->held.remove(feed);
        c->busy = false;
    }
}

void Gateway::passOnFeedFrame(Connection *c, QueuedFrame item)
{
    Outcome outcome;
    outcome.socket = c->socket;
    outcome.feed = std::move(item.feed);
    outcome.feedFrame = std::move(item.feedFrame);
    const auto settle = [](Outcome &o, const Result<Caller> &current) {
        o.unauthorised = !current && current.error().code == ErrorCode::Unauthorized;
        if (current)
            o.refreshed = current.value();
        // Otherwise (MariaDB away) the caller as last checked decides, as it did before.
    };
    const Caller caller = *c->caller;
    if (m_sessionCheckFromMemory) {
        if (std::optional<Result<Caller>> current = m_sessionCheckFromMemory(caller)) {
            settle(outcome, *current);
            m_outcomes.push(std::move(outcome));
            return;
        }
    }
    const bool queued = m_pool.trySubmit([this, caller, settle, outcome]() mutable {
        settle(outcome, m_sessionCheck ? m_sessionCheck(caller) : Result<Caller>(caller));
        m_outcomes.push(std::move(outcome));
    });
    if (!queued) // every worker busy: the caller as last checked decides
        m_outcomes.push(std::move(outcome));
}

void Gateway::dropFeedsRefused(Connection &c)
{
    for (auto feed = c.feeds.begin(); feed != c.feeds.end();) {
        if (accessRefusal(*c.caller, m_feedAccess.value(*feed, Access::Admin)))
            feed = c.feeds.erase(feed);
        else
            ++feed;
    }
}

void Gateway::handle(const std::shared_ptr<const FrameRoute> &route, const QJsonObject &frame,
                     const Result<Caller> &current, Outcome outcome)
{
    outcome.unauthorised = !current && current.error().code == ErrorCode::Unauthorized;
    if (current)
        outcome.refreshed = current.value();
    bool handled = false;
    try {
        if (outcome.unauthorised) {
            // Closed by finish(): nothing to answer.
        } else if (!current) {
            outcome.replies = {route->refusal(frame, current.error())};
        } else if (std::optional<AppError> refused = accessRefusal(*current, route->access)) {
            outcome.replies = {route->refusal(frame, *refused)};
        } else if (route->asyncHandler) {
            route->asyncHandler(
                *current, frame,
                // A copy: if the handler throws, the catch below still closes the socket.
                [this, outcome](QList<QJsonObject> replies) mutable {
                    outcome.replies = std::move(replies);
                    m_outcomes.push(std::move(outcome));
                });
            return;
        } else {
            outcome.replies = route->handler(*current, frame);
            handled = true;
        }
    } catch (const std::exception &e) {
        // A bug: what the frame did is unknown, so the socket closes (1011) and the client
        // reconnects and resumes, as after any drop.
        log::error(QStringLiteral("ws_handler_exception"),
                   {{QStringLiteral("cause"), QString::fromUtf8(e.what())}});
        outcome.replies.clear();
        outcome.failed = true;
        handled = false;
    }
    outcome.subscribed = handled && outcome.holding;
    for (const QJsonObject &reply : std::as_const(outcome.replies))
        outcome.subscribed =
            outcome.subscribed && reply.value(QStringLiteral("type")).toString() != ws::Error;
    m_outcomes.push(std::move(outcome));
}

void Gateway::finish(Outcome &outcome)
{
    QWebSocket *socket = outcome.socket.data();
    if (!socket)
        return;
    auto c = m_connections.value(socket);
    QList<QByteArray> held;
    if (c && outcome.holding)
        held = c->held.take(outcome.feed);
    if (outcome.unauthorised) {
        closeSocket(socket, QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                    QStringLiteral("session ended"));
        return;
    }
    if (outcome.failed) {
        closeSocket(socket, QWebSocketProtocol::CloseCode(ws::CloseInternalError),
                    QStringLiteral("internal error"));
        return;
    }
    // Role and restriction as they stand now, unless a fresh `auth` replaced the caller
    // meanwhile (its own check is newer).
    if (c && c->caller && outcome.refreshed &&
        c->caller->expiresAtMs == outcome.refreshed->expiresAtMs) {
        c->caller = outcome.refreshed;
        dropFeedsRefused(*c);
    }
    if (c && !outcome.feedFrame.isEmpty() && c->feeds.contains(outcome.feed) &&
        socket->state() == QAbstractSocket::ConnectedState)
        socket->sendTextMessage(QString::fromUtf8(outcome.feedFrame));
    for (const QJsonObject &reply : std::as_const(outcome.replies))
        send(socket, reply);
    if (c && outcome.subscribed) {
        c->feeds.insert(outcome.feed);
        for (const QByteArray &frame : std::as_const(held))
            socket->sendTextMessage(QString::fromUtf8(frame));
    }
    if (c)
        runNext(c.get());
}

void Gateway::send(QWebSocket *socket, const QJsonObject &frame)
{
    if (socket && socket->state() == QAbstractSocket::ConnectedState)
        socket->sendTextMessage(
            QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void Gateway::deliver(const QString &userId, const QByteArray &frame)
{
    const QString text = QString::fromUtf8(frame);
    const auto sockets = m_byUser.values(userId);
    for (QWebSocket *socket : sockets) {
        if (socket->state() == QAbstractSocket::ConnectedState)
            socket->sendTextMessage(text);
    }
}

void Gateway::closeSessions(const QStringList &sessionIds)
{
    for (const auto &c : std::as_const(m_connections)) {
        if (c->caller && c->socket && sessionIds.contains(c->caller->sessionId))
            closeSocket(c->socket, QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                        QStringLiteral("session revoked"));
    }
}

void Gateway::heartbeat()
{
    const qint64 now = nowMs();
    const qint64 silentLimit = qint64(m_settings.pingIntervalMs) * 5 / 2;
    const int slice = m_heartbeatSlice;
    m_heartbeatSlice = (m_heartbeatSlice + 1) % kHeartbeatSlices;
    for (const auto &c : std::as_const(m_connections)) {
        if (!c->socket || c->heartbeatSlice != slice)
            continue;
        if (now - c->lastSeenMs > silentLimit)
            c->socket->abort(); // it answers nothing, so it would not answer a close either
        else
            c->socket->ping();
    }
}

void Gateway::closeExpired()
{
    const qint64 now = nowMs();
    for (const auto &c : std::as_const(m_connections)) {
        if (c->socket && c->caller && c->caller->expiresAtMs > 0 && now >= c->caller->expiresAtMs &&
            c->socket->state() == QAbstractSocket::ConnectedState)
            closeSocket(c->socket, QWebSocketProtocol::CloseCode(ws::CloseUnauthorized),
                        QStringLiteral("access token expired"));
    }
}

void Gateway::closeAll(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    for (const auto &c : std::as_const(m_connections)) {
        if (c->socket)
            closeSocket(c->socket, code, reason);
    }
}

void Gateway::closeSocket(QWebSocket *socket, QWebSocketProtocol::CloseCode code,
                          const QString &reason)
{
    socket->close(code, reason);
    // A peer that never completes the closing handshake must not hold the socket for ever.
    QPointer<QWebSocket> guard(socket);
    QTimer::singleShot(5000, this, [guard] {
        if (guard && guard->state() != QAbstractSocket::UnconnectedState)
            guard->abort();
    });
}

void Gateway::drop(QWebSocket *socket)
{
    auto c = m_connections.take(socket);
    if (c && c->caller)
        m_byUser.remove(c->caller->userId, socket);
    socket->deleteLater();
}

} // namespace fp
