#include "server/admin/AdminService.h"

#include "common/Time.h"
#include "server/conversation/ConversationLifecycle.h"
#include "server/identity/IdentityRepository.h"
#include "server/identity/TokenVerifier.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"

#include <QUuid>
#include <algorithm>
#include <cmath>

namespace fp {

namespace {

constexpr int kContextMessagesEachSide = 5;
constexpr int kHistoryReports = 20;
constexpr int kMaxBuckets = 1000;

bool validId(const QString &id)
{
    return !QUuid::fromString(id).isNull() && id.size() == 36;
}

template<typename T> admin::Page<T> page(QList<T> items, int limit, int offset)
{
    admin::Page<T> p;
    if (items.size() > limit) {
        items.resize(limit);
        p.nextCursor = encodeOffsetCursor(offset + limit);
    }
    p.items = std::move(items);
    return p;
}

AppError conflict(const QString &message, const QString &reason, QJsonObject details = {})
{
    AppError e = AppError::conflict(message);
    details.insert(QStringLiteral("reason"), reason);
    e.details = details;
    return e;
}

bool isStaffRole(const QString &role)
{
    return role == QLatin1String("moderator") || role == QLatin1String("admin");
}

QDateTime floorTo(const QDateTime &t, const QString &bucket)
{
    const QDateTime utc = t.toUTC();
    if (bucket == QLatin1String("hour"))
        return QDateTime(utc.date(), QTime(utc.time().hour(), 0), Qt::UTC);
    return QDateTime(utc.date(), QTime(0, 0), Qt::UTC);
}

} // namespace

QString encodeOffsetCursor(int offset)
{
    return QString::fromLatin1(
        QByteArray("o:" + QByteArray::number(offset))
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<int> decodeOffsetCursor(const QString &cursor)
{
    const QByteArray raw = QByteArray::fromBase64(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    if (!raw.startsWith("o:"))
        return std::nullopt;
    bool ok = false;
    const int offset = raw.mid(2).toInt(&ok);
    if (!ok || offset < 0)
        return std::nullopt;
    return offset;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype rank = qsizetype(std::ceil(p / 100.0 * double(values.size())));
    return values.at(std::clamp<qsizetype>(rank - 1, 0, values.size() - 1));
}

Result<admin::QueueMetrics> AdminService::queueMetrics(int windowMinutes) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime from = now.addSecs(-60LL * windowMinutes);
    admin::QueueMetrics m;
    m.windowMinutes = windowMinutes;
    m.generatedAt = now;
    Result<int> active = m_repository.activeQueueEntries();
    if (!active)
        return active.error();
    m.activeEntries = *active;
    Result<int> conversations = m_repository.activeConversations();
    if (!conversations)
        return conversations.error();
    m.activeConversations = *conversations;
    Result<QList<double>> waits = m_repository.matchedWaits(from, now);
    if (!waits)
        return waits.error();
    if (!waits->isEmpty()) {
        double sum = 0;
        for (double w : *waits)
            sum += w;
        m.avgWaitSeconds = sum / double(waits->size());
        m.p95WaitSeconds = percentile(*waits, 95);
    }
    Result<QList<QDateTime>> matches = m_repository.matchTimes(from, now);
    if (!matches)
        return matches.error();
    m.matchesPerMinute = double(matches->size()) / double(windowMinutes);
    Result<QMap<QString, int>> outcomes = m_repository.queueOutcomes(from, now);
    if (!outcomes)
        return outcomes.error();
    int total = 0;
    for (int n : *outcomes)
        total += n;
    m.matchSuccessRate = total ? double(outcomes->value(QStringLiteral("matched"))) / total : 0;
    return m;
}

Result<admin::QueueHistory> AdminService::queueHistory(int minutes, int stepMinutes) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    admin::QueueHistory h;
    h.stepMinutes = stepMinutes;
    // Steps end at the current minute's end, so the last one is "now".
    const QDateTime end =
        QDateTime(now.date(), QTime(now.time().hour(), now.time().minute()), Qt::UTC).addSecs(60);
    h.to = end;
    h.from = end.addSecs(-60LL * minutes);
    Result<QList<QueueSpan>> spans = m_repository.queueSpans(h.from, h.to);
    if (!spans)
        return spans.error();
    Result<QList<QDateTime>> matches = m_repository.matchTimes(h.from, h.to);
    if (!matches)
        return matches.error();
    for (QDateTime t = h.from; t < h.to; t = t.addSecs(60LL * stepMinutes)) {
        const QDateTime stepEnd = std::min(t.addSecs(60LL * stepMinutes), now);
        admin::QueueMetricsPoint p;
        p.t = t;
        QList<double> waits;
        int left = 0;
        int matched = 0;
        for (const QueueSpan &s : *spans) {
            if (s.enqueuedAt <= stepEnd && (!s.dequeuedAt.isValid() || s.dequeuedAt > stepEnd))
                ++p.activeEntries;
            if (s.dequeuedAt.isValid() && s.dequeuedAt >= t && s.dequeuedAt < stepEnd) {
                ++left;
                if (s.status == QLatin1String("matched")) {
                    ++matched;
                    waits.append(double(s.enqueuedAt.msecsTo(s.dequeuedAt)) / 1000.0);
                }
            }
        }
        for (const QDateTime &m : *matches)
            if (m >= t && m < stepEnd)
                ++p.matches;
        if (!waits.isEmpty()) {
            double sum = 0;
            for (double w : waits)
                sum += w;
            p.avgWaitSeconds = sum / double(waits.size());
            p.p95WaitSeconds = percentile(waits, 95);
        }
        p.matchSuccessRate = left ? double(matched) / left : 0;
        h.points.append(p);
    }
    return h;
}

Result<admin::Page<admin::Report>> AdminService::reports(const ReportFilter &filter, int limit,
                                                         int offset) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<int> escalated =
        m_repository.escalateOverdue(now.addSecs(-60LL * m_settings.escalationMinutes), now);
    if (!escalated)
        return escalated.error();
    Result<QList<admin::Report>> list = m_repository.listReports(filter, now, limit + 1, offset);
    if (!list)
        return list.error();
    return page(*list, limit, offset);
}

Result<admin::ReportDetail> AdminService::report(const Caller &staff, const QString &id) const
{
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such report"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (Result<int> e =
            m_repository.escalateOverdue(now.addSecs(-60LL * m_settings.escalationMinutes), now);
        !e)
        return e.error();
    Transaction tx;
    if (!tx.begin())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    Result<std::optional<admin::Report>> found = m_repository.findReport(id, now);
    if (!found)
        return found.error();
    if (!found->has_value())
        return AppError::notFound(QStringLiteral("No such report"));
    admin::ReportDetail d;
    d.report = **found;
    if (!d.report.conversationSessionId.isEmpty()) {
        Result<QList<admin::ReportMessage>> messages = m_repository.messagesAround(
            d.report.conversationSessionId, d.report.createdAt, kContextMessagesEachSide);
        if (!messages)
            return messages.error();
        d.messages = *messages;
    }
    Result<admin::UserBrief> reporter = m_repository.userBrief(d.report.reporterUserId, now);
    if (!reporter)
        return reporter.error();
    d.reporter = *reporter;
    Result<admin::UserBrief> reported = m_repository.userBrief(d.report.reportedUserId, now);
    if (!reported)
        return reported.error();
    d.reported = *reported;
    Result<QList<admin::Report>> byReporter = m_repository.reportsInvolving(
        QStringLiteral("reporter"), d.report.reporterUserId, id, now, kHistoryReports);
    if (!byReporter)
        return byReporter.error();
    d.reporterHistory = *byReporter;
    Result<QList<admin::Report>> against = m_repository.reportsInvolving(
        QStringLiteral("reported"), d.report.reportedUserId, id, now, kHistoryReports);
    if (!against)
        return against.error();
    d.reportedHistory = *against;

