#include "server/trust/TrustService.h"

#include "common/Time.h"
#include "server/core/Log.h"
#include "server/storage/Database.h"

#include <QUuid>

namespace fp {

namespace {

AppError noSuchScore()
{
    return AppError::notFound(QStringLiteral("No such user"));
}

/// A lowercase canonical UUID, as every id of this API.
bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
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
                                                const QString &sourceRefId) const
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

Result<TrustVisibility> trustScoreVisibility(const Caller &viewer, const QString &userId)
{
    if (!isUuid(userId))
        return TrustVisibility::Hidden;
    const TrustRepository repository;
    Result<std::optional<TrustSubject>> subject = repository.findSubject(userId);
    if (!subject)
        return subject.error();
    if (!*subject)
        return TrustVisibility::Hidden;
    if (viewer.userId == userId || viewer.role == Role::Moderator || viewer.role == Role::Admin)
        return TrustVisibility::Full;
    Result<bool> related = repository.related(viewer.userId, userId);
    if (!related)
        return related.error();
    return *related ? TrustVisibility::Limited : TrustVisibility::Hidden;
}

Result<TrustScoreView> TrustService::scoreFor(const Caller &viewer, const QString &userId) const
{
    Result<TrustVisibility> visibility = trustScoreVisibility(viewer, userId);
    if (!visibility)
        return visibility.error();
    if (*visibility == TrustVisibility::Hidden)
        return noSuchScore();
    Result<std::optional<StoredTrust>> stored = m_repository.findState(userId);
    if (!stored)
        return stored.error();
    TrustScoreView view;
    view.userId = userId;
    view.visibility = *visibility;
    if (*stored) {
        view.state = (*stored)->state;
        view.updatedAt = view.state.updatedAt;
    } else {
        // No signal yet: the initial state, unchanged since the account was created.
        Result<std::optional<TrustSubject>> subject = m_repository.findSubject(userId);
        if (!subject)
            return subject.error();
        if (!*subject)
            return noSuchScore();
        view.updatedAt = (*subject)->createdAt;
    }
    view.score = view.state.score();
    view.cooldownActive = view.state.cooldownActiveAt(QDateTime::currentDateTimeUtc());
    return view;
}

QJsonObject trustScoreToJson(const TrustScoreView &view)
{
    QJsonObject json {{QStringLiteral("user_id"), view.userId},
                      {QStringLiteral("score"), view.score}};
    if (view.visibility == TrustVisibility::Full) {
        json.insert(QStringLiteral("cooldown_applied"), view.cooldownActive);
        json.insert(QStringLiteral("components"), view.state.componentsJson());
        json.insert(QStringLiteral("updated_at"), toWireTime(view.updatedAt));
    }
    return json;
}

} // namespace fp
