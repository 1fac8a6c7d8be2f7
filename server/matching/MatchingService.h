#pragma once

// The matching domain's rules: who may join the queue and when (onboarded, not restricted, not
// already queued or chatting, not in a spam cooldown), the queue views, and one matcher pass:
// reconcile the live queue with its history, expire abandoned entries, score the waiting with
// the safeguards applied, and record each pair with its conversation in one transaction before
// telling both people over WebSocket.

#include "common/Result.h"
#include "server/core/Http.h"
#include "server/matching/Matcher.h"
#include "server/matching/MatchingRepository.h"

#include <QJsonObject>
#include <QString>

namespace fp {

class EventBus;

struct QueuePolicy
{
    int spamWindowSeconds = 10 * 60;
    int joinsBeforeCooldown = 6; // the 7th join in the window starts a cooldown
    int firstCooldownSeconds = 60; // doubling with each further join, up to an hour
    int maxCooldownSeconds = 3600;
    int joinsBeforePenalty = 12; // sustained abuse: a cooldown_penalty on the trust ledger
    int recentMatchDays = 30;
};

struct PassReport
{
    MatchPassStats stats;
    int matched = 0;
    int expired = 0;
    QList<double> matchedWaitSeconds;
};

class MatchingService
{
public:
    MatchingService(EventBus &bus, QueuePolicy policy = {});

    Result<QueueEntry> join(const Caller &caller, const QString &regionKey) const;
    Result<bool> leave(const QString &userId) const;
    Result<QJsonObject> status(const QString &userId) const;
    Result<QJsonObject> session(const Caller &caller, const QString &matchSessionId) const;

    /// One pass over the whole queue (the caller holds the matcher lease).
    PassReport runPass(const QDateTime &now) const;
    /// Keeps queued users who have an open socket on this instance alive, and tells them how
    /// long they have waited (queue.status).
    void announceWaiting(const QStringList &connectedUserIds, const QDateTime &now) const;

private:
    void tell(const QString &userId, const QJsonObject &frame) const;

    EventBus &m_bus;
    QueuePolicy m_policy;
    MatchingRepository m_repository;
    Matcher m_matcher;
};

/// A friendly anonymous name for the peer before reveal ("Quiet Otter"): no part of it comes
/// from the person.
QString generateAlias();

} // namespace fp
