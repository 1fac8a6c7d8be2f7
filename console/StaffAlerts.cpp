#include "console/StaffAlerts.h"

#include "common/AdminClient.h"
#include "common/Time.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace fp::console {

namespace {

constexpr int kRetryMs = 2000;

QUrl socketUrl(const QUrl &server)
{
    QUrl url = server;
    url.setScheme(server.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                            : QStringLiteral("ws"));
    url.setPath(QStringLiteral("/ws"));
    url.setQuery(QString());
    return url;
}

} // namespace

bool StaffAlert::needsAttention() const
{
    return kind == QLatin1String("report.created") || kind == QLatin1String("report.escalated") ||
        kind == QLatin1String("moderation.flagged") ||
        kind == QLatin1String("report.claim_expired");
}

StaffAlerts::StaffAlerts(admin::AdminClient *client, QObject *parent)
    : QObject(parent), m_client(client)
{
    m_retry.setSingleShot(true);
    m_retry.setInterval(kRetryMs);
    connect(&m_retry, &QTimer::timeout, this, &StaffAlerts::open);
    connect(&m_socket, &QWebSocket::connected, this, [this] {
        m_socket.sendTextMessage(QString::fromUtf8(
            QJsonDocument(QJsonObject {{QStringLiteral("type"), QStringLiteral("auth")},
                                       {QStringLiteral("access_token"), m_client->accessToken()}})
                .toJson(QJsonDocument::Compact)));
    });
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &StaffAlerts::onText);
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        setLive(false);
        if (m_running)
            m_retry.start();
    });
    // A renewed access token keeps the socket authorised past the old one's expiry.
    connect(m_client, &admin::AdminClient::refreshTokenChanged, this, [this] {
        if (m_socket.state() == QAbstractSocket::ConnectedState)
            m_socket.sendTextMessage(QString::fromUtf8(
                QJsonDocument(
                    QJsonObject {{QStringLiteral("type"), QStringLiteral("auth")},
                                 {QStringLiteral("access_token"), m_client->accessToken()}})
                    .toJson(QJsonDocument::Compact)));
    });
}

StaffAlerts::~StaffAlerts()
{
    m_running = false;
    m_socket.disconnect(this);
    m_socket.abort();
}

void StaffAlerts::start()
{
    m_running = true;
    open();
}

void StaffAlerts::stop()
{
    m_running = false;
    m_retry.stop();
    m_socket.close();
    setLive(false);
}

void StaffAlerts::open()
{
    if (!m_running || !m_client->signedIn())
        return;
    if (m_socket.state() != QAbstractSocket::UnconnectedState)
        m_socket.abort();
    m_socket.open(socketUrl(m_client->server()));
}

void StaffAlerts::subscribe()
{
    // The first time: from now on (the lists are read fresh); after that, what was missed.
    const QJsonValue after = m_subscribedOnce ? QJsonValue(m_lastId) : QJsonValue();
    m_socket.sendTextMessage(QString::fromUtf8(
        QJsonDocument(QJsonObject {{QStringLiteral("type"), QStringLiteral("staff.subscribe")},
                                   {QStringLiteral("after_id"), after}})
            .toJson(QJsonDocument::Compact)));
}

void StaffAlerts::onText(const QString &text)
{
    const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = frame.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("auth.ok")) {
        if (!m_live)
            subscribe();
    } else if (type == QLatin1String("staff.subscribed")) {
        if (!m_subscribedOnce)
            m_lastId = std::max(m_lastId, frame.value(QStringLiteral("last_id")).toInteger());
        m_subscribedOnce = true;
        setLive(true);
        if (frame.value(QStringLiteral("more")).toBool())
            subscribe();
    } else if (type == QLatin1String("staff.alert")) {
        StaffAlert a;
        a.id = frame.value(QStringLiteral("id")).toInteger();
        if (a.id <= m_lastId)
            return; // replayed and live both: seen already
        m_lastId = a.id;
        a.kind = frame.value(QStringLiteral("kind")).toString();
        a.reportId = frame.value(QStringLiteral("report_id")).toString();
        a.source = frame.value(QStringLiteral("source")).toString();
        a.severity = frame.value(QStringLiteral("severity")).toString();
        a.status = frame.value(QStringLiteral("status")).toString();
        a.reasonCode = frame.value(QStringLiteral("reason_code")).toString();
        a.at = fromWireTime(frame.value(QStringLiteral("at")).toString());
        Q_EMIT alert(a);
    }
}

void StaffAlerts::setLive(bool live)
{
    if (m_live == live)
        return;
    m_live = live;
    Q_EMIT liveChanged(live);
}

} // namespace fp::console
