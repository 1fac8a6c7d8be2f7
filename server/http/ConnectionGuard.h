#pragma once

// Qt 6.4's HTTP server buffers whatever a request carries before any handler sees it, keeps it
// twice (socket transaction and request body), keeps reading a body by Content-Length even on a
// request that asks for an Upgrade, and has no header or idle timeout. This TCP server puts a
// guard in front of it on every connection: one strict reading of each request head (the same
// or stricter than Qt's parser, so the two never disagree on where a request ends), bodies
// counted per request whatever their framing, a cap on what Qt may buffer per connection, a
// header deadline, an idle timeout, a per-address connection cap, and a lingering close after a
// refusal so the client reads the answer instead of a reset.

#include "server/http/RequestStreamReader.h"

#include <QHash>
#include <QHostAddress>
#include <QSet>
#include <QSslConfiguration>
#include <QString>
#include <QTcpServer>
#include <functional>
#include <optional>

namespace fp {

class ConnectionGuard;

/// How much one connection may send and how long it may take.
struct ConnectionLimits
{
    qint64 maxBodyBytes = 1024 * 1024;
    /// Routes allowed more than maxBodyBytes (Route::maxBodyBytes).
    QList<RequestStreamReader::LargerBody> largerBodies;
    /// The gateway's limit on a WebSocket frame and on a whole message (close 1009 above it).
    qint64 maxWebSocketMessageBytes = 16 * 1024;
    /// A request head must be complete this long after the connection opened (first request)
    /// or after its first byte (later requests on a keep-alive connection).
    int headerTimeoutMs = 10000;
    /// A connection with no request in progress, or a body that stops arriving, is closed after
    /// this long. Upgraded WebSocket connections have the gateway's own timeouts instead.
    int idleTimeoutMs = 60000;
    /// Open connections per client address (IPv6: per /64); trusted proxies are exempt.
    int maxConnectionsPerAddress = 256;
    /// After a refusal: how long, and how many bytes, are read and discarded so the client sees
    /// the answer before the connection closes (nginx's lingering close).
    int lingerMs = 3000;
    qint64 lingerBytes = 64LL * 1024 * 1024;
};

/// Why the guard refused a request or a connection (the `reason` label of
/// fp_http_connections_refused_total).
enum class Refusal {
    MalformedRequest, // 400
    BodyTooLarge, // 413
    HeadTooLarge, // 413
    WebSocketMessageTooLarge, // close 1009
    HeaderTimeout, // closed without an answer
    IdleTimeout, // closed without an answer
    TooManyConnections, // 503
};
QString refusalName(Refusal refusal);

/// Answers a request at once, before Qt's HTTP server reads it, when it can: given a complete
/// GET head (and nothing after it) and the peer, the whole answer as bytes, or nothing to leave
/// the request to Qt. Qt 6.4 reads a head one byte per QIODevice::read call, a quarter of the
/// I/O thread's work on a read answered from memory (docs/performance.md, "Early answers").
using EarlyAnswer =
    std::function<std::optional<QByteArray>(QByteArrayView head, const QHostAddress &peer)>;

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    /// `onRefused` is told each refusal and the peer it concerns (for logs and metrics);
    /// `isTrustedProxy` exempts an address from the per-address cap. A non-null `tls`
    /// configuration makes every connection TLS (HTTPS and wss://).
    GuardedTcpServer(ConnectionLimits limits, QSslConfiguration tls,
                     std::function<bool(const QHostAddress &)> isTrustedProxy,
                     std::function<void(Refusal, const QHostAddress &)> onRefused,
                     QObject *parent = nullptr);

    /// The key the per-address cap counts by: the address, or an IPv6 address's /64.
    static QString addressKey(const QHostAddress &address);
    int openConnections(const QString &key) const { return m_openByAddress.value(key); }
    /// Qt's WebSocket server made a QWebSocket of an upgraded connection (newWebSocketConnection):
    /// the guards of upgraded connections go on reading the frames.
    void webSocketsHandedOver();
    void setEarlyAnswer(EarlyAnswer earlyAnswer) { m_earlyAnswer = std::move(earlyAnswer); }

protected:
    void incomingConnection(qintptr handle) override;

private:
    friend class ConnectionGuard;
    void connectionClosed(const QString &key);

    ConnectionLimits m_limits;
    QSslConfiguration m_tls;
    std::function<bool(const QHostAddress &)> m_isTrustedProxy;
    std::function<void(Refusal, const QHostAddress &)> m_onRefused;
    EarlyAnswer m_earlyAnswer;
    QHash<QString, int> m_openByAddress;
    QSet<ConnectionGuard *> m_awaitingHandover;
};

} // namespace fp
