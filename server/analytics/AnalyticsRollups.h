#pragma once

// Keeps the product analytics rollups (sql/0018, docs/analytics.md) from events: counters per
// metric, dimension and minute/hour/day, who was active on which day and in which week, each
// person's funnel, the cohorts' activity, and what it needs to remember of a conversation to
// count it once. The live consumer (AnalyticsConsumer) and the rebuild (AnalyticsService::
// rebuild) apply events through this one class, so the two give the same numbers.

#include "server/analytics/AnalyticsRepository.h"
#include "server/events/StreamEvent.h"

#include <QList>

namespace fp {

/// One counter an event adds to (at each grain): pure, from the event alone. Most count
/// occurrences (1); a few sum an amount (queue_wait_seconds: the seconds waited).
struct CounterHit
{
    QString metric;
    QString dimension;
    QDateTime at;
    qint64 amount = 1;
};

class AnalyticsRollups
{
public:
    explicit AnalyticsRollups(const AnalyticsRepository &repository) : m_repository(repository) { }

    /// Applies `events` (in stream order) inside the open transaction, which must hold the
    /// rollups' lock (AnalyticsRepository::lockRollups). `now` decides which minute and hour
    /// buckets are already past their retention (not written).
    Status apply(const QList<StreamEvent> &events, const QDateTime &now) const;

    /// Counts, in analytics_funnel_cells, every person who signed up before `cutoff` (people
    /// added to analytics_people without their events: a rebuild's history before the kept
    /// events). Inside the rebuild's transaction.
    Status countFunnelOfPeopleBefore(const QDateTime &cutoff) const;

    /// Adds `sign` (1: count, -1: uncount) to each analytics_funnel_cells row `person` is in.
    static void addFunnelCellsOf(const FunnelPerson &person, qint64 sign,
                                 QMap<FunnelCellKey, qint64> *cells);
    /// The counters `e` adds to that need nothing but the event itself.
    static QList<CounterHit> countersOf(const StreamEvent &e);
    /// The start of the minute, hour or day `t` falls in (UTC).
    static QDateTime bucketStart(const QDateTime &t, const QString &grain);
    /// The Monday of the week `day` falls in.
    static QDate weekOf(const QDate &day);

private:
    const AnalyticsRepository &m_repository;
};

} // namespace fp
