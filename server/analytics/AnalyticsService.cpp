#include "server/analytics/AnalyticsService.h"

#include "server/analytics/AnalyticsMetrics.h"
#include "server/events/Outbox.h"
#include "server/storage/Database.h"

#include <QHash>
#include <QSet>

namespace fp {

Result<int> AnalyticsService::record(const QString &userId,
                                     const QList<AnalyticsEvent> &events) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<QList<AnalyticsEvent>> accepted = m_repository.insertEvents(userId, events);
    if (!accepted)
        return accepted.error();
    // One client.event per event stored now; a repeated event_id was announced the first time.
    for (const AnalyticsEvent &e : std::as_const(*accepted)) {
        if (Status recorded =
                Outbox::record({.type = event::ClientEvent,
                                .subjectType = QLatin1StringView("user"),
                                .subjectId = userId,
                                .actorUserId = userId,
                                .payload = {{QStringLiteral("name"), e.eventName},
                                            {QStringLiteral("properties"), e.properties}},
                                .occurredAt = e.occurredAt});
            !recorded)
            return recorded.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return int(accepted->size());
}

namespace {

using AnalyticsMetrics::Kind;
using AnalyticsMetrics::Metric;

/// Bucket start -> sum, over the rows (of one dimension or all).
QMap<QDateTime, qint64> sumByBucket(const QList<CounterValue> &rows, const QString &bucket,
                                    const std::optional<QString> &onlyDimension = std::nullopt)
{
    QMap<QDateTime, qint64> sums;
    for (const CounterValue &r : rows) {
        if (onlyDimension && r.dimension != *onlyDimension)
            continue;
        sums[AnalyticsMetrics::floorTo(r.bucketStart, bucket)] += r.value;
    }
    return sums;
}

QList<QDateTime> bucketsOf(const QDateTime &from, const QDateTime &to, const QString &bucket)
{
    QList<QDateTime> starts;
    for (QDateTime t = from; t < to; t = AnalyticsMetrics::nextBucket(t, bucket))
        starts.append(t);
    return starts;
}

SeriesPoint countPoint(const QDateTime &t, qint64 n, int minCell)
{
    if (AnalyticsMetrics::suppressed(n, minCell))
        return {t, std::nullopt, true};
    return {t, double(n), false};
}

} // namespace

Result<SeriesResult> AnalyticsService::series(const SeriesQuery &query) const
{
    const std::optional<Metric> found = AnalyticsMetrics::find(query.metric);
    if (!found)
        return AppError::validation({{QStringLiteral("query.metric"), QStringLiteral("unknown")}});
    const Metric &m = *found;
    SeriesResult result {m.key,     m.title, m.unit, query.bucket, query.from, query.to,
                         m_minCell, {},      {}};
    const QList<QDateTime> buckets = bucketsOf(query.from, query.to, query.bucket);

    if (m.kind == Kind::ActivePeople) {
        Result<QMap<QDate, qint64>> people =
            m_repository.activePeople(query.bucket, query.from.date(), query.to.date().addDays(1));
        if (!people)
            return people.error();
        Series total;
        for (const QDateTime &t : buckets)
            total.points.append(countPoint(t, people->value(t.date()), m_minCell));
        result.series.append(total);
        return result;
    }

    const QString grain = AnalyticsMetrics::grainFor(query.bucket);
    const std::optional<QString> dimension =
        query.dimension.isEmpty() ? std::nullopt : std::optional<QString>(query.dimension);
    Result<QList<CounterValue>> rows = m_repository.counters(
        m.counter, grain, query.from, query.to, m.kind == Kind::Count ? dimension : std::nullopt);
    if (!rows)
        return rows.error();

    if (m.kind == Kind::Count) {
        if (query.split) {
            QStringList dimensions;
            for (const CounterValue &r : std::as_const(*rows)) {
                if (!dimensions.contains(r.dimension))
                    dimensions.append(r.dimension);
            }
            dimensions.sort();
            for (const QString &d : std::as_const(dimensions)) {
                const QMap<QDateTime, qint64> sums = sumByBucket(*rows, query.bucket, d);
                Series one {d, {}};
                for (const QDateTime &t : buckets)
                    one.points.append(countPoint(t, sums.value(t), m_minCell));
                result.series.append(one);
            }
            return result;
        }
        const QMap<QDateTime, qint64> sums = sumByBucket(*rows, query.bucket);
        Series total {dimension, {}};
        for (const QDateTime &t : buckets)
            total.points.append(countPoint(t, sums.value(t), m_minCell));
        result.series.append(total);
        return result;
    }

    if (m.kind == Kind::Ratio) {
        QMap<QDateTime, qint64> numerators;
        QMap<QDateTime, qint64> denominators;
        if (m.denominator == m.counter) {
            numerators = sumByBucket(*rows, query.bucket, m.dimension);
            denominators = sumByBucket(*rows, query.bucket);
        } else {
            numerators = m.dimension.isEmpty() ? sumByBucket(*rows, query.bucket)
                                               : sumByBucket(*rows, query.bucket, m.dimension);
            Result<QList<CounterValue>> below =
                m_repository.counters(m.denominator, grain, query.from, query.to);
            if (!below)
                return below.error();
            denominators = sumByBucket(*below, query.bucket);
        }
        Series total;
        for (const QDateTime &t : buckets) {
            const qint64 d = denominators.value(t);
            if (d == 0)
                total.points.append({t, std::nullopt, false});
            else if (AnalyticsMetrics::suppressed(d, m_minCell))
                total.points.append({t, std::nullopt, true});
            else
                total.points.append({t, m.scale * double(numerators.value(t)) / double(d), false});
        }
        result.series.append(total);
        return result;
    }

    // Percentile: the histogram of each bucket.
    QMap<QDateTime, QMap<QString, qint64>> histograms;
    for (const CounterValue &r : std::as_const(*rows))
        histograms[AnalyticsMetrics::floorTo(r.bucketStart, query.bucket)][r.dimension] += r.value;
    Series total;
    for (const QDateTime &t : buckets) {
        const QMap<QString, qint64> h = histograms.value(t);
        QList<QPair<QString, qint64>> bins;
        qint64 sample = 0;
        for (auto it = h.cbegin(); it != h.cend(); ++it) {
            bins.append({it.key(), it.value()});
            sample += it.value();
        }
        if (AnalyticsMetrics::suppressed(sample, m_minCell))
            total.points.append({t, std::nullopt, true});
        else
            total.points.append({t, AnalyticsMetrics::percentile(bins, m.quantile), false});
    }
    result.series.append(total);
    return result;
}

Result<admin::TimeSeries> AnalyticsService::timeSeries(const TimeSeriesQuery &query) const
{
    // The legacy series, read from the rollups like the catalogue's metric of the same meaning
    // (docs/analytics.md): never from the product's tables.
    admin::TimeSeries legacy {query.metric, query.bucket, query.from, query.to, {}};
    const QList<QDateTime> buckets = bucketsOf(query.from, query.to, query.bucket);
    const QString grain = AnalyticsMetrics::grainFor(query.bucket);

    if (query.metric == QLatin1String("queue_wait_seconds")) {
        // The mean wait of the people matched in the bucket: the waits' sum over their number.
        Result<QList<CounterValue>> seconds = m_repository.counters(
            QStringLiteral("queue_wait_seconds"), grain, query.from, query.to);
        if (!seconds)
            return seconds.error();
        Result<QList<CounterValue>> waits =
            m_repository.counters(QStringLiteral("queue_wait"), grain, query.from, query.to);
        if (!waits)
            return waits.error();
        const QMap<QDateTime, qint64> sums = sumByBucket(*seconds, query.bucket);
        const QMap<QDateTime, qint64> counts = sumByBucket(*waits, query.bucket);
        for (const QDateTime &t : buckets) {
            const qint64 n = counts.value(t);
            if (AnalyticsMetrics::suppressed(n, m_minCell))
                continue;
            legacy.points.append({t, n > 0 ? double(sums.value(t)) / double(n) : 0});
        }
        return legacy;
    }

    static const QHash<QString, QString> sameMeaning {
        {QStringLiteral("daily_active_users"), QStringLiteral("dau")},
        {QStringLiteral("match_success_rate"), QStringLiteral("match_rate")},
        {QStringLiteral("reveal_conversion"), QStringLiteral("reveal_conversion")},
        {QStringLiteral("report_rate"), QStringLiteral("reports_per_100_conversations")}};
    const QString metric = sameMeaning.value(query.metric);
    if (metric.isEmpty())
        return AppError::validation({{QStringLiteral("query.metric"), QStringLiteral("unknown")}});
    // People active are counted per day: by hour, each hour carries its day's count.
    const bool byDay = metric == QLatin1String("dau");
    const QString bucket = byDay ? QStringLiteral("day") : query.bucket;
    Result<SeriesResult> read = series(
        {metric, bucket, AnalyticsMetrics::floorTo(query.from, bucket), query.to, false, {}});
    if (!read)
        return read.error();
    QMap<QDateTime, SeriesPoint> points;
    for (const SeriesPoint &p : read->series.first().points)
        points.insert(p.t, p);
    for (const QDateTime &t : buckets) {
        const SeriesPoint p = points.value(AnalyticsMetrics::floorTo(t, bucket));
        // Cells under the minimum are left out, for everyone (docs/analytics.md).
        if (p.suppressed)
            continue;
        legacy.points.append({t, p.value.value_or(0)});
    }
    return legacy;
}

Result<FunnelResult> AnalyticsService::funnel(const FunnelQuery &query) const
{
    // The cells the consumer keeps per sign-up day (analytics_funnel_cells): per breakdown
    // value and step, how many reached it, by the time since the step before.
    Result<QList<FunnelCell>> cells = m_repository.funnelCells(query);
    if (!cells)
        return cells.error();
    const QList<AnalyticsMetrics::FunnelStep> &steps = AnalyticsMetrics::funnelSteps();
    struct StepCells
    {
        qint64 people = 0;
        QMap<qint64, qint64> gaps; // bin -> people who also reached the step before
    };
    // The groups: everyone, or one per value of the breakdown (not given: '', last).
    QMap<QString, QMap<int, StepCells>> groups;
    for (const FunnelCell &cell : std::as_const(*cells)) {
        StepCells &step = groups[query.breakdown.isEmpty() ? QString() : cell.value][cell.step];
        step.people += cell.people;
        if (cell.gapBin >= 0)
            step.gaps[cell.gapBin] += cell.people;
    }
    if (groups.isEmpty())
        groups.insert(QString(), {});
    FunnelResult result {query, m_minCell, {}};
    std::optional<FunnelGroup> unnamed;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        FunnelGroup group;
        if (!it.key().isEmpty())
            group.key = it.key();
        QList<qint64> counts;
        for (qsizetype i = 0; i < steps.size(); ++i) {
            FunnelStepResult step {steps.at(i).key, steps.at(i).title, {}, false, {}, {}, {}};
            const StepCells reached = it.value().value(int(i));
            const qint64 n = reached.people;
            counts.append(n);
            if (AnalyticsMetrics::suppressed(n, m_minCell)) {
                step.suppressed = true;
            } else {
                step.people = n;
                if (i > 0 && counts.at(i - 1) > 0 &&
                    !AnalyticsMetrics::suppressed(counts.at(i - 1), m_minCell))
                    step.conversion = double(n) / double(counts.at(i - 1));
                if (counts.first() > 0 && !AnalyticsMetrics::suppressed(counts.first(), m_minCell))
                    step.fromStart = double(n) / double(counts.first());
                if (i > 0)
                    step.medianSecondsFromPrevious = AnalyticsMetrics::binnedMedian(reached.gaps);
            }
            group.steps.append(step);
        }
        if (group.key)
            result.groups.append(group);
        else
            unnamed = group;
    }
    // The named values in order, then everyone (no breakdown) or those who did not say.
    if (unnamed)
        result.groups.append(*unnamed);
    return result;
}

