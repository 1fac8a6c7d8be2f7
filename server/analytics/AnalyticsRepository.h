#pragma once

// All SQL of the analytics domain: the analytics_events stream (backend-proposal §13.G) and the
// rollups the consumer keeps (docs/analytics.md), which every chart reads, the legacy staff
// time series too. Other domains' tables are read only by a rebuild, for the people who signed
// up before the kept events (the reads named in docs/architecture.md).

#include "common/Result.h"
#include "server/analytics/AnalyticsTypes.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <optional>

namespace fp {

class AnalyticsRepository
{
public:
    /// Stores a batch with one multi-row INSERT IGNORE: events whose event_id is already stored
    /// (or repeated within the batch) are dropped. Returns the events newly stored, in batch
    /// order. Run it in a transaction: it reads back what it stored.
    Result<QList<AnalyticsEvent>> insertEvents(const QString &userId,
                                               const QList<AnalyticsEvent> &events) const;

    /// Adds `counts` (events per type and hour) to analytics_event_counts, in key order so two
    /// consumers adding to the same rows at once cannot deadlock.
    Status addEventCounts(const QMap<QPair<QString, QDateTime>, qint64> &counts) const;

    // The rollups (sql/0018, docs/analytics.md), written inside the consumer's transaction.

    /// Takes the rollups' lock row: shared for a consumer's batch, exclusive for a rebuild, so
    /// the two never interleave.
    Status lockRollups(bool exclusive) const;
    /// Adds to analytics_counters in key order (two batches cannot deadlock on them).
    Status addCounters(const QMap<CounterKey, qint64> &counters) const;
    Status addCohortActivity(const QMap<CohortKey, qint64> &cells) const;
    /// Records that `person` was active on `day` (or in `week`); true when it is news.
    Result<bool> markActiveDay(const QDate &day, const QString &person) const;
    Result<bool> markActiveWeek(const QDate &week, const QString &person) const;
    /// The person's sign-up, read with a lock (the newest committed row); nullopt when the
    /// person never signed up (staff seeded at start, or deleted before the rollups existed).
    Result<std::optional<PersonCohort>> personCohort(const QString &person) const;
    /// Adds a person who signed up; false when they were known already.
    Result<bool> insertPerson(const QString &person, const QDateTime &signedUpAt,
                              const QDate &cohortWeek) const;
    /// Stamps a funnel step (a column named by AnalyticsMetrics::funnelSteps()) unless it is.
    Status setPersonStep(const QString &person, const QString &column, const QDateTime &at) const;
    Status setPersonDimensions(const QString &person, const QString &region,
                               const QString &ageRange, const QString &intention) const;
    /// A friendship: the first, or else the second.
    Status addPersonFriendship(const QString &person, const QDateTime &at) const;
    /// The person's row as the funnel counts it, locked for update; nullopt when not known.
    Result<std::optional<FunnelPerson>> funnelPerson(const QString &person) const;
    /// Up to `limit` people who signed up before `cutoff`, in id order after `afterPerson`
    /// (a page of them: id -> row).
    Result<QMap<QString, FunnelPerson>>
    funnelPeopleBefore(const QDateTime &cutoff, const QString &afterPerson, int limit) const;
    /// Adds `delta` to analytics_funnel_cells in key order, and drops the cells it empties.
    Status addFunnelCells(const QMap<FunnelCellKey, qint64> &delta) const;
    Status trackConversation(const QString &conversationId, const QString &personA,
                             const QString &personB, const QDateTime &startedAt) const;
    /// The conversation as remembered, locked for update; nullopt when not remembered.
    Result<std::optional<TrackedConversation>>
    trackedConversation(const QString &conversationId) const;
    Status setConversationGate(const QString &conversationId, int gate) const;
    Status setConversationEnded(const QString &conversationId, const QString &outcome) const;

    /// Empties every rollup (a rebuild, inside its transaction).
    Status wipeRollups() const;
    /// People who signed up before `cutoff` (before the kept events begin), from the accounts
    /// and profiles themselves: a rebuild's history before the stream. Deleted accounts come
    /// under a pseudonym. Returns how many.
    Result<int> backfillPeopleBefore(const QDateTime &cutoff) const;
    /// Drops minute rows older than 2 days, hour rows older than 90 days, and conversations
    /// started more than 90 days ago; at most `limit` rows of each. Returns how many.
    Result<int> purgeRollups(const QDateTime &now, int limit = 10000) const;
    /// A deleted account: wherever the rollups name it, a pseudonym of its own stands instead.
    Status pseudonymise(const QString &userId) const;

    // Reading the rollups.

    /// analytics_counters rows of `metric` at `grain` in [from, to); of one dimension when
    /// `dimension` is set, of those starting with `dimensionPrefix` when that is.
    Result<QList<CounterValue>> counters(const QString &metric, const QString &grain,
                                         const QDateTime &from, const QDateTime &to,
                                         const std::optional<QString> &dimension = std::nullopt,
                                         const QString &dimensionPrefix = {}) const;
    /// Distinct active people per bucket start ("day": per day, "week": per Monday, "month":
    /// per first of the month) in [from, to).
    Result<QMap<QDate, qint64>> activePeople(const QString &bucket, const QDate &from,
                                             const QDate &to) const;
    /// The funnel's cells of the query's breakdown ("none" when it has none) summed over its
    /// sign-up days, per breakdown value, step and gap bin.
    Result<QList<FunnelCell>> funnelCells(const FunnelQuery &query) const;
    /// Every analytics_cohort_activity row of the sign-up weeks in [fromWeek, toWeek].
    Result<QMap<CohortKey, qint64>> cohortActivity(const QDate &fromWeek,
                                                   const QDate &toWeek) const;

    /// {analytics_events}: the person's events for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// Unlinks the person from their events (product analytics stay, anonymous).
    Status anonymise(const QString &userId) const;
};

} // namespace fp
