#pragma once

// All SQL of the matching domain: the queue history (matching_queue_entries), match sessions
// and the conversations they open, and what the matcher must know about the waiting people.

#include "common/Result.h"
#include "server/matching/MatchProfile.h"
#include "server/matching/Safeguards.h"
#include "server/matching/Scoring.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <optional>

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

class MatchingRepository
{
public:
    Result<std::optional<QueueEntry>> activeEntry(const QString &userId) const;
    Result<QList<QueueEntry>> activeEntries() const;
    Result<bool> inOpenConversation(const QString &userId) const;
    /// Inserts an active entry; a concurrent second join hits the one-active-entry key: Conflict.
    Result<QueueEntry> enqueue(const QString &userId, const QString &regionKey,
                               const QDateTime &now) const;
    /// Ends the user's active entry with `status` (cancelled/expired); false when there was none.
    Result<bool> endEntry(const QString &userId, const QString &status, const QDateTime &now) const;
    /// The user's newest entry (for GET /queue/status after a match).
    Result<std::optional<QueueEntry>> latestEntry(const QString &userId) const;
    Result<std::optional<MatchSessionRecord>> matchSession(const QString &id) const;

    /// In one transaction: both entries active → matched, the match_sessions row and its
    /// conversation (state anonymous). Returns the conversation id, or Conflict when either
    /// entry was no longer active (someone left, or another pass took them).
    Result<QString> recordMatch(const MatchSessionRecord &match, const QString &entryA,
                                const QString &entryB) const;

    /// What safeguards need to know about the waiting users: blocks among them, their recent
    /// matches, trust, finished conversations and open reports.
    Status loadSafeguardFacts(const QStringList &userIds, const QDateTime &since,
                              SafeguardContext *context,
                              QHash<QString, MatchProfile> *profiles) const;
};

} // namespace fp
