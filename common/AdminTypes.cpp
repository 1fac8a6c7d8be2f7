#include "common/AdminTypes.h"

#include "common/Time.h"

namespace fp::admin {

namespace {

QJsonValue text(const QString &value)
{
    return value.isEmpty() ? QJsonValue() : QJsonValue(value);
}

QJsonValue time(const QDateTime &value)
{
    return value.isValid() ? QJsonValue(toWireTime(value)) : QJsonValue();
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

QDateTime timeOf(const QJsonObject &o, const char *key)
{
    return fromWireTime(o.value(QLatin1String(key)).toString());
}

int integer(const QJsonObject &o, const char *key, int fallback = 0)
{
    return o.value(QLatin1String(key)).toInt(fallback);
}

double number(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toDouble();
}

template<typename T> QJsonArray toArray(const QList<T> &items)
{
    QJsonArray list;
    for (const T &item : items)
        list.append(item.toJson());
    return list;
}

template<typename T> QList<T> fromArray(const QJsonValue &value)
{
    QList<T> items;
    for (const QJsonValue &v : value.toArray())
        items.append(T::fromJson(v.toObject()));
    return items;
}

constexpr int kMaxNote = 2000;

void checkNote(const QString &note, QJsonObject *problems)
{
    if (note.trimmed().isEmpty())
        problems->insert(QStringLiteral("note"), QStringLiteral("required"));
    else if (note.size() > kMaxNote)
        problems->insert(QStringLiteral("note"), QStringLiteral("at most 2000 characters"));
}

} // namespace

QJsonObject Report::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("reporter_user_id"), reporterUserId},
            {QStringLiteral("reported_user_id"), reportedUserId},
            {QStringLiteral("conversation_session_id"), text(conversationSessionId)},
            {QStringLiteral("reason_code"), reasonCode},
            {QStringLiteral("details_text"), text(detailsText)},
            {QStringLiteral("severity"), severity},
            {QStringLiteral("status"), status},
            {QStringLiteral("claimed_by_user_id"), text(claimedByUserId)},
            {QStringLiteral("claimed_until"), time(claimedUntil)},
            {QStringLiteral("escalated"), escalated()},
            {QStringLiteral("escalated_at"), time(escalatedAt)},
            {QStringLiteral("action"), text(action)},
            {QStringLiteral("action_note"), text(actionNote)},
            {QStringLiteral("actioned_by_user_id"), text(actionedByUserId)},
            {QStringLiteral("actioned_at"), time(actionedAt)},
            {QStringLiteral("created_at"), time(createdAt)},
            {QStringLiteral("updated_at"), time(updatedAt)}};
}

Report Report::fromJson(const QJsonObject &o)
{
    Report r;
    r.id = str(o, "id");
    r.reporterUserId = str(o, "reporter_user_id");
    r.reportedUserId = str(o, "reported_user_id");
    r.conversationSessionId = str(o, "conversation_session_id");
    r.reasonCode = str(o, "reason_code");
    r.detailsText = str(o, "details_text");
    r.severity = str(o, "severity");
    r.status = str(o, "status");
    r.claimedByUserId = str(o, "claimed_by_user_id");
    r.claimedUntil = timeOf(o, "claimed_until");
    r.escalatedAt = timeOf(o, "escalated_at");
    r.action = str(o, "action");
    r.actionNote = str(o, "action_note");
    r.actionedByUserId = str(o, "actioned_by_user_id");
    r.actionedAt = timeOf(o, "actioned_at");
    r.createdAt = timeOf(o, "created_at");
    r.updatedAt = timeOf(o, "updated_at");
    return r;
}

QStringList ReportActionRequest::actions()
{
    return {QStringLiteral("dismiss"), QStringLiteral("warn"), QStringLiteral("restrict"),
            QStringLiteral("ban")};
}

QJsonObject ReportActionRequest::toJson() const
{
    return {{QStringLiteral("action"), action}, {QStringLiteral("note"), note}};
}

ReportActionRequest ReportActionRequest::fromJson(const QJsonObject &o)
{
    return {str(o, "action"), str(o, "note")};
}

