#pragma once

// The console's live channel: a staff-authenticated WebSocket on the server's /ws that follows
// the staff alert feed (`staff.subscribe`, then `staff.alert` frames from every instance). It
// re-authenticates when the access token is renewed and reconnects by itself, replaying what it
// missed from the last alert id it saw, so the console needs no polling while it is live.

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QWebSocket>

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

/// One `staff.alert` frame.
struct StaffAlert
{
    qint64 id = 0;
    QString kind; // report.created, report.escalated, report.claimed, report.resolved,
                  // report.claim_expired, moderation.flagged
    QString reportId;
    QString source; // report, rules
    QString severity;
    QString status;
    QString reasonCode;
    QDateTime at;

    /// Whether it announces work waiting for a moderator (new, escalated, back in the queue).
    bool needsAttention() const;
};

class StaffAlerts : public QObject
{
    Q_OBJECT

public:
    explicit StaffAlerts(admin::AdminClient *client, QObject *parent = nullptr);
    ~StaffAlerts() override;

    /// Connects (again) to the signed-in client's server; stop() closes for good.
    void start();
    void stop();
    /// Subscribed and hearing alerts now.
    bool live() const { return m_live; }
    qint64 lastId() const { return m_lastId; }

Q_SIGNALS:
    void alert(const fp::console::StaffAlert &alert);
    void liveChanged(bool live);

private:
    void open();
    void onText(const QString &text);
    void subscribe();
    void setLive(bool live);

    admin::AdminClient *m_client;
    QWebSocket m_socket;
    QTimer m_retry;
    bool m_running = false;
    bool m_live = false;
    bool m_subscribedOnce = false;
    qint64 m_lastId = 0;
};

} // namespace fp::console
