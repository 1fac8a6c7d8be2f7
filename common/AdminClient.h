#pragma once

// The console's typed client for the staff API (/api/admin/...) plus sign-in, refresh and
// sign-out. Every call is asynchronous (QNetworkAccessManager) and answers a callback with a
// Result of the AdminTypes the server renders, so console and server cannot drift.

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace fp::admin {

/// Filters of GET /api/admin/reports (empty = the server's default).
struct ReportQuery
{
    QString status; // open, triaged, actioned, dismissed, all
    QString severity; // low, medium, high, critical
    int minAgeMinutes = 0;
    bool escalatedOnly = false;
    QString source; // report, rules
    bool claimedByMe = false;
    int limit = 200;
};

/// Filters of GET /api/admin/audit-log.
struct AuditQuery
{
    QString actorUserId;
    QString targetId;
    QString action;
    QDateTime from;
    QDateTime to;
    int limit = 200;
};

/// Who is signed in, read from the access token (the server enforces roles; this is for the UI).
struct Identity
{
    QString userId;
    QString role; // user, moderator, admin, analyst
    QString email;
    bool isStaff() const
    {
        return role == QLatin1String("moderator") || role == QLatin1String("admin");
    }
    /// Product staff: analytics and the queue's metrics only.
    bool isAnalyst() const { return role == QLatin1String("analyst"); }
    /// Whoever may use the console at all.
    bool seesConsole() const { return isStaff() || isAnalyst(); }
};

class AdminClient : public QObject
{
    Q_OBJECT

public:
    template<typename T> using Callback = std::function<void(const Result<T> &)>;

    explicit AdminClient(QObject *parent = nullptr);

    void setServer(const QUrl &server);
    QUrl server() const { return m_server; }
    bool signedIn() const { return !m_refreshToken.isEmpty(); }
    Identity identity() const { return m_identity; }
    QString refreshToken() const { return m_refreshToken; }
    /// The current access token (the staff alert socket authenticates with it; it changes when
    /// refreshTokenChanged is emitted).
    QString accessToken() const { return m_accessToken; }
    bool reachable() const { return m_reachable; }
    /// True when a failed call could not reach the server at all (vs. an HTTP error).
    static bool isUnreachable(const AppError &error);

    void login(const QString &email, const QString &password, Callback<Identity> done);
    /// Signs in silently with a refresh token kept from an earlier run.
    void resume(const QString &refreshToken, Callback<Identity> done);
    /// Revokes the session on the server (best effort) and forgets the tokens.
    void logout(Callback<Ok> done = {});

    void queueMetrics(int windowMinutes, Callback<QueueMetrics> done);
    void queueHistory(int minutes, int stepMinutes, Callback<QueueHistory> done);
    void reports(const ReportQuery &query, Callback<Page<Report>> done);
    void report(const QString &id, Callback<ReportDetail> done);
    void claim(const QString &id, Callback<Report> done);
    void act(const QString &id, const ReportActionRequest &request, Callback<Report> done);
    void reportMetrics(int windowHours, Callback<ReportMetrics> done);
    void searchUsers(const QString &q, Callback<Page<User>> done);
    void user(const QString &id, Callback<User> done);
    void changeStatus(const QString &id, const StatusChange &change, Callback<User> done);
    void changeRole(const QString &id, const RoleChange &change, Callback<User> done);
    void trustScore(const QString &id, Callback<TrustScore> done);
    void trustEvents(const QString &id, Callback<Page<TrustEvent>> done);
    void trustHistory(const QString &id, const QDateTime &from, const QDateTime &to,
                      Callback<TimeSeries> done);
    void analytics(const QString &metric, const QString &bucket, const QDateTime &from,
                   const QDateTime &to, Callback<TimeSeries> done);
    void auditLog(const AuditQuery &query, Callback<Page<AuditEntry>> done);
    /// Any GET answering a JSON object (the product analytics routes, docs/analytics.md).
    void getJson(const QString &path, const QUrlQuery &query, Callback<QJsonObject> done);
    /// The image behind a signed avatar URL of a staff view (a path on the server with its
    /// query, e.g. "/api/avatars/<key>?size=128&..."): the bytes, or the error.
    void avatarImage(const QString &signedUrl, Callback<QByteArray> done);

Q_SIGNALS:
    /// The server stopped or started answering; while unreachable the client probes /healthz.
    void reachabilityChanged(bool reachable);
    /// A new refresh token was issued (sign-in or rotation): persist it.
    void refreshTokenChanged(const QString &refreshToken);
    /// The session ended without the user asking (refresh refused).
    void sessionExpired(const QString &message);

private:
    /// `error` is null on success.
    using RawDone =
        std::function<void(int status, const QJsonDocument &body, const AppError *error)>;

    struct Call
    {
        // Default member initializers keep designated initializers warning-free.
        QByteArray method {};
        QString path {};
        QUrlQuery query {};
        QJsonObject body {};
        bool authenticated = true;
        bool retried = false;
        QByteArray idempotencyKey {};
        RawDone done {};
    };

    template<typename T> void typed(Call call, Callback<T> done);
    void send(Call call);
    void deliver(QNetworkReply *reply, Call call);
    void acceptTokens(const QJsonObject &tokens);
    void refresh(std::function<void(const AppError *)> done);
    void setReachable(bool reachable);
    void probe();

    QNetworkAccessManager *m_network;
    QUrl m_server;
    QString m_accessToken;
    QString m_refreshToken;
    QDateTime m_accessExpiry;
    Identity m_identity;
    bool m_reachable = true;
    bool m_refreshing = false;
    QList<std::function<void(const AppError *)>> m_waitingForRefresh;
    QTimer m_refreshTimer; // refreshes the access token shortly before it expires
    QTimer m_probeTimer; // probes /healthz while the server is unreachable
};

} // namespace fp::admin