QJsonObject ReportActionRequest::problems() const
{
    QJsonObject p;
    if (!actions().contains(action))
        p.insert(QStringLiteral("action"), QStringLiteral("one of dismiss, warn, restrict, ban"));
    checkNote(note, &p);
    return p;
}

QJsonObject ReportMessage::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("sender_user_id"), senderUserId},
            {QStringLiteral("text"), text},
            {QStringLiteral("moderation_label"), admin::text(moderationLabel)},
            {QStringLiteral("created_at"), time(createdAt)}};
}

ReportMessage ReportMessage::fromJson(const QJsonObject &o)
{
    return {str(o, "id"), str(o, "sender_user_id"), str(o, "text"), str(o, "moderation_label"),
            timeOf(o, "created_at")};
}

QJsonObject UserBrief::toJson() const
{
    return {{QStringLiteral("user_id"), userId},
            {QStringLiteral("nickname"), nickname},
            {QStringLiteral("status"), status},
            {QStringLiteral("role"), role},
            {QStringLiteral("trust_score"), trustScore},
            {QStringLiteral("reports_filed"), reportsFiled},
            {QStringLiteral("reports_against"), reportsAgainst},
            {QStringLiteral("reports_against_confirmed"), reportsAgainstConfirmed}};
}

UserBrief UserBrief::fromJson(const QJsonObject &o)
{
    UserBrief b;
    b.userId = str(o, "user_id");
    b.nickname = str(o, "nickname");
    b.status = str(o, "status");
    b.role = str(o, "role");
    b.trustScore = integer(o, "trust_score", 50);
    b.reportsFiled = integer(o, "reports_filed");
    b.reportsAgainst = integer(o, "reports_against");
    b.reportsAgainstConfirmed = integer(o, "reports_against_confirmed");
    return b;
}

QJsonObject ReportDetail::toJson() const
{
    return {{QStringLiteral("report"), report.toJson()},
            {QStringLiteral("messages"), toArray(messages)},
            {QStringLiteral("reporter"), reporter.toJson()},
            {QStringLiteral("reported"), reported.toJson()},
            {QStringLiteral("reporter_history"), toArray(reporterHistory)},
            {QStringLiteral("reported_history"), toArray(reportedHistory)}};
}

ReportDetail ReportDetail::fromJson(const QJsonObject &o)
{
    ReportDetail d;
    d.report = Report::fromJson(o.value(QStringLiteral("report")).toObject());
    d.messages = fromArray<ReportMessage>(o.value(QStringLiteral("messages")));
    d.reporter = UserBrief::fromJson(o.value(QStringLiteral("reporter")).toObject());
    d.reported = UserBrief::fromJson(o.value(QStringLiteral("reported")).toObject());
    d.reporterHistory = fromArray<Report>(o.value(QStringLiteral("reporter_history")));
    d.reportedHistory = fromArray<Report>(o.value(QStringLiteral("reported_history")));
    return d;
}

QJsonObject QueueMetrics::toJson() const
{
    return {{QStringLiteral("active_entries"), activeEntries},
            {QStringLiteral("avg_wait_seconds"), avgWaitSeconds},
            {QStringLiteral("p95_wait_seconds"), p95WaitSeconds},
            {QStringLiteral("matches_per_minute"), matchesPerMinute},
            {QStringLiteral("match_success_rate"), matchSuccessRate},
            {QStringLiteral("active_conversations"), activeConversations},
            {QStringLiteral("window_minutes"), windowMinutes},
            {QStringLiteral("generated_at"), time(generatedAt)}};
}

QueueMetrics QueueMetrics::fromJson(const QJsonObject &o)
{
    QueueMetrics m;
    m.activeEntries = integer(o, "active_entries");
    m.avgWaitSeconds = number(o, "avg_wait_seconds");
    m.p95WaitSeconds = number(o, "p95_wait_seconds");
    m.matchesPerMinute = number(o, "matches_per_minute");
    m.matchSuccessRate = number(o, "match_success_rate");
    m.activeConversations = integer(o, "active_conversations");
    m.windowMinutes = integer(o, "window_minutes", 60);
    m.generatedAt = timeOf(o, "generated_at");
    return m;
}

