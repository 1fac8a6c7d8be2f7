#include "server/safety/SafetyService.h"

#include "common/Time.h"
#include "server/admin/AdminService.h"
#include "server/base/Log.h"
#include "server/base/UserNotifier.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/identity/IdentityService.h"
#include "server/profile/Catalog.h"
#include "server/safety/ReportPolicy.h"
#include "server/safety/SafetyEvents.h"
#include "server/safety/SafetyJson.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"
#include "server/trust/TrustService.h"

#include <QHash>
#include <QMutex>

#include <algorithm>
#include <cmath>

namespace fp {

namespace {

constexpr int kContextMessagesEachSide = 5;
constexpr int kHistoryReports = 20;
constexpr int kBlockedEvidence = 50;

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
    e.details = details;
    return e.because(reason);
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
                             UserNotifier &notifier, SafetySettings settings)
    : m_repository(repository), m_catalog(catalog), m_identity(identity), m_trust(trust),
      m_admin(admin), m_events(events), m_notifier(notifier), m_settings(settings),
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
        Result<ConversationPeer> peer =
            m_ports.peerInConversation(input.conversationSessionId, userId);
        if (!peer)
            return peer.error();
        // Before a reveal the id given is not checked against the peer's (the answer would
        // confirm a guess of who the peer is): the conversation says whom the report is about.
        if (!reported.isEmpty() && peer->revealed && reported != peer->userId)
            return AppError::validation(
                {{QStringLiteral("reported_user_id"),
                  QStringLiteral("is not your peer in conversation_session_id")}});
        reported = peer->userId;
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
                               now,
                               QStringLiteral("report"),
                               {}};
    if (Status inserted = m_repository.insertReport(report); !inserted)
        return inserted.error();
    if (Status recorded = recordReportFiled(report, QStringLiteral("report")); !recorded)
        return recorded.error();
    if (Status alerted = raiseAlert(QStringLiteral("report.created"), report.id, report.source,
                                    report.severity, report.status, report.reasonCode);
        !alerted)
        return alerted.error();
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
    const ReportRecord report {Sql::newId(),
                               userId,
                               peerId,
                               conversationId,
                               reason,
                               detailsText,
                               severity,
                               QStringLiteral("open"),
                               now,
                               now,
                               QStringLiteral("report"),
                               {}};
    if (Status inserted = m_repository.insertReport(report); !inserted)
        return inserted.error();
    if (Status recorded = recordReportFiled(report, QStringLiteral("panic_exit")); !recorded)
        return recorded.error();
    if (Status alerted = raiseAlert(QStringLiteral("report.created"), report.id, report.source,
                                    report.severity, report.status, report.reasonCode);
        !alerted)
        return alerted.error();
    return report;
}

