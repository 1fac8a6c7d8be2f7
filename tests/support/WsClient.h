#pragma once

// A WebSocket test client: connects to /ws, authenticates, and collects every frame it
// receives so a test can wait for a frame type and inspect everything the peer was sent.

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QWebSocket>
#include <functional>
#include <initializer_list>

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

    /// How many frames of `type` (and matching `predicate`) arrived so far, taken or not.
    qsizetype count(const QString &type,
                    const std::function<bool(const QJsonObject &)> &predicate = {}) const;

    // "Nothing else arrives" is checked after a frame that arrives behind whatever could:
    /// ping, then its pong. The gateway answers a ping at once, so the pong follows everything
    /// the server had already written to this socket: frames relayed to it by what other
    /// sockets did, once their effect was seen. Frames this socket sent may still be running.
    bool roundTrip(int timeoutMs = 10000);
    /// A frame the server runs in this socket's queue (a chat.send to no conversation), and its
    /// rejection: the server answers it after every frame this socket sent before, and after
    /// what those frames relayed to its sockets here.
    bool barrier(int timeoutMs = 10000);

    const QList<QJsonObject> &received() const { return m_received; }
    QWebSocket &socket() { return m_socket; }

private:
    QWebSocket m_socket;
    quint16 m_port;
    int m_barriers = 0;
    QList<QJsonObject> m_received;
    QList<bool> m_taken;
};

/// True when none of `sockets` receives a frame matching `predicate` within `ms`, failing as
/// soon as one does: for what no later frame can prove absent (another instance's timers).
bool noFrameArrives(std::initializer_list<WsClient *> sockets, int ms,
                    const std::function<bool(const QJsonObject &)> &predicate);

} // namespace fp::test
