#include "server/http/ConnectionGuard.h"

#include "common/ApiError.h"
#include "server/http/Http.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QtEndian>
#include <sys/socket.h>

namespace fp {

QString refusalName(Refusal refusal)
{
    switch (refusal) {
    case Refusal::MalformedRequest:
        return QStringLiteral("malformed_request");
    case Refusal::BodyTooLarge:
        return QStringLiteral("body_too_large");
    case Refusal::HeadTooLarge:
        return QStringLiteral("head_too_large");
    case Refusal::WebSocketMessageTooLarge:
        return QStringLiteral("websocket_message_too_large");
    case Refusal::HeaderTimeout:
        return QStringLiteral("header_timeout");
    case Refusal::IdleTimeout:
        return QStringLiteral("idle_timeout");
    case Refusal::TooManyConnections:
        return QStringLiteral("too_many_connections");
    }
    return QStringLiteral("unknown");
}

/// One connection's guard, a child of its socket (so it lives exactly as long).
///
/// It reads every byte before Qt's HTTP parser or QWebSocket does: its first slot is connected
/// to readyRead before theirs, and a second one on channelReadyRead, which QAbstractSocket
/// emits after readyRead, notes what they left unread. New bytes are then exactly those past
/// what it has already seen, whatever the readers in between took.
class ConnectionGuard : public QObject
{
public:
    ConnectionGuard(QTcpSocket *socket, GuardedTcpServer *server, QString addressKey)
        : QObject(socket), m_socket(socket), m_server(server), m_addressKey(std::move(addressKey)),
          m_limits(server->m_limits),
          m_reader(m_limits.maxBodyBytes, m_limits.maxWebSocketMessageBytes, m_limits.largerBodies)
    {
        // What Qt may hold for one connection: a head and a body with its chunk framing. Qt
        // keeps a request's bytes in the socket buffer until it is complete, so this bounds its
        // memory per connection even where it would read more than it should.
        qint64 largestBody = m_limits.maxBodyBytes;
        for (const auto &larger : std::as_const(m_limits.largerBodies))
            largestBody = qMax(largestBody, larger.maxBytes);
        socket->setReadBufferSize(RequestStreamReader::kMaxHeadBytes * 2 + 2 * largestBody);
        m_headTimer.setSingleShot(true);
        m_idleTimer.setSingleShot(true);
        connect(&m_headTimer, &QTimer::timeout, this, [this] { expire(Refusal::HeaderTimeout); });
        // The idle timer runs once per idle period and, when it fires, waits out what is left
        // since the last activity: restarting it on every request and every answer cost four
        // timer registrations a request, about 7 % of the I/O thread under http_bench.
        m_lastActivity.start();
        connect(&m_idleTimer, &QTimer::timeout, this, [this] {
            const qint64 quiet = m_lastActivity.elapsed();
            if (quiet < m_limits.idleTimeoutMs) {
                m_idleTimer.start(int(m_limits.idleTimeoutMs - quiet));
                return;
            }
            if (m_socket->bytesToWrite() > 0) { // an answer is still going out: not idle
                m_idleTimer.start(m_limits.idleTimeoutMs);
                return;
            }
            expire(Refusal::IdleTimeout);
        });
        // The first request's head is due this long after the connection opened.
        m_headTimer.start(m_limits.headerTimeoutMs);
        attach();
        // An answer going out is activity too (and changes nothing once the idle timer is off,
        // on an upgraded WebSocket connection).
        connect(socket, &QIODevice::bytesWritten, this, [this] { m_lastActivity.start(); });
    }

    ~ConnectionGuard() override
    {
        if (m_server && !m_addressKey.isEmpty())
            m_server->connectionClosed(m_addressKey);
        if (m_server)
            m_server->m_awaitingHandover.remove(this);
    }