QJsonObject QueueMetricsPoint::toJson() const
{
    return {{QStringLiteral("t"), time(t)},
            {QStringLiteral("active_entries"), activeEntries},
            {QStringLiteral("avg_wait_seconds"), avgWaitSeconds},
            {QStringLiteral("p95_wait_seconds"), p95WaitSeconds},
            {QStringLiteral("matches"), matches},
            {QStringLiteral("match_success_rate"), matchSuccessRate}};
}

QueueMetricsPoint QueueMetricsPoint::fromJson(const QJsonObject &o)
{
    QueueMetricsPoint p;
    p.t = timeOf(o, "t");
    p.activeEntries = integer(o, "active_entries");
    p.avgWaitSeconds = number(o, "avg_wait_seconds");
    p.p95WaitSeconds = number(o, "p95_wait_seconds");
    p.matches = integer(o, "matches");
    p.matchSuccessRate = number(o, "match_success_rate");
    return p;
}

QJsonObject QueueHistory::toJson() const
{
    return {{QStringLiteral("from"), time(from)},
            {QStringLiteral("to"), time(to)},
            {QStringLiteral("step_minutes"), stepMinutes},
            {QStringLiteral("points"), toArray(points)}};
}

QueueHistory QueueHistory::fromJson(const QJsonObject &o)
{
    QueueHistory h;
    h.from = timeOf(o, "from");
    h.to = timeOf(o, "to");
    h.stepMinutes = integer(o, "step_minutes", 1);
    h.points = fromArray<QueueMetricsPoint>(o.value(QStringLiteral("points")));
    return h;
}

QJsonObject User::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("email"), text(email)},
            {QStringLiteral("nickname"), nickname},
            {QStringLiteral("status"), status},
            {QStringLiteral("role"), role},
            {QStringLiteral("created_at"), time(createdAt)},
            {QStringLiteral("last_seen_at"), time(lastSeenAt)},
            {QStringLiteral("restricted_until"), time(restrictedUntil)},
            {QStringLiteral("banned_at"), time(bannedAt)},
            {QStringLiteral("trust_score"), trustScore},
            {QStringLiteral("open_reports_against"), openReportsAgainst},
            {QStringLiteral("reports_filed"), reportsFiled},
            {QStringLiteral("active_sessions"), activeSessions}};
}

User User::fromJson(const QJsonObject &o)
{
    User u;
    u.id = str(o, "id");
    u.email = str(o, "email");
    u.nickname = str(o, "nickname");
    u.status = str(o, "status");
    u.role = str(o, "role");
    u.createdAt = timeOf(o, "created_at");
    u.lastSeenAt = timeOf(o, "last_seen_at");
    u.restrictedUntil = timeOf(o, "restricted_until");
    u.bannedAt = timeOf(o, "banned_at");
    u.trustScore = integer(o, "trust_score", 50);
    u.openReportsAgainst = integer(o, "open_reports_against");
    u.reportsFiled = integer(o, "reports_filed");
    u.activeSessions = integer(o, "active_sessions");
    return u;
}

QStringList StatusChange::statuses()
{
    return {QStringLiteral("active"), QStringLiteral("restricted"), QStringLiteral("banned")};
}

QJsonObject StatusChange::toJson() const
{
    QJsonObject o {{QStringLiteral("status"), status}, {QStringLiteral("note"), note}};
    if (restrictedUntil.isValid())
        o.insert(QStringLiteral("restricted_until"), toWireTime(restrictedUntil));
    return o;
}

StatusChange StatusChange::fromJson(const QJsonObject &o)
{
    return {str(o, "status"), str(o, "note"), timeOf(o, "restricted_until")};
}

QJsonObject StatusChange::problems() const
{
    QJsonObject p;
    if (!statuses().contains(status))
        p.insert(QStringLiteral("status"), QStringLiteral("one of active, restricted, banned"));
    checkNote(note, &p);
    if (restrictedUntil.isValid() && status != QLatin1String("restricted"))
        p.insert(QStringLiteral("restricted_until"), QStringLiteral("only with status restricted"));
    return p;
}

QJsonObject RoleChange::toJson() const
{
    return {{QStringLiteral("role"), role}, {QStringLiteral("note"), note}};
}

RoleChange RoleChange::fromJson(const QJsonObject &o)
{
    return {str(o, "role"), str(o, "note")};
}

