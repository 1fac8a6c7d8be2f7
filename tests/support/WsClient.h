#pragma once

// A WebSocket test client: connects to /ws, authenticates, and collects every frame it
// receives so a test can wait for a frame type and inspect everything the peer was sent.

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QWebSocket>
#include <functional>

namespace fp::test {

class WsClient
{
public:
    explicit WsClient(quint16 port);
    ~WsClient();

    bool connect(int timeoutMs = 5000);
    /// Connects and sends the auth frame; true once auth.ok arrived.
    bool connectAndAuthenticate(const QString &accessToken, int timeoutMs = 10000);
    void send(const QJsonObject &frame);
    void sendText(const QString &text);

    /// Waits for the next not-yet-taken frame of `type` (and matching `predicate`), or an
    /// empty object on timeout.
    QJsonObject waitFor(const QString &type, int timeoutMs = 10000,
                        const std::function<bool(const QJsonObject &)> &predicate = {});
    /// Waits until the server closes the socket; returns the close code (-1 on timeout).
    int waitForClose(int timeoutMs = 10000);

    const QList<QJsonObject> &received() const { return m_received; }
    QWebSocket &socket() { return m_socket; }

private:
    QWebSocket m_socket;
    quint16 m_port;
    QList<QJsonObject> m_received;
    QList<bool> m_taken;
};

} // namespace fp::test