    /// Refuses the connection before anything is read: the per-address cap.
    void refuseConnection()
    {
        m_addressKey.clear(); // never counted
        if (qobject_cast<QSslSocket *>(m_socket)) {
            m_socket->abort(); // no TLS session to answer in yet
            return;
        }
        answer(503, "Service Unavailable",
               AppError::unavailable(QStringLiteral("Too many connections from this address"), 5),
               Refusal::TooManyConnections);
    }

    /// Qt's WebSocket server has read the handshake and made its QWebSocket: what is left in
    /// the buffer from here on is frames.
    void handoverCompleted()
    {
        if (m_socket->bytesAvailable() <= m_seenInBuffer - m_handshakeBytes) {
            m_seenInBuffer = m_socket->bytesAvailable();
            m_server->m_awaitingHandover.remove(this);
        }
    }

private:
    void beforeReaders()
    {
        if (m_lingering) {
            discard();
            return;
        }
        const qint64 available = m_socket->bytesAvailable();
        if (available <= m_seenInBuffer) {
            m_seenInBuffer = available;
            return;
        }
        const QByteArray buffered = m_socket->peek(available);
        const QByteArrayView fresh = QByteArrayView(buffered).sliced(m_seenInBuffer);
        // Qt's parser has read everything before these bytes.
        const bool nothingLeftUnread = m_seenInBuffer == 0;
        m_seenInBuffer = available;
        const RequestStreamReader::Phase before = m_reader.phase();
        const int requestsBefore = m_reader.requestsRead();
        const RequestStreamReader::Verdict verdict = m_reader.feed(fresh);
        if (verdict != RequestStreamReader::Verdict::Continue) {
            refuse(verdict);
            return;
        }
        const RequestStreamReader::Phase now = m_reader.phase();
        if (now == RequestStreamReader::Phase::WebSocket) {
            if (before != RequestStreamReader::Phase::WebSocket) {
                m_headTimer.stop();
                m_idleTimer.stop(); // the gateway's auth and ping timeouts apply from here
                m_handshakeBytes = m_reader.lastHeadBytes();
                if (m_server)
                    m_server->m_awaitingHandover.insert(this);
                // Qt now hands the socket to its WebSocket server, disconnecting every slot of
                // the socket, ours too. That server reads the handshake in a queued call that
                // Qt posts after this one, so ours connect again before QWebSocket connects
                // its own: the guard still reads first.
                QMetaObject::invokeMethod(
                    this, [this] { attach(); }, Qt::QueuedConnection);
            }
            return;
        }
        if (now == RequestStreamReader::Phase::Head) {
            if (!m_headTimer.isActive()) // the first byte of a later request's head
                m_headTimer.start(m_limits.headerTimeoutMs);
        } else {
            m_headTimer.stop();
        }
        // Between requests, or a body arriving: idle from now on.
        m_lastActivity.start();
        if (!m_idleTimer.isActive())
            m_idleTimer.start(m_limits.idleTimeoutMs);
        // Exactly one whole head without a body, and Qt has nothing of it yet.
        if (before == RequestStreamReader::Phase::BetweenRequests &&
            now == RequestStreamReader::Phase::BetweenRequests && nothingLeftUnread &&
            m_reader.requestsRead() == requestsBefore + 1 &&
            m_reader.lastHeadBytes() == fresh.size())
            answerEarly(fresh);
    }

    void answerEarly(QByteArrayView head)
    {
        if (!m_server || !m_server->m_earlyAnswer)
            return;
        if (m_peer.isNull())
            m_peer = m_socket->peerAddress();
        std::optional<QByteArray> answer = m_server->m_earlyAnswer(head, m_peer);
        if (!answer)
            return;
        // Qt's parser keeps a transaction open between requests with nothing read in it, or
        // only the empty lines it skips before a request line. Closed, the bytes skipped next
        // leave the buffer; inside it they would stay there as long as the connection.
        if (m_socket->isTransactionStarted())
            m_socket->commitTransaction();
        m_socket->skip(head.size());
        m_seenInBuffer = m_socket->bytesAvailable();
        m_socket->write(*answer);
    }

    void afterReaders() { m_seenInBuffer = m_socket->bytesAvailable(); }

