#include "server/http/BodyLimitGuard.h"

#include "common/ApiError.h"
#include "server/http/Http.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>
#include <QUuid>
#include <memory>

namespace fp {

RequestSizeTracker::Verdict RequestSizeTracker::feed(const QByteArray &bytes)
{
    QByteArray rest = bytes;
    while (!rest.isEmpty()) {
        switch (m_state) {
        case State::Upgraded:
            return Verdict::Upgraded;
        case State::ChunkedBody:
            // Chunk framing is the HTTP parser's job; we only count what arrives until the
            // connection is done with, which bounds memory all the same.
            m_chunkedReceived += rest.size();
            if (m_chunkedReceived > m_maxBodyBytes)
                return Verdict::TooLarge;
            if (rest.contains("\r\n0\r\n\r\n") || rest.endsWith("0\r\n\r\n")) {
                m_state = State::Headers;
                m_chunkedReceived = 0;
            }
            return Verdict::Continue;
        case State::Body: {
            const qint64 take = qMin<qint64>(m_bodyRemaining, rest.size());
            m_bodyRemaining -= take;
            rest = rest.mid(take);
            if (m_bodyRemaining == 0)
                m_state = State::Headers;
            break;
        }
        case State::Headers: {
            m_headerBuffer += rest;
            rest.clear();
            const qsizetype end = m_headerBuffer.indexOf("\r\n\r\n");
            if (end < 0) {
                if (m_headerBuffer.size() > kMaxHeaderBytes)
                    return Verdict::HeadersTooLarge;
                return Verdict::Continue;
            }
            if (end > kMaxHeaderBytes)
                return Verdict::HeadersTooLarge;
            const QByteArray block = m_headerBuffer.left(end);
            rest = m_headerBuffer.mid(end + 4);
            m_headerBuffer.clear();
            const Verdict v = startBody(block);
            if (v != Verdict::Continue)
                return v;
            break;
        }
        }
    }
    return m_state == State::Upgraded ? Verdict::Upgraded : Verdict::Continue;
}

RequestSizeTracker::Verdict RequestSizeTracker::startBody(const QByteArray &headerBlock)
{
    qint64 contentLength = 0;
    bool chunked = false;
    bool upgrade = false;
    const QList<QByteArray> lines = headerBlock.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) { // line 0 is the request line
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0)
                contentLength = 0; // the HTTP parser rejects it; nothing to buffer
        } else if (name == "transfer-encoding") {
            chunked = value.toLower().contains("chunked");
        } else if (name == "upgrade") {
            upgrade = value.toLower() == "websocket";
        }
    }
    if (upgrade) {
        m_state = State::Upgraded; // from here on the bytes are WebSocket frames
        return Verdict::Upgraded;
    }
    if (contentLength > m_maxBodyBytes)
        return Verdict::TooLarge;
    if (chunked) {
        m_state = State::ChunkedBody;
        m_chunkedReceived = 0;
    } else if (contentLength > 0) {
        m_state = State::Body;
        m_bodyRemaining = contentLength;
    }
    return Verdict::Continue;
}

BodyLimitTcpServer::BodyLimitTcpServer(qint64 maxBodyBytes, QSslConfiguration tls,
                                       std::function<void(const QString &)> onRejected,
                                       QObject *parent)
    : QTcpServer(parent), m_maxBodyBytes(maxBodyBytes), m_tls(std::move(tls)),
      m_onRejected(std::move(onRejected))
{ }

void BodyLimitTcpServer::incomingConnection(qintptr handle)
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
    if (auto *tlsSocket = qobject_cast<QSslSocket *>(socket)) {
        // A failed handshake (plain HTTP to the TLS port, a scanner) just ends the connection.
        connect(tlsSocket, &QSslSocket::sslErrors, tlsSocket, [tlsSocket] { tlsSocket->abort(); });
        connect(tlsSocket, &QAbstractSocket::errorOccurred, tlsSocket, [tlsSocket] {
            if (!tlsSocket->isEncrypted())
                tlsSocket->abort();
        });
        QTimer::singleShot(10000, tlsSocket, [tlsSocket] { // a handshake that never ends
            if (!tlsSocket->isEncrypted())
                tlsSocket->abort();
        });
        tlsSocket->startServerEncryption();
    }
    auto tracker = std::make_shared<RequestSizeTracker>(m_maxBodyBytes);
    auto rejected = std::make_shared<bool>(false);
    // Connected before the HTTP server connects its own slot, so it runs first.
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket, tracker, rejected]() {
        if (*rejected) {
            socket->readAll(); // drain and drop: the answer is already on its way
            return;
        }
        const auto verdict = tracker->feed(socket->peek(socket->bytesAvailable()));
        if (verdict == RequestSizeTracker::Verdict::Upgraded) {
            disconnect(socket, &QTcpSocket::readyRead, socket,
                       nullptr); // WebSocket frames: not ours
            return;
        }
        if (verdict == RequestSizeTracker::Verdict::Continue)
            return;
        *rejected = true;
        const QString requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const AppError error {
            ErrorCode::PayloadTooLarge,
            verdict == RequestSizeTracker::Verdict::TooLarge
                ? QStringLiteral("The request body is larger than %1 bytes").arg(m_maxBodyBytes)
                : QStringLiteral("The request headers are too large"),
            {}};
        const QByteArray body = renderErrorBody(error, requestId);
        // Keep the HTTP parser from buffering any of it, then answer and close.
        disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
        connect(socket, &QTcpSocket::readyRead, socket, [socket]() { socket->readAll(); });
        socket->readAll();
        socket->write("HTTP/1.1 413 Request Entity Too Large\r\n"
                      "Content-Type: application/json; charset=utf-8\r\n"
                      "Connection: close\r\n"
                      "X-Request-Id: " +
                      requestId.toLatin1() +
                      "\r\n"
                      "Content-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
        socket->disconnectFromHost();
        if (m_onRejected)
            m_onRejected(error.message);
    });
    addPendingConnection(socket);
}

} // namespace fp