Result<RetentionResult> AnalyticsService::retention(const RetentionQuery &query) const
{
    Result<QMap<CohortKey, qint64>> cells =
        m_repository.cohortActivity(query.fromWeek, query.toWeek);
    if (!cells)
        return cells.error();
    const QDate today = QDateTime::currentDateTimeUtc().date();
    RetentionResult result {query, m_minCell, {}};
    for (QDate week = query.fromWeek; week <= query.toWeek; week = week.addDays(7)) {
        CohortRow row;
        row.week = week;
        const qint64 size = cells->value({week, QStringLiteral("size"), 0});
        const bool sizeHidden = AnalyticsMetrics::suppressed(size, m_minCell);
        row.suppressed = sizeHidden;
        if (!sizeHidden)
            row.size = size;
        const auto cell = [&](const QString &period, int offset) {
            CohortCell c;
            c.offset = offset;
            const qint64 n = cells->value({week, period, offset});
            if (sizeHidden || AnalyticsMetrics::suppressed(n, m_minCell)) {
                c.suppressed = true;
                return c;
            }
            c.people = n;
            if (size > 0)
                c.share = double(n) / double(size);
            return c;
        };
        row.d1 = cell(QStringLiteral("day"), 1);
        row.d7 = cell(QStringLiteral("day"), 7);
        row.d30 = cell(QStringLiteral("day"), 30);
        for (int w = 0; week.addDays(7 * w) <= today && w <= 52; ++w)
            row.weeks.append(cell(QStringLiteral("week"), w));
        result.cohorts.append(row);
    }
    return result;
}