PairCondition SafetyService::blockedEitherWayCondition()
{
    return SafetyRepository::blockedEitherWayCondition();
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
        Result<std::optional<admin::Report>> report = m_repository.findReport(id, now);
        if (!report)
            return report.error();
        if (*report) {
            if (Status alerted = raiseAlert(QStringLiteral("report.escalated"), **report); !alerted)
                return alerted.error();
        }
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
        // The claim was the holder's to give up; the timer did it for them, and says so where
        // staff read who handled a report.
        if (Status audited = m_admin.recordBySystem(
                QStringLiteral("report.claim_expired"), QStringLiteral("report"), id,
                {{QStringLiteral("claimed_by_user_id"), holder},
                 {QStringLiteral("claim_minutes"), m_settings.claimMinutes}});
            !audited)
            return audited.error();
        Result<std::optional<admin::Report>> report = m_repository.findReport(id, now);
        if (!report)
            return report.error();
        if (*report) {
            if (Status alerted = raiseAlert(QStringLiteral("report.claim_expired"), **report);
                !alerted)
                return alerted.error();
        }
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
    // An item of the rules has no reporter: that side stays empty.
    if (!d.report.reporterUserId.isEmpty()) {
        Result<admin::UserBrief> reporter = briefOf(d.report.reporterUserId);
        if (!reporter)
            return reporter.error();
        d.reporter = *reporter;
        Result<QList<admin::Report>> byReporter =
            m_repository.reportsInvolving(d.report.reporterUserId, id, now, kHistoryReports);
        if (!byReporter)
            return byReporter.error();
        d.reporterHistory = *byReporter;
    }
    Result<admin::UserBrief> reported = briefOf(d.report.reportedUserId);
    if (!reported)
        return reported.error();
    d.reported = *reported;
    // What the reported person tried to send and the rules refused: in this conversation, or
    // (an item about repeated attempts) anywhere around the item's time.
    if (!d.report.conversationSessionId.isEmpty() || d.report.source == QLatin1String("rules")) {
        Result<QList<admin::ReportMessage>> blocked = m_repository.blockedMessages(
            d.report.reportedUserId, d.report.conversationSessionId,
            d.report.conversationSessionId.isEmpty() ? d.report.createdAt.addDays(-1)
                                                     : QDateTime::fromSecsSinceEpoch(0, Qt::UTC),
            kBlockedEvidence);
        if (!blocked)
            return blocked.error();
        d.blockedMessages = *blocked;
    }
    Result<QList<admin::Report>> against =
        m_repository.reportsInvolving(d.report.reportedUserId, id, now, kHistoryReports);
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
    if (Status alerted = raiseAlert(QStringLiteral("report.claimed"), **after); !alerted)
        return alerted.error();
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

    const QString &action = request.action;
    QDateTime restrictedUntil;
    if (action == QLatin1String("restrict"))
        restrictedUntil = now.addSecs(3600LL *
                                      (request.restrictHours > 0
                                           ? request.restrictHours
                                           : admin::ReportActionRequest::kDefaultRestrictHours));
    if (action == QLatin1String("restrict") || action == QLatin1String("ban")) {
        const QString status = action == QLatin1String("ban") ? QStringLiteral("banned")
                                                              : QStringLiteral("restricted");
        if (Status s =
                m_identity.applyReportAction(staff, r.reportedUserId, status, restrictedUntil);
            !s)
            return s.error();
    }
    if (action == QLatin1String("separate")) {
        Result<QString> other = otherPartyOf(r);
        if (!other)
            return other.error();
        if (other->isEmpty())
            return conflict(QStringLiteral("There is nobody to keep this person apart from"),
                            QStringLiteral("nobody_to_separate"));
        // The other person's block of the reported one: they never meet again (matching's
        // safety filter), and what they shared ends now. Neither can lift it.
        Result<BlockRecord> block =
            blockInTransaction(*other, r.reportedUserId, QStringLiteral("moderation_action"), true);
        if (!block)
            return block.error();
    }
    if (action == QLatin1String("manual_review")) {
        Result<AppliedSignal> applied = m_trust.applySignal(
            r.reportedUserId, TrustSignal::manualReview(request.trustDelta, now), id, staff.userId);
        if (!applied)
            return applied.error();
    } else if (action != QLatin1String("dismiss")) {
        const std::optional<TrustSignal::Severity> severity =
            TrustSignal::severityFromName(r.severity);
        if (!severity)
            return AppError::internal();
        Result<AppliedSignal> applied = m_trust.applySignal(
            r.reportedUserId, TrustSignal::reportConfirmed(*severity, now), id, staff.userId);
        if (!applied)
            return applied.error();
    }
    if (action == QLatin1String("warn") || action == QLatin1String("restrict")) {
        // The person is told, in words, and must acknowledge it (GET /api/me/notices); a
        // socket open now hears it at once, and it is kept for notices.resume.
        ModerationNotice notice;
        notice.id = Sql::newId();
        notice.userId = r.reportedUserId;
        notice.reportId = id;
        notice.kind = action;
        notice.restrictedUntil = restrictedUntil;
        notice.createdAt = now;
        notice.message = action == QLatin1String("warn")
            ? QStringLiteral("A moderator reviewed a report about your behaviour and is warning "
                             "you: please keep to the community rules. Further reports may lead "
                             "to a restriction or a ban.")
            : QStringLiteral("A moderator reviewed a report about your behaviour and restricted "
                             "your account until %1: you can sign in and read, but not queue or "
                             "chat.")
                  .arg(toWireTime(restrictedUntil));
        if (Status s = m_repository.insertNotice(notice); !s)
            return s.error();
        m_notifier.publishDurable(
            r.reportedUserId,
            QJsonObject {{QStringLiteral("type"), QStringLiteral("moderation.notice")},
                         {QStringLiteral("notice"), noticeToJson(notice)}});
    }
    if (Status s = m_repository.resolveReport(
            id, action, request.note, staff.userId, now, restrictedUntil,
            action == QLatin1String("manual_review") ? request.trustDelta : 0);
        !s)
        return s.error();
    // The action, never the moderator's note.
    if (Status s = recordAboutReport(event::ReportActioned, id, staff.userId,
                                     {{QStringLiteral("action"), request.action},
                                      {QStringLiteral("severity"), r.severity},
                                      {QStringLiteral("reason_code"), r.reasonCode}});
        !s)
        return s.error();
    QJsonObject auditDetails {{QStringLiteral("action"), request.action},
                              {QStringLiteral("reported_user_id"), r.reportedUserId},
                              {QStringLiteral("source"), r.source}};
    if (restrictedUntil.isValid())
        auditDetails.insert(QStringLiteral("restricted_until"), toWireTime(restrictedUntil));
    if (action == QLatin1String("manual_review"))
        auditDetails.insert(QStringLiteral("trust_delta"), request.trustDelta);
    if (Status s = m_admin.record(staff, QStringLiteral("report.action"), QStringLiteral("report"),
                                  id, request.note, auditDetails);
        !s)
        return s.error();
    Result<std::optional<admin::Report>> after = m_repository.findReport(id, now);
    if (!after)
        return after.error();
    if (Status alerted = raiseAlert(QStringLiteral("report.resolved"), **after); !alerted)
        return alerted.error();
    if (!tx.commit())
        return databaseUnavailable();
    return **after;
}

