#include "server/analytics/AnalyticsJson.h"

#include "common/Time.h"
#include "server/analytics/AnalyticsMetrics.h"

#include <QJsonArray>

namespace fp::AnalyticsJson {

namespace {

QJsonValue orNull(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

QJsonValue orNull(const std::optional<qint64> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

QJsonValue orNull(const std::optional<QString> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

QString day(const QDate &d)
{
    return d.toString(Qt::ISODate);
}

QJsonObject cell(const CohortCell &c, const char *offsetName)
{
    QJsonObject o {{QStringLiteral("people"), orNull(c.people)},
                   {QStringLiteral("share"), orNull(c.share)},
                   {QStringLiteral("suppressed"), c.suppressed}};
    if (offsetName)
        o.insert(QLatin1String(offsetName), c.offset);
    return o;
}

} // namespace

QJsonObject metrics()
{
    QJsonArray list;
    for (const AnalyticsMetrics::Metric &m : AnalyticsMetrics::all())
        list.append(
            QJsonObject {{QStringLiteral("key"), m.key},
                         {QStringLiteral("title"), m.title},
                         {QStringLiteral("unit"), m.unit},
                         {QStringLiteral("definition"), m.definition},
                         {QStringLiteral("dimension"),
                          m.dimensionName.isEmpty() ? QJsonValue() : QJsonValue(m.dimensionName)},
                         {QStringLiteral("bucket"),
                          m.fixedBucket.isEmpty() ? QJsonValue() : QJsonValue(m.fixedBucket)}});
    QJsonArray steps;
    for (const AnalyticsMetrics::FunnelStep &s : AnalyticsMetrics::funnelSteps())
        steps.append(
            QJsonObject {{QStringLiteral("step"), s.key}, {QStringLiteral("title"), s.title}});
    return {{QStringLiteral("metrics"), list}, {QStringLiteral("funnel_steps"), steps}};
}

QJsonObject series(const SeriesResult &result)
{
    QJsonArray all;
    for (const Series &s : result.series) {
        QJsonArray points;
        for (const SeriesPoint &p : s.points)
            points.append(QJsonObject {{QStringLiteral("t"), toWireTime(p.t)},
                                       {QStringLiteral("value"), orNull(p.value)},
                                       {QStringLiteral("suppressed"), p.suppressed}});
        all.append(QJsonObject {{QStringLiteral("dimension"), orNull(s.dimension)},
                                {QStringLiteral("points"), points}});
    }
    QJsonObject o {{QStringLiteral("metric"), result.metric},
                   {QStringLiteral("title"), result.title},
                   {QStringLiteral("unit"), result.unit},
                   {QStringLiteral("bucket"), result.bucket},
                   {QStringLiteral("from"), toWireTime(result.from)},
                   {QStringLiteral("to"), toWireTime(result.to)},
                   {QStringLiteral("min_cell"), result.minCell},
                   {QStringLiteral("series"), all}};
    if (result.metric.startsWith(QLatin1String("client_event")))
        o.insert(QStringLiteral("properties"), QJsonArray::fromStringList(result.properties));
    return o;
}

QJsonObject funnel(const FunnelResult &result)
{
    QJsonArray groups;
    for (const FunnelGroup &g : result.groups) {
        QJsonArray steps;
        for (const FunnelStepResult &s : g.steps)
            steps.append(QJsonObject {{QStringLiteral("step"), s.key},
                                      {QStringLiteral("title"), s.title},
                                      {QStringLiteral("people"), orNull(s.people)},
                                      {QStringLiteral("suppressed"), s.suppressed},
                                      {QStringLiteral("conversion"), orNull(s.conversion)},
                                      {QStringLiteral("from_start"), orNull(s.fromStart)},
                                      {QStringLiteral("median_seconds_from_previous"),
                                       orNull(s.medianSecondsFromPrevious)}});
        groups.append(
            QJsonObject {{QStringLiteral("key"), orNull(g.key)}, {QStringLiteral("steps"), steps}});
    }
    return {{QStringLiteral("from"), day(result.query.from)},
            {QStringLiteral("to"), day(result.query.to)},
            {QStringLiteral("breakdown"),
             result.query.breakdown.isEmpty() ? QJsonValue() : QJsonValue(result.query.breakdown)},
            {QStringLiteral("min_cell"), result.minCell},
            {QStringLiteral("groups"), groups}};
}

QJsonObject retention(const RetentionResult &result)
{
    QJsonArray cohorts;
    for (const CohortRow &row : result.cohorts) {
        QJsonArray weeks;
        for (const CohortCell &c : row.weeks)
            weeks.append(cell(c, "week"));
        cohorts.append(QJsonObject {{QStringLiteral("week"), day(row.week)},
                                    {QStringLiteral("size"), orNull(row.size)},
                                    {QStringLiteral("suppressed"), row.suppressed},
                                    {QStringLiteral("d1"), cell(row.d1, nullptr)},
                                    {QStringLiteral("d7"), cell(row.d7, nullptr)},
                                    {QStringLiteral("d30"), cell(row.d30, nullptr)},
                                    {QStringLiteral("weeks"), weeks}});
    }
    return {{QStringLiteral("from_week"), day(result.query.fromWeek)},
            {QStringLiteral("to_week"), day(result.query.toWeek)},
            {QStringLiteral("min_cell"), result.minCell},
            {QStringLiteral("cohorts"), cohorts}};
}

} // namespace fp::AnalyticsJson
