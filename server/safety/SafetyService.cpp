#include "server/safety/SafetyService.h"

#include "common/Time.h"
#include "server/conversation/ConversationLifecycle.h"
#include "server/core/Log.h"
#include "server/friendship/FriendshipService.h"
#include "server/profile/Catalog.h"
#include "server/safety/ReportPolicy.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"

#include <QHash>
#include <QMutex>
#include <QUuid>

namespace fp {

namespace {

AppError noSuchUser()
{
    return AppError::notFound(QStringLiteral("No such user"));
}

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
}

class Problems
{
public:
    void add(const QString &path, const QString &what)
    {
        if (!m_fields.contains(path))
            m_fields.insert(path, what);
    }
    bool empty() const { return m_fields.isEmpty(); }
    AppError error() const { return AppError::validation(m_fields); }

    /// Flags members not in `known`.
    void onlyKnown(const QJsonObject &o, const QStringList &known)
    {
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!known.contains(it.key()))
                add(it.key(), QStringLiteral("is not a known field"));
        }
    }

private:
    QJsonObject m_fields;
};

QString uuidMember(const QJsonObject &o, const QString &name, bool required, Problems &p)
{
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            p.add(name, QStringLiteral("is required"));
        return {};
    }
    if (!v.isString() || !isUuid(v.toString())) {
        p.add(name, QStringLiteral("must be a lowercase UUID"));
        return {};
    }
    return v.toString();
}

/// A catalog report reason, or empty (and a problem) when present but not one.
QString reasonMember(const QJsonObject &o, bool required, Problems &p)
{
    const QString name = QStringLiteral("reason_code");
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            p.add(name, QStringLiteral("is required"));
        return {};
    }
    if (!v.isString() || !Catalog::shared().containsReportReason(v.toString())) {
        p.add(name, QStringLiteral("must be a report reason of GET /api/catalog"));
        return {};
    }
    return v.toString();
}

QString detailsMember(const QJsonObject &o, Problems &p)
{
    const QString name = QStringLiteral("details_text");
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull())
        return {};
    if (!v.isString()) {
        p.add(name, QStringLiteral("must be a string"));
        return {};
    }
    const QString text = v.toString().trimmed();
    if (text.size() > ReportPolicy::kMaxDetailsLength || !text.isValidUtf16()) {
        p.add(name,
              QStringLiteral("must be at most %1 characters").arg(ReportPolicy::kMaxDetailsLength));
        return {};
    }
    return text;
}

/// At most ReportPolicy::kReportsPerHour reports per user per clock hour, counted in Redis so
/// every instance shares the budget; while Redis is down, counted in this process instead
/// (per instance: a little more lenient across instances, never unlimited).
class ReportFloodGuard
{
public:
    static ReportFloodGuard &instance()
    {
        static ReportFloodGuard guard;
        return guard;
    }

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

/// Blocks `blockedId` for `blockerId` inside the caller's transaction, ending their friendship
/// and open conversations. With `keepExisting`, an existing block is returned as is (a panic
/// exit after a manual block); otherwise it is a conflict.
Result<BlockRecord> blockInTransaction(const SafetyRepository &repository, const QString &blockerId,
                                       const QString &blockedId, const QString &source,
                                       bool keepExisting)
{
    Result<std::optional<BlockRecord>> existing = repository.findBlock(blockerId, blockedId);
    if (!existing)
        return existing.error();
    BlockRecord block;
    if (*existing && keepExisting) {
        block = **existing;
    } else {
        block = BlockRecord {Sql::newId(), blockerId, blockedId, source,
                             QDateTime::currentDateTimeUtc()};
        if (Status inserted = repository.insertBlock(block); !inserted)
            return inserted.error();
    }
    Result<bool> ended = FriendshipService().endBetween(
        blockerId, blockedId, blockerId,
        source == QLatin1String("panic_exit") ? source : QStringLiteral("blocked"));
    if (!ended)
        return ended.error();
    Result<QStringList> closed = conversation::closeConversationsBetween(
        blockerId, blockedId, conversation::CloseReason::UserEnd);
    if (!closed)
        return closed.error();
    return block;
}

} // namespace

namespace SafetyRules {

Result<QString> parseBlockedUserId(const QJsonValue &body)
{
    Problems p;
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return p.error();
    }
    const QJsonObject o = body.toObject();
    p.onlyKnown(o, {QStringLiteral("blocked_user_id")});
    const QString id = uuidMember(o, QStringLiteral("blocked_user_id"), true, p);
    if (!p.empty())
        return p.error();
    return id;
}

