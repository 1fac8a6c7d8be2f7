#pragma once

// All SQL of trust: the trust_scores snapshot, the append-only trust_score_events ledger, and
// the few facts about users the trust routes need (existence, shared matches and friendships).

#include "common/Result.h"
#include "server/trust/TrustEngine.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

/// A trust_scores row as stored.
struct StoredTrust
{
    TrustState state;
    int score = 50; // the score column (equals state.score() for a consistent row)
};

/// One trust_score_events row to append.
struct TrustLedgerRow
{
    QString id;
    QString userId;
    int delta = 0;
    QString source; // trust_score_events.source
    QString sourceRefId;
    QJsonObject metadata;
    QDateTime createdAt;
};

/// The users row facts the trust score route needs.
struct TrustSubject
{
    QString userId;
    QDateTime createdAt;
};

class TrustRepository
{
public:
    /// Locks the user's trust_scores row for the rest of the transaction, creating it in the
    /// initial state (updated_at = `createdAt`) when missing, and returns it. Needs a
    /// transaction. 404 when the user does not exist; 500 (logged) for an unreadable row.
    Result<StoredTrust> lockState(const QString &userId, const QDateTime &createdAt) const;
    /// The stored row, read without locking; nullopt when the user has none yet.
    Result<std::optional<StoredTrust>> findState(const QString &userId) const;
    /// Writes `state` (score, components_json, cooldown_applied, updated_at) to the locked row.
    Status storeState(const QString &userId, const TrustState &state) const;

    /// Whether a ledger row for this (source, source_ref_id) exists: a signal is applied once.
    Result<bool> ledgerHas(const QString &source, const QString &sourceRefId) const;
    /// What TrustEngine needs about `targetId`'s past reflections at `now` (docs/trust.md).
    Result<TrustHistory> reflectionHistory(const QString &targetId, const QString &reflectorId,
                                           const QDateTime &now) const;
    Status appendLedger(const TrustLedgerRow &row) const;
    /// Every ledger row of the user, oldest first: the input of TrustEngine::replay.
    Result<QList<TrustLedgerEntry>> ledger(const QString &userId) const;

    /// The user, unless unknown or deleted.
    Result<std::optional<TrustSubject>> findSubject(const QString &userId) const;
    /// Whether the two users share a match (any status) or a friendship that has not ended.
    Result<bool> related(const QString &userId, const QString &otherUserId) const;
};

} // namespace fp
