#pragma once

// The trust domain: applies signals (reflections, confirmed reports, queue-spam penalties,
// manual reviews) to a person's stored trust through the pure TrustEngine, reads scores and the
// ledger, replays it, and decides who may see a score. No HTTP and no SQL here.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/base/Paging.h"
#include "server/trust/TrustPorts.h"
#include "server/trust/TrustRepository.h"

namespace fp {

class IdentityService;

class TrustService
{
public:
    TrustService(const TrustRepository &repository, const IdentityService &identity)
        : m_repository(repository), m_identity(identity)
    { }
    void connect(TrustPorts ports) { m_ports = std::move(ports); }

    /// Applies `signal` to `targetUserId`'s trust, once per (signal source, `sourceRefId`): locks
    /// the target's row, reads the history the engine needs, appends the ledger row
    /// (created_at = signal.occurredAt, set to now when left invalid) and stores the next state.
    /// Joins the caller's transaction when one is open (so the caller's row, the ledger and the
    /// score commit together), else runs in its own. 404 for an unknown target; 500 (logged) for
    /// a signal the engine finds invalid, which is a caller's bug. Every change of a score goes
    /// through here and records trust.changed; `actorUserId` is who caused it (the reflector,
    /// the moderator), empty for the system (a queue-spam penalty).
    Result<AppliedSignal> applySignal(const QString &targetUserId, TrustSignal signal,
                                      const QString &sourceRefId,
                                      const QString &actorUserId = {}) const;
    /// The stored score, or the initial 50 when the user has no trust row yet.
    Result<int> currentScore(const QString &userId) const;
    /// Scores of many people at once (50 for those without a row), by user id.
    Result<QHash<QString, int>> currentScores(const QStringList &userIds) const;
    /// Replays the user's ledger and compares it with the stored row (read-only).
    Result<TrustRecomputation> recompute(const QString &userId) const;
    /// GET /api/trust_score/{user_id}, in one statement. The one rule for who sees what of a
    /// trust score (API_SPEC "Reflection, trust, rituals"): self and staff everything, someone
    /// related to the person (TrustPorts::related) the score only, anyone else nothing: 404,
    /// as for unknown, deleted and malformed ids.
    Result<TrustScoreView> scoreFor(const Caller &viewer, const QString &userId) const;

    /// Staff: the ledger newest first, each row with the score after it.
    Result<Page<admin::TrustEvent, int>> ledgerPage(const QString &userId,
                                                    const PageRequest<int> &page) const;
    /// Staff: the score as a step series over [from, to): its value at `from`, then one point
    /// per ledger row.
    Result<admin::TimeSeries> history(const QString &userId, const QDateTime &from,
                                      const QDateTime &to) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }

private:
    /// 404 unless the account exists and is not deleted.
    Status requireAccount(const QString &userId) const;

    const TrustRepository &m_repository;
    const IdentityService &m_identity;
    TrustPorts m_ports;
};

} // namespace fp
