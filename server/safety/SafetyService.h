#pragma once

// The safety domain: blocks (which end what the pair shares: a BlockCreated event tells the
// friendship and conversation domains), reports (severity from the catalog, duplicates refused,
// floods limited, reporters never disclosed to the reported), what moderation needs to know
// for matching and chat, items the chat rules raise (flagged and blocked messages, repeated
// blocks), and the staff's report queue (escalation, claims, the actions with their real
// effects and the notices they send, every read and action audit-logged, alerts to staff
// sockets, handling times). No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "server/base/Caller.h"
#include "server/base/DomainEvents.h"
#include "server/safety/SafetyPorts.h"
#include "server/safety/SafetyRepository.h"
#include "server/storage/Database.h"

#include <memory>

namespace fp {

class AdminService;
class Catalog;
class IdentityService;
class TrustService;
class UserNotifier;

struct SafetySettings
{
    int escalationMinutes = 15; // unclaimed critical reports escalate after this long
    int highEscalationMinutes = 60; // unclaimed high reports escalate after this long
    int claimMinutes = 30; // how long a moderator's claim lasts
    int repeatedBlocksCount = 3; // this many blocked messages by one person...
    int repeatedBlocksMinutes = 10; // ...within this long raise an item of their own
};

/// The answer to `staff.subscribe`: the alerts after the id asked for, oldest first.
struct StaffAlertReplay
{
    QList<StaffAlert> alerts;
    qint64 lastId = 0; // the newest alert kept (0: none)
    bool more = false; // more followed than were replayed
};

class SafetyService
{
public:
    SafetyService(const SafetyRepository &repository, const Catalog &catalog,
                  const IdentityService &identity, const TrustService &trust,
                  const AdminService &admin, const DomainEvents &events, UserNotifier &notifier,
                  SafetySettings settings);
    ~SafetyService();
    void connect(SafetyPorts ports) { m_ports = std::move(ports); }

    Result<BlockRecord> block(const QString &userId, const QString &blockedUserId) const;
    /// Lifts the block the caller sees as `shownId` (GET /api/blocks' blocked_user_id).
    Status unblock(const QString &userId, const QString &shownId) const;
    Result<Page<BlockRecord>> blocks(const QString &userId, const PageRequest<> &page) const;
    Result<ReportRecord> report(const QString &userId, const ReportInput &input) const;
    Result<Page<ReportRecord>> myReports(const QString &userId, const PageRequest<> &page) const;

    /// A block made inside the caller's transaction (a panic exit): an existing block stays as
    /// it is. Announces BlockCreated either way, so what the pair shares ends.
    Result<BlockRecord> blockFromPanicExit(const QString &userId, const QString &peerId) const;
    /// A panic exit's report about a conversation, inside the caller's transaction: the
    /// reporter's existing report about it raised to at least `severity`, or a new one.
    Result<ReportRecord> reportFromPanicExit(const QString &userId, const QString &peerId,
                                             const QString &conversationId,
                                             const QString &reasonCode,
                                             const QString &detailsText) const;

    /// May these two message or be matched? True when either blocked the other. Fails closed:
    /// when the database cannot answer it says true (and logs why), so an outage never lets a
    /// blocked person through. Inside a transaction the answer holds until it ends: a block
    /// between the two made meanwhile waits for it, and one being made is waited for.
    bool blockedEitherWay(const QString &userA, const QString &userB) const;
    /// blockedEitherWay() as a condition another domain can ask inside its own statement.
    static PairCondition blockedEitherWayCondition();
    /// Every block among (either side in) `userIds`, as (blocker, blocked).
    Result<QList<QPair<QString, QString>>> blocksInvolving(const QStringList &userIds) const;
    /// Which of `userIds` have an open report against them.
    Result<QSet<QString>> withOpenReports(const QStringList &userIds) const;
    /// Reports about and by each of `userIds`.
    Result<QHash<QString, ReportCounts>> reportCounts(const QStringList &userIds) const;
    /// Conversations whose messages are evidence in an open or triaged report.
    Result<QStringList> conversationsUnderReview() const;

