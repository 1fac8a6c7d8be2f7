#pragma once

// The matching domain's data: queue entries, match sessions, the rules of the queue, and what a
// matcher pass did.

#include "server/matching/Matcher.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace fp {

struct QueueEntry
{
    QString id;
    QString userId;
    QString status;
    QDateTime enqueuedAt;
    QString matchSessionId;
};

struct MatchSessionRecord
{
    QString id;
    QString userA;
    QString userB;
    QString aliasA;
    QString aliasB;
    QString status;
    QDateTime matchedAt;
    double score = 0;
    QJsonObject breakdown;
    QJsonArray reasons;
    QString conversationId;
};

/// A match as other domains need it.
struct MatchSummary
{
    QString id;
    QString userA;
    QString userB;
    QString status; // pending, active_chat, ended, friend_revealed
};

/// A validated queue status answer (GET /api/matching/queue/status).
struct QueueStatus
{
    QString status; // idle, active, matched
    QDateTime enqueuedAt; // active
    qint64 waitSeconds = 0; // active
    QString matchSessionId; // matched
};

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

/// One queue entry that overlaps a time window (for the staff's queue history).
struct QueueSpan
{
    QDateTime enqueuedAt;
    QDateTime dequeuedAt; // invalid = still queued
    QString status;
};

} // namespace fp
