#pragma once

// The staff API (/api/admin/...) as C++ types, shared by the server (which renders them) and the
// console (which reads them), so the two cannot drift. Each type lists its fields once, member
// beside wire name, in fields(); AdminFields.h turns that list into its toJson and fromJson.

#include "common/AdminFields.h"

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
    QString source; // report (a person filed it), rules (the chat rules raised it: no reporter)
    QString reporterUserId; // empty for an item the rules raised
    QString reportedUserId;
    QString conversationSessionId;
    QString reasonCode;
    QString detailsText;
    QString severity; // low, medium, high, critical
    QString status; // open, triaged, actioned, dismissed
    QString claimedByUserId; // empty = unclaimed (or the claim expired)
    QDateTime claimedUntil;
    QDateTime escalatedAt; // invalid = not escalated
    QString action; // dismiss, warn, restrict, ban, separate, manual_review; empty = unresolved
    QString actionNote;
    QString actionedByUserId;
    QDateTime actionedAt;
    QDateTime createdAt;
    QDateTime updatedAt;
    QString evidenceMessageId; // the flagged chat message an item of the rules is about
    QDateTime firstClaimedAt;

    bool escalated() const { return escalatedAt.isValid(); }

    static constexpr auto fields()
    {
        return std::tuple {
            field("id", &Report::id),
            field("source", &Report::source),
            field("reporter_user_id", &Report::reporterUserId, WhenEmpty::Null),
            field("reported_user_id", &Report::reportedUserId),
            field("conversation_session_id", &Report::conversationSessionId, WhenEmpty::Null),
            field("reason_code", &Report::reasonCode),
            field("details_text", &Report::detailsText, WhenEmpty::Null),
            field("severity", &Report::severity),
            field("status", &Report::status),
            field("claimed_by_user_id", &Report::claimedByUserId, WhenEmpty::Null),
            field("claimed_until", &Report::claimedUntil),
            derived("escalated", &Report::escalated),
            field("escalated_at", &Report::escalatedAt),
            field("action", &Report::action, WhenEmpty::Null),
            field("action_note", &Report::actionNote, WhenEmpty::Null),
            field("actioned_by_user_id", &Report::actionedByUserId, WhenEmpty::Null),
            field("actioned_at", &Report::actionedAt),
            field("created_at", &Report::createdAt),
            field("updated_at", &Report::updatedAt),
            field("evidence_message_id", &Report::evidenceMessageId, WhenEmpty::Null),
            field("first_claimed_at", &Report::firstClaimedAt),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static Report fromJson(const QJsonObject &json) { return fieldwise::fromJson<Report>(json); }
    bool operator==(const Report &) const = default;
};

/// POST /api/admin/reports/{id}/action body.
struct ReportActionRequest
{
    QString action; // dismiss, warn, restrict, separate, manual_review, ban (admins)
    QString note; // 1-2000 characters, required
    int restrictHours = 0; // restrict: how long (1..kMaxRestrictHours); 0 = kDefaultRestrictHours
    int trustDelta = 0; // manual_review: the signed change, -kMaxTrustDelta..kMaxTrustDelta, not 0

    static constexpr int kDefaultRestrictHours = 72;
    static constexpr int kMaxRestrictHours = 720;
    static constexpr int kMaxTrustDelta = 20;
    static QStringList actions();

    static constexpr auto fields()
    {
        return std::tuple {
            field("action", &ReportActionRequest::action),
            field("note", &ReportActionRequest::note),
            field("restrict_hours", &ReportActionRequest::restrictHours),
            field("trust_delta", &ReportActionRequest::trustDelta),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static ReportActionRequest fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<ReportActionRequest>(json);
    }
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
    QString moderationLabel;
    QDateTime createdAt;
    /// delivered (a chat message, flagged when moderation_label is set) or blocked (refused by
    /// the rules: never shown to the peer, kept as evidence)
    QString delivery = QStringLiteral("delivered");

    static constexpr auto fields()
    {
        return std::tuple {
            field("id", &ReportMessage::id),
            field("sender_user_id", &ReportMessage::senderUserId),
            field("text", &ReportMessage::text),
            field("moderation_label", &ReportMessage::moderationLabel, WhenEmpty::Null),
            field("created_at", &ReportMessage::createdAt),
            field("delivery", &ReportMessage::delivery),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static ReportMessage fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<ReportMessage>(json);
    }
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
    /// The avatar's signed URL (relative to the API), or the external URL; empty: none.
    QString avatarUrl;

    /// No such side (the reporter of an item the rules raised).
    bool absent() const { return userId.isEmpty(); }

    static constexpr auto fields()
    {
        return std::tuple {
            field("user_id", &UserBrief::userId),
            field("nickname", &UserBrief::nickname),
            field("status", &UserBrief::status),
            field("role", &UserBrief::role),
            field("trust_score", &UserBrief::trustScore),
            field("reports_filed", &UserBrief::reportsFiled),
            field("reports_against", &UserBrief::reportsAgainst),
            field("reports_against_confirmed", &UserBrief::reportsAgainstConfirmed),
            field("avatar_url", &UserBrief::avatarUrl, WhenEmpty::Null),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static UserBrief fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<UserBrief>(json);
    }
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
    /// Other reports filed by or about the reporter, and about or by the reported person,
    /// newest first.
    QList<Report> reporterHistory;
    QList<Report> reportedHistory;
    /// Messages of the reported person the rules blocked in this conversation (or, for an
    /// item about repeated attempts, anywhere lately), oldest first.
    QList<ReportMessage> blockedMessages;

    static constexpr auto fields()
    {
        return std::tuple {
            field("report", &ReportDetail::report),
            field("messages", &ReportDetail::messages),
            field("blocked_messages", &ReportDetail::blockedMessages),
            field("reporter", &ReportDetail::reporter, WhenEmpty::Null),
            field("reported", &ReportDetail::reported),
            field("reporter_history", &ReportDetail::reporterHistory),
            field("reported_history", &ReportDetail::reportedHistory),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static ReportDetail fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<ReportDetail>(json);
    }
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

    static constexpr auto fields()
    {
        return std::tuple {
            field("active_entries", &QueueMetrics::activeEntries),
            field("avg_wait_seconds", &QueueMetrics::avgWaitSeconds),
            field("p95_wait_seconds", &QueueMetrics::p95WaitSeconds),
            field("matches_per_minute", &QueueMetrics::matchesPerMinute),
            field("match_success_rate", &QueueMetrics::matchSuccessRate),
            field("active_conversations", &QueueMetrics::activeConversations),
            field("window_minutes", &QueueMetrics::windowMinutes),
            field("generated_at", &QueueMetrics::generatedAt),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static QueueMetrics fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<QueueMetrics>(json);
    }
    bool operator==(const QueueMetrics &) const = default;
};

/// Time to first claim and to resolution of one severity's reports (GET
/// /api/admin/reports/metrics), in seconds over the window; 0 when none.
struct ReportTimes
{
    QString severity;
    int claimed = 0; // reports of the window claimed at least once
    double claimP50Seconds = 0;
    double claimP95Seconds = 0;
    int resolved = 0;
    double resolveP50Seconds = 0;
    double resolveP95Seconds = 0;
    int open = 0; // unresolved now (any age)

    static constexpr auto fields()
    {
        return std::tuple {
            field("severity", &ReportTimes::severity),
            field("claimed", &ReportTimes::claimed),
            field("claim_p50_seconds", &ReportTimes::claimP50Seconds),
            field("claim_p95_seconds", &ReportTimes::claimP95Seconds),
            field("resolved", &ReportTimes::resolved),
            field("resolve_p50_seconds", &ReportTimes::resolveP50Seconds),
            field("resolve_p95_seconds", &ReportTimes::resolveP95Seconds),
            field("open", &ReportTimes::open),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static ReportTimes fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<ReportTimes>(json);
    }
    bool operator==(const ReportTimes &) const = default;
};

struct ReportMetrics
{
    int windowHours = 168;
    QDateTime generatedAt;
    QList<ReportTimes> severities; // critical, high, medium, low

    static constexpr auto fields()
    {
        return std::tuple {
            field("window_hours", &ReportMetrics::windowHours),
            field("generated_at", &ReportMetrics::generatedAt),
            field("severities", &ReportMetrics::severities),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static ReportMetrics fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<ReportMetrics>(json);
    }
    bool operator==(const ReportMetrics &) const = default;
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

    static constexpr auto fields()
    {
        return std::tuple {
            field("t", &QueueMetricsPoint::t),
            field("active_entries", &QueueMetricsPoint::activeEntries),
            field("avg_wait_seconds", &QueueMetricsPoint::avgWaitSeconds),
            field("p95_wait_seconds", &QueueMetricsPoint::p95WaitSeconds),
            field("matches", &QueueMetricsPoint::matches),
            field("match_success_rate", &QueueMetricsPoint::matchSuccessRate),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static QueueMetricsPoint fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<QueueMetricsPoint>(json);
    }
    bool operator==(const QueueMetricsPoint &) const = default;
};

struct QueueHistory
{
    QDateTime from;
    QDateTime to;
    int stepMinutes = 1;
    QList<QueueMetricsPoint> points;

    static constexpr auto fields()
    {
        return std::tuple {
            field("from", &QueueHistory::from),
            field("to", &QueueHistory::to),
            field("step_minutes", &QueueHistory::stepMinutes),
            field("points", &QueueHistory::points),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static QueueHistory fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<QueueHistory>(json);
    }
    bool operator==(const QueueHistory &) const = default;
};

/// A user as staff see them (GET /api/admin/users/{id}, the search results).
struct User
{
    QString id;
    QString email;
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
    /// How the account signs in: "password", then linked providers ("google", "apple").
    QStringList signInMethods;
    /// The avatar's signed URL (relative to the API), or the external URL; empty: none.
    QString avatarUrl;

    static constexpr auto fields()
    {
        return std::tuple {
            field("id", &User::id),
            field("email", &User::email, WhenEmpty::Null),
            field("nickname", &User::nickname),
            field("status", &User::status),
            field("role", &User::role),
            field("created_at", &User::createdAt),
            field("last_seen_at", &User::lastSeenAt),
            field("restricted_until", &User::restrictedUntil),
            field("banned_at", &User::bannedAt),
            field("trust_score", &User::trustScore),
            field("open_reports_against", &User::openReportsAgainst),
            field("reports_filed", &User::reportsFiled),
            field("active_sessions", &User::activeSessions),
            field("sign_in_methods", &User::signInMethods),
            field("avatar_url", &User::avatarUrl, WhenEmpty::Null),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static User fromJson(const QJsonObject &json) { return fieldwise::fromJson<User>(json); }
    bool operator==(const User &) const = default;
};

/// PUT /api/admin/users/{id}/status body.
struct StatusChange
{
    QString status; // active, restricted, banned
    QString note; // 1-2000 characters
    QDateTime restrictedUntil; // optional, only with restricted

    static QStringList statuses();

    static constexpr auto fields()
    {
        return std::tuple {
            field("status", &StatusChange::status),
            field("note", &StatusChange::note),
            field("restricted_until", &StatusChange::restrictedUntil, WhenEmpty::Omit),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static StatusChange fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<StatusChange>(json);
    }
    bool operator==(const StatusChange &) const = default;
    QJsonObject problems() const;
};

/// PUT /api/admin/users/{id}/role body (admins only).
struct RoleChange
{
    QString role; // user, moderator, admin
    QString note;

    static constexpr auto fields()
    {
        return std::tuple {
            field("role", &RoleChange::role),
            field("note", &RoleChange::note),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static RoleChange fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<RoleChange>(json);
    }
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

    static constexpr auto fields()
    {
        return std::tuple {
            field("user_id", &TrustScore::userId),
            field("score", &TrustScore::score),
            field("cooldown_applied", &TrustScore::cooldownApplied),
            field("components", &TrustScore::components),
            field("updated_at", &TrustScore::updatedAt),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static TrustScore fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<TrustScore>(json);
    }
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

    static constexpr auto fields()
    {
        return std::tuple {
            field("id", &TrustEvent::id),
            field("delta", &TrustEvent::delta),
            field("source", &TrustEvent::source),
            field("source_ref_id", &TrustEvent::sourceRefId),
            field("metadata", &TrustEvent::metadata),
            field("created_at", &TrustEvent::createdAt),
            field("score_after", &TrustEvent::scoreAfter),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static TrustEvent fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<TrustEvent>(json);
    }
    bool operator==(const TrustEvent &) const = default;
};

struct TimePoint
{
    QDateTime t;
    double value = 0;

    static constexpr auto fields()
    {
        return std::tuple {
            field("t", &TimePoint::t),
            field("value", &TimePoint::value),
        };
    }
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

    static constexpr auto fields()
    {
        return std::tuple {
            field("metric", &TimeSeries::metric), field("bucket", &TimeSeries::bucket),
            field("from", &TimeSeries::from),     field("to", &TimeSeries::to),
            field("points", &TimeSeries::points),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static TimeSeries fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<TimeSeries>(json);
    }
    bool operator==(const TimeSeries &) const = default;
};

/// One admin_audit_log row.
struct AuditEntry
{
    QString id;
    QString actorUserId; // empty for the system
    QString actorRole; // empty for the system
    /// "staff": a staff member (actor_user_id, actor_role) did it; "system": the server did it
    /// by itself (a timer, e.g. report.claim_expired), with no actor.
    QString actorKind;
    QString action; // e.g. report.view, report.claim, report.action, conversation.read
    QString targetType; // report, user, conversation
    QString targetId;
    QString note;
    QJsonObject metadata;
    QDateTime createdAt;

    static constexpr auto fields()
    {
        return std::tuple {
            field("id", &AuditEntry::id),
            field("actor_user_id", &AuditEntry::actorUserId, WhenEmpty::Null),
            field("actor_role", &AuditEntry::actorRole, WhenEmpty::Null),
            field("actor_kind", &AuditEntry::actorKind),
            field("action", &AuditEntry::action),
            field("target_type", &AuditEntry::targetType),
            field("target_id", &AuditEntry::targetId, WhenEmpty::Null),
            field("note", &AuditEntry::note, WhenEmpty::Null),
            field("metadata", &AuditEntry::metadata),
            field("created_at", &AuditEntry::createdAt),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static AuditEntry fromJson(const QJsonObject &json)
    {
        return fieldwise::fromJson<AuditEntry>(json);
    }
    bool operator==(const AuditEntry &) const = default;
};

/// A list page ({"items":[...],"next_cursor":null|"..."}).
template<typename T> struct Page
{
    QList<T> items;
    QString nextCursor; // empty = last page

    static constexpr auto fields()
    {
        return std::tuple {
            field("items", &Page::items),
            field("next_cursor", &Page::nextCursor, WhenEmpty::Null),
        };
    }
    QJsonObject toJson() const { return fieldwise::toJson(*this); }
    static Page fromJson(const QJsonObject &json) { return fieldwise::fromJson<Page>(json); }
    bool operator==(const Page &) const = default;
};

} // namespace fp::admin