Result<ReportInput> parseReport(const QJsonValue &body)
{
    Problems p;
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return p.error();
    }
    const QJsonObject o = body.toObject();
    p.onlyKnown(o,
                {QStringLiteral("reported_user_id"), QStringLiteral("conversation_session_id"),
                 QStringLiteral("reason_code"), QStringLiteral("details_text")});
    ReportInput input;
    input.reportedUserId = uuidMember(o, QStringLiteral("reported_user_id"), false, p);
    input.conversationSessionId =
        uuidMember(o, QStringLiteral("conversation_session_id"), false, p);
    const auto given = [&o](const char *name) {
        const QJsonValue v = o.value(QLatin1String(name));
        return !v.isUndefined() && !v.isNull();
    };
    if (!given("reported_user_id") && !given("conversation_session_id"))
        p.add(QStringLiteral("reported_user_id"),
              QStringLiteral("is required unless conversation_session_id is given"));
    input.reasonCode = reasonMember(o, true, p);
    input.detailsText = detailsMember(o, p);
    if (!p.empty())
        return p.error();
    return input;
}

Result<PanicExitInput> parsePanicExit(const QJsonValue &body)
{
    Problems p;
    if (body.isUndefined() || body.isNull())
        return PanicExitInput {};
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return p.error();
    }
    const QJsonObject o = body.toObject();
    p.onlyKnown(o, {QStringLiteral("reason_code"), QStringLiteral("details_text")});
    PanicExitInput input;
    input.reasonCode = reasonMember(o, false, p);
    input.detailsText = detailsMember(o, p);
    if (!p.empty())
        return p.error();
    return input;
}

} // namespace SafetyRules

Result<BlockRecord> SafetyService::block(const QString &userId, const QString &blockedUserId) const
{
    if (blockedUserId == userId)
        return AppError::validation(
            {{QStringLiteral("blocked_user_id"), QStringLiteral("must not be yourself")}});
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<bool> known = m_repository.sharesMatchOrFriendship(userId, blockedUserId);
    if (!known)
        return known.error();
    if (!*known)
        return noSuchUser();
    Result<BlockRecord> block =
        blockInTransaction(m_repository, userId, blockedUserId, QStringLiteral("manual"), false);
    if (!block)
        return block.error();
    if (!tx.commit())
        return databaseUnavailable();
    return block;
}