    /// The staff queue. Escalation is computed when the queue is read: overdue critical
    /// reports are marked first.
    Result<Page<admin::Report, int>> reports(const ReportFilter &filter,
                                             const PageRequest<int> &page) const;
    Result<admin::ReportDetail> reportDetail(const Caller &staff, const QString &id) const;
    Result<admin::Report> claim(const Caller &staff, const QString &id) const;
    Result<admin::Report> act(const Caller &staff, const QString &id,
                              const admin::ReportActionRequest &request) const;
    /// GET /api/admin/reports/metrics: time to first claim and to resolution by severity.
    Result<admin::ReportMetrics> reportMetrics(int windowHours) const;

    /// The staff feed's name (realtime/Gateway::registerFeed) and its frame types.
    static constexpr QLatin1StringView kStaffFeed {"staff"};
    /// Alerts after `afterId` (nullopt: none, only where the feed stands), at most
    /// kMaxAlertReplay.
    Result<StaffAlertReplay> staffAlertsAfter(std::optional<qint64> afterId) const;
    static constexpr int kMaxAlertReplay = 200;
    static constexpr int kAlertRetentionDays = 7;
    /// Deletes alerts older than kAlertRetentionDays (the outbox_purge job).
    Result<int> purgeAlerts(const QDateTime &now) const;

    /// What the chat rules decided about a message, inside the transaction that stores (or
    /// refuses) it: a flagged message becomes an item with the rule's label (one per sender,
    /// conversation and label while unresolved); a blocked one is kept as evidence, raises an
    /// item the same way, and enough of them from one person in a short time raise an item
    /// about the person (SafetySettings). Each new item is recorded (moderation.flagged) and
    /// alerts staff.
    Status recordRuleVerdict(const RuleVerdict &verdict) const;
    /// Blocked messages older than `before` that no unresolved report needs (message_retention).
    Result<int> purgeBlockedMessages(const QDateTime &before) const;

    /// The person's moderation notices (warnings, restrictions), newest first.
    Result<QList<ModerationNotice>> notices(const QString &userId, bool pendingOnly) const;
    /// Acknowledges one of the person's notices (again: as it stands); 404 when not theirs.
    Result<ModerationNotice> acknowledgeNotice(const QString &userId, const QString &id) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }

    /// The moderation timers (the report_escalation job; listing reports runs them too):
    /// unclaimed critical and high reports older than their escalation time are marked
    /// escalated, and claims that ran out are given up, so the report is back in the queue
    /// for everyone. Each is recorded (report.escalated, report.claim_expired).
    Status escalateOverdue(const QDateTime &now) const;

private:
    class FloodGuard;
    /// Staff may not claim or act on a report they filed or one about themselves: rolls `tx`
    /// back, records the attempt in the audit log once the rollback is done, and says why.
    std::optional<AppError> refuseOwnInterest(const Caller &staff, const admin::Report &report,
                                              const QString &attempted, Transaction &tx) const;
    /// Blocks inside the caller's transaction and announces it. With `keepExisting`, an
    /// existing block is returned as is; otherwise it is a conflict.
    Result<BlockRecord> blockInTransaction(const QString &blockerId, const QString &blockedId,
                                           const QString &source, bool keepExisting) const;
    Result<admin::Report> lockUnresolvedReport(const QString &id, const QDateTime &now) const;
    Result<admin::UserBrief> briefOf(const QString &userId) const;
    /// Keeps an alert about `report` in the caller's transaction and sends it to every staff
    /// socket after the commit.
    Status raiseAlert(const QString &kind, const QString &reportId, const QString &source,
                      const QString &severity, const QString &status,
                      const QString &reasonCode) const;
    Status raiseAlert(const QString &kind, const admin::Report &report) const;
    /// A new item of the rules (a reporter-less report), recorded and alerted.
    Result<QString> raiseRulesItem(const QString &reportedUserId, const QString &conversationId,
                                   const QString &reasonCode, const QString &severity,
                                   const QString &evidenceMessageId, const QString &kind) const;
    /// The person a `separate` keeps apart from the reported one: the reporter, or the peer in
    /// the conversation of an item; empty when there is none.
    Result<QString> otherPartyOf(const admin::Report &report) const;

    const SafetyRepository &m_repository;
    const Catalog &m_catalog;
    const IdentityService &m_identity;
    const TrustService &m_trust;
    const AdminService &m_admin;
    const DomainEvents &m_events;
    UserNotifier &m_notifier;
    SafetySettings m_settings;
    SafetyPorts m_ports;
    std::unique_ptr<FloodGuard> m_floodGuard;
};

} // namespace fp
