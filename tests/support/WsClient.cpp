#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QTest>

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
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() != QAbstractSocket::ConnectedState && !deadline.hasExpired())
        QTest::qWait(10);
    return m_socket.state() == QAbstractSocket::ConnectedState;
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
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired())
        QTest::qWait(10);
    if (m_socket.state() != QAbstractSocket::UnconnectedState)
        return -1;
    return int(m_socket.closeCode());
}

} // namespace fp::test