Status SafetyService::unblock(const QString &userId, const QString &blockedUserId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<BlockRecord>> block = m_repository.findBlock(userId, blockedUserId);
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

Result<KeysetPage<BlockRecord>>
SafetyService::blocks(const QString &userId, int limit,
                      const std::optional<KeysetCursor> &after) const
{
    return m_repository.listBlocks(userId, limit, after);
}

Result<ReportRecord> SafetyService::report(const QString &userId, const ReportInput &input) const
{
    const std::optional<QString> severity =
        ReportPolicy::severityFor(input.reasonCode, Catalog::shared());
    if (!severity) // parseReport checked it: a catalog without severities is a build mistake
        return AppError::internal();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    QString reported = input.reportedUserId;
    if (!input.conversationSessionId.isEmpty()) {
        Result<QString> peer = conversation::peerOf(input.conversationSessionId, userId);
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
        Result<bool> known = m_repository.sharesMatchOrFriendship(userId, reported);
        if (!known)
            return known.error();
        if (!*known)
            return noSuchUser();
        Result<bool> pending = m_repository.hasOpenReportWithoutConversation(userId, reported);
        if (!pending)
            return pending.error();
        if (*pending) {
            AppError conflict = AppError::conflict(
                QStringLiteral("You already have an open report about this user"));
            conflict.details = {{QStringLiteral("reason"), QStringLiteral("already_reported")}};
            return conflict;
        }
    }
    if (const int retryAfter = ReportFloodGuard::instance().spend(userId); retryAfter > 0) {
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
    if (!tx.commit())
        return databaseUnavailable();
    return report;
}

Result<KeysetPage<ReportRecord>>
SafetyService::myReports(const QString &userId, int limit,
                         const std::optional<KeysetCursor> &after) const
{
    return m_repository.listReportsBy(userId, limit, after);
}

Result<PanicExitResult> SafetyService::panicExit(const QString &userId,
                                                 const QString &conversationId,
                                                 const PanicExitInput &input) const
{
    // Nothing here touches Redis: the database part must succeed during a Redis outage. The
    // peer's conversation.closed frame is sent by the conversation domain after the commit.
    const QString reason =
        input.reasonCode.isEmpty() ? ReportPolicy::kPanicExitReason : input.reasonCode;
    const QString severity = ReportPolicy::panicExitSeverity(input.reasonCode, Catalog::shared());
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QString> peer = conversation::peerOf(conversationId, userId);
    if (!peer)
        return peer.error();

    // Closed first (with its own reason), so the block's sweep finds nothing left to close.
    // Only an open one is handed over: closeConversation on a closed or revealed conversation
    // leaves its joined transaction uncommitted, which would doom ours.
    Result<std::optional<ConversationSummary>> before =
        m_repository.conversationSummary(conversationId, true);
    if (!before)
        return before.error();
    if (*before &&
        ((*before)->state == QLatin1String("anonymous") ||
         (*before)->state == QLatin1String("decision_gate"))) {
        Result<bool> closed = conversation::closeConversation(
            conversationId, conversation::CloseReason::PanicExit, userId);
        if (!closed)
            return closed.error();
    }
    Result<BlockRecord> block =
        blockInTransaction(m_repository, userId, *peer, QStringLiteral("panic_exit"), true);
    if (!block)
        return block.error();

    PanicExitResult result;
    Result<std::optional<ReportRecord>> existing =
        m_repository.findConversationReport(userId, *peer, conversationId);
    if (!existing)
        return existing.error();
    if (*existing) {
        // Already reported about this conversation: the one report stands, at least as severe.
        result.report = **existing;
        const QString raised = ReportPolicy::moreSevere(result.report.severity, severity);
        if (raised != result.report.severity) {
            if (Status updated = m_repository.raiseSeverity(result.report.id, raised); !updated)
                return updated.error();
            result.report.severity = raised;
        }
    } else {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        result.report = ReportRecord {Sql::newId(), userId,
                                      *peer,        conversationId,
                                      reason,       input.detailsText,
                                      severity,     QStringLiteral("open"),
                                      now,          now};
        if (Status inserted = m_repository.insertReport(result.report); !inserted)
            return inserted.error();
    }

    if (Status left = leaveQueueIfQueued(userId); !left)
        return left.error();
    Result<std::optional<ConversationSummary>> summary =
        m_repository.conversationSummary(conversationId);
    if (!summary)
        return summary.error();
    if (!*summary)
        return AppError::notFound(QStringLiteral("No such conversation"));
    result.conversation = **summary;
    if (!tx.commit())
        return databaseUnavailable();
    log::info(QStringLiteral("panic_exit"),
              {{QStringLiteral("conversation_id"), conversationId},
               {QStringLiteral("report_id"), result.report.id},
               {QStringLiteral("severity"), result.report.severity}});
    return result;
}

QJsonObject blockToJson(const BlockRecord &block)
{
    return QJsonObject {{QStringLiteral("id"), block.id},
                        {QStringLiteral("blocked_user_id"), block.blockedUserId},
                        {QStringLiteral("source"), block.source},
                        {QStringLiteral("created_at"), toWireTime(block.createdAt)}};
}

QJsonObject reportCreatedToJson(const ReportRecord &report)
{
    return QJsonObject {{QStringLiteral("id"), report.id},
                        {QStringLiteral("severity"), report.severity},
                        {QStringLiteral("status"), report.status}};
}

QJsonObject myReportToJson(const ReportRecord &report)
{
    return QJsonObject {{QStringLiteral("id"), report.id},
                        {QStringLiteral("reason_code"), report.reasonCode},
                        {QStringLiteral("severity"), report.severity},
                        {QStringLiteral("status"), report.status},
                        {QStringLiteral("created_at"), toWireTime(report.createdAt)},
                        {QStringLiteral("updated_at"), toWireTime(report.updatedAt)}};
}

QJsonObject panicExitToJson(const PanicExitResult &result)
{
    const ConversationSummary &c = result.conversation;
    return QJsonObject {{QStringLiteral("conversation"),
                         QJsonObject {{QStringLiteral("id"), c.id},
                                      {QStringLiteral("state"), c.state},
                                      {QStringLiteral("close_reason"),
                                       c.closeReason.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                               : QJsonValue(c.closeReason)},
                                      {QStringLiteral("closed_at"),
                                       c.closedAt.isValid() ? QJsonValue(toWireTime(c.closedAt))
                                                            : QJsonValue(QJsonValue::Null)}}},
                        {QStringLiteral("report"), reportCreatedToJson(result.report)}};
}

} // namespace fp
