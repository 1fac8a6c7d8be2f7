#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>
#include <algorithm>

namespace fp::test {

WsClient::WsClient(quint16 port) : m_port(port)
{
    QObject::connect(&m_socket, &QWebSocket::textMessageReceived, [this](const QString &text) {
        m_received.append(QJsonDocument::fromJson(text.toUtf8()).object());
        m_taken.append(false);
    });
}

WsClient::~WsClient()
{
    m_socket.abort();
}

bool WsClient::connect(int timeoutMs)
{
    m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port)));
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                           timeoutMs);
}

bool WsClient::connectAndAuthenticate(const QString &accessToken, int timeoutMs)
{
    if (!connect(timeoutMs))
        return false;
    send({{QStringLiteral("type"), QStringLiteral("auth")},
          {QStringLiteral("access_token"), accessToken}});
    return !waitFor(QStringLiteral("auth.ok"), timeoutMs).isEmpty();
}

void WsClient::send(const QJsonObject &frame)
{
    m_socket.sendTextMessage(
        QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void WsClient::sendText(const QString &text)
{
    m_socket.sendTextMessage(text);
}

QJsonObject WsClient::waitFor(const QString &type, int timeoutMs,
                              const std::function<bool(const QJsonObject &)> &predicate)
{
    QDeadlineTimer deadline(timeoutMs);
    do {
        for (qsizetype i = 0; i < m_received.size(); ++i) {
            if (m_taken[i] || m_received[i].value(QStringLiteral("type")).toString() != type)
                continue;
            if (predicate && !predicate(m_received[i]))
                continue;
            m_taken[i] = true;
            return m_received[i];
        }
        QTest::qWait(10);
    } while (!deadline.hasExpired());
    return {};
}

int WsClient::waitForClose(int timeoutMs)
{
    if (!QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                         timeoutMs))
        return -1;
    return int(m_socket.closeCode());
}

qsizetype WsClient::count(const QString &type,
                          const std::function<bool(const QJsonObject &)> &predicate) const
{
    return std::count_if(m_received.begin(), m_received.end(), [&](const QJsonObject &frame) {
        return frame.value(QStringLiteral("type")).toString() == type &&
            (!predicate || predicate(frame));
    });
}

bool WsClient::roundTrip(int timeoutMs)
{
    send({{QStringLiteral("type"), QStringLiteral("ping")}});
    return !waitFor(QStringLiteral("pong"), timeoutMs).isEmpty();
}

bool WsClient::barrier(int timeoutMs)
{
    const QString marker = QStringLiteral("barrier-%1").arg(++m_barriers);
    send({{QStringLiteral("type"), QStringLiteral("chat.send")},
          {QStringLiteral("conversation_id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
          {QStringLiteral("client_msg_id"), marker},
          {QStringLiteral("text"), marker}});
    return !waitFor(QStringLiteral("chat.rejected"), timeoutMs, [&](const QJsonObject &f) {
                return f.value(QStringLiteral("client_msg_id")).toString() == marker;
            }).isEmpty();
}

bool noFrameArrives(std::initializer_list<WsClient *> sockets, int ms,
                    const std::function<bool(const QJsonObject &)> &predicate)
{
    QList<qsizetype> seen;
    for (const WsClient *ws : sockets)
        seen << ws->received().size();
    const bool arrived = QTest::qWaitFor(
        [&] {
            qsizetype i = 0;
            for (const WsClient *ws : sockets) {
                const QList<QJsonObject> &frames = ws->received();
                if (std::any_of(frames.begin() + seen[i++], frames.end(), predicate))
                    return true;
            }
            return false;
        },
        ms);
    return !arrived;
}

} // namespace fp::test