    if (Status s =
            AuditLog::record(staff, QStringLiteral("report.view"), QStringLiteral("report"), id);
        !s)
        return s.error();
    if (!d.messages.isEmpty()) {
        if (Status s =
                AuditLog::record(staff, QStringLiteral("conversation.read"),
                                 QStringLiteral("conversation"), d.report.conversationSessionId, {},
                                 {{QStringLiteral("report_id"), id},
                                  {QStringLiteral("message_count"), int(d.messages.size())}});
            !s)
            return s.error();
    }
    if (!tx.commit())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    return d;
}

Result<admin::Report> AdminService::lockUnresolvedReport(const QString &id,
                                                         const QDateTime &now) const
{
    Result<std::optional<admin::Report>> found = m_repository.findReport(id, now, true);
    if (!found)
        return found.error();
    if (!found->has_value())
        return AppError::notFound(QStringLiteral("No such report"));
    if ((*found)->status == QLatin1String("actioned") ||
        (*found)->status == QLatin1String("dismissed"))
        return conflict(QStringLiteral("The report is already resolved"),
                        QStringLiteral("resolved"));
    return **found;
}

Result<admin::Report> AdminService::claim(const Caller &staff, const QString &id) const
{
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such report"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    Result<admin::Report> locked = lockUnresolvedReport(id, now);
    if (!locked)
        return locked.error();
    const admin::Report &r = *locked;
    if (!r.claimedByUserId.isEmpty() && r.claimedByUserId != staff.userId)
        return conflict(QStringLiteral("Another moderator holds this report"),
                        QStringLiteral("claimed"),
                        {{QStringLiteral("claimed_by_user_id"), r.claimedByUserId},
                         {QStringLiteral("claimed_until"), toWireTime(r.claimedUntil)}});
    const QDateTime until = now.addSecs(60LL * m_settings.claimMinutes);
    if (Status s = m_repository.claimReport(id, staff.userId, until); !s)
        return s.error();
    if (Status s = AuditLog::record(staff, QStringLiteral("report.claim"), QStringLiteral("report"),
                                    id, {}, {{QStringLiteral("claimed_until"), toWireTime(until)}});
        !s)
        return s.error();
    Result<std::optional<admin::Report>> after = m_repository.findReport(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    return **after;
}

Status AdminService::applyStatus(const Caller &staff, const StaffTarget &target,
                                 const QString &status, const QDateTime &restrictedUntil,
                                 const QDateTime &now, bool confirmedReport) const
{
    if (target.id == staff.userId)
        return AppError::forbidden(QStringLiteral("Staff cannot change their own status"));
    if (target.deleted)
        return AppError::conflict(QStringLiteral("The account is deleted"));
    const bool isAdmin = staff.role == Role::Admin;
    if (!isAdmin && isStaffRole(target.role))
        return AppError::forbidden(QStringLiteral("Only an admin may change a staff account"));
    // Direct bans and unbans are an admin's; a moderator may ban through a confirmed report.
    if (!isAdmin && target.bannedAt.isValid())
        return AppError::forbidden(QStringLiteral("Only an admin may unban"));
    if (!isAdmin && !confirmedReport && status == QLatin1String("banned"))
        return AppError::forbidden(QStringLiteral("Only an admin may ban or unban"));
    if (Status s = m_repository.setStatus(target.id, status, restrictedUntil, now); !s)
        return s.error();
    if (status == QLatin1String("banned")) {
        // Every session: keep none (an empty id would bind as NULL and match nothing).
        Result<QStringList> revoked = IdentityRepository().revokeOtherSessions(
            target.id, QStringLiteral("-"), QStringLiteral("admin"));
        if (!revoked)
            return revoked.error();
        // A ban ends the chats in progress; the conversation domain tells both sides.
        Result<QStringList> closed =
            conversation::closeConversationsOf(target.id, conversation::CloseReason::UserEnd);
        if (!closed)
            return closed.error();
        Transaction::afterCommit(
            [userId = target.id, ids = *revoked] { TokenVerifier::announceRevoked(userId, ids); });
    }
    Transaction::afterCommit([userId = target.id] { TokenVerifier::forgetUser(userId); });
    return Ok {};
}

Result<admin::Report> AdminService::act(const Caller &staff, const QString &id,
                                        const admin::ReportActionRequest &request) const
{
    if (const QJsonObject problems = request.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such report"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    Result<admin::Report> locked = lockUnresolvedReport(id, now);
    if (!locked)
        return locked.error();
    const admin::Report r = *locked;
    if (r.claimedByUserId != staff.userId)
        return conflict(QStringLiteral("Claim the report before acting on it"),
                        QStringLiteral("not_claimed"));

    if (request.action == QLatin1String("restrict") || request.action == QLatin1String("ban")) {
        Result<std::optional<StaffTarget>> target = m_repository.findTarget(r.reportedUserId, true);
        if (!target)
            return target.error();
        if (!target->has_value())
            return AppError::notFound(QStringLiteral("No such user"));
        const QString status = request.action == QLatin1String("ban")
            ? QStringLiteral("banned")
            : QStringLiteral("restricted");
        // An account already banned stays banned (a restrict must not lift the ban).
        if (!(*target)->bannedAt.isValid()) {
            if (Status s = applyStatus(staff, **target, status, {}, now, true); !s)
                return s.error();
        }
    }
    if (request.action != QLatin1String("dismiss")) {
        const std::optional<TrustSignal::Severity> severity =
            TrustSignal::severityFromName(r.severity);
        if (!severity)
            return AppError::internal();
        Result<AppliedSignal> applied = TrustService().applySignal(
            r.reportedUserId, TrustSignal::reportConfirmed(*severity, now), id);
        if (!applied)
            return applied.error();
    }
    if (Status s = m_repository.resolveReport(id, request.action, request.note, staff.userId, now);
        !s)
        return s.error();
    if (Status s = AuditLog::record(staff, QStringLiteral("report.action"),
                                    QStringLiteral("report"), id, request.note,
                                    {{QStringLiteral("action"), request.action},
                                     {QStringLiteral("reported_user_id"), r.reportedUserId}});
        !s)
        return s.error();
    Result<std::optional<admin::Report>> after = m_repository.findReport(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    return **after;
}

Result<admin::Page<admin::User>>
AdminService::searchUsers(const Caller &staff, const QString &query, int limit, int offset) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<QList<admin::User>> users = m_repository.searchUsers(query, now, limit + 1, offset);
    if (!users)
        return users.error();
    // Results carry emails: a read of private data.
    if (Status s = AuditLog::record(staff, QStringLiteral("user.search"), QStringLiteral("user"),
                                    {}, {}, {{QStringLiteral("query"), query}});
        !s)
        return s.error();
    return page(*users, limit, offset);
}

Result<admin::User> AdminService::user(const Caller &staff, const QString &id) const
{
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such user"));
    Result<std::optional<admin::User>> found =
        m_repository.findUser(id, QDateTime::currentDateTimeUtc());
    if (!found)
        return found.error();
    if (!found->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    if (Status s = AuditLog::record(staff, QStringLiteral("user.view"), QStringLiteral("user"), id);
        !s)
        return s.error();
    return **found;
}

Result<admin::User> AdminService::changeStatus(const Caller &staff, const QString &id,
                                               const admin::StatusChange &change) const
{
    if (const QJsonObject problems = change.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such user"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (change.restrictedUntil.isValid() && change.restrictedUntil <= now)
        return AppError::validation(
            {{QStringLiteral("restricted_until"), QStringLiteral("must be in the future")}});
    Transaction tx;
    if (!tx.begin())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    Result<std::optional<StaffTarget>> target = m_repository.findTarget(id, true);
    if (!target)
        return target.error();
    if (!target->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    const QString before =
        (*target)->bannedAt.isValid() ? QStringLiteral("banned") : (*target)->status;
    if (Status s = applyStatus(staff, **target, change.status, change.restrictedUntil, now, false);
        !s)
        return s.error();
    QJsonObject metadata {{QStringLiteral("from"), before}, {QStringLiteral("to"), change.status}};
    if (change.restrictedUntil.isValid())
        metadata.insert(QStringLiteral("restricted_until"), toWireTime(change.restrictedUntil));
    if (Status s = AuditLog::record(staff, QStringLiteral("user.status"), QStringLiteral("user"),
                                    id, change.note, metadata);
        !s)
        return s.error();
    Result<std::optional<admin::User>> after = m_repository.findUser(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    return **after;
}

Result<admin::User> AdminService::changeRole(const Caller &staff, const QString &id,
                                             const admin::RoleChange &change) const
{
    if (const QJsonObject problems = change.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such user"));
    if (staff.role != Role::Admin)
        return AppError::forbidden(QStringLiteral("Only an admin may change roles"));
    if (id == staff.userId)
        return AppError::forbidden(QStringLiteral("Staff cannot change their own role"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    Result<std::optional<StaffTarget>> target = m_repository.findTarget(id, true);
    if (!target)
        return target.error();
    if (!target->has_value() || (*target)->deleted)
        return AppError::notFound(QStringLiteral("No such user"));
    if (Status s = m_repository.setRole(id, change.role); !s)
        return s.error();
    if (Status s = AuditLog::record(
            staff, QStringLiteral("user.role"), QStringLiteral("user"), id, change.note,
            {{QStringLiteral("from"), (*target)->role}, {QStringLiteral("to"), change.role}});
        !s)
        return s.error();
    Transaction::afterCommit([id] { TokenVerifier::forgetUser(id); });
    Result<std::optional<admin::User>> after = m_repository.findUser(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return AppError::unavailable(QStringLiteral("Database unavailable"));
    return **after;
}

Result<admin::TrustScore> AdminService::trustScore(const Caller &staff, const QString &id) const
{
    Result<TrustScoreView> view = TrustService().scoreFor(staff, id);
    if (!view)
        return view.error();
    return admin::TrustScore::fromJson(trustScoreToJson(*view));
}

Result<admin::Page<admin::TrustEvent>> AdminService::trustEvents(const QString &id, int limit,
                                                                 int offset) const
{
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such user"));
    Result<std::optional<StaffTarget>> target = m_repository.findTarget(id);
    if (!target)
        return target.error();
    if (!target->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    Result<QList<admin::TrustEvent>> events = m_repository.trustEvents(id, limit + 1, offset);
    if (!events)
        return events.error();
    return page(*events, limit, offset);
}

Result<admin::TimeSeries> AdminService::trustHistory(const QString &id, const QDateTime &from,
                                                     const QDateTime &to) const
{
    if (!validId(id))
        return AppError::notFound(QStringLiteral("No such user"));
    Result<std::optional<StaffTarget>> target = m_repository.findTarget(id);
    if (!target)
        return target.error();
    if (!target->has_value())
        return AppError::notFound(QStringLiteral("No such user"));
    Result<int> start = m_repository.trustScoreBefore(id, from);
    if (!start)
        return start.error();
    Result<QList<admin::TrustEvent>> events = m_repository.trustEventsBetween(id, from, to);
    if (!events)
        return events.error();
    // A step series: the score at `from`, then one point per ledger row.
    admin::TimeSeries s {QStringLiteral("trust_score"), QStringLiteral("event"), from, to, {}};
    s.points.append({from, double(*start)});
    for (const admin::TrustEvent &e : *events)
        s.points.append({e.createdAt, double(e.scoreAfter)});
    return s;
}

Result<admin::TimeSeries> AdminService::analytics(const QString &metric, const QString &bucket,
                                                  const QDateTime &from, const QDateTime &to) const
{
    QJsonObject problems;
    if (!admin::TimeSeries::metrics().contains(metric))
        problems.insert(QStringLiteral("query.metric"),
                        QStringLiteral("one of ") +
                            admin::TimeSeries::metrics().join(QStringLiteral(", ")));
    if (bucket != QLatin1String("hour") && bucket != QLatin1String("day"))
        problems.insert(QStringLiteral("query.bucket"), QStringLiteral("hour or day"));
    if (!from.isValid())
        problems.insert(QStringLiteral("query.from"), QStringLiteral("an RFC 3339 timestamp"));
    if (!to.isValid())
        problems.insert(QStringLiteral("query.to"), QStringLiteral("an RFC 3339 timestamp"));
    if (problems.isEmpty() && from >= to)
        problems.insert(QStringLiteral("query.to"), QStringLiteral("must be after from"));
    const qint64 width = bucket == QLatin1String("hour") ? 3600 : 86400;
    if (problems.isEmpty() && floorTo(from, bucket).secsTo(to) / width >= kMaxBuckets)
        problems.insert(QStringLiteral("query.to"), QStringLiteral("at most 1000 buckets"));
    if (!problems.isEmpty())
        return AppError::validation(problems);

    admin::TimeSeries s {metric, bucket, floorTo(from, bucket), to, {}};
    Result<QMap<QDateTime, BucketValue>> values = m_repository.bucketed(metric, bucket, s.from, to);
    if (!values)
        return values.error();
    const bool ratio = metric != QLatin1String("daily_active_users");
    for (QDateTime t = s.from; t < to; t = t.addSecs(width)) {
        const BucketValue v = values->value(t);
        double value = v.numerator;
        if (ratio)
            value = v.denominator > 0 ? v.numerator / v.denominator : 0;
        s.points.append({t, value});
    }
    return s;
}

Result<admin::Page<admin::AuditEntry>> AdminService::auditLog(const AuditFilter &filter, int limit,
                                                              int offset) const
{
    Result<QList<admin::AuditEntry>> entries = AuditLog::list(filter, limit + 1, offset);
    if (!entries)
        return entries.error();
    return page(*entries, limit, offset);
}

} // namespace fp
