#pragma once

// All SQL of the trust domain: the trust_scores snapshot and the append-only
// trust_score_events ledger.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/storage/PairCondition.h"
#include "server/trust/TrustTypes.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

class TrustRepository
{
public:
    /// Locks the user's trust_scores row for the rest of the transaction, creating it in the
    /// initial state (updated_at = `createdAt`) when missing, and returns it. Needs a
    /// transaction. 404 when the user does not exist; 500 (logged) for an unreadable row.
    Result<StoredTrust> lockState(const QString &userId, const QDateTime &createdAt) const;
    /// The stored row, read without locking; nullopt when the user has none yet.
    Result<std::optional<StoredTrust>> findState(const QString &userId) const;
    /// The person's account and trust row as `viewerId` may see them, in one statement:
    /// nullopt for an unknown or deleted account, else its creation time, its trust row if any
    /// and whether `viewerMay` holds for (viewer, person).
    Result<std::optional<TrustSeen>> findSeenBy(const QString &userId, const QString &viewerId,
                                                const PairCondition &viewerMay) const;
    /// The score column of each of these people who has a row, by user id.
    Result<QHash<QString, int>> scores(const QStringList &userIds) const;
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

    /// Newest first, each with the running score (50 + the sum of deltas up to it); `offset`
    /// rows skipped, at most `limit` read.
    Result<QList<admin::TrustEvent>> events(const QString &userId, int limit, int offset) const;
    /// Oldest first, within [from, to).
    Result<QList<admin::TrustEvent>> eventsBetween(const QString &userId, const QDateTime &from,
                                                   const QDateTime &to) const;
    /// The running score before `at` (50 without earlier rows).
    Result<int> scoreBefore(const QString &userId, const QDateTime &at) const;
    /// {trust_scores, trust_score_events}: the person's rows for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
};

} // namespace fp
