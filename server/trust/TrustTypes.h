#pragma once

// The trust domain's data: a stored trust row, a ledger row, what applying a signal did, a
// replay of the ledger, and a score as a viewer may see it. The engine's own types (state,
// signals, decisions) are in TrustEngine.h.

#include "server/trust/TrustEngine.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
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

/// What applySignal did.
struct AppliedSignal
{
    /// This (source, source_ref_id) was already in the ledger: nothing was done.
    bool alreadyApplied = false;
    /// The ledger row written (empty when alreadyApplied).
    QString eventId;
    /// The engine's decision; `decision.ignored` rows are written too (delta 0), see docs/trust.md.
    TrustDecision decision;
};

/// A ledger replay next to the stored row (TrustService::recompute).
struct TrustRecomputation
{
    TrustState replayed;
    std::optional<TrustState> stored; // nullopt: the user has no trust_scores row
    std::optional<int> storedScore; // its score column
    QStringList problems; // from TrustEngine::replay: empty for a readable, consistent ledger
    /// The replay gives the stored components, score and cooldown flag, and no problems.
    bool consistent() const;
};

/// How much of `user_id`'s score a caller may see (GET /api/trust_score/{user_id}).
enum class TrustVisibility {
    Hidden, // 404: unknown, deleted, malformed id, or no relation
    Limited, // {user_id, score}: shares a match or a live friendship with the user
    Full, // everything: the user themself, moderators and admins
};

/// What one statement reads for a view of someone's score (TrustRepository::findSeenBy).
struct TrustSeen
{
    QDateTime accountCreatedAt;
    std::optional<StoredTrust> stored;
    bool viewerMay = false;
};

/// A score as the API shows it.
struct TrustScoreView
{
    QString userId;
    TrustVisibility visibility = TrustVisibility::Hidden;
    int score = 50;
    TrustState state;
    bool cooldownActive = false; // state.cooldownActiveAt(now)
    QDateTime updatedAt; // the last signal's time, or the account's creation without one
};

} // namespace fp
