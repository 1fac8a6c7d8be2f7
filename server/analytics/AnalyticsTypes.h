#pragma once

// The analytics domain's data: one validated client event, the staff time series' buckets, the
// rollups' rows and the validated queries of the product analytics routes (docs/analytics.md).

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>
#include <tuple>

namespace fp {

/// One validated client event, ready to store.
struct AnalyticsEvent
{
    QString eventId; // the client's id, globally unique (uq_analytics_event_id)
    QString eventName;
    QDateTime occurredAt;
    QString sessionId; // empty: none
    QJsonObject properties;
};

/// A validated GET /api/admin/analytics/timeseries.
struct TimeSeriesQuery
{
    QString metric; // one of admin::TimeSeries::metrics()
    QString bucket; // hour, day
    QDateTime from; // floored to the bucket
    QDateTime to;
};

/// One row of analytics_counters.
struct CounterKey
{
    QString metric;
    QString grain; // minute, hour, day
    QString dimension; // "" for none
    QDateTime bucketStart;

    friend bool operator<(const CounterKey &a, const CounterKey &b)
    {
        return std::tie(a.metric, a.grain, a.dimension, a.bucketStart) <
            std::tie(b.metric, b.grain, b.dimension, b.bucketStart);
    }
};

/// One row of analytics_cohort_activity.
struct CohortKey
{
    QDate cohortWeek;
    QString period; // size, day, week
    int offset = 0;

    friend bool operator<(const CohortKey &a, const CohortKey &b)
    {
        return std::tie(a.cohortWeek, a.period, a.offset) <
            std::tie(b.cohortWeek, b.period, b.offset);
    }
};

/// When a person signed up, as the cohort tables need it.
struct PersonCohort
{
    QDate signedUpDay;
    QDate cohortWeek; // the Monday of the sign-up week
};

/// What the consumer remembers of a conversation (analytics_conversations).
struct TrackedConversation
{
    QString personA;
    QString personB;
    QDateTime startedAt;
    int reachedGate = 0;
    QString ended; // running, revealed, closed
};

/// One value read from analytics_counters.
struct CounterValue
{
    QString dimension;
    QDateTime bucketStart;
    qint64 value = 0;
};

/// A validated GET /api/admin/analytics/series.
struct SeriesQuery
{
    QString metric; // an AnalyticsMetrics key
    QString bucket; // minute, hour, day, week, month
    QDateTime from; // floored to the bucket
    QDateTime to;
    bool split = false; // one series per dimension
    QString dimension; // only this dimension; empty: all
};

/// A validated GET /api/admin/analytics/funnel: people who signed up in [from, to) (UTC days).
struct FunnelQuery
{
    QDate from;
    QDate to; // exclusive
    QString breakdown; // "", region, age_range, intention
};

/// One person's row of analytics_people as the funnel counts it: the sign-up day, the
/// breakdowns (empty: not given) and when each step was first reached.
struct FunnelPerson
{
    QDate signedUpDay;
    QString region;
    QString ageRange;
    QString intention;
    QList<QDateTime> steps; // AnalyticsMetrics::funnelSteps() order; invalid: not reached

    friend bool operator==(const FunnelPerson &a, const FunnelPerson &b)
    {
        return std::tie(a.signedUpDay, a.region, a.ageRange, a.intention, a.steps) ==
            std::tie(b.signedUpDay, b.region, b.ageRange, b.intention, b.steps);
    }
};

/// One row of analytics_funnel_cells: of the people who signed up on `signupDay` with the
/// breakdown's `value` ('' when not given; breakdown "none": everyone), those who reached
/// `step`, by how long after the step before (`gapBin`: a funnelGapBins() bound, -1 when they
/// never reached the step before, or for the first step).
struct FunnelCellKey
{
    QString breakdown; // none, region, age_range, intention
    QDate signupDay;
    QString value;
    int step = 0;
    qint64 gapBin = -1;

    friend bool operator<(const FunnelCellKey &a, const FunnelCellKey &b)
    {
        return std::tie(a.breakdown, a.signupDay, a.value, a.step, a.gapBin) <
            std::tie(b.breakdown, b.signupDay, b.value, b.step, b.gapBin);
    }
};

/// The funnel's cells summed over a range of sign-up days.
struct FunnelCell
{
    QString value;
    int step = 0;
    qint64 gapBin = -1;
    qint64 people = 0;
};

/// A validated GET /api/admin/analytics/retention: sign-up weeks from..to (Mondays).
struct RetentionQuery
{
    QDate fromWeek;
    QDate toWeek; // inclusive
};

/// A validated GET /api/admin/analytics/client-events.
struct ClientEventsQuery
{
    QString bucket; // hour, day
    QDateTime from;
    QDateTime to;
    QString name; // empty: every name
    QString property; // with a name: break down by this property's values
};

/// One point of a product analytics series: the value, or null when there is nothing to
/// divide by or when the cell is suppressed (fewer than FP_ANALYTICS_MIN_CELL people).
struct SeriesPoint
{
    QDateTime t;
    std::optional<double> value;
    bool suppressed = false;
};

struct Series
{
    std::optional<QString> dimension; // nullopt: the total
    QList<SeriesPoint> points;
};

/// GET /api/admin/analytics/series and /client-events.
struct SeriesResult
{
    QString metric;
    QString title;
    QString unit;
    QString bucket;
    QDateTime from;
    QDateTime to;
    int minCell = 0;
    QStringList properties; // client events: the properties seen for the name
    QList<Series> series;
};

struct FunnelStepResult
{
    QString key;
    QString title;
    std::optional<qint64> people; // nullopt: suppressed
    bool suppressed = false;
    std::optional<double> conversion; // of the step before
    std::optional<double> fromStart; // of those who signed up
    std::optional<double> medianSecondsFromPrevious;
};

struct FunnelGroup
{
    std::optional<QString> key; // the breakdown's value; nullopt: everyone / not given
    QList<FunnelStepResult> steps;
};

struct FunnelResult
{
    FunnelQuery query;
    int minCell = 0;
    QList<FunnelGroup> groups;
};

struct CohortCell
{
    int offset = 0;
    std::optional<qint64> people; // nullopt: suppressed
    std::optional<double> share;
    bool suppressed = false;
};

struct CohortRow
{
    QDate week;
    std::optional<qint64> size;
    bool suppressed = false;
    CohortCell d1;
    CohortCell d7;
    CohortCell d30;
    QList<CohortCell> weeks; // week 0 (the sign-up week) onwards, up to this week
};

struct RetentionResult
{
    RetentionQuery query;
    int minCell = 0;
    QList<CohortRow> cohorts;
};

} // namespace fp
