#pragma once

// The WebSocket endpoint /ws (API_SPEC.md, "WebSocket"): authenticates each socket with its
// first frame, keeps it alive with pings, refuses oversized and too-frequent frames, and hands
// every other frame to the handler its domain registered for that type. A socket's
// authorisation lasts as long as its access token: a later `auth` frame with a fresh token of
// the same account renews it, and without one the socket is closed (4401) when the token
// expires; before each frame is handled, the session and account are checked again. Handlers run on
// the worker pool, one frame at a time per socket so a sender's messages keep their order; what
// they answer goes back to that socket, everything else reaches people through the EventBus.
// An asynchronous handler (chat.send) holds no worker: with the session's state in memory it
// starts its work on the I/O thread and answers when that work is done.

#include "common/Result.h"
#include "server/base/ThreadHandOff.h"
#include "server/http/Router.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QWebSocket>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace fp {

class EventBus;
class WorkerPool;

struct GatewaySettings
{
    int authTimeoutMs = 5000;
    int pingIntervalMs = 25000;
    int maxFramesPerSecond = 20;
    qint64 maxFrameBytes = 16 * 1024;
    /// Browser origins allowed to open a socket (FP_CORS_ORIGINS); clients that send no
    /// Origin (native apps, tools) are always allowed.
    QStringList allowedOrigins;
};

class Gateway : public QObject
{
    Q_OBJECT
public:
    /// Verifies an access token (runs on a worker thread).
    using TokenCheck = std::function<Result<Caller>(const QString &accessToken)>;
    /// The caller as its session and account stand now, or an error (401: the session was
    /// revoked, the account banned); runs on a worker thread before every frame handled.
    using SessionCheck = std::function<Result<Caller>(const Caller &)>;
    /// Handles one client frame for an authenticated caller (on a worker thread); returns the
    /// frames to send back to that socket (often none: events travel through the EventBus).
    using FrameHandler =
        std::function<QList<QJsonObject>(const Caller &, const QJsonObject &frame)>;
    /// What handles a frame without holding a worker: it starts the work and calls `reply`
    /// once, from any thread, with the frames to send back (chat.send: the message writer
    /// answers when the message is stored).
    using Reply = std::function<void(QList<QJsonObject> frames)>;
    using AsyncFrameHandler =
        std::function<void(const Caller &, const QJsonObject &frame, Reply reply)>;
    /// SessionCheck's answer when the session's state is in memory, or nothing (then the
    /// check runs on a worker). Called on the I/O thread, so it must never wait on MariaDB.
    using SessionCheckFromMemory = std::function<std::optional<Result<Caller>>(const Caller &)>;
    /// The frame that answers a frame refused before its handler ran (access, for now);
    /// without one, an `error` frame.
    using Refusal = std::function<QJsonObject(const QJsonObject &frame, const AppError &error)>;
    /// The frames a socket is sent right after its first `auth.ok` (never on a renewal): what
    /// the person must see when they sign in, whatever they ask for. Runs on a worker thread.
    using Greeting = std::function<QList<QJsonObject>(const Caller &)>;

    Gateway(GatewaySettings settings, WorkerPool &pool, EventBus &bus, TokenCheck tokenCheck,
            SessionCheck sessionCheck, SessionCheckFromMemory sessionCheckFromMemory = {},
            QObject *parent = nullptr);
    ~Gateway() override;

    /// Declares a client frame type, like a route: who may send it (Access, enforced here as
    /// the HTTP pipeline enforces it for routes) and what handles it.
    void registerHandler(const QString &type, Access access, FrameHandler handler,
                         Refusal refusal = {});
    /// The same for a frame whose work finishes elsewhere. When the session check can be
    /// answered from memory the handler runs on the I/O thread and no worker is woken at all;
    /// otherwise it runs on a worker after the check. Either way the socket's next frame waits
    /// for `reply`, so a sender's frames keep their order.
    void registerAsyncHandler(const QString &type, Access access, AsyncFrameHandler handler,
                              Refusal refusal = {});
    /// Declares a feed, a stream of frames many sockets follow (the staff alerts): a socket
    /// subscribes with a `subscribeType` frame, allowed to `access`; `replay` runs like a
    /// handler and answers what the socket missed. Frames broadcast on the feed while the replay
    /// runs are held and sent after it, so none falls between the two (one may come twice:
    /// feed frames carry ids). A refused subscription (an `error` reply) subscribes nothing.
    void registerFeed(const QString &subscribeType, const QString &feed, Access access,
                      FrameHandler replay);
    /// What every socket is sent once it has authenticated (the pending moderation notices).
    void setGreeting(Greeting greeting) { m_greeting = std::move(greeting); }
    /// Sends `frame` to this instance's sockets subscribed to `feed` (the EventBus brings
    /// every instance's frames here). Each socket's session is checked first, as before a
    /// client frame, so a socket whose caller may no longer follow the feed stops following it
    /// (and one whose session ended is closed, 4401).
    void broadcast(const QString &feed, const QByteArray &frame);
    /// Sockets of this instance subscribed to `feed`.
    int subscriberCount(const QString &feed) const;
    void accept(std::unique_ptr<QWebSocket> socket);
    /// Closes every socket (graceful shutdown).
    void closeAll(QWebSocketProtocol::CloseCode code, const QString &reason);