    void attach()
    {
        connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeReaders,
                Qt::UniqueConnection);
        connect(m_socket, &QIODevice::channelReadyRead, this, &ConnectionGuard::afterReaders,
                Qt::UniqueConnection);
    }

    void refuse(RequestStreamReader::Verdict verdict)
    {
        switch (verdict) {
        case RequestStreamReader::Verdict::Malformed: {
            const AppError error {
                ErrorCode::ValidationFailed, m_reader.problem(),
                QJsonObject {{QStringLiteral("fields"),
                              QJsonObject {{m_reader.field(), m_reader.problem()}}}}};
            answer(400, "Bad Request", error, Refusal::MalformedRequest);
            break;
        }
        case RequestStreamReader::Verdict::BodyTooLarge:
        case RequestStreamReader::Verdict::HeadTooLarge:
            answer(413, "Payload Too Large",
                   AppError {ErrorCode::PayloadTooLarge, m_reader.problem(), {}},
                   verdict == RequestStreamReader::Verdict::BodyTooLarge ? Refusal::BodyTooLarge
                                                                         : Refusal::HeadTooLarge);
            break;
        case RequestStreamReader::Verdict::WebSocketMessageTooLarge:
            closeWebSocketTooLarge();
            break;
        case RequestStreamReader::Verdict::Continue:
            break;
        }
    }

    /// Takes the connection away from Qt's readers: nothing more of it is parsed or kept.
    void detachReaders()
    {
        QObject::disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
        connect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::beforeReaders);
        if (m_socket->isTransactionStarted())
            m_socket->commitTransaction(); // what Qt's parser kept is dropped now
        m_headTimer.stop();
        m_idleTimer.stop();
    }

    void answer(int status, const char *statusText, const AppError &error, Refusal refusal)
    {
        detachReaders();
        // Like every other answer, it carries the client's id when the head named a sane one.
        const QString requestId = chooseRequestId(m_reader.clientRequestId());
        const QByteArray body = renderErrorBody(error, requestId);
        QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText +
            "\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n"
            "X-Request-Id: " +
            requestId.toLatin1() + "\r\n";
        if (error.retryAfterSeconds > 0)
            response += "Retry-After: " + QByteArray::number(error.retryAfterSeconds) + "\r\n";
        response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        m_socket->write(response);
        report(refusal);
        linger();
    }

    void closeWebSocketTooLarge()
    {
        detachReaders();
        // RFC 6455: a close frame from the server, unmasked, code 1009 and a short reason. The
        // gateway's QWebSocket never sees the frame, so it cannot answer it differently.
        const QByteArray reason("message too large");
        QByteArray payload(2, '\0');
        qToBigEndian<quint16>(1009, payload.data());
        payload += reason;
        QByteArray frame;
        frame.append(char(0x88));
        frame.append(char(payload.size()));
        frame += payload;
        m_socket->write(frame);
        report(Refusal::WebSocketMessageTooLarge);
        linger();
    }

    /// nginx's lingering close: the answer goes out, then our side of the connection is shut
    /// for writing, and what the client still sends is read and dropped for a bounded time and
    /// size. Closing at once with unread data would reset the connection, and a client still
    /// sending its body would lose the answer with it.
    void linger()
    {
        m_lingering = true;
        m_socket->setReadBufferSize(64 * 1024);
        connect(m_socket, &QIODevice::bytesWritten, this, [this] { shutdownWhenWritten(); });
        QTimer::singleShot(m_limits.lingerMs, this, [this] { m_socket->abort(); });
        shutdownWhenWritten();
        discard();
    }

    void shutdownWhenWritten()
    {
        qint64 pending = m_socket->bytesToWrite();
        if (auto *tls = qobject_cast<QSslSocket *>(m_socket))
            pending += tls->encryptedBytesToWrite();
        if (pending > 0 || m_writeShut)
            return;
        m_writeShut = true;
        m_socket->flush();
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    }

    void discard()
    {
        const qint64 available = m_socket->bytesAvailable();
        m_socket->skip(available);
        m_lingered += available;
        if (m_lingered > m_limits.lingerBytes)
            m_socket->abort();
    }

    void expire(Refusal refusal)
    {
        report(refusal);
        // A client that is too slow to finish a head, or silent, is owed no answer.
        m_socket->abort();
    }

    void report(Refusal refusal)
    {
        if (m_server && m_server->m_onRefused)
            m_server->m_onRefused(refusal, m_socket->peerAddress());
    }

    QTcpSocket *m_socket;
    QHostAddress m_peer; // read once, by the first early answer
    QPointer<GuardedTcpServer> m_server;
    QString m_addressKey;
    ConnectionLimits m_limits;
    RequestStreamReader m_reader;
    qint64 m_seenInBuffer = 0; // bytes at the front of the socket buffer already read
    qsizetype m_handshakeBytes = 0;
    bool m_lingering = false;
    bool m_writeShut = false;
    qint64 m_lingered = 0;
    QTimer m_headTimer;
    QTimer m_idleTimer;
    QElapsedTimer m_lastActivity; // bytes read or written
};

