#pragma once

// The staff API (/api/admin/...) as C++ types, shared by the server (which renders them) and the
// console (which reads them), so the two cannot drift: one toJson and one fromJson per type.

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp::admin {

/// A report as staff see it (reporter identity included: staff only).
struct Report
{
    QString id;
    QString reporterUserId;
    QString reportedUserId;
    QString conversationSessionId; // empty = null
    QString reasonCode;
    QString detailsText; // empty = null
    QString severity; // low, medium, high, critical
    QString status; // open, triaged, actioned, dismissed
    QString claimedByUserId; // empty = unclaimed (or the claim expired)
    QDateTime claimedUntil;
    QDateTime escalatedAt; // invalid = not escalated
    QString action; // dismiss, warn, restrict, ban; empty = unresolved
    QString actionNote;
    QString actionedByUserId;
    QDateTime actionedAt;
    QDateTime createdAt;
    QDateTime updatedAt;

    bool escalated() const { return escalatedAt.isValid(); }
    QJsonObject toJson() const;
    static Report fromJson(const QJsonObject &json);
    bool operator==(const Report &) const = default;
};

/// POST /api/admin/reports/{id}/action body.
struct ReportActionRequest
{
    QString action; // dismiss, warn, restrict, ban
    QString note; // 1-2000 characters

    static QStringList actions();
    QJsonObject toJson() const;
    static ReportActionRequest fromJson(const QJsonObject &json);
    bool operator==(const ReportActionRequest &) const = default;
    /// Field problems ({"action": "...", "note": "..."}); empty when valid.
    QJsonObject problems() const;
};

/// One message of the conversation a report is about (read access is audit-logged).
struct ReportMessage
{
    QString id;
    QString senderUserId;
    QString text;
    QString moderationLabel; // empty = null
    QDateTime createdAt;

    QJsonObject toJson() const;
    static ReportMessage fromJson(const QJsonObject &json);
    bool operator==(const ReportMessage &) const = default;
};

/// What a moderator needs to know about one side of a report.
struct UserBrief
{
    QString userId;
    QString nickname;
    QString status; // active, restricted, banned, deleted
    QString role;
    int trustScore = 50;
    int reportsFiled = 0;
    int reportsAgainst = 0;
    int reportsAgainstConfirmed = 0;

    QJsonObject toJson() const;
    static UserBrief fromJson(const QJsonObject &json);
    bool operator==(const UserBrief &) const = default;
};

/// GET /api/admin/reports/{id}.
struct ReportDetail
{
    Report report;
    /// Up to a few messages either side of the report time; empty without a conversation.
    QList<ReportMessage> messages;
    UserBrief reporter;
    UserBrief reported;
    QList<Report> reporterHistory; // other reports filed by the reporter, newest first
    QList<Report> reportedHistory; // other reports against the reported user, newest first

    QJsonObject toJson() const;
    static ReportDetail fromJson(const QJsonObject &json);
    bool operator==(const ReportDetail &) const = default;
};

/// GET /api/admin/queue/metrics: the queue now, and over the last `windowMinutes`.
struct QueueMetrics
{
    int activeEntries = 0;
    double avgWaitSeconds = 0; // of entries that left the queue matched in the window
    double p95WaitSeconds = 0;
    double matchesPerMinute = 0;
    double matchSuccessRate = 0; // matched / (matched + cancelled + expired), 0..1
    int activeConversations = 0;
    int windowMinutes = 60;
    QDateTime generatedAt;

    QJsonObject toJson() const;
    static QueueMetrics fromJson(const QJsonObject &json);
    bool operator==(const QueueMetrics &) const = default;
};

/// One step of GET /api/admin/queue/metrics/history.
struct QueueMetricsPoint
{
    QDateTime t; // start of the step
    int activeEntries = 0; // in the queue at the end of the step
    double avgWaitSeconds = 0;
    double p95WaitSeconds = 0;
    int matches = 0;
    double matchSuccessRate = 0;

    QJsonObject toJson() const;
    static QueueMetricsPoint fromJson(const QJsonObject &json);
    bool operator==(const QueueMetricsPoint &) const = default;
};

struct QueueHistory
{
    QDateTime from;
    QDateTime to;
    int stepMinutes = 1;
    QList<QueueMetricsPoint> points;

    QJsonObject toJson() const;
    static QueueHistory fromJson(const QJsonObject &json);
    bool operator==(const QueueHistory &) const = default;
};

/// A user as staff see them (GET /api/admin/users/{id}, the search results).
struct User
{
    QString id;
    QString email; // empty = null
    QString nickname;
    QString status; // active, restricted, banned, deleted
    QString role; // user, moderator, admin
    QDateTime createdAt;
    QDateTime lastSeenAt;
    QDateTime restrictedUntil; // invalid = indefinite (while restricted)
    QDateTime bannedAt;
    int trustScore = 50;
    int openReportsAgainst = 0;
    int reportsFiled = 0;
    int activeSessions = 0;

    QJsonObject toJson() const;
    static User fromJson(const QJsonObject &json);
    bool operator==(const User &) const = default;
};

/// PUT /api/admin/users/{id}/status body.
struct StatusChange
{
    QString status; // active, restricted, banned
    QString note; // 1-2000 characters
    QDateTime restrictedUntil; // optional, only with restricted

    static QStringList statuses();
    QJsonObject toJson() const;
    static StatusChange fromJson(const QJsonObject &json);
    bool operator==(const StatusChange &) const = default;
    QJsonObject problems() const;
};

/// PUT /api/admin/users/{id}/role body (admins only).
struct RoleChange
{
    QString role; // user, moderator, admin
    QString note;

    QJsonObject toJson() const;
    static RoleChange fromJson(const QJsonObject &json);
    bool operator==(const RoleChange &) const = default;
    QJsonObject problems() const;
};

/// GET /api/admin/users/{id}/trust-score.
struct TrustScore
{
    QString userId;
    int score = 50;
    bool cooldownApplied = false;
    QJsonObject components; // {reliability, respect, engagement, safety} in points
    QDateTime updatedAt;

    QJsonObject toJson() const;
    static TrustScore fromJson(const QJsonObject &json);
    bool operator==(const TrustScore &) const = default;
};

/// One trust_score_events row.
struct TrustEvent
{
    QString id;
    int delta = 0;
    QString source;
    QString sourceRefId;
    QJsonObject metadata;
    QDateTime createdAt;
    int scoreAfter = 50; // the score once this row applied (running sum from 50)

    QJsonObject toJson() const;
    static TrustEvent fromJson(const QJsonObject &json);
    bool operator==(const TrustEvent &) const = default;
};

struct TimePoint
{
    QDateTime t;
    double value = 0;

    bool operator==(const TimePoint &) const = default;
};

/// GET /api/admin/analytics/timeseries and GET /api/admin/users/{id}/trust-history.
struct TimeSeries
{
    QString metric;
    QString bucket; // hour, day; "event" for the trust history (one point per ledger row)
    QDateTime from;
    QDateTime to;
    QList<TimePoint> points;

    static QStringList metrics();
    QJsonObject toJson() const;
    static TimeSeries fromJson(const QJsonObject &json);
    bool operator==(const TimeSeries &) const = default;
};

/// One admin_audit_log row.
struct AuditEntry
{
    QString id;
    QString actorUserId;
    QString actorRole;
    QString action; // e.g. report.view, report.claim, report.action, conversation.read
    QString targetType; // report, user, conversation
    QString targetId;
    QString note; // empty = null
    QJsonObject metadata;
    QDateTime createdAt;

    QJsonObject toJson() const;
    static AuditEntry fromJson(const QJsonObject &json);
    bool operator==(const AuditEntry &) const = default;
};

/// A list page ({"items":[...],"next_cursor":null|"..."}).
template<typename T> struct Page
{
    QList<T> items;
    QString nextCursor; // empty = last page

    QJsonObject toJson() const
    {
        QJsonArray list;
        for (const T &item : items)
            list.append(item.toJson());
        return {{QStringLiteral("items"), list},
                {QStringLiteral("next_cursor"),
                 nextCursor.isEmpty() ? QJsonValue() : QJsonValue(nextCursor)}};
    }
    static Page fromJson(const QJsonObject &json)
    {
        Page page;
        for (const QJsonValue &v : json.value(QStringLiteral("items")).toArray())
            page.items.append(T::fromJson(v.toObject()));
        page.nextCursor = json.value(QStringLiteral("next_cursor")).toString();
        return page;
    }
    bool operator==(const Page &) const = default;
};

} // namespace fp::admin