    int connectionCount() const { return int(m_connections.size()); }
    /// Frames whose handler started on the I/O thread (no worker), and those run on a worker.
    quint64 framesWithoutWorker() const { return m_framesWithoutWorker; }
    quint64 framesOnWorkers() const { return m_framesOnWorkers; }
    int authenticatedCount() const;
    /// Users with at least one authenticated socket on this instance.
    QStringList authenticatedUserIds() const { return m_byUser.uniqueKeys(); }

    /// An `error` frame: {type:"error", code, message}.
    static QJsonObject errorFrame(const QString &code, const QString &message);
    /// A resume frame's cursor (`notices.resume`'s after_seq, `staff.subscribe`'s after_id):
    /// null (start from now) or an integer >= 0. False, `after` untouched, when it is neither.
    static bool readResumeCursor(const QJsonValue &value, std::optional<qint64> *after);

private:
    struct Connection;
    struct FrameRoute;
    /// A handled frame, on its way back to the I/O thread.
    struct Outcome
    {
        QPointer<QWebSocket> socket;
        QList<QJsonObject> replies;
        bool unauthorised = false; // the session ended: close the socket
        bool failed = false; // the handler threw: close the socket (1011)
        std::optional<Caller> refreshed; // the caller as the session check found it
        bool holding = false; // a feed's replay: its live frames were held meanwhile
        bool subscribed = false; // the replay succeeded: the socket follows the feed
        QString feed;
        QByteArray feedFrame; // a feed's frame, sent if the caller may still follow the feed
    };
    /// What waits in a socket's queue: a client frame, or a feed's frame on its way to it.
    struct QueuedFrame
    {
        QJsonObject frame;
        QString feed;
        QByteArray feedFrame;
    };
    void onText(Connection *c, const QString &text);
    /// An authenticated socket's well-formed frame: answered here (ping, a renewal, an
    /// unknown type) or queued for its handler.
    void dispatch(Connection *c, const QJsonObject &frame);
    void authenticate(Connection *c, const QJsonObject &frame);
    void enqueue(Connection *c, QueuedFrame item);
    void runNext(Connection *c);
    /// A feed's frame for one socket: the session is checked first, as for a client frame, so
    /// that a caller demoted or signed out since their last frame no longer hears the feed.
    void passOnFeedFrame(Connection *c, QueuedFrame item);
    /// Stops following the feeds the caller, as last checked, may no longer follow.
    void dropFeedsRefused(Connection &c);
    void handle(const std::shared_ptr<const FrameRoute> &route, const QJsonObject &frame,
                const Result<Caller> &current, Outcome outcome);
    /// On the I/O thread: sends a handled frame's replies and starts the socket's next frame.
    void finish(Outcome &outcome);
    void send(QWebSocket *socket, const QJsonObject &frame);
    void deliver(const QString &userId, const QByteArray &frame);
    void closeSessions(const QStringList &sessionIds);
    void heartbeat();
    void closeExpired();
    void closeSocket(QWebSocket *socket, QWebSocketProtocol::CloseCode code, const QString &reason);
    void drop(QWebSocket *socket);

    GatewaySettings m_settings;
    WorkerPool &m_pool;
    EventBus &m_bus;
    TokenCheck m_tokenCheck;
    SessionCheck m_sessionCheck;
    SessionCheckFromMemory m_sessionCheckFromMemory;
    Greeting m_greeting;
    struct FrameRoute
    {
        Access access = Access::User;
        FrameHandler handler; // or
        AsyncFrameHandler asyncHandler;
        Refusal refusal;
        QString feed; // set for a feed's subscribe frame
    };
    // Shared, so a frame in flight holds its route without copying its functions.
    QHash<QString, std::shared_ptr<FrameRoute>> m_handlers;
    QHash<QString, Access> m_feedAccess; // who may follow each feed
    ThreadHandOff<Outcome> m_outcomes; // handled frames, for the I/O thread to finish
    QHash<QWebSocket *, std::shared_ptr<Connection>> m_connections;
    QMultiHash<QString, QWebSocket *> m_byUser;
    QTimer m_heartbeat;
    QTimer m_expiry;
    std::atomic<quint64> m_framesWithoutWorker {0};
    std::atomic<quint64> m_framesOnWorkers {0};
    int m_heartbeatSlice = 0; // the slice of sockets the next tick pings
    int m_nextSlice = 0; // the slice the next accepted socket joins
};

} // namespace fp
