#include "server/safety/SafetyService.h"

#include "common/Time.h"
#include "server/admin/AdminService.h"
#include "server/base/Log.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/identity/IdentityService.h"
#include "server/profile/Catalog.h"
#include "server/safety/ReportPolicy.h"
#include "server/safety/SafetyEvents.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"
#include "server/trust/TrustService.h"

#include <QHash>
#include <QMutex>

namespace fp {

namespace {

constexpr int kContextMessagesEachSide = 5;
constexpr int kHistoryReports = 20;

AppError noSuchUser()
{
    return AppError::notFound(QStringLiteral("No such user"));
}

AppError noSuchReport()
{
    return AppError::notFound(QStringLiteral("No such report"));
}

Status recordAboutReport(EventType type, const QString &reportId, const QString &actorUserId,
                         const QJsonObject &payload)
{
    return Outbox::record({.type = type,
                           .subjectType = QLatin1StringView("report"),
                           .subjectId = reportId,
                           .actorUserId = actorUserId,
                           .payload = payload,
                           .occurredAt = {}});
}

// report.filed: the codes only; the details are the reporter's own words.
Status recordReportFiled(const ReportRecord &report, const QString &origin)
{
    return recordAboutReport(
        event::ReportFiled, report.id, report.reporterUserId,
        {{QStringLiteral("severity"), report.severity},
         {QStringLiteral("reason_code"), report.reasonCode},
         {QStringLiteral("origin"), origin},
         {QStringLiteral("about_conversation"), !report.conversationSessionId.isEmpty()},
         {QStringLiteral("conversation_id"),
          report.conversationSessionId.isEmpty() ? QJsonValue()
                                                 : QJsonValue(report.conversationSessionId)}});
}

AppError conflict(const QString &message, const QString &reason, QJsonObject details = {})
{
    AppError e = AppError::conflict(message);
    details.insert(QStringLiteral("reason"), reason);
    e.details = details;
    return e;
}

} // namespace

/// At most ReportPolicy::kReportsPerHour reports per user per clock hour, counted in Redis so
/// every instance shares the budget; while Redis is down, counted in this process instead
/// (per instance: a little more lenient across instances, never unlimited).
class SafetyService::FloodGuard
{
public:
    /// 0 when allowed (and spent), else the seconds until the budget refills.
    int spend(const QString &userId)
    {
        const qint64 nowSeconds = QDateTime::currentSecsSinceEpoch();
        const qint64 window = nowSeconds / 3600;
        const int retryAfter = int((window + 1) * 3600 - nowSeconds);
        const QByteArray key =
            Redis::key("safety:reports:" + userId.toLatin1() + ':' + QByteArray::number(window));
        if (const std::optional<RedisReply> count = Redis::command({"INCR", key});
            count && count->type == RedisReply::Type::Integer) {
            if (count->integer == 1)
                Redis::command({"EXPIRE", key, "3660"});
            return count->integer > ReportPolicy::kReportsPerHour ? retryAfter : 0;
        }
        QMutexLocker lock(&m_mutex);
        if (m_local.size() > 100000)
            m_local.clear(); // a crude bound: only a flood of distinct users gets here
        Counter &counter = m_local[userId];
        if (counter.window != window)
            counter = Counter {window, 0};
        ++counter.count;
        return counter.count > ReportPolicy::kReportsPerHour ? retryAfter : 0;
    }

private:
    struct Counter
    {
        qint64 window = 0;
        int count = 0;
    };
    QMutex m_mutex;
    QHash<QString, Counter> m_local;
};

SafetyService::SafetyService(const SafetyRepository &repository, const Catalog &catalog,
                             const IdentityService &identity, const TrustService &trust,
                             const AdminService &admin, const DomainEvents &events,
                             SafetySettings settings)
    : m_repository(repository), m_catalog(catalog), m_identity(identity), m_trust(trust),
      m_admin(admin), m_events(events), m_settings(settings),
      m_floodGuard(std::make_unique<FloodGuard>())
{ }

SafetyService::~SafetyService() = default;

Result<BlockRecord> SafetyService::blockInTransaction(const QString &blockerId,
                                                      const QString &blockedId,
                                                      const QString &source,
                                                      bool keepExisting) const
{
    Result<std::optional<BlockRecord>> existing = m_repository.findBlock(blockerId, blockedId);
    if (!existing)
        return existing.error();
    BlockRecord block;
    if (*existing && keepExisting) {
        block = **existing;
    } else {
        // Only a manual block names the person: the blocker gave their id themselves.
        block = BlockRecord {Sql::newId(),
                             blockerId,
                             blockedId,
                             source,
                             QDateTime::currentDateTimeUtc(),
                             source == QLatin1String("manual") ? QString() : Sql::newId()};
        if (Status inserted = m_repository.insertBlock(block); !inserted)
            return inserted.error();
        // Not whom: a block that is not manual hides the person behind an alias.
        if (Status recorded = Outbox::record({.type = event::BlockCreated,
                                              .subjectType = QLatin1StringView("block"),
                                              .subjectId = block.id,
                                              .actorUserId = blockerId,
                                              .payload = {{QStringLiteral("source"), source}},
                                              .occurredAt = {}});
            !recorded)
            return recorded.error();
    }
    if (Status s = m_events.publish(BlockCreated {blockerId, blockedId, source}); !s)
        return s.error();
    return block;
}

Result<BlockRecord> SafetyService::block(const QString &userId, const QString &blockedUserId) const
{
    if (blockedUserId == userId)
        return AppError::validation(
            {{QStringLiteral("blocked_user_id"), QStringLiteral("must not be yourself")}});
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<bool> known =
        m_ports.haveMet ? m_ports.haveMet(userId, blockedUserId) : Result<bool>(false);
    if (!known)
        return known.error();
    if (!*known)
        return noSuchUser();
    Result<BlockRecord> block =
        blockInTransaction(userId, blockedUserId, QStringLiteral("manual"), false);
    if (!block)
        return block.error();
    if (!tx.commit())
        return databaseUnavailable();
    return block;
}

Status SafetyService::unblock(const QString &userId, const QString &shownId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<BlockRecord>> block = m_repository.findBlockShownAs(userId, shownId);
    if (!block)
        return block.error();
    if (!*block)
        return AppError::notFound(QStringLiteral("You have not blocked this user"));
    if ((*block)->source == QLatin1String("moderation_action"))
        return AppError::forbidden(
            QStringLiteral("This block was made by moderation and cannot be lifted"));
    if (Status deleted = m_repository.deleteBlock((*block)->id); !deleted)
        return deleted.error();
    if (!tx.commit())
        return databaseUnavailable();
    return Ok {};
}

Result<Page<BlockRecord>> SafetyService::blocks(const QString &userId,
                                                const PageRequest<> &page) const
{
    Result<QList<BlockRecord>> rows = m_repository.blocksBy(userId, page.limit + 1, page.after);
    if (!rows)
        return rows.error();
    return paging::keysetPage(std::move(*rows), page.limit, [](const BlockRecord &b) {
        return KeysetCursor {b.createdAt, b.id};
    });
}

Result<ReportRecord> SafetyService::report(const QString &userId, const ReportInput &input) const
{
    const std::optional<QString> severity = ReportPolicy::severityFor(input.reasonCode, m_catalog);
    if (!severity) // parseReport checked it: a catalog without severities is a build mistake
        return AppError::internal();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    QString reported = input.reportedUserId;
    if (!input.conversationSessionId.isEmpty()) {
        if (!m_ports.peerInConversation)
            return AppError::notFound(QStringLiteral("No such conversation"));
        Result<QString> peer = m_ports.peerInConversation(input.conversationSessionId, userId);
        if (!peer)
            return peer.error();
        if (!reported.isEmpty() && reported != *peer)
            return AppError::validation(
                {{QStringLiteral("reported_user_id"),
                  QStringLiteral("is not your peer in conversation_session_id")}});
        reported = *peer;
    } else {
        if (reported == userId)
            return AppError::validation(
                {{QStringLiteral("reported_user_id"), QStringLiteral("must not be yourself")}});
        Result<bool> known =
            m_ports.haveMet ? m_ports.haveMet(userId, reported) : Result<bool>(false);
        if (!known)
            return known.error();
        if (!*known)
            return noSuchUser();
        Result<bool> pending = m_repository.hasOpenReportWithoutConversation(userId, reported);
        if (!pending)
            return pending.error();
        if (*pending)
            return conflict(QStringLiteral("You already have an open report about this user"),
                            QStringLiteral("already_reported"));
    }
    if (const int retryAfter = m_floodGuard->spend(userId); retryAfter > 0) {
        AppError limited = AppError::rateLimited(retryAfter);
        limited.message = QStringLiteral("Too many reports in the last hour, try again later");
        return limited;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const ReportRecord report {Sql::newId(),
                               userId,
                               reported,
                               input.conversationSessionId,
                               input.reasonCode,
                               input.detailsText,
                               *severity,
                               QStringLiteral("open"),
                               now,
                               now};
    if (Status inserted = m_repository.insertReport(report); !inserted)
        return inserted.error();
    if (Status recorded = recordReportFiled(report, QStringLiteral("report")); !recorded)
        return recorded.error();
    if (!tx.commit())
        return databaseUnavailable();
    return report;
}

Result<Page<ReportRecord>> SafetyService::myReports(const QString &userId,
                                                    const PageRequest<> &page) const
{
    Result<QList<ReportRecord>> rows = m_repository.reportsBy(userId, page.limit + 1, page.after);
    if (!rows)
        return rows.error();
    return paging::keysetPage(std::move(*rows), page.limit, [](const ReportRecord &r) {
        return KeysetCursor {r.createdAt, r.id};
    });
}

Result<BlockRecord> SafetyService::blockFromPanicExit(const QString &userId,
                                                      const QString &peerId) const
{
    return blockInTransaction(userId, peerId, QStringLiteral("panic_exit"), true);
}

Result<ReportRecord> SafetyService::reportFromPanicExit(const QString &userId,
                                                        const QString &peerId,
                                                        const QString &conversationId,
                                                        const QString &reasonCode,
                                                        const QString &detailsText) const
{
    const QString reason = reasonCode.isEmpty() ? ReportPolicy::kPanicExitReason : reasonCode;
    const QString severity = ReportPolicy::panicExitSeverity(reasonCode, m_catalog);
    Result<std::optional<ReportRecord>> existing =
        m_repository.findConversationReport(userId, peerId, conversationId);
    if (!existing)
        return existing.error();
    if (*existing) {
        // Already reported about this conversation: the one report stands, at least as severe.
        ReportRecord report = **existing;
        const QString raised = ReportPolicy::moreSevere(report.severity, severity);
        if (raised != report.severity) {
            if (Status updated = m_repository.raiseSeverity(report.id, raised); !updated)
                return updated.error();
            report.severity = raised;
        }
        return report;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const ReportRecord report {Sql::newId(), userId,      peerId,   conversationId,
                               reason,       detailsText, severity, QStringLiteral("open"),
                               now,          now};
    if (Status inserted = m_repository.insertReport(report); !inserted)
        return inserted.error();
    if (Status recorded = recordReportFiled(report, QStringLiteral("panic_exit")); !recorded)
        return recorded.error();
    return report;
}

bool SafetyService::blockedEitherWay(const QString &userA, const QString &userB) const
{
    Result<bool> blocked = m_repository.blockedEitherWay(userA, userB);
    if (!blocked) {
        log::warning(QStringLiteral("block_check_failed"),
                     {{QStringLiteral("error"), blocked.error().message}});
        return true;
    }
    return *blocked;
}

Result<QList<QPair<QString, QString>>>
SafetyService::blocksInvolving(const QStringList &userIds) const
{
    return m_repository.blocksInvolving(userIds);
}

Result<QSet<QString>> SafetyService::withOpenReports(const QStringList &userIds) const
{
    return m_repository.withOpenReports(userIds);
}

Result<QHash<QString, ReportCounts>> SafetyService::reportCounts(const QStringList &userIds) const
{
    return m_repository.counts(userIds);
}

Result<QStringList> SafetyService::conversationsUnderReview() const
{
    return m_repository.conversationsUnderReview();
}

Status SafetyService::escalateOverdue(const QDateTime &now) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    const auto minutesFor = [this](const QString &severity) {
        return severity == QLatin1String("critical") ? m_settings.escalationMinutes
                                                     : m_settings.highEscalationMinutes;
    };
    Result<QList<QPair<QString, QString>>> escalated =
        m_repository.escalateOverdue(now.addSecs(-60LL * m_settings.escalationMinutes),
                                     now.addSecs(-60LL * m_settings.highEscalationMinutes), now);
    if (!escalated)
        return escalated.error();
    // Nobody acted: the report waited too long.
    for (const auto &[id, severity] : std::as_const(*escalated)) {
        if (Status recorded =
                recordAboutReport(event::ReportEscalated, id, {},
                                  {{QStringLiteral("severity"), severity},
                                   {QStringLiteral("overdue_minutes"), minutesFor(severity)}});
            !recorded)
            return recorded.error();
    }
    // A claim that ran out puts the report back in everyone's queue, and says whose it was.
    Result<QList<QPair<QString, QString>>> released = m_repository.releaseExpiredClaims(now);
    if (!released)
        return released.error();
    for (const auto &[id, holder] : std::as_const(*released)) {
        if (Status recorded =
                recordAboutReport(event::ReportClaimExpired, id, {},
                                  {{QStringLiteral("claimed_by_user_id"), holder},
                                   {QStringLiteral("claim_minutes"), m_settings.claimMinutes}});
            !recorded)
            return recorded.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    for (const auto &[id, holder] : std::as_const(*released))
        log::info(QStringLiteral("report_claim_expired"),
                  {{QStringLiteral("report_id"), id}, {QStringLiteral("claimed_by"), holder}});
    return Ok {};
}

Result<Page<admin::Report, int>> SafetyService::reports(const ReportFilter &filter,
                                                        const PageRequest<int> &page) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (Status s = escalateOverdue(now); !s)
        return s.error();
    const int offset = page.after.value_or(0);
    Result<QList<admin::Report>> list =
        m_repository.listReports(filter, now, page.limit + 1, offset);
    if (!list)
        return list.error();
    return paging::offsetPage(std::move(*list), page.limit, offset);
}

Result<admin::UserBrief> SafetyService::briefOf(const QString &userId) const
{
    Result<admin::UserBrief> brief = m_identity.brief(userId);
    if (!brief)
        return brief.error();
    Result<int> trust = m_trust.currentScore(userId);
    if (!trust)
        return trust.error();
    brief->trustScore = *trust;
    Result<QHash<QString, ReportCounts>> counts = m_repository.counts({userId});
    if (!counts)
        return counts.error();
    const ReportCounts c = counts->value(userId);
    brief->reportsFiled = c.filed;
    brief->reportsAgainst = c.against;
    brief->reportsAgainstConfirmed = c.actionedAgainst;
    return brief;
}

Result<admin::ReportDetail> SafetyService::reportDetail(const Caller &staff,
                                                        const QString &id) const
{
    if (!validation::isUuid(id))
        return noSuchReport();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (Status s = escalateOverdue(now); !s)
        return s.error();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<admin::Report>> found = m_repository.findReport(id, now);
    if (!found)
        return found.error();
    if (!found->has_value())
        return noSuchReport();
    admin::ReportDetail d;
    d.report = **found;
    if (!d.report.conversationSessionId.isEmpty() && m_ports.messagesAround) {
        Result<QList<admin::ReportMessage>> messages = m_ports.messagesAround(
            d.report.conversationSessionId, d.report.createdAt, kContextMessagesEachSide);
        if (!messages)
            return messages.error();
        d.messages = *messages;
    }
    Result<admin::UserBrief> reporter = briefOf(d.report.reporterUserId);
    if (!reporter)
        return reporter.error();
    d.reporter = *reporter;
    Result<admin::UserBrief> reported = briefOf(d.report.reportedUserId);
    if (!reported)
        return reported.error();
    d.reported = *reported;
    Result<QList<admin::Report>> byReporter =
        m_repository.reportsInvolving(true, d.report.reporterUserId, id, now, kHistoryReports);
    if (!byReporter)
        return byReporter.error();
    d.reporterHistory = *byReporter;
    Result<QList<admin::Report>> against =
        m_repository.reportsInvolving(false, d.report.reportedUserId, id, now, kHistoryReports);
    if (!against)
        return against.error();
    d.reportedHistory = *against;

    if (Status s =
            m_admin.record(staff, QStringLiteral("report.view"), QStringLiteral("report"), id);
        !s)
        return s.error();
    if (!d.messages.isEmpty()) {
        if (Status s =
                m_admin.record(staff, QStringLiteral("conversation.read"),
                               QStringLiteral("conversation"), d.report.conversationSessionId, {},
                               {{QStringLiteral("report_id"), id},
                                {QStringLiteral("message_count"), int(d.messages.size())}});
            !s)
            return s.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return d;
}

Result<admin::Report> SafetyService::lockUnresolvedReport(const QString &id,
                                                          const QDateTime &now) const
{
    Result<std::optional<admin::Report>> found = m_repository.findReport(id, now, true);
    if (!found)
        return found.error();
    if (!found->has_value())
        return noSuchReport();
    if ((*found)->status == QLatin1String("actioned") ||
        (*found)->status == QLatin1String("dismissed"))
        return conflict(QStringLiteral("The report is already resolved"),
                        QStringLiteral("resolved"));
    return **found;
}

std::optional<AppError> SafetyService::refuseOwnInterest(const Caller &staff,
                                                         const admin::Report &report,
                                                         const QString &attempted,
                                                         Transaction &tx) const
{
    const bool filedIt = report.reporterUserId == staff.userId;
    if (!filedIt && report.reportedUserId != staff.userId)
        return std::nullopt;
    // The refusal itself is kept although the transaction is undone (with an outer one too,
    // e.g. an Idempotency-Key's): recorded once everything was rolled back.
    tx.rollback();
    Transaction::afterRollback([this, staff, id = report.id, attempted, filedIt] {
        const Status audited = m_admin.record(
            staff, QStringLiteral("report.refused"), QStringLiteral("report"), id, {},
            {{QStringLiteral("attempted"), attempted},
             {QStringLiteral("reason"),
              filedIt ? QStringLiteral("own_report") : QStringLiteral("report_about_self")}});
        if (!audited)
            log::error(QStringLiteral("audit_not_recorded"),
                       {{QStringLiteral("action"), QStringLiteral("report.refused")},
                        {QStringLiteral("report_id"), id}});
    });
    return AppError::forbidden(
        filedIt ? QStringLiteral("Another moderator must handle a report you filed")
                : QStringLiteral("Another moderator must handle a report about you"));
}

Result<admin::Report> SafetyService::claim(const Caller &staff, const QString &id) const
{
    if (!validation::isUuid(id))
        return noSuchReport();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<admin::Report> locked = lockUnresolvedReport(id, now);
    if (!locked)
        return locked.error();
    const admin::Report &r = *locked;
    if (std::optional<AppError> refused = refuseOwnInterest(staff, r, QStringLiteral("claim"), tx))
        return *refused;
    if (!r.claimedByUserId.isEmpty() && r.claimedByUserId != staff.userId)
        return conflict(QStringLiteral("Another moderator holds this report"),
                        QStringLiteral("claimed"),
                        {{QStringLiteral("claimed_by_user_id"), r.claimedByUserId},
                         {QStringLiteral("claimed_until"), toWireTime(r.claimedUntil)}});
    const QDateTime until = now.addSecs(60LL * m_settings.claimMinutes);
    if (Status s = m_repository.claimReport(id, staff.userId, until); !s)
        return s.error();
    if (Status s = m_admin.record(staff, QStringLiteral("report.claim"), QStringLiteral("report"),
                                  id, {}, {{QStringLiteral("claimed_until"), toWireTime(until)}});
        !s)
        return s.error();
    if (Status s = recordAboutReport(event::ReportClaimed, id, staff.userId,
                                     {{QStringLiteral("severity"), r.severity},
                                      {QStringLiteral("claim_minutes"), m_settings.claimMinutes}});
        !s)
        return s.error();
    Result<std::optional<admin::Report>> after = m_repository.findReport(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return databaseUnavailable();
    return **after;
}

Result<admin::Report> SafetyService::act(const Caller &staff, const QString &id,
                                         const admin::ReportActionRequest &request) const
{
    if (const QJsonObject problems = request.problems(); !problems.isEmpty())
        return AppError::validation(problems);
    if (!validation::isUuid(id))
        return noSuchReport();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<admin::Report> locked = lockUnresolvedReport(id, now);
    if (!locked)
        return locked.error();
    const admin::Report r = *locked;
    if (std::optional<AppError> refused = refuseOwnInterest(staff, r, request.action, tx))
        return *refused;
    if (r.claimedByUserId != staff.userId)
        return conflict(QStringLiteral("Claim the report before acting on it"),
                        QStringLiteral("not_claimed"));

    if (request.action == QLatin1String("restrict") || request.action == QLatin1String("ban")) {
        const QString status = request.action == QLatin1String("ban")
            ? QStringLiteral("banned")
            : QStringLiteral("restricted");
        if (Status s = m_identity.applyReportAction(staff, r.reportedUserId, status); !s)
            return s.error();
    }
    if (request.action != QLatin1String("dismiss")) {
        const std::optional<TrustSignal::Severity> severity =
            TrustSignal::severityFromName(r.severity);
        if (!severity)
            return AppError::internal();
        Result<AppliedSignal> applied = m_trust.applySignal(
            r.reportedUserId, TrustSignal::reportConfirmed(*severity, now), id, staff.userId);
        if (!applied)
            return applied.error();
    }
    if (Status s = m_repository.resolveReport(id, request.action, request.note, staff.userId, now);
        !s)
        return s.error();
    // The action, never the moderator's note.
    if (Status s = recordAboutReport(event::ReportActioned, id, staff.userId,
                                     {{QStringLiteral("action"), request.action},
                                      {QStringLiteral("severity"), r.severity},
                                      {QStringLiteral("reason_code"), r.reasonCode}});
        !s)
        return s.error();
    if (Status s = m_admin.record(staff, QStringLiteral("report.action"), QStringLiteral("report"),
                                  id, request.note,
                                  {{QStringLiteral("action"), request.action},
                                   {QStringLiteral("reported_user_id"), r.reportedUserId}});
        !s)
        return s.error();
    Result<std::optional<admin::Report>> after = m_repository.findReport(id, now);
    if (!after)
        return after.error();
    if (!tx.commit())
        return databaseUnavailable();
    return **after;
}

} // namespace fp