GuardedTcpServer::GuardedTcpServer(ConnectionLimits limits, QSslConfiguration tls,
                                   std::function<bool(const QHostAddress &)> isTrustedProxy,
                                   std::function<void(Refusal, const QHostAddress &)> onRefused,
                                   QObject *parent)
    : QTcpServer(parent), m_limits(limits), m_tls(std::move(tls)),
      m_isTrustedProxy(std::move(isTrustedProxy)), m_onRefused(std::move(onRefused))
{ }

QString GuardedTcpServer::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString(); // ::ffff:1.2.3.4 is 1.2.3.4
    // One IPv6 host usually has a whole /64 to pick addresses from.
    Q_IPV6ADDR bytes = address.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

void GuardedTcpServer::connectionClosed(const QString &key)
{
    auto it = m_openByAddress.find(key);
    if (it == m_openByAddress.end())
        return;
    if (--it.value() <= 0)
        m_openByAddress.erase(it);
}

void GuardedTcpServer::webSocketsHandedOver()
{
    const auto guards = m_awaitingHandover;
    for (ConnectionGuard *guard : guards)
        guard->handoverCompleted();
}

void GuardedTcpServer::incomingConnection(qintptr handle)
{
    QTcpSocket *socket = nullptr;
    if (!m_tls.isNull()) {
        auto *tlsSocket = new QSslSocket(this);
        tlsSocket->setSslConfiguration(m_tls);
        socket = tlsSocket;
    } else {
        socket = new QTcpSocket(this);
    }
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }

    const QHostAddress peer = socket->peerAddress();
    const QString key = addressKey(peer);
    const bool exempt = m_isTrustedProxy && m_isTrustedProxy(peer);
    if (!exempt && m_openByAddress.value(key) >= m_limits.maxConnectionsPerAddress) {
        // Never handed to the HTTP server: answered, drained briefly and closed here.
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        auto *guard = new ConnectionGuard(socket, this, QString());
        guard->refuseConnection();
        return;
    }
    if (!exempt)
        ++m_openByAddress[key];
    // Created before the HTTP server connects its own readyRead slot, so the guard runs first.
    new ConnectionGuard(socket, this, exempt ? QString() : key);

    if (auto *tlsSocket = qobject_cast<QSslSocket *>(socket)) {
        // A failed handshake (plain HTTP to the TLS port, a scanner) just ends the connection.
        connect(tlsSocket, &QSslSocket::sslErrors, tlsSocket, [tlsSocket] { tlsSocket->abort(); });
        connect(tlsSocket, &QAbstractSocket::errorOccurred, tlsSocket, [tlsSocket] {
            if (!tlsSocket->isEncrypted())
                tlsSocket->abort();
        });
        tlsSocket->startServerEncryption();
    }
    addPendingConnection(socket);
}

} // namespace fp
