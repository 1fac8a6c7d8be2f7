#include "console/TimeChart.h"

#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>

namespace fp::console {

namespace {

QChart *makeChart(const QString &title)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("dd.MM HH:mm"));
    x->setTickCount(5);
    auto *y = new QValueAxis;
    y->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    return chart;
}

} // namespace

// The chart goes to the constructor: QChartView(parent) would make a default chart of its own,
// and setChart() releases that one without deleting it.
TimeChart::TimeChart(const QString &title, QWidget *parent) : QChartView(makeChart(title), parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
}

void TimeChart::setSeries(const QString &name, const QList<admin::TimePoint> &points)
{
    QLineSeries *series = nullptr;
    for (QAbstractSeries *s : chart()->series())
        if (s->name() == name)
            series = static_cast<QLineSeries *>(s);
    if (!series) {
        series = new QLineSeries;
        series->setName(name);
        chart()->addSeries(series);
        for (QAbstractAxis *axis : chart()->axes())
            series->attachAxis(axis);
    }
    QList<QPointF> xy;
    xy.reserve(points.size());
    for (const admin::TimePoint &p : points)
        xy.append(QPointF(double(p.t.toMSecsSinceEpoch()), p.value));
    series->replace(xy);
    rescale();
}

int TimeChart::pointCount(const QString &name) const
{
    for (QAbstractSeries *s : chart()->series())
        if (s->name() == name)
            return int(static_cast<QLineSeries *>(s)->count());
    return 0;
}

void TimeChart::rescale()
{
    qreal minX = 0, maxX = 0, minY = 0, maxY = 1;
    bool first = true;
    for (QAbstractSeries *s : chart()->series())
        for (const QPointF &p : static_cast<QLineSeries *>(s)->points()) {
            if (first) {
                minX = maxX = p.x();
                first = false;
            }
            minX = std::min(minX, p.x());
            maxX = std::max(maxX, p.x());
            minY = std::min(minY, p.y());
            maxY = std::max(maxY, p.y());
        }
    if (first)
        return;
    if (maxX <= minX)
        maxX = minX + 60000; // one point: show a minute rather than a degenerate axis
    for (QAbstractAxis *axis : chart()->axes()) {
        if (auto *x = qobject_cast<QDateTimeAxis *>(axis))
            x->setRange(QDateTime::fromMSecsSinceEpoch(qint64(minX), Qt::UTC),
                        QDateTime::fromMSecsSinceEpoch(qint64(maxX), Qt::UTC));
        else if (auto *y = qobject_cast<QValueAxis *>(axis))
            y->setRange(minY, maxY * 1.1);
    }
}

} // namespace fp::console
