#pragma once

// Trust as a service: applies signals (reflections, confirmed reports, queue-spam penalties,
// manual reviews) to a user's stored trust through the pure TrustEngine, reads scores, replays
// the ledger, and decides who may see a score. No HTTP and no SQL here.

#include "common/Result.h"
#include "server/core/Http.h"
#include "server/trust/TrustEngine.h"
#include "server/trust/TrustRepository.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

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

class TrustService
{
public:
    /// Applies `signal` to `targetUserId`'s trust, once per (signal source, `sourceRefId`): locks
    /// the target's row, reads the history the engine needs, appends the ledger row
    /// (created_at = signal.occurredAt, set to now when left invalid) and stores the next state.
    /// Joins the caller's transaction when one is open (so the caller's row, the ledger and the
    /// score commit together), else runs in its own. 404 for an unknown target; 500 (logged) for
    /// a signal the engine finds invalid, which is a caller's bug.
    Result<AppliedSignal> applySignal(const QString &targetUserId, TrustSignal signal,
                                      const QString &sourceRefId) const;
    /// The stored score, or the initial 50 when the user has no trust row yet.
    Result<int> currentScore(const QString &userId) const;
    /// Replays the user's ledger and compares it with the stored row (read-only).
    Result<TrustRecomputation> recompute(const QString &userId) const;
    /// GET /api/trust_score/{user_id}: 404 unless trustScoreVisibility allows a view.
    Result<TrustScoreView> scoreFor(const Caller &viewer, const QString &userId) const;

private:
    TrustRepository m_repository;
};

/// The one rule for who sees what of a trust score (API_SPEC "Reflection, trust, rituals"):
/// self and staff everything, a user sharing a match or a live friendship the score only,
/// anyone else nothing. Unknown, deleted and malformed ids are Hidden for everyone.
Result<TrustVisibility> trustScoreVisibility(const Caller &viewer, const QString &userId);

/// Full: {user_id, score, cooldown_applied, components, updated_at}; Limited: {user_id, score}.
QJsonObject trustScoreToJson(const TrustScoreView &view);

} // namespace fp
