#pragma once

// The request pipeline. On the I/O thread: request id → route lookup (404/405) → content type
// and JSON checks (415/400). Then on the worker pool (unless the route is inline): rate limit
// per address (429) → authentication and role (401/403) → rate limit per account (429) →
// idempotency (replay/409/422) → the handler. Back on the I/O thread, one function writes
// every response, logs it and counts it. A GET whose answer is kept in memory may be answered
// earlier still, by the connection guard before Qt reads it (answerEarly).
// QAbstractHttpServer is subclassed (not QHttpServer) for full control of 404/405 and of how
// responses are written: a response goes out only if its client is still connected, which is
// what keeps the server alive when clients disconnect mid-request (see ENGINEERING.md).

#include "common/Result.h"
#include "server/base/Config.h"
#include "server/base/ThreadHandOff.h"
#include "server/http/BrowserPolicy.h"
#include "server/http/Http.h"
#include "server/http/RateLimiter.h"
#include "server/http/Router.h"

#include <QAbstractHttpServer>
#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QSslConfiguration>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QTcpSocket;
class QHttpServerResponder;

namespace fp {

class Metrics;
class GuardedTcpServer;
class WorkerPool;

class HttpServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    /// Verifies the bearer token of a request; runs on a worker thread (it may ask Redis).
    using Authenticator = std::function<Result<Caller>(const RequestContext &)>;

    HttpServer(const Config &config, Router &router, WorkerPool &pool, Metrics &metrics,
               QObject *parent = nullptr);
    ~HttpServer() override;

    /// Binds the guarded TCP server (TLS when `tls` is not null); returns the port, or 0 when
    /// the address is taken.
    quint16 start(const QHostAddress &address, quint16 port, const QSslConfiguration &tls = {});
    void setAuthenticator(Authenticator authenticator)
    {
        m_authenticator = std::move(authenticator);
    }
    const Authenticator &authenticator() const { return m_authenticator; }
    /// The same check when it needs neither MariaDB nor Redis (its session state cached), or
    /// nothing: lets a route with an answer kept in memory (Route::fromMemory) be answered on
    /// the I/O thread.
    using CachedAuthenticator =
        std::function<std::optional<Result<Caller>>(const RequestContext &)>;
    void setCachedAuthenticator(CachedAuthenticator authenticator)
    {
        m_cachedAuthenticator = std::move(authenticator);
    }

    /// Stops accepting connections; requests already received are still answered.
    void stopAccepting();
    int inFlight() const { return m_inFlight; }
    /// Requests answered with an answer kept in memory (Route::fromMemory).
    quint64 answeredFromMemory() const { return m_answeredFromMemory.load(); }
    /// Of those, the ones the connection guard answered before Qt read them (answerEarly).
    quint64 answeredEarly() const { return m_answeredEarly.load(); }

Q_SIGNALS:
    void idle(); // no request in flight any more (shutdown waits for it)

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct Exchange;
    void dispatch(const std::shared_ptr<Exchange> &exchange, const Route &route);
    /// runRoute, counting the work it asked of MariaDB and Redis into the exchange.
    HttpResponse runOnWorker(Exchange &exchange, const Route &route);
    HttpResponse runRoute(Exchange &exchange, const Route &route);
    HttpResponse runIdempotently(RequestContext &ctx, const Route &route);
    /// On the I/O thread: the answer of a route kept in memory, when the caller, their rate
    /// budget and the answer are all known without waiting; nothing otherwise (and nothing
    /// spent), for a worker to answer as usual.
    std::optional<HttpResponse> answerFromMemory(RequestContext &ctx, const Route &route);
    void respond(const std::shared_ptr<Exchange> &exchange, HttpResponse response);
    /// Completes an answer (an error's body, CORS and security headers), counts it and logs
    /// it: the same for every answer, however it is then written.
    void conclude(Exchange &exchange, HttpResponse &response, bool clientGone);
    /// The connection guard's early answer (ConnectionGuard.h): a GET of a route kept in
    /// memory, answered from memory, as the bytes Qt's responder would have written.
    std::optional<QByteArray> answerEarly(QByteArrayView head, const QHostAddress &peer);
    /// What a request is counted under in fp_http_requests_total and in
    /// fp_http_request_duration_seconds, rendered once per route, method and status.
    struct RequestLabels
    {
        QString requests;
        QString duration;
    };
    const RequestLabels &labelsFor(const QString &route, const QByteArray &method, int status);
    void answerPreflight(const std::shared_ptr<Exchange> &exchange,
                         const QList<QByteArray> &methods);

    const Config &m_config;
    Router &m_router;
    WorkerPool &m_pool;
    Metrics &m_metrics;
    Authenticator m_authenticator;
    CachedAuthenticator m_cachedAuthenticator;
    std::atomic<quint64> m_answeredFromMemory {0};
    std::atomic<quint64> m_answeredEarly {0};
    RateLimiter m_rateLimiter;
    BrowserPolicy m_browserPolicy;
    bool m_accepting = true;
    int m_inFlight = 0;
    struct LabelKey
    {
        QString route;
        QByteArray method;
        int status;
        bool operator==(const LabelKey &) const = default;
        friend size_t qHash(const LabelKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.route, key.method, key.status);
        }
    };
    // Only respond() on the I/O thread uses it. Bounded, as a client choosing odd methods
    // should not grow it: past the bound labels are rendered for each request.
    QHash<LabelKey, RequestLabels> m_labels;
    RequestLabels m_labelsBeyondBound;
    struct Answer
    {
        std::shared_ptr<Exchange> exchange;
        HttpResponse response;
    };
    // Workers' answers, written by the I/O thread, which alone may touch the socket. The
    // exchange travels with its answer so its last reference (and the responder) dies there.
    ThreadHandOff<Answer> m_answers;
    // The listening servers start() made. QAbstractHttpServer::servers() would find them with
    // findChildren, which walks every connection's objects too: done for each WebSocket
    // upgrade, that made accepting 5,000 sockets quadratic (ws_bench: 5-8 s against 1.5 s).
    QList<QPointer<GuardedTcpServer>> m_listening;
};

/// application/json, with or without parameters such as charset.
bool isJsonContentType(const QByteArray &contentType);

} // namespace fp