Status SafetyService::raiseAlert(const QString &kind, const QString &reportId,
                                 const QString &source, const QString &severity,
                                 const QString &status, const QString &reasonCode) const
{
    StaffAlert alert {0,        kind,   reportId,   source,
                      severity, status, reasonCode, QDateTime::currentDateTimeUtc()};
    Result<qint64> id = m_repository.insertAlert(alert);
    if (!id)
        return id.error();
    alert.id = *id;
    Transaction::afterCommit([this, frame = staffAlertToJson(alert)] {
        m_notifier.publishToFeed(QString(kStaffFeed), frame);
    });
    return Ok {};
}

Status SafetyService::raiseAlert(const QString &kind, const admin::Report &report) const
{
    return raiseAlert(kind, report.id, report.source, report.severity, report.status,
                      report.reasonCode);
}

Result<StaffAlertReplay> SafetyService::staffAlertsAfter(std::optional<qint64> afterId) const
{
    StaffAlertReplay replay;
    Result<qint64> last = m_repository.lastAlertId();
    if (!last)
        return last.error();
    replay.lastId = *last;
    if (!afterId)
        return replay;
    Result<QList<StaffAlert>> alerts = m_repository.alertsAfter(*afterId, kMaxAlertReplay + 1);
    if (!alerts)
        return alerts.error();
    replay.more = alerts->size() > kMaxAlertReplay;
    if (replay.more)
        alerts->removeLast();
    replay.alerts = std::move(*alerts);
    return replay;
}

Result<int> SafetyService::purgeAlerts(const QDateTime &now) const
{
    return m_repository.purgeAlerts(now.addDays(-kAlertRetentionDays), 5000);
}

Result<QString> SafetyService::raiseRulesItem(const QString &reportedUserId,
                                              const QString &conversationId,
                                              const QString &reasonCode, const QString &severity,
                                              const QString &evidenceMessageId,
                                              const QString &kind) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    ReportRecord item;
    item.id = Sql::newId();
    item.source = QStringLiteral("rules");
    item.reportedUserId = reportedUserId;
    item.conversationSessionId = conversationId;
    item.reasonCode = reasonCode;
    item.severity = severity;
    item.status = QStringLiteral("open");
    item.evidenceMessageId = evidenceMessageId;
    item.createdAt = now;
    item.updatedAt = now;
    if (Status inserted = m_repository.insertReport(item); !inserted)
        return inserted.error();
    // The codes only: never the message.
    if (Status recorded =
            recordAboutReport(event::ModerationFlagged, item.id, {},
                              {{QStringLiteral("severity"), severity},
                               {QStringLiteral("reason_code"), reasonCode},
                               {QStringLiteral("trigger"), kind},
                               {QStringLiteral("about_conversation"), !conversationId.isEmpty()}});
        !recorded)
        return recorded.error();
    if (Status alerted = raiseAlert(QStringLiteral("moderation.flagged"), item.id, item.source,
                                    severity, item.status, reasonCode);
        !alerted)
        return alerted.error();
    return item.id;
}

