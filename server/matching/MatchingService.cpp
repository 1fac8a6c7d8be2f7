#include "server/matching/MatchingService.h"

#include "common/Time.h"
#include "common/WsEvents.h"
#include "server/base/Log.h"
#include "server/base/UserNotifier.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/friendship/FriendshipService.h"
#include "server/matching/MatchingEvents.h"
#include "server/matching/QueueStore.h"
#include "server/profile/ProfileJson.h"
#include "server/profile/ProfileService.h"
#include "server/safety/SafetyService.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"

#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <algorithm>

namespace fp {

namespace {

TopicInterestMap embeddedTopicInterests()
{
    QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
    file.open(QIODevice::ReadOnly);
    return topicInterestsFromCatalog(QJsonDocument::fromJson(file.readAll()).object());
}

/// Seconds from `since` to `now`, never below 0 (MariaDB's clock may run a little ahead).
qint64 waitedSeconds(const QDateTime &since, const QDateTime &now)
{
    return std::max<qint64>(0, since.secsTo(now));
}

/// queue.status for someone who joined at `enqueuedAt`.
QJsonObject queueStatusFrame(const QString &status, const QDateTime &enqueuedAt,
                             const QDateTime &now)
{
    return {{QStringLiteral("type"), QString(ws::QueueStatus)},
            {QStringLiteral("status"), status},
            {QStringLiteral("wait_seconds"), waitedSeconds(enqueuedAt, now)}};
}

} // namespace

QString generateAlias()
{
    static const char *adjectives[] = {"Quiet", "Bright",  "Gentle", "Curious", "Brave",  "Calm",
                                       "Witty", "Kind",    "Sunny",  "Bold",    "Clever", "Lucky",
                                       "Merry", "Patient", "Swift",  "Warm"};
    static const char *animals[] = {"Otter",   "Fox",    "Heron",  "Panda", "Lynx", "Robin",
                                    "Dolphin", "Badger", "Falcon", "Koala", "Owl",  "Seal",
                                    "Wren",    "Hare",   "Moose",  "Finch"};
    auto *random = QRandomGenerator::global();
    return QStringLiteral("%1 %2").arg(QLatin1String(adjectives[random->bounded(16)]),
                                       QLatin1String(animals[random->bounded(16)]));
}

MatchingService::MatchingService(const MatchingRepository &repository,
                                 const ProfileService &profiles, const TrustService &trust,
                                 const SafetyService &safety, const FriendshipService &friendships,
                                 const DomainEvents &events, UserNotifier &notifier,
                                 QueuePolicy policy)
    : m_repository(repository), m_profiles(profiles), m_trust(trust), m_safety(safety),
      m_friendships(friendships), m_events(events), m_notifier(notifier), m_policy(policy),
      m_topicInterests(embeddedTopicInterests())
{ }

void MatchingService::tell(const QString &userId, const QJsonObject &frame) const
{
    m_notifier.publishToUser(userId, frame);
}

Result<QueueEntry> MatchingService::join(const Caller &caller, const QString &regionKey) const
{
    const Result<bool> onboarded = m_profiles.onboardingComplete(caller.userId);
    if (!onboarded)
        return onboarded.error();
    if (!*onboarded)
        return AppError::forbidden(QStringLiteral("Finish onboarding before joining the queue"))
            .because(QStringLiteral("onboarding_incomplete"));

    if (const int left = QueueStore::cooldownLeft(caller.userId); left > 0)
        return AppError::rateLimited(left);
    if (const std::optional<int> joins =
            QueueStore::countJoin(caller.userId, m_policy.spamWindowSeconds)) {
        if (*joins > m_policy.joinsBeforeCooldown) {
            const int doublings = std::min(*joins - m_policy.joinsBeforeCooldown - 1, 12);
            const int seconds =
                std::min(m_policy.firstCooldownSeconds << doublings, m_policy.maxCooldownSeconds);
            QueueStore::startCooldown(caller.userId, seconds);
            if (*joins >= m_policy.joinsBeforePenalty) {
                // Once per spam window: the window's start identifies the penalty.
                const qint64 window =
                    QDateTime::currentSecsSinceEpoch() / m_policy.spamWindowSeconds;
                const Result<AppliedSignal> penalty = m_trust.applySignal(
                    caller.userId, TrustSignal::cooldownPenalty(QDateTime::currentDateTimeUtc()),
                    QStringLiteral("queue-spam:%1:%2").arg(caller.userId).arg(window));
                if (!penalty)
                    log::warning(QStringLiteral("queue_spam_penalty_failed"),
                                 {{QStringLiteral("user_id"), caller.userId},
                                  {QStringLiteral("error"), penalty.error().message}});
            }
            return AppError::rateLimited(seconds);
        }
    }

    const Result<std::optional<QueueEntry>> existing = m_repository.activeEntry(caller.userId);
    if (!existing)
        return existing.error();
    if (existing->has_value())
        return alreadyQueued();
    const Result<bool> chatting = m_repository.inActiveChat(caller.userId);
    if (!chatting)
        return chatting.error();
    if (*chatting)
        return AppError::conflict(QStringLiteral("Finish your current conversation first"))
            .because(QStringLiteral("in_active_conversation"));

    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QueueEntry> entry = m_repository.enqueue(caller.userId, regionKey, now);
    if (!entry)
        return entry;
    if (Status recorded = Outbox::record({.type = event::QueueJoined,
                                          .subjectType = QLatin1StringView("queue_entry"),
                                          .subjectId = entry->id,
                                          .actorUserId = caller.userId,
                                          .payload = {},
                                          .occurredAt = now});
        !recorded)
        return recorded.error();
    if (!tx.commit())
        return databaseUnavailable();
    QueueStore::add(caller.userId, now.toMSecsSinceEpoch());
    return entry;
}

Result<std::optional<QueueEntry>> MatchingService::endQueueEntry(const QString &userId,
                                                                 const QString &status,
                                                                 const QString &actorUserId,
                                                                 const QDateTime &now,
                                                                 const QString &entryId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<QueueEntry>> ended = m_repository.endEntry(userId, status, now, entryId);
    if (!ended)
        return ended.error();
    if (*ended) {
        const bool expired = status == QLatin1String("expired");
        if (Status recorded = Outbox::record(
                {.type = expired ? event::QueueExpired : event::QueueLeft,
                 .subjectType = QLatin1StringView("queue_entry"),
                 .subjectId = (*ended)->id,
                 .actorUserId = actorUserId,
                 .payload = {{QStringLiteral("status"), status},
                             {QStringLiteral("wait_seconds"), (*ended)->enqueuedAt.secsTo(now)}},
                 .occurredAt = now});
            !recorded)
            return recorded.error();
    }
    // Also when nothing ended: a caller's transaction this one joined must not be doomed.
    if (!tx.commit())
        return databaseUnavailable();
    return *ended;
}

Result<bool> MatchingService::leave(const QString &userId) const
{
    const Result<std::optional<QueueEntry>> ended =
        endQueueEntry(userId, QStringLiteral("cancelled"), userId, QDateTime::currentDateTimeUtc());
    if (!ended)
        return ended.error();
    if (*ended)
        QueueStore::remove({userId});
    return ended->has_value();
}

Result<QueueStatus> MatchingService::status(const QString &userId) const
{
    const Result<std::optional<QueueEntry>> latest = m_repository.latestEntry(userId);
    if (!latest)
        return latest.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (latest->has_value() && (*latest)->status == QLatin1String("active")) {
        QueueStore::markAlive(userId); // asking is a sign of life
        return QueueStatus {QStringLiteral("active"),
                            (*latest)->enqueuedAt,
                            waitedSeconds((*latest)->enqueuedAt, now),
                            {}};
    }
    if (latest->has_value() && (*latest)->status == QLatin1String("matched")) {
        const Result<bool> chatting = m_repository.inActiveChat(userId);
        if (chatting && *chatting)
            return QueueStatus {QStringLiteral("matched"), {}, 0, (*latest)->matchSessionId};
    }
    return QueueStatus {QStringLiteral("idle"), {}, 0, {}};
}

Result<MatchSessionView> MatchingService::session(const Caller &caller,
                                                  const QString &matchSessionId) const
{
    if (!validation::isUuid(matchSessionId))
        return AppError::notFound(QStringLiteral("No such match session"));
    const Result<std::optional<MatchSessionRecord>> found =
        m_repository.matchSession(matchSessionId);
    if (!found)
        return found.error();
    const auto &m = *found;
    if (!m || (m->userA != caller.userId && m->userB != caller.userId))
        return AppError::notFound(QStringLiteral("No such match session"));
    MatchSessionView view {*m, std::nullopt};
    if (m->status == QLatin1String("friend_revealed")) {
        // Who the peer is, for as long as they are friends: an unfriending, a block or a
        // deleted account leaves the alias only (as the friends list and avatars do).
        const QString peerId = m->userA == caller.userId ? m->userB : m->userA;
        const Result<bool> friends = m_friendships.friendsNow(caller.userId, peerId);
        if (!friends)
            return friends.error();
        if (*friends) {
            Result<std::optional<PublicProfile>> peer = m_profiles.publicProfile(peerId);
            if (!peer)
                return peer.error();
            view.revealedPeer = *peer;
        }
    }
    return view;
}

bool MatchingService::recordMatch(const MatchSessionRecord &match, const QueueEntry &entryA,
                                  const QueueEntry &entryB) const
{
    Transaction tx;
    if (!tx.begin())
        return false;
    // The pass read the blocks before it paired them, without a lock: a block made since (or
    // being made now) must still keep them apart. Read again under a lock that a block being
    // made waits for; that block then finds this conversation and closes it.
    if (m_safety.blockedEitherWay(match.userA, match.userB)) {
        log::info(QStringLiteral("match_refused_blocked"),
                  {{QStringLiteral("match_id"), match.id}});
        return false;
    }
    if (Status recorded = m_repository.recordMatch(match, entryA.id, entryB.id); !recorded)
        return false;
    // Recorded before what it causes (the conversation opening). The two people, the score
    // and how long each waited: the reasons and the breakdown tell what they share.
    if (Status recorded =
            Outbox::record({.type = event::Matched,
                            .subjectType = QLatin1StringView("match"),
                            .subjectId = match.id,
                            .actorUserId = {},
                            .payload = {{QStringLiteral("match_id"), match.id},
                                        {QStringLiteral("conversation_id"), match.conversationId},
                                        {QStringLiteral("user_a_id"), match.userA},
                                        {QStringLiteral("user_b_id"), match.userB},
                                        {QStringLiteral("score"), match.score},
                                        {QStringLiteral("wait_seconds_a"),
                                         entryA.enqueuedAt.secsTo(match.matchedAt)},
                                        {QStringLiteral("wait_seconds_b"),
                                         entryB.enqueuedAt.secsTo(match.matchedAt)}},
                            .occurredAt = match.matchedAt});
        !recorded)
        return false;
    // The conversation domain opens the conversation in this same transaction.
    if (Status opened = m_events.publish(
            MatchMade {match.id, match.conversationId, match.userA, match.userB, match.matchedAt});
        !opened) {
        log::warning(QStringLiteral("match_not_recorded"),
                     {{QStringLiteral("reason"), opened.error().message}});
        return false;
    }
    return tx.commit();
}

Status MatchingService::loadSafeguardFacts(const QStringList &userIds, const QDateTime &now,
                                           SafeguardContext *context,
                                           QHash<QString, MatchProfile> *profiles) const
{
    if (userIds.isEmpty())
        return Ok {};
    Result<QList<QPair<QString, QString>>> blocks = m_safety.blocksInvolving(userIds);
    if (!blocks)
        return blocks.error();
    for (const auto &[blocker, blocked] : std::as_const(*blocks))
        context->addBlock(blocker, blocked);

    Result<QList<std::tuple<QString, QString, QDateTime>>> past =
        m_repository.pastMatches(userIds, now.addDays(-m_policy.recentMatchDays));
    if (!past)
        return past.error();
    for (const auto &[a, b, at] : std::as_const(*past))
        context->addPastMatch(a, b, at);

    Result<QHash<QString, int>> trust = m_trust.currentScores(userIds);
    if (!trust)
        return trust.error();
    Result<QHash<QString, int>> finished = m_repository.finishedMatchCounts(userIds);
    if (!finished)
        return finished.error();
    Result<QSet<QString>> reported = m_safety.withOpenReports(userIds);
    if (!reported)
        return reported.error();
    for (auto it = profiles->begin(); it != profiles->end(); ++it) {
        it->trustScore = trust->value(it.key(), it->trustScore);
        it->finishedConversations = finished->value(it.key());
        it->hasOpenReport = reported->contains(it.key());
    }
    return Ok {};
}

PassReport MatchingService::runPass(const QDateTime &now) const
{
    PassReport report;
    const Result<QList<QueueEntry>> entries = m_repository.activeEntries();
    if (!entries) {
        log::warning(QStringLiteral("matcher_pass_skipped"),
                     {{QStringLiteral("reason"), entries.error().message}});
        return report;
    }

    // Reconcile the live queue with the history: entries Redis lost come back, people who left
    // are dropped, and those who went quiet for 15 minutes expire.
    QStringList activeIds;
    QHash<QString, QueueEntry> byUser;
    for (const QueueEntry &e : *entries) {
        activeIds << e.userId;
        byUser.insert(e.userId, e);
    }
    if (const std::optional<QStringList> live = QueueStore::waiting()) {
        QStringList gone;
        for (const QString &id : *live) {
            if (!byUser.contains(id))
                gone << id;
        }
        QueueStore::remove(gone);
        for (const QueueEntry &e : *entries) {
            if (!live->contains(e.userId))
                QueueStore::add(e.userId, e.enqueuedAt.toMSecsSinceEpoch());
        }
    }
    if (const std::optional<QStringList> alive = QueueStore::alive(activeIds)) {
        for (const QString &id : activeIds) {
            if (alive->contains(id))
                continue;
            // Redis may have lost the queue after it was read above (a restart mid-pass): an
            // entry gone from the live queue comes back, alive, instead of expiring for what
            // Redis forgot; one that cannot be checked waits for the next pass.
            if (const std::optional<bool> waiting = QueueStore::isWaiting(id); waiting != true) {
                if (waiting == false)
                    QueueStore::add(id, byUser.value(id).enqueuedAt.toMSecsSinceEpoch());
                continue;
            }
            // The entry this pass read, not whichever is active by now: someone who left and
            // joined again meanwhile is not expired for the entry they left.
            const Result<std::optional<QueueEntry>> expired =
                endQueueEntry(id, QStringLiteral("expired"), {}, now, byUser.value(id).id);
            if (expired && *expired) {
                ++report.expired;
                QueueStore::remove({id});
                // No longer queued: idle, as GET /api/matching/queue/status now says.
                tell(id, queueStatusFrame(QStringLiteral("idle"), (*expired)->enqueuedAt, now));
            }
            byUser.remove(id);
        }
    }
    if (byUser.size() < 2)
        return report;

    QHash<QString, MatchProfile> profiles;
    for (const QueueEntry &e : std::as_const(byUser)) {
        const Result<Profile> profile = m_profiles.profile(e.userId);
        if (!profile)
            continue;
        MatchProfile p = MatchProfile::fromJson(profileToJson(*profile));
        p.userId = e.userId;
        p.enqueuedAt = e.enqueuedAt;
        profiles.insert(e.userId, p);
    }
    SafeguardContext context;
    context.now = now;
    context.thresholds.recentMatchDays = m_policy.recentMatchDays;
    context.topicInterests = m_topicInterests;
    if (const Status facts = loadSafeguardFacts(profiles.keys(), now, &context, &profiles);
        !facts) {
        log::warning(QStringLiteral("matcher_pass_skipped"),
                     {{QStringLiteral("reason"), facts.error().message}});
        return report;
    }

    const MatchPassResult result = m_matcher.run(profiles.values(), context, now);
    report.stats = result.stats;
    for (const MatchPair &pair : result.pairs) {
        MatchSessionRecord match;
        match.id = Sql::newId();
        match.userA = pair.userA;
        match.userB = pair.userB;
        match.aliasA = generateAlias();
        do {
            match.aliasB = generateAlias();
        } while (match.aliasB == match.aliasA);
        match.matchedAt = now;
        match.score = pair.score;
        match.breakdown = pair.breakdown.toJson();
        match.reasons = matchReasonsToJson(pair.reasons);
        match.conversationId = Sql::newId();
        if (!recordMatch(match, byUser.value(pair.userA), byUser.value(pair.userB)))
            continue; // one of them left or blocked the other meanwhile: the next pass sees it
        QueueStore::remove({pair.userA, pair.userB});
        ++report.matched;
        report.matchedWaitSeconds << double(byUser.value(pair.userA).enqueuedAt.msecsTo(now)) /
                1000.0 << double(byUser.value(pair.userB).enqueuedAt.msecsTo(now)) / 1000.0;
        const QJsonObject frame {{QStringLiteral("type"), QString(ws::MatchFound)},
                                 {QStringLiteral("match_session_id"), match.id},
                                 {QStringLiteral("conversation_id"), match.conversationId},
                                 {QStringLiteral("match_score"), match.score},
                                 {QStringLiteral("match_reasons"), match.reasons}};
        for (const QString &user : {pair.userA, pair.userB})
            tell(user,
                 queueStatusFrame(QStringLiteral("matched"), byUser.value(user).enqueuedAt, now));
        // Kept for each of them: someone whose socket was away hears of the match on return.
        m_notifier.publishDurable(pair.userA, frame);
        m_notifier.publishDurable(pair.userB, frame);
    }
    return report;
}

void MatchingService::announceWaiting(const QStringList &connectedUserIds,
                                      const QDateTime &now) const
{
    if (connectedUserIds.isEmpty())
        return;
    const Result<QList<QueueEntry>> entries = m_repository.activeEntries();
    if (!entries)
        return;
    for (const QueueEntry &e : *entries) {
        if (!connectedUserIds.contains(e.userId))
            continue;
        QueueStore::markAlive(e.userId); // an open socket is a sign of life
        tell(e.userId, queueStatusFrame(QStringLiteral("active"), e.enqueuedAt, now));
    }
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype rank = qsizetype(std::ceil(p / 100.0 * double(values.size())));
    return values.at(std::clamp<qsizetype>(rank - 1, 0, values.size() - 1));
}

Result<admin::QueueMetrics> MatchingService::queueMetrics(int windowMinutes) const
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
    Result<int> conversations = m_repository.activeChats();
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

Result<admin::QueueHistory> MatchingService::queueHistory(int minutes, int stepMinutes) const
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

PairCondition MatchingService::haveMetCondition()
{
    return MatchingRepository::haveMetCondition();
}

Result<bool> MatchingService::haveMet(const QString &userA, const QString &userB) const
{
    return m_repository.haveMet(userA, userB);
}

Result<std::optional<MatchSummary>>
MatchingService::matchSummary(const QString &matchSessionId) const
{
    const Result<std::optional<MatchSessionRecord>> found =
        m_repository.matchSession(matchSessionId);
    if (!found)
        return found.error();
    if (!*found)
        return std::optional<MatchSummary>();
    return std::optional<MatchSummary>(
        MatchSummary {(*found)->id, (*found)->userA, (*found)->userB, (*found)->status});
}

Status MatchingService::markEnded(const QString &matchSessionId) const
{
    return m_repository.setStatus(matchSessionId, QStringLiteral("ended"),
                                  QDateTime::currentDateTimeUtc());
}

Status MatchingService::markRevealed(const QString &matchSessionId) const
{
    return m_repository.setStatus(matchSessionId, QStringLiteral("friend_revealed"),
                                  QDateTime::currentDateTimeUtc());
}

Status MatchingService::leaveQueueIfQueued(const QString &userId, const QString &actorUserId) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const Result<std::optional<QueueEntry>> ended =
        endQueueEntry(userId, QStringLiteral("cancelled"), actorUserId, now);
    if (!ended)
        return ended.error();
    if (*ended) {
        Transaction::afterCommit([this, userId, enqueuedAt = (*ended)->enqueuedAt, now] {
            QueueStore::remove({userId});
            tell(userId, queueStatusFrame(QStringLiteral("idle"), enqueuedAt, now));
        });
    }
    return Ok {};
}

Result<QJsonObject> MatchingService::exportFor(const QString &userId) const
{
    Result<QStringList> friends = m_friendships.friendIdsOf(userId);
    if (!friends)
        return friends.error();
    return m_repository.exportFor(userId, *friends);
}

} // namespace fp
