#pragma once

// The matching domain: who may join the queue and when (onboarded, not already queued or
// chatting, not in a spam cooldown; restricted accounts are refused by the route), the queue
// views, one matcher pass (reconcile the live queue with its history, expire abandoned entries,
// score the waiting with the safeguards applied, and record each pair in one transaction before
// telling both people), what other domains ask about matches, and the staff's queue metrics.
// No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/base/DomainEvents.h"
#include "server/matching/Matcher.h"
#include "server/matching/MatchingRepository.h"
#include "server/matching/Safeguards.h"
#include "server/profile/ProfileTypes.h"
#include "server/storage/PairCondition.h"

#include <optional>

namespace fp {

class FriendshipService;
class ProfileService;
class SafetyService;
class TrustService;
class UserNotifier;

/// A match as one of the two sees it: once they revealed themselves, who the other is.
struct MatchSessionView
{
    MatchSessionRecord match;
    std::optional<PublicProfile> revealedPeer;
};

class MatchingService
{
public:
    MatchingService(const MatchingRepository &repository, const ProfileService &profiles,
                    const TrustService &trust, const SafetyService &safety,
                    const FriendshipService &friendships, const DomainEvents &events,
                    UserNotifier &notifier, QueuePolicy policy = {});

    Result<QueueEntry> join(const Caller &caller, const QString &regionKey) const;
    Result<bool> leave(const QString &userId) const;
    Result<QueueStatus> status(const QString &userId) const;
    /// One of the caller's matches (404 for anyone else's), with the peer's public profile once
    /// the two revealed themselves.
    Result<MatchSessionView> session(const Caller &caller, const QString &matchSessionId) const;

    /// One pass over the whole queue (the caller holds the matcher lease).
    PassReport runPass(const QDateTime &now) const;
    /// Keeps queued users who have an open socket on this instance alive, and tells them how
    /// long they have waited (queue.status).
    void announceWaiting(const QStringList &connectedUserIds, const QDateTime &now) const;

    /// Whether the two ever shared a match (every friendship started as one).
    Result<bool> haveMet(const QString &userA, const QString &userB) const;
    /// haveMet() as a condition another domain can ask inside its own statement.
    static PairCondition haveMetCondition();
    Result<std::optional<MatchSummary>> matchSummary(const QString &matchSessionId) const;
    /// The match's conversation closed (inside its transaction).
    Status markEnded(const QString &matchSessionId) const;
    /// The match's conversation revealed the two to each other (inside its transaction).
    Status markRevealed(const QString &matchSessionId) const;
    /// Takes the user out of the queue, if queued (a panic exit, an account deletion, a ban or
    /// restriction by `actorUserId`), inside the caller's transaction; once it commits the live
    /// queue forgets them and their sockets hear `queue.status` idle.
    Status leaveQueueIfQueued(const QString &userId, const QString &actorUserId) const;

    // Staff (GET /api/admin/queue/metrics[/history]).
    Result<admin::QueueMetrics> queueMetrics(int windowMinutes) const;
    Result<admin::QueueHistory> queueHistory(int minutes, int stepMinutes) const;

    Result<QJsonObject> exportFor(const QString &userId) const;

private:
    void tell(const QString &userId, const QJsonObject &frame) const;
    /// Ends the user's active queue entry with `status` (cancelled, expired) and records
    /// queue.left or queue.expired, in one transaction (the caller's when one is open); the
    /// entry ended, none when the user was not queued. `actorUserId` is empty when the system
    /// expired it. With `entryId`, only that entry ends (MatchingRepository::endEntry).
    Result<std::optional<QueueEntry>> endQueueEntry(const QString &userId, const QString &status,
                                                    const QString &actorUserId,
                                                    const QDateTime &now,
                                                    const QString &entryId = {}) const;
    /// Records the pair and opens its conversation in one transaction; false when one of them
    /// left or blocked the other meanwhile.
    bool recordMatch(const MatchSessionRecord &match, const QueueEntry &entryA,
                     const QueueEntry &entryB) const;
    Status loadSafeguardFacts(const QStringList &userIds, const QDateTime &now,
                              SafeguardContext *context,
                              QHash<QString, MatchProfile> *profiles) const;

    const MatchingRepository &m_repository;
    const ProfileService &m_profiles;
    const TrustService &m_trust;
    const SafetyService &m_safety;
    const FriendshipService &m_friendships;
    const DomainEvents &m_events;
    UserNotifier &m_notifier;
    QueuePolicy m_policy;
    Matcher m_matcher;
    TopicInterestMap m_topicInterests;
};

/// A friendly anonymous name for the peer before reveal ("Quiet Otter"): no part of it comes
/// from the person.
QString generateAlias();

/// The p-th percentile (0..100, nearest rank) of `values`; 0 for none.
double percentile(QList<double> values, double p);

} // namespace fp