Status SafetyService::recordRuleVerdict(const RuleVerdict &verdict) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (verdict.blocked) {
        if (Status kept = m_repository.insertBlockedMessage(Sql::newId(), verdict, now); !kept)
            return kept;
    }
    // One unresolved item per sender, conversation and label: the rest are in its evidence.
    Result<QString> open =
        m_repository.openRulesItem(verdict.senderUserId, verdict.conversationId, verdict.label);
    if (!open)
        return open.error();
    if (open->isEmpty()) {
        Result<QString> raised =
            raiseRulesItem(verdict.senderUserId, verdict.conversationId, verdict.label,
                           ReportPolicy::ruleItemSeverity(verdict.label, verdict.blocked),
                           verdict.blocked ? QString() : verdict.messageId,
                           verdict.blocked ? QStringLiteral("blocked") : QStringLiteral("flagged"));
        if (!raised)
            return raised.error();
    }
    if (!verdict.blocked)
        return Ok {};
    // Trying again and again, anywhere: an item about the person.
    Result<int> recent = m_repository.blockedSince(
        verdict.senderUserId, now.addSecs(-60LL * m_settings.repeatedBlocksMinutes));
    if (!recent)
        return recent.error();
    if (*recent < m_settings.repeatedBlocksCount)
        return Ok {};
    Result<QString> repeated =
        m_repository.openRulesItem(verdict.senderUserId, {}, ReportPolicy::kRepeatedBlocksReason);
    if (!repeated)
        return repeated.error();
    if (!repeated->isEmpty())
        return Ok {};
    Result<QString> raised =
        raiseRulesItem(verdict.senderUserId, {}, ReportPolicy::kRepeatedBlocksReason,
                       ReportPolicy::ruleItemSeverity(ReportPolicy::kRepeatedBlocksReason, true),
                       {}, ReportPolicy::kRepeatedBlocksReason);
    if (!raised)
        return raised.error();
    return Ok {};
}

Result<int> SafetyService::purgeBlockedMessages(const QDateTime &before) const
{
    return m_repository.purgeBlockedMessages(before);
}

Result<QString> SafetyService::otherPartyOf(const admin::Report &report) const
{
    if (!report.reporterUserId.isEmpty())
        return report.reporterUserId;
    if (report.conversationSessionId.isEmpty() || !m_ports.peerInConversation)
        return QString();
    Result<ConversationPeer> peer =
        m_ports.peerInConversation(report.conversationSessionId, report.reportedUserId);
    if (!peer && peer.error().code == ErrorCode::NotFound)
        return QString();
    if (!peer)
        return peer.error();
    return peer->userId;
}

Result<QList<ModerationNotice>> SafetyService::notices(const QString &userId,
                                                       bool pendingOnly) const
{
    return m_repository.notices(userId, pendingOnly);
}

Result<ModerationNotice> SafetyService::acknowledgeNotice(const QString &userId,
                                                          const QString &id) const
{
    if (!validation::isUuid(id))
        return AppError::notFound(QStringLiteral("No such notice"));
    Result<std::optional<ModerationNotice>> notice =
        m_repository.acknowledgeNotice(userId, id, QDateTime::currentDateTimeUtc());
    if (!notice)
        return notice.error();
    if (!*notice)
        return AppError::notFound(QStringLiteral("No such notice"));
    return **notice;
}

namespace {

/// The value below which `share` of `sorted` lies (nearest rank); 0 for none.
double percentile(const QList<double> &sorted, double share)
{
    if (sorted.isEmpty())
        return 0;
    const auto rank = qsizetype(std::ceil(share * double(sorted.size())));
    return sorted.at(std::clamp<qsizetype>(rank - 1, 0, sorted.size() - 1));
}

} // namespace

Result<admin::ReportMetrics> SafetyService::reportMetrics(int windowHours) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<QList<SafetyRepository::ReportTiming>> timings =
        m_repository.reportTimings(now.addSecs(-3600LL * windowHours));
    if (!timings)
        return timings.error();
    admin::ReportMetrics metrics;
    metrics.windowHours = windowHours;
    metrics.generatedAt = now;
    for (const QString &severity : {QStringLiteral("critical"), QStringLiteral("high"),
                                    QStringLiteral("medium"), QStringLiteral("low")}) {
        QList<double> claims;
        QList<double> resolutions;
        admin::ReportTimes times;
        times.severity = severity;
        for (const SafetyRepository::ReportTiming &t : std::as_const(*timings)) {
            if (t.severity != severity)
                continue;
            if (t.claimedInWindow && t.claimSeconds >= 0)
                claims.append(t.claimSeconds);
            if (t.resolvedInWindow && t.resolveSeconds >= 0)
                resolutions.append(t.resolveSeconds);
            times.open += t.open ? 1 : 0;
        }
        std::sort(claims.begin(), claims.end());
        std::sort(resolutions.begin(), resolutions.end());
        times.claimed = int(claims.size());
        times.claimP50Seconds = percentile(claims, 0.5);
        times.claimP95Seconds = percentile(claims, 0.95);
        times.resolved = int(resolutions.size());
        times.resolveP50Seconds = percentile(resolutions, 0.5);
        times.resolveP95Seconds = percentile(resolutions, 0.95);
        metrics.severities.append(times);
    }
    return metrics;
}

} // namespace fp
