#include "server/trust/TrustService.h"

#include "server/base/Log.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/identity/IdentityService.h"
#include "server/storage/Database.h"

namespace fp {

namespace {

AppError noSuchScore()
{
    return AppError::notFound(QStringLiteral("No such user"));
}

} // namespace

bool TrustRecomputation::consistent() const
{
    if (!problems.isEmpty())
        return false;
    if (!stored)
        return replayed.components == TrustState::initial().components;
    return stored->components == replayed.components &&
        stored->cooldownApplied == replayed.cooldownApplied &&
        (!storedScore || *storedScore == replayed.score());
}

Result<AppliedSignal> TrustService::applySignal(const QString &targetUserId, TrustSignal signal,
                                                const QString &sourceRefId,
                                                const QString &actorUserId) const
{
    const QString source = TrustSignal::sourceName(signal.source);
    if (sourceRefId.isEmpty() || source.isEmpty()) {
        log::error(QStringLiteral("trust_signal_without_source"),
                   {{QStringLiteral("user_id"), targetUserId}, {QStringLiteral("source"), source}});
        return AppError::internal();
    }
    // The ledger's created_at is the signal's time: the engine's 30-day and daily windows are
    // computed from the same instant the row records (milliseconds, as stored).
    if (!signal.occurredAt.isValid())
        signal.occurredAt = QDateTime::currentDateTimeUtc();
    signal.occurredAt = signal.occurredAt.toUTC();

    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<StoredTrust> stored = m_repository.lockState(targetUserId, signal.occurredAt);
    if (!stored)
        return stored.error();
    Result<bool> seen = m_repository.ledgerHas(source, sourceRefId);
    if (!seen)
        return seen.error();
    AppliedSignal applied;
    if (*seen) {
        applied.alreadyApplied = true;
        applied.decision.next = stored->state;
        applied.decision.ignored = true;
        applied.decision.ignoredReason = QStringLiteral("already_applied");
        if (!tx.commit())
            return databaseUnavailable();
        return applied;
    }

    TrustHistory history;
    if (signal.source == TrustSignal::Source::Reflection) {
        Result<TrustHistory> read =
            m_repository.reflectionHistory(targetUserId, signal.reflectorId, signal.occurredAt);
        if (!read)
            return read.error();
        history = *read;
    }
    applied.decision = TrustEngine::apply(stored->state, signal, history);
    if (applied.decision.ignored &&
        applied.decision.ignoredReason == QLatin1String("invalid_signal")) {
        log::error(QStringLiteral("trust_signal_invalid"),
                   {{QStringLiteral("user_id"), targetUserId},
                    {QStringLiteral("source_ref_id"), sourceRefId},
                    {QStringLiteral("problem"),
                     applied.decision.metadata.value(QStringLiteral("problem"))}});
        return AppError::internal();
    }

    // Ignored reflections (30-day rule) are written too, with delta 0: the ledger says why a
    // reflection did not count, and replay skips them.
    applied.eventId = Sql::newId();
    if (Status appended = m_repository.appendLedger({applied.eventId, targetUserId,
                                                     applied.decision.delta, source, sourceRefId,
                                                     applied.decision.metadata, signal.occurredAt});
        !appended)
        return appended.error();
    if (!applied.decision.ignored) {
        if (Status written = m_repository.storeState(targetUserId, applied.decision.next); !written)
            return written.error();
    }
    // Only a real movement: a signal the daily cap reduced to nothing is in the ledger, but
    // nobody's trust changed.
    if (!applied.decision.ignored && !applied.decision.componentDeltas.isZero()) {
        if (Status recorded =
                Outbox::record({.type = event::TrustChanged,
                                .subjectType = QLatin1StringView("user"),
                                .subjectId = targetUserId,
                                .actorUserId = actorUserId,
                                .payload = {{QStringLiteral("old"), stored->state.score()},
                                            {QStringLiteral("new"), applied.decision.next.score()},
                                            {QStringLiteral("delta"), applied.decision.delta},
                                            {QStringLiteral("reason"), source},
                                            {QStringLiteral("ledger_event_id"), applied.eventId}},
                                .occurredAt = signal.occurredAt});
            !recorded)
            return recorded.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return applied;
}

Result<int> TrustService::currentScore(const QString &userId) const
{
    Result<std::optional<StoredTrust>> stored = m_repository.findState(userId);
    if (!stored)
        return stored.error();
    return *stored ? (*stored)->score : TrustState::initial().score();
}

Result<TrustRecomputation> TrustService::recompute(const QString &userId) const
{
    // One transaction: the ledger and the row are read from the same snapshot.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QList<TrustLedgerEntry>> ledger = m_repository.ledger(userId);
    if (!ledger)
        return ledger.error();
    Result<std::optional<StoredTrust>> stored = m_repository.findState(userId);
    if (!stored)
        return stored.error();
    tx.commit();
    TrustRecomputation result;
    result.replayed = TrustEngine::replay(*ledger, &result.problems);
    if (*stored) {
        result.stored = (*stored)->state;
        result.storedScore = (*stored)->score;
    }
    return result;
}

Result<TrustScoreView> TrustService::scoreFor(const Caller &viewer, const QString &userId) const
{
    if (!validation::isUuid(userId))
        return noSuchScore();
    // The caller's own account was vouched for by their token's session check, and staff see
    // everyone's: only other people need the relation asked.
    const bool full = viewer.userId == userId || viewer.isStaff();
    if (!full && m_ports.related.sql.isEmpty())
        return noSuchScore();
    Result<std::optional<TrustSeen>> seen = m_repository.findSeenBy(
        userId, viewer.userId, full ? PairCondition::always() : m_ports.related);
    if (!seen)
        return seen.error();
    if (!*seen || !(*seen)->viewerMay)
        return noSuchScore();
    TrustScoreView view;
    view.userId = userId;
    view.visibility = full ? TrustVisibility::Full : TrustVisibility::Limited;
    if ((*seen)->stored) {
        view.state = (*seen)->stored->state;
        view.updatedAt = view.state.updatedAt;
    } else {
        // No signal yet: the initial state, unchanged since the account was created.
        view.updatedAt = (*seen)->accountCreatedAt;
    }
    view.score = view.state.score();
    view.cooldownActive = view.state.cooldownActiveAt(QDateTime::currentDateTimeUtc());
    return view;
}

Result<QHash<QString, int>> TrustService::currentScores(const QStringList &userIds) const
{
    Result<QHash<QString, int>> stored = m_repository.scores(userIds);
    if (!stored)
        return stored.error();
    QHash<QString, int> scores;
    for (const QString &id : userIds)
        scores.insert(id, stored->value(id, TrustState::initial().score()));
    return scores;
}

Status TrustService::requireAccount(const QString &userId) const
{
    if (!validation::isUuid(userId))
        return noSuchScore();
    Result<std::optional<QDateTime>> since = m_identity.accountCreatedAt(userId, true);
    if (!since)
        return since.error();
    if (!*since)
        return noSuchScore();
    return Ok {};
}

Result<Page<admin::TrustEvent, int>> TrustService::ledgerPage(const QString &userId,
                                                              const PageRequest<int> &page) const
{
    if (Status s = requireAccount(userId); !s)
        return s.error();
    const int offset = page.after.value_or(0);
    Result<QList<admin::TrustEvent>> events = m_repository.events(userId, page.limit + 1, offset);
    if (!events)
        return events.error();
    return paging::offsetPage(std::move(*events), page.limit, offset);
}

Result<admin::TimeSeries> TrustService::history(const QString &userId, const QDateTime &from,
                                                const QDateTime &to) const
{
    if (Status s = requireAccount(userId); !s)
        return s.error();
    Result<int> start = m_repository.scoreBefore(userId, from);
    if (!start)
        return start.error();
    Result<QList<admin::TrustEvent>> events = m_repository.eventsBetween(userId, from, to);
    if (!events)
        return events.error();
    admin::TimeSeries series {QStringLiteral("trust_score"), QStringLiteral("event"), from, to, {}};
    series.points.append({from, double(*start)});
    for (const admin::TrustEvent &e : *events)
        series.points.append({e.createdAt, double(e.scoreAfter)});
    return series;
}

} // namespace fp
