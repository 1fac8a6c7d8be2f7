#pragma once

// Qt 6.4's HTTP server buffers a whole request body before any handler sees it (a 200 MB POST
// was read into memory whole). This TCP server gives every connection a guard that runs before
// the HTTP parser (its readyRead slot is connected first) and answers 413 as soon as the
// headers announce, or the bytes received show, a body over the limit.

#include <QSslConfiguration>
#include <QTcpServer>
#include <functional>

namespace fp {

class BodyLimitTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    /// `onRejected` is told the client address of each refused request (for logs and metrics).
    /// A non-null `tls` configuration makes every connection TLS (HTTPS and wss://).
    BodyLimitTcpServer(qint64 maxBodyBytes, QSslConfiguration tls,
                       std::function<void(const QString &reason)> onRejected,
                       QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr handle) override;

private:
    qint64 m_maxBodyBytes;
    QSslConfiguration m_tls;
    std::function<void(const QString &)> m_onRejected;
};

/// The per-connection parser, separate from sockets so it can be unit-tested: feed it the
/// bytes as they arrive; it says whether the connection is still within limits.
class RequestSizeTracker
{
public:
    enum class Verdict { Continue, TooLarge, HeadersTooLarge, Upgraded };

    explicit RequestSizeTracker(qint64 maxBodyBytes) : m_maxBodyBytes(maxBodyBytes) { }
    Verdict feed(const QByteArray &bytes);

    static constexpr qint64 kMaxHeaderBytes = 64 * 1024;

private:
    Verdict startBody(const QByteArray &headerBlock);

    enum class State { Headers, Body, ChunkedBody, Upgraded };
    qint64 m_maxBodyBytes;
    State m_state = State::Headers;
    QByteArray m_headerBuffer;
    qint64 m_bodyRemaining = 0;
    qint64 m_chunkedReceived = 0;
};

} // namespace fp
