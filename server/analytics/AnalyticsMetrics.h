#pragma once

// The product metrics (docs/analytics.md): what each is called on a chart, its unit, its
// one-line definition, and how it is read from the rollups. Pure: the catalogue, the queue-wait
// histogram's bins and percentiles, and the small-cell rule, unit-tested on their own.

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp::AnalyticsMetrics {

/// How a metric's value is computed from analytics_counters (or the active-people tables).
enum class Kind {
    Count, // the sum of `counter` (over `dimension` when set, else over every dimension)
    Ratio, // sum(counter, dimension) / sum(denominator over every dimension) x scale
    Percentile, // a percentile of the histogram kept in `counter` (dimension = bin)
    ActivePeople, // distinct people active per bucket (dau: day, wau: week, mau: month)
};

struct Metric
{
    QString key; // the API's name
    QString title; // what a chart is titled
    QString unit; // what its values are, in words
    QString definition; // one line
    Kind kind = Kind::Count;
    QString counter; // analytics_counters.metric
    QString dimension; // Ratio: the numerator's dimension
    QString denominator; // Ratio: the denominator's counter
    double scale = 1; // Ratio: x100 for "per 100"
    double quantile = 0; // Percentile
    /// Whether a series may be split by the counter's dimension (gate, reason, name...).
    QString dimensionName;
    /// The only bucket an ActivePeople metric is read by (day, week, month); empty: any.
    QString fixedBucket;
};

/// Every metric, in the order a console lists them.
const QList<Metric> &all();
std::optional<Metric> find(const QString &key);

/// Upper bounds (seconds) of the queue-wait histogram's bins; the last bin is open-ended.
const QList<int> &waitBins();
/// The dimension a wait of `seconds` is counted in: its bin's upper bound, zero-padded so the
/// dimensions sort as numbers ("000005"), "inf" past the last.
QString waitBinFor(qint64 seconds);
/// The `quantile` (0..1) of a histogram given as (bin dimension, count): the upper bound of
/// the bin the quantile falls in (seconds), or nullopt for an empty histogram. The open-ended
/// bin answers the last bound.
std::optional<double> percentile(const QList<QPair<QString, qint64>> &bins, double quantile);

/// Whether a cell counting `people` (or events, or a rate's denominator) must be hidden: more
/// than none and fewer than `minimum`, so nobody can be singled out.
inline bool suppressed(qint64 people, int minimum)
{
    return people > 0 && people < minimum;
}

/// The steps of the funnel, in order (analytics_people's columns, signed_up_at first).
struct FunnelStep
{
    QString key;
    QString title;
    QString column;
};
const QList<FunnelStep> &funnelSteps();

/// The start of the bucket (minute, hour, day, week: Monday, month) `t` falls in, UTC.
QDateTime floorTo(const QDateTime &t, const QString &bucket);
/// The start of the bucket after the one starting at `start`.
QDateTime nextBucket(const QDateTime &start, const QString &bucket);
/// Which analytics_counters grain a bucket is summed from (week and month: days).
QString grainFor(const QString &bucket);

/// The bins of the time between two funnel steps: upper bounds in seconds, from 0 (the same
/// moment) to a year. The funnel keeps how many people fell in each bin per sign-up day
/// (analytics_funnel_cells), so its median is the upper bound of the bin it falls in.
const QList<qint64> &funnelGapBins();
/// The bin (its upper bound) a time of `seconds` between two steps is counted in: negative
/// times count as 0, times past the last bound in the last bin.
qint64 funnelGapBinFor(double seconds);
/// The median of a histogram given as bin upper bound -> people: the upper bound of the bin
/// the middle person falls in; nullopt when empty.
std::optional<double> binnedMedian(const QMap<qint64, qint64> &bins);

} // namespace fp::AnalyticsMetrics