QJsonObject RoleChange::problems() const
{
    QJsonObject p;
    static const QStringList roles {QStringLiteral("user"), QStringLiteral("moderator"),
                                    QStringLiteral("admin")};
    if (!roles.contains(role))
        p.insert(QStringLiteral("role"), QStringLiteral("one of user, moderator, admin"));
    checkNote(note, &p);
    return p;
}

QJsonObject TrustScore::toJson() const
{
    return {{QStringLiteral("user_id"), userId},
            {QStringLiteral("score"), score},
            {QStringLiteral("cooldown_applied"), cooldownApplied},
            {QStringLiteral("components"), components},
            {QStringLiteral("updated_at"), time(updatedAt)}};
}

TrustScore TrustScore::fromJson(const QJsonObject &o)
{
    TrustScore t;
    t.userId = str(o, "user_id");
    t.score = integer(o, "score", 50);
    t.cooldownApplied = o.value(QStringLiteral("cooldown_applied")).toBool();
    t.components = o.value(QStringLiteral("components")).toObject();
    t.updatedAt = timeOf(o, "updated_at");
    return t;
}

QJsonObject TrustEvent::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("delta"), delta},
            {QStringLiteral("source"), source},
            {QStringLiteral("source_ref_id"), sourceRefId},
            {QStringLiteral("metadata"), metadata},
            {QStringLiteral("created_at"), time(createdAt)},
            {QStringLiteral("score_after"), scoreAfter}};
}

TrustEvent TrustEvent::fromJson(const QJsonObject &o)
{
    TrustEvent e;
    e.id = str(o, "id");
    e.delta = integer(o, "delta");
    e.source = str(o, "source");
    e.sourceRefId = str(o, "source_ref_id");
    e.metadata = o.value(QStringLiteral("metadata")).toObject();
    e.createdAt = timeOf(o, "created_at");
    e.scoreAfter = integer(o, "score_after", 50);
    return e;
}

QStringList TimeSeries::metrics()
{
    return {QStringLiteral("daily_active_users"), QStringLiteral("queue_wait_seconds"),
            QStringLiteral("match_success_rate"), QStringLiteral("reveal_conversion"),
            QStringLiteral("report_rate")};
}

QJsonObject TimeSeries::toJson() const
{
    QJsonArray list;
    for (const TimePoint &p : points)
        list.append(
            QJsonObject {{QStringLiteral("t"), time(p.t)}, {QStringLiteral("value"), p.value}});
    return {{QStringLiteral("metric"), metric},
            {QStringLiteral("bucket"), bucket},
            {QStringLiteral("from"), time(from)},
            {QStringLiteral("to"), time(to)},
            {QStringLiteral("points"), list}};
}

TimeSeries TimeSeries::fromJson(const QJsonObject &o)
{
    TimeSeries s;
    s.metric = str(o, "metric");
    s.bucket = str(o, "bucket");
    s.from = timeOf(o, "from");
    s.to = timeOf(o, "to");
    for (const QJsonValue &v : o.value(QStringLiteral("points")).toArray()) {
        const QJsonObject p = v.toObject();
        s.points.append({timeOf(p, "t"), number(p, "value")});
    }
    return s;
}

QJsonObject AuditEntry::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("actor_user_id"), text(actorUserId)},
            {QStringLiteral("actor_role"), text(actorRole)},
            {QStringLiteral("action"), action},
            {QStringLiteral("target_type"), targetType},
            {QStringLiteral("target_id"), text(targetId)},
            {QStringLiteral("note"), text(note)},
            {QStringLiteral("metadata"), metadata},
            {QStringLiteral("created_at"), time(createdAt)}};
}

AuditEntry AuditEntry::fromJson(const QJsonObject &o)
{
    AuditEntry a;
    a.id = str(o, "id");
    a.actorUserId = str(o, "actor_user_id");
    a.actorRole = str(o, "actor_role");
    a.action = str(o, "action");
    a.targetType = str(o, "target_type");
    a.targetId = str(o, "target_id");
    a.note = str(o, "note");
    a.metadata = o.value(QStringLiteral("metadata")).toObject();
    a.createdAt = timeOf(o, "created_at");
    return a;
}

} // namespace fp::admin