Result<SeriesResult> AnalyticsService::clientEvents(const ClientEventsQuery &query) const
{
    const QChar separator(0x1f);
    SeriesResult result {QStringLiteral("client_events"),
                         QStringLiteral("Client events"),
                         QStringLiteral("events"),
                         query.bucket,
                         query.from,
                         query.to,
                         m_minCell,
                         {},
                         {}};
    const QString grain = AnalyticsMetrics::grainFor(query.bucket);
    const QList<QDateTime> buckets = bucketsOf(query.from, query.to, query.bucket);
    // Which properties were seen for the name (for the console's choice).
    QMap<QString, QMap<QDateTime, qint64>> byValue;
    if (!query.name.isEmpty()) {
        Result<QList<CounterValue>> properties =
            m_repository.counters(QStringLiteral("client_event_properties"), grain, query.from,
                                  query.to, std::nullopt, query.name + separator);
        if (!properties)
            return properties.error();
        QSet<QString> seen;
        for (const CounterValue &r : std::as_const(*properties)) {
            const QStringList parts = r.dimension.split(separator);
            if (parts.size() != 3)
                continue;
            seen.insert(parts.at(1));
            if (parts.at(1) == query.property)
                byValue[parts.at(2)][AnalyticsMetrics::floorTo(r.bucketStart, query.bucket)] +=
                    r.value;
        }
        result.properties = QStringList(seen.cbegin(), seen.cend());
        result.properties.sort();
    }
    if (!query.property.isEmpty()) {
        result.metric = QStringLiteral("client_event_properties");
        for (auto it = byValue.cbegin(); it != byValue.cend(); ++it) {
            Series one {it.key(), {}};
            for (const QDateTime &t : buckets)
                one.points.append(countPoint(t, it.value().value(t), m_minCell));
            result.series.append(one);
        }
        return result;
    }
    Result<QList<CounterValue>> rows = m_repository.counters(
        QStringLiteral("client_events"), grain, query.from, query.to,
        query.name.isEmpty() ? std::nullopt : std::optional<QString>(query.name));
    if (!rows)
        return rows.error();
    QMap<QString, QMap<QDateTime, qint64>> byName;
    for (const CounterValue &r : std::as_const(*rows))
        byName[r.dimension][AnalyticsMetrics::floorTo(r.bucketStart, query.bucket)] += r.value;
    for (auto it = byName.cbegin(); it != byName.cend(); ++it) {
        Series one {it.key(), {}};
        for (const QDateTime &t : buckets)
            one.points.append(countPoint(t, it.value().value(t), m_minCell));
        result.series.append(one);
    }
    return result;
}

