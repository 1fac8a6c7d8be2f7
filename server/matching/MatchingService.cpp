#include "server/matching/MatchingService.h"

#include "common/Time.h"
#include "common/WsEvents.h"
#include "server/core/Log.h"
#include "server/matching/QueueStore.h"
#include "server/profile/ProfileService.h"
#include "server/realtime/EventBus.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"

#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>

namespace fp {

namespace {

const TopicInterestMap &topicInterests()
{
    static const TopicInterestMap map = [] {
        QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
        file.open(QIODevice::ReadOnly);
        return topicInterestsFromCatalog(QJsonDocument::fromJson(file.readAll()).object());
    }();
    return map;
}

QJsonObject queueStatusFrame(const QString &status, qint64 waitSeconds)
{
    return {{QStringLiteral("type"), QString(ws::QueueStatus)},
            {QStringLiteral("status"), status},
            {QStringLiteral("wait_seconds"), waitSeconds}};
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

MatchingService::MatchingService(EventBus &bus, QueuePolicy policy) : m_bus(bus), m_policy(policy)
{ }

void MatchingService::tell(const QString &userId, const QJsonObject &frame) const
{
    m_bus.publishToUser(userId, frame);
}

Result<QueueEntry> MatchingService::join(const Caller &caller, const QString &regionKey) const
{
    if (caller.restricted)
        return AppError::forbidden(
            QStringLiteral("Your account is restricted and cannot join the queue"));
    const Result<bool> onboarded = ProfileService().onboardingComplete(caller.userId);
    if (!onboarded)
        return onboarded.error();
    if (!*onboarded)
        return AppError::forbidden(QStringLiteral("Finish onboarding before joining the queue"));

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
                const Result<AppliedSignal> penalty = TrustService().applySignal(
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
        return AppError::conflict(QStringLiteral("You are already in the queue"));
    const Result<bool> chatting = m_repository.inOpenConversation(caller.userId);
    if (!chatting)
        return chatting.error();
    if (*chatting)
        return AppError::conflict(QStringLiteral("Finish your current conversation first"));

    const QDateTime now = QDateTime::currentDateTimeUtc();
    Result<QueueEntry> entry = m_repository.enqueue(caller.userId, regionKey, now);
    if (entry)
        QueueStore::add(caller.userId, now.toMSecsSinceEpoch());
    return entry;
}

Result<bool> MatchingService::leave(const QString &userId) const
{
    const Result<bool> ended =
        m_repository.endEntry(userId, QStringLiteral("cancelled"), QDateTime::currentDateTimeUtc());
    if (ended && *ended)
        QueueStore::remove({userId});
    return ended;
}

Result<QJsonObject> MatchingService::status(const QString &userId) const
{
    const Result<std::optional<QueueEntry>> latest = m_repository.latestEntry(userId);
    if (!latest)
        return latest.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (latest->has_value() && (*latest)->status == QLatin1String("active")) {
        QueueStore::markAlive(userId); // asking is a sign of life
        return QJsonObject {{QStringLiteral("status"), QStringLiteral("active")},
                            {QStringLiteral("enqueued_at"), toWireTime((*latest)->enqueuedAt)},
                            {QStringLiteral("wait_seconds"), (*latest)->enqueuedAt.secsTo(now)}};
    }
    if (latest->has_value() && (*latest)->status == QLatin1String("matched")) {
        const Result<bool> chatting = m_repository.inOpenConversation(userId);
        if (chatting && *chatting)
            return QJsonObject {{QStringLiteral("status"), QStringLiteral("matched")},
                                {QStringLiteral("match_session_id"), (*latest)->matchSessionId}};
    }
    return QJsonObject {{QStringLiteral("status"), QStringLiteral("idle")}};
}

Result<QJsonObject> MatchingService::session(const Caller &caller,
                                             const QString &matchSessionId) const
{
    const Result<std::optional<MatchSessionRecord>> found =
        m_repository.matchSession(matchSessionId);
    if (!found)
        return found.error();
    const auto &m = *found;
    if (!m || (m->userA != caller.userId && m->userB != caller.userId))
        return AppError::notFound(QStringLiteral("No such match session"));
    const QString peerAlias = m->userA == caller.userId ? m->aliasB : m->aliasA;
    return QJsonObject {
        {QStringLiteral("id"), m->id},
        {QStringLiteral("status"), m->status},
        {QStringLiteral("matched_at"), toWireTime(m->matchedAt)},
        {QStringLiteral("match_score"), m->score},
        {QStringLiteral("score_breakdown"), m->breakdown},
        {QStringLiteral("match_reasons"), m->reasons},
        {QStringLiteral("conversation_id"), m->conversationId},
        {QStringLiteral("peer"), QJsonObject {{QStringLiteral("alias"), peerAlias}}}};
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
            const Result<bool> expired = m_repository.endEntry(id, QStringLiteral("expired"), now);
            if (expired && *expired) {
                ++report.expired;
                QueueStore::remove({id});
                tell(id,
                     queueStatusFrame(QStringLiteral("expired"),
                                      byUser.value(id).enqueuedAt.secsTo(now)));
            }
            byUser.remove(id);
        }
    }
    if (byUser.size() < 2)
        return report;

    QHash<QString, MatchProfile> profiles;
    for (const QueueEntry &e : std::as_const(byUser)) {
        const Result<Profile> profile = ProfileService().profile(e.userId);
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
    context.topicInterests = topicInterests();
    if (const Status facts = m_repository.loadSafeguardFacts(
            profiles.keys(), now.addDays(-m_policy.recentMatchDays), &context, &profiles);
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
        const Result<QString> conversation = m_repository.recordMatch(
            match, byUser.value(pair.userA).id, byUser.value(pair.userB).id);
        if (!conversation)
            continue; // one of them left meanwhile: they wait for the next pass
        QueueStore::remove({pair.userA, pair.userB});
        ++report.matched;
        report.matchedWaitSeconds << double(byUser.value(pair.userA).enqueuedAt.msecsTo(now)) /
                1000.0 << double(byUser.value(pair.userB).enqueuedAt.msecsTo(now)) / 1000.0;
        const QJsonObject frame {{QStringLiteral("type"), QString(ws::MatchFound)},
                                 {QStringLiteral("match_session_id"), match.id},
                                 {QStringLiteral("conversation_id"), *conversation},
                                 {QStringLiteral("match_score"), match.score},
                                 {QStringLiteral("match_reasons"), match.reasons}};
        tell(pair.userA, frame);
        tell(pair.userB, frame);
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
        tell(e.userId, queueStatusFrame(QStringLiteral("active"), e.enqueuedAt.secsTo(now)));
    }
}

} // namespace fp
