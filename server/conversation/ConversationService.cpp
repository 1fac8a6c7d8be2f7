#include "server/conversation/ConversationService.h"

#include "common/Time.h"
#include "server/base/Log.h"
#include "server/base/UserNotifier.h"
#include "server/base/Validation.h"
#include "server/conversation/ConversationJson.h"
#include "server/conversation/ConversationRules.h"
#include "server/engagement/EngagementService.h"
#include "server/events/Outbox.h"
#include "server/friendship/FriendshipService.h"
#include "server/matching/MatchingEvents.h"
#include "server/matching/MatchingService.h"
#include "server/profile/ProfileService.h"
#include "server/safety/SafetyService.h"
#include "server/storage/Database.h"

namespace fp {

using namespace ConversationRules;

namespace {

Status recordAboutConversation(EventType type, const ConversationRow &row,
                               const QString &actorUserId, QJsonObject payload)
{
    payload.insert(QStringLiteral("match_id"), row.matchSessionId);
    return Outbox::record({.type = type,
                           .subjectType = QLatin1StringView("conversation"),
                           .subjectId = row.id,
                           .actorUserId = actorUserId,
                           .payload = std::move(payload),
                           .occurredAt = {}});
}

} // namespace

ConversationService::ConversationService(
    const ConversationRepository &repository, const MatchingService &matching,
    const FriendshipService &friendships, const SafetyService &safety,
    const ProfileService &profiles, const EngagementService &engagement,
    const ModerationRules &rules, UserNotifier &notifier, ConversationSettings settings)
    : m_repository(repository), m_matching(matching), m_friendships(friendships), m_safety(safety),
      m_profiles(profiles), m_engagement(engagement), m_rules(rules), m_notifier(notifier),
      m_settings(settings),
      m_writer(std::make_unique<MessageWriter>(
          repository,
          [this](const QString &text, const QStringList &receiverTopics, bool revealed) {
              return moderate(text, receiverTopics, revealed);
          },
          [this](const MessageRow &message, const QString &receiverId) {
              m_notifier.publishTextToUser(
                  receiverId, ConversationJson::chatMessageFrameText(message, receiverId));
              m_notifier.publishTextToUser(
                  message.senderUserId,
                  ConversationJson::chatMessageFrameText(message, message.senderUserId));
          },
          [this](const RuleVerdict &verdict) { return m_safety.recordRuleVerdict(verdict); }))
{ }

ConversationService::~ConversationService() = default;

ModerationVerdict ConversationService::moderate(const QString &text,
                                                const QStringList &receiverTopics,
                                                bool revealed) const
{
    ModerationVerdict verdict = m_rules.check(text, receiverTopics);
    // Once revealed, friends may swap phone numbers and handles.
    if (revealed && onlyContactInfo(verdict))
        verdict = ModerationVerdict {};
    return verdict;
}

void ConversationService::publishAfterCommit(const QString &userId, const QJsonObject &frame) const
{
    Transaction::afterCommit([this, userId, frame] { m_notifier.publishToUser(userId, frame); });
}

void ConversationService::publishDurably(const QString &userId, const QJsonObject &frame) const
{
    m_notifier.publishDurable(userId, frame);
}

Result<ConversationRow> ConversationService::participantRow(const QString &conversationId,
                                                            const QString &userId,
                                                            bool forUpdate) const
{
    if (!validation::isUuid(conversationId))
        return notFoundError();
    Result<std::optional<ConversationRow>> row = m_repository.find(conversationId, forUpdate);
    if (!row)
        return row.error();
    if (!row->has_value() || !(*row)->isParticipant(userId))
        return notFoundError();
    return **row;
}

Result<ConversationRow> ConversationService::openRowForUpdate(const QString &conversationId,
                                                              const QString &userId) const
{
    Result<ConversationRow> row = participantRow(conversationId, userId, true);
    if (row && !row->isOpen())
        return closedError();
    return row;
}

GateView ConversationService::gateView(const ConversationRow &row, int gate) const
{
    GateView view;
    view.gateMinute = gate * 10;
    view.opensAt = gateOpensAt(row.startedAt, gate, m_settings.gateIntervalSeconds);
    view.closesAt = gateClosesAt(row.startedAt, gate, m_settings.gateIntervalSeconds);
    if (gate < row.gatesResolved)
        view.outcome = QStringLiteral("continued");
    else if (gate == row.gatesResolved)
        view.outcome = row.lastGateOutcome;
    return view;
}

Result<ConversationView> ConversationService::viewOf(const ConversationRow &row,
                                                     const QString &viewerId) const
{
    Result<QList<GateDecisionRow>> decisions = m_repository.decisions(row.id);
    if (!decisions)
        return decisions.error();
    ConversationView view;
    view.row = row;
    for (int gate = 1; gate <= kGateCount; ++gate) {
        GateView g = gateView(row, gate);
        for (const GateDecisionRow &d : *decisions) {
            if (d.gateMinute != gate * 10)
                continue;
            if (d.userId == viewerId)
                g.myDecision = d.decision;
            else
                g.peerDecided = true;
        }
        view.gates.append(g);
    }
    if (row.state == QLatin1String("revealed")) {
        Result<QString> id = m_friendships.friendshipIdOf(row.userA, row.userB);
        if (!id)
            return id.error();
        view.friendshipId = *id;
    }
    return view;
}

Result<bool> ConversationService::closeLocked(const ConversationRow &row, CloseReason reason,
                                              const QString &actorUserId) const
{
    const QString reasonName = closeReasonName(reason);
    Result<bool> closed = m_repository.close(row, reasonName, QDateTime::currentDateTimeUtc());
    if (!closed || !*closed)
        return closed;
    // A revealed match stays one (its friendship is history): only a match that never got
    // that far ends.
    if (row.state != QLatin1String("revealed")) {
        if (Status ended = m_matching.markEnded(row.matchSessionId); !ended)
            return ended.error();
    }
    if (Status recorded =
            recordAboutConversation(event::ConversationClosed, row, actorUserId,
                                    {{QStringLiteral("reason"), reasonName},
                                     {QStringLiteral("state_before"), row.state},
                                     {QStringLiteral("gates_resolved"), row.gatesResolved}});
        !recorded)
        return recorded.error();
    publishDurably(row.userA, ConversationJson::closedFrame(row.id, reasonName));
    publishDurably(row.userB, ConversationJson::closedFrame(row.id, reasonName));
    return true;
}

Result<bool> ConversationService::closeConversation(const QString &conversationId,
                                                    CloseReason reason,
                                                    const QString &actorUserId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<ConversationRow>> row = m_repository.find(conversationId, true);
    if (!row)
        return row.error();
    if (!row->has_value() || !(*row)->isOpen()) {
        // Nothing to do is not a failure: commit (a no-op) so a caller's transaction that this
        // one joined is not doomed by an implicit rollback.
        if (!tx.commit())
            return databaseUnavailable();
        return false;
    }
    Result<bool> closed = closeLocked(**row, reason, actorUserId);
    if (!closed)
        return closed;
    if (!tx.commit())
        return databaseUnavailable();
    if (*closed)
        log::info(QStringLiteral("conversation_closed"),
                  {{QStringLiteral("conversation_id"), conversationId},
                   {QStringLiteral("reason"), closeReasonName(reason)},
                   {QStringLiteral("actor_user_id"), actorUserId}});
    return closed;
}

Result<QStringList> ConversationService::closeAll(const Result<QStringList> &ids,
                                                  CloseReason reason,
                                                  const QString &actorUserId) const
{
    if (!ids)
        return ids.error();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    QStringList closed;
    for (const QString &id : *ids) {
        Result<bool> r = closeConversation(id, reason, actorUserId);
        if (!r)
            return r.error();
        if (*r)
            closed.append(id);
    }
    if (!tx.commit())
        return databaseUnavailable();
    return closed;
}

Result<QStringList> ConversationService::closeBetween(const QString &userA, const QString &userB,
                                                      CloseReason reason,
                                                      const QString &actorUserId) const
{
    return closeAll(m_repository.openIdsBetween(userA, userB), reason, actorUserId);
}

Result<QStringList> ConversationService::closeAllOf(const QString &userId, CloseReason reason,
                                                    const QString &actorUserId) const
{
    return closeAll(m_repository.openIdsOf(userId), reason, actorUserId);
}

Result<bool> ConversationService::revealLocked(const ConversationRow &row,
                                               const QString &actorUserId) const
{
    // Conversation revealed, match friend_revealed, the friendship (new or revived) with its
    // created event, XP for both, then the events.
    Result<bool> revealed = m_repository.markRevealed(row, QDateTime::currentDateTimeUtc());
    if (!revealed || !*revealed)
        return revealed;
    if (Status marked = m_matching.markRevealed(row.matchSessionId); !marked)
        return marked.error();
    Result<QString> friendshipId =
        m_friendships.befriend(row.userA, row.userB, row.matchSessionId, row.id, actorUserId);
    if (!friendshipId)
        return friendshipId.error();
    if (Status recorded =
            recordAboutConversation(event::Revealed, row, actorUserId,
                                    {{QStringLiteral("friendship_id"), *friendshipId},
                                     {QStringLiteral("gates_resolved"), row.gatesResolved}});
        !recorded)
        return recorded.error();
    for (const QString &user : {row.userA, row.userB})
        if (Result<int> xp = m_engagement.awardXp(user, XpSource::Friendship, *friendshipId); !xp)
            return xp.error();
    Result<QHash<QString, PublicProfile>> profiles =
        m_profiles.publicProfiles({row.userA, row.userB});
    for (const QString &user : {row.userA, row.userB}) {
        const QString peer = row.peerOf(user);
        std::optional<PublicProfile> peerProfile;
        if (profiles && profiles->contains(peer))
            peerProfile = profiles->value(peer);
        publishDurably(user,
                       ConversationJson::revealedFrame(row.id, *friendshipId, peer, peerProfile));
    }
    return true;
}

Result<QString> ConversationService::resolveGateLocked(const ConversationRow &row, int gate,
                                                       const QString &first, const QString &second,
                                                       const QString &actorUserId) const
{
    const QString outcome = gateOutcome(gate, first, second);
    Result<bool> claimed = m_repository.claimResolution(row.id, gate, outcome);
    if (!claimed)
        return claimed.error();
    if (!*claimed)
        return QString(); // resolved elsewhere
    for (const QString &user : {row.userA, row.userB})
        publishDurably(user, ConversationJson::gateResultFrame(row.id, gate * 10, outcome));
    if (outcome == QLatin1String("revealed")) {
        if (Result<bool> r = revealLocked(row, actorUserId); !r)
            return r.error();
    } else if (outcome == QLatin1String("closed")) {
        if (Result<bool> r = closeLocked(row, gateCloseReason(first, second), actorUserId); !r)
            return r.error();
    }
    return outcome;
}

Result<ConversationView> ConversationService::get(const QString &viewerId,
                                                  const QString &conversationId) const
{
    Result<ConversationRow> row = participantRow(conversationId, viewerId, false);
    if (!row)
        return row.error();
    return viewOf(*row, viewerId);
}

Result<ConversationView> ConversationService::end(const Caller &caller,
                                                  const QString &conversationId) const
{
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = openRowForUpdate(conversationId, caller.userId);
        if (!row)
            return row.error();
        if (Result<bool> closed = closeLocked(*row, CloseReason::UserEnd, caller.userId); !closed)
            return closed.error();
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

namespace {

Result<OutgoingMessage> outgoing(const Caller &caller, const QString &conversationId,
                                 const QString &clientMsgId, const QString &rawText)
{
    if (!validClientMsgId(clientMsgId))
        return AppError::validation({{QStringLiteral("client_msg_id"),
                                      QStringLiteral("must be 1-64 of A-Z a-z 0-9 . _ : -")}});
    Result<QString> text = messageText(rawText);
    if (!text)
        return text.error();
    if (!validation::isUuid(conversationId))
        return ConversationRules::notFoundError();
    return OutgoingMessage {caller.userId, conversationId, clientMsgId, *text};
}

} // namespace

Result<SentMessage> ConversationService::send(const Caller &caller, const QString &conversationId,
                                              const QString &clientMsgId,
                                              const QString &rawText) const
{
    Result<OutgoingMessage> message = outgoing(caller, conversationId, clientMsgId, rawText);
    if (!message)
        return message.error();
    return m_writer->write(*message);
}

void ConversationService::send(const Caller &caller, const QString &conversationId,
                               const QString &clientMsgId, const QString &rawText,
                               MessageWriter::Answered answered) const
{
    Result<OutgoingMessage> message = outgoing(caller, conversationId, clientMsgId, rawText);
    if (!message) {
        answered(message.error());
        return;
    }
    m_writer->writeAsync(std::move(*message), std::move(answered));
}

void ConversationService::stopWritingMessages() const
{
    m_writer->stop();
}

Result<MessagePage> ConversationService::messages(const QString &viewerId,
                                                  const QString &conversationId,
                                                  const QString &afterMessageId,
                                                  const QString &afterField, int limit) const
{
    Result<ConversationRow> row = participantRow(conversationId, viewerId, false);
    if (!row)
        return row.error();
    quint64 afterSeq = 0;
    if (!afterMessageId.isEmpty()) {
        // Ids are ASCII: anything else would reach MariaDB as a comparison it refuses.
        if (!validation::isUuid(afterMessageId))
            return AppError::validation(
                {{afterField, QStringLiteral("is not a message of this conversation")}});
        Result<std::optional<quint64>> seq = m_repository.seqOf(row->id, afterMessageId);
        if (!seq)
            return seq.error();
        if (!seq->has_value())
            return AppError::validation(
                {{afterField, QStringLiteral("is not a message of this conversation")}});
        afterSeq = **seq;
    }
    Result<QList<MessageRow>> rows = m_repository.messagesAfter(row->id, afterSeq, limit + 1);
    if (!rows)
        return rows.error();
    MessagePage page;
    page.items = *rows;
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.nextCursor = page.items.last().id;
    }
    return page;
}

Status ConversationService::typing(const Caller &caller, const QString &conversationId) const
{
    Result<ConversationRow> row = participantRow(conversationId, caller.userId, false);
    if (!row)
        return row.error();
    if (row->state == QLatin1String("closed"))
        return closedError();
    publishAfterCommit(row->peerOf(caller.userId), ConversationJson::typingFrame(row->id));
    return Ok {};
}

Result<ResumeView> ConversationService::resume(const QString &viewerId,
                                               const QString &conversationId,
                                               const QString &afterMessageId) const
{
    ResumeView resume;
    resume.viewerId = viewerId;
    resume.conversationId = conversationId;
    QString after = afterMessageId;
    constexpr int kBatch = 200;
    for (;;) {
        Result<MessagePage> page =
            messages(viewerId, conversationId, after, QStringLiteral("after_message_id"), kBatch);
        if (!page)
            return page.error();
        resume.messages.append(page->items);
        if (page->nextCursor.isEmpty())
            break;
        after = page->nextCursor;
    }
    Result<ConversationRow> row = participantRow(conversationId, viewerId, false);
    if (!row)
        return row.error();
    if (row->state == QLatin1String("decision_gate") && row->gatesAnnounced > row->gatesResolved)
        resume.openGate = gateView(*row, row->gatesAnnounced);
    return resume;
}

Result<ConversationView> ConversationService::decide(const Caller &caller,
                                                     const QString &conversationId, int gateMinute,
                                                     const QString &decision) const
{
    if (const QJsonObject problems = ConversationRules::decisionProblems(gateMinute, decision);
        !problems.isEmpty())
        return AppError::validation(problems);
    const int gate = gateMinute / 10;
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = openRowForUpdate(conversationId, caller.userId);
        if (!row)
            return row.error();
        if (gate != row->gatesAnnounced || row->gatesResolved >= gate)
            return AppError::conflict(QStringLiteral("That decision gate is not open"))
                .because(QStringLiteral("gate_not_open"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        if (Status s =
                m_repository.insertDecision(row->id, gateMinute, caller.userId, decision, now);
            !s) {
            if (s.error().code == ErrorCode::Conflict)
                return AppError::conflict(QStringLiteral("You already decided at this gate"))
                    .because(QStringLiteral("already_decided"));
            return s.error();
        }
        Result<QList<GateDecisionRow>> decisions = m_repository.decisions(row->id);
        if (!decisions)
            return decisions.error();
        QString peerDecision;
        for (const GateDecisionRow &d : *decisions)
            if (d.gateMinute == gateMinute && d.userId != caller.userId)
                peerDecision = d.decision;
        // Recorded before the resolution's events (the reveal, the close) it may cause. The
        // second decision resolves the gate (the row is locked: nobody else can), and so does
        // an end_chat, whatever the peer decides ("any end_chat → closed", API_SPEC): its
        // outcome goes with it, for a funnel by gate.
        const bool resolves = !peerDecision.isEmpty() || decision == QLatin1String("end_chat");
        QJsonObject decided {{QStringLiteral("gate"), gate},
                             {QStringLiteral("gate_minute"), gateMinute},
                             {QStringLiteral("decision"), decision}};
        if (resolves)
            decided.insert(QStringLiteral("outcome"), gateOutcome(gate, decision, peerDecision));
        if (Status recorded =
                recordAboutConversation(event::GateDecided, *row, caller.userId, decided);
            !recorded)
            return recorded.error();
        if (resolves) {
            Result<QString> outcome =
                resolveGateLocked(*row, gate, decision, peerDecision, caller.userId);
            if (!outcome)
                return outcome.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

Result<ConversationView> ConversationService::consentToReveal(const Caller &caller,
                                                              const QString &conversationId) const
{
    {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        Result<ConversationRow> row = participantRow(conversationId, caller.userId, true);
        if (!row)
            return row.error();
        if (row->state == QLatin1String("closed"))
            return closedError();
        if (row->isOpen()) {
            if (Status s = m_repository.insertConsent(row->id, caller.userId,
                                                      QDateTime::currentDateTimeUtc());
                !s)
                return s.error();
            Result<int> consents = m_repository.consentCount(row->id);
            if (!consents)
                return consents.error();
            if (*consents >= 2)
                if (Result<bool> r = revealLocked(*row, caller.userId); !r)
                    return r.error();
        }
        if (!tx.commit())
            return databaseUnavailable();
    }
    return get(caller.userId, conversationId);
}

Result<PanicExitResult> ConversationService::panicExit(const Caller &caller,
                                                       const QString &conversationId,
                                                       const PanicExitInput &input) const
{
    // Nothing here touches Redis: the database part must succeed during a Redis outage. The
    // peer's conversation.closed frame is sent after the commit.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<ConversationRow> row = participantRow(conversationId, caller.userId, true);
    if (!row)
        return row.error();
    const QString peer = row->peerOf(caller.userId);

    // Closed first (with its own reason), so the block's sweep finds nothing left to close. A
    // revealed conversation too (API_SPEC: the conversation is closed, the peer told), as the
    // friendship ends with the block. The row is locked (participantRow).
    if (row->isOpen() || row->state == QLatin1String("revealed")) {
        Result<bool> closed = closeLocked(*row, CloseReason::PanicExit, caller.userId);
        if (!closed)
            return closed.error();
    }
    if (Result<BlockRecord> block = m_safety.blockFromPanicExit(caller.userId, peer); !block)
        return block.error();
    PanicExitResult result;
    Result<ReportRecord> report = m_safety.reportFromPanicExit(caller.userId, peer, conversationId,
                                                               input.reasonCode, input.detailsText);
    if (!report)
        return report.error();
    result.report = *report;
    if (Status left = m_matching.leaveQueueIfQueued(caller.userId, caller.userId); !left)
        return left.error();
    // The reason code and severity only: the details are the person's own words.
    if (Status recorded =
            recordAboutConversation(event::PanicExit, *row, caller.userId,
                                    {{QStringLiteral("report_id"), result.report.id},
                                     {QStringLiteral("reason_code"), result.report.reasonCode},
                                     {QStringLiteral("severity"), result.report.severity}});
        !recorded)
        return recorded.error();
    Result<std::optional<ConversationRow>> after = m_repository.find(conversationId);
    if (!after)
        return after.error();
    if (!*after)
        return notFoundError();
    result.conversation = **after;
    if (!tx.commit())
        return databaseUnavailable();
    log::info(QStringLiteral("panic_exit"),
              {{QStringLiteral("conversation_id"), conversationId},
               {QStringLiteral("report_id"), result.report.id},
               {QStringLiteral("severity"), result.report.severity}});
    return result;
}

void ConversationService::runDueGates() const
{
    const int interval = m_settings.gateIntervalSeconds;
    Result<QStringList> due =
        m_repository.dueForGates(QDateTime::currentDateTimeUtc(), interval, 100);
    if (!due)
        return; // logged by the repository; the next pass retries
    for (const QString &id : *due) {
        // A few steps per pass lets a conversation catch up after downtime (resolve, announce).
        for (int step = 0; step < 2 * kGateCount; ++step) {
            const QDateTime now = QDateTime::currentDateTimeUtc();
            Transaction tx;
            if (!tx.begin())
                return;
            Result<std::optional<ConversationRow>> found = m_repository.find(id, true);
            if (!found || !found->has_value() || !(*found)->isOpen())
                break;
            const ConversationRow row = **found;
            bool progressed = false;
            const int announced = row.gatesAnnounced;
            if (announced > row.gatesResolved &&
                now >= gateClosesAt(row.startedAt, announced, interval)) {
                // Unanswered decisions count as not_yet.
                QString a = kNotYet, b = kNotYet;
                Result<QList<GateDecisionRow>> decisions = m_repository.decisions(row.id);
                if (!decisions)
                    break;
                int undecided = 2;
                for (const GateDecisionRow &d : *decisions) {
                    if (d.gateMinute != announced * 10)
                        continue;
                    (d.userId == row.userA ? a : b) = d.decision;
                    --undecided;
                }
                // Recorded before the reveal or close the resolution may cause; undone below
                // when another instance resolved the gate first.
                if (!recordAboutConversation(
                        event::GateTimedOut, row, {},
                        {{QStringLiteral("gate"), announced},
                         {QStringLiteral("gate_minute"), announced * 10},
                         {QStringLiteral("outcome"), gateOutcome(announced, a, b)},
                         {QStringLiteral("undecided"), undecided}}))
                    break;
                Result<QString> outcome = resolveGateLocked(row, announced, a, b, {});
                if (!outcome)
                    break;
                if (outcome->isEmpty()) {
                    tx.rollback(); // resolved elsewhere: nothing was written but the event
                    break;
                }
                progressed = true;
                if (*outcome != QLatin1String("continued")) {
                    tx.commit();
                    break;
                }
            }
            if (announced < kGateCount &&
                now >= gateOpensAt(row.startedAt, announced + 1, interval) &&
                (announced == row.gatesResolved || progressed)) {
                Result<bool> claimed = m_repository.claimAnnouncement(row.id, announced + 1);
                if (!claimed)
                    break;
                if (*claimed) {
                    progressed = true;
                    for (const QString &user : {row.userA, row.userB})
                        publishDurably(
                            user,
                            ConversationJson::gateOpenFrame(row.id, gateView(row, announced + 1)));
                }
            }
            if (!tx.commit() || !progressed)
                break;
        }
    }
}

Result<int> ConversationService::deleteExpiredMessages(const QDateTime &now) const
{
    constexpr int kPerStatement = 1000;
    const QDateTime cutoff = now.addDays(-m_settings.messageRetentionDays);
    // Messages that are evidence in an open or triaged report stay.
    Result<QStringList> underReview = m_safety.conversationsUnderReview();
    if (!underReview)
        return underReview.error();
    int total = 0;
    for (;;) {
        Result<int> deleted =
            m_repository.deleteMessagesBefore(cutoff, *underReview, kPerStatement);
        if (!deleted)
            return deleted.error();
        total += *deleted;
        if (*deleted < kPerStatement)
            break;
    }
    if (total > 0)
        log::info(
            QStringLiteral("messages_expired"),
            {{QStringLiteral("count"), total}, {QStringLiteral("older_than"), toWireTime(cutoff)}});
    return total;
}

Status ConversationService::open(const MatchMade &match) const
{
    if (Status opened =
            m_repository.open(match.conversationId, match.matchSessionId, match.matchedAt);
        !opened)
        return opened;
    return Outbox::record({.type = event::ConversationStarted,
                           .subjectType = QLatin1StringView("conversation"),
                           .subjectId = match.conversationId,
                           .actorUserId = {},
                           .payload = {{QStringLiteral("match_id"), match.matchSessionId}},
                           .occurredAt = match.matchedAt});
}

Result<ConversationPeer> ConversationService::peerOf(const QString &conversationId,
                                                     const QString &userId) const
{
    Result<ConversationRow> row = participantRow(conversationId, userId, false);
    if (!row)
        return row.error();
    return ConversationPeer {row->peerOf(userId), row->revealedAt.isValid()};
}

Result<QList<admin::ReportMessage>>
ConversationService::messagesAround(const QString &conversationId, const QDateTime &at,
                                    int each) const
{
    return m_repository.messagesAround(conversationId, at, each);
}

Result<std::optional<ConversationBrief>>
ConversationService::conversationOfMatch(const QString &matchSessionId) const
{
    return m_repository.ofMatch(matchSessionId);
}

Result<QJsonObject> ConversationService::exportFor(const QString &userId) const
{
    return m_repository.exportFor(userId);
}

} // namespace fp