Result<qint64> AnalyticsService::rebuild() const
{
    const QByteArray group = QByteArrayLiteral("analytics");
    constexpr int kBatch = 2000;
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    if (Status s = m_repository.lockRollups(true); !s)
        return s.error();
    if (Status s = m_repository.wipeRollups(); !s)
        return s.error();
    Result<QList<StreamEvent>> batch = Outbox::keptAppliedBy(group, 0, kBatch);
    if (!batch)
        return batch.error();
    // Who signed up before the first kept event comes from the accounts themselves.
    const QDateTime cutoff =
        batch->isEmpty() ? QDateTime::currentDateTimeUtc() : batch->first().occurredAt;
    if (Result<int> backfilled = m_repository.backfillPeopleBefore(cutoff); !backfilled)
        return backfilled.error();
    if (Status s = m_rollups.countFunnelOfPeopleBefore(cutoff); !s)
        return s.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    qint64 replayed = 0;
    while (!batch->isEmpty()) {
        if (Status s = m_rollups.apply(*batch, now); !s)
            return s.error();
        replayed += batch->size();
        const qint64 last = batch->last().outboxSeq;
        batch = Outbox::keptAppliedBy(group, last, kBatch);
        if (!batch)
            return batch.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return replayed;
}

} // namespace fp
