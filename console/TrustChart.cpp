#include "console/TrustChart.h"

#include "console/ChartSupport.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

namespace fp::console {

namespace {

// With this many points or fewer a line is mostly flat: the changes are marked so they show.
constexpr qsizetype kMarkedPoints = 2;

double msOf(const QDateTime &t)
{
    return double(t.toMSecsSinceEpoch());
}

/// A score holds from one change to the next: a step at each change, and the last score drawn
/// on to `end`.
QLineSeries *steps(const QList<admin::TimePoint> &points, const QDateTime &end)
{
    auto *line = new QLineSeries;
    const bool marked = points.size() <= kMarkedPoints;
    for (qsizetype i = 0; i < points.size(); ++i) {
        if (i > 0)
            line->append(msOf(points[i].t), points[i - 1].value);
        line->append(msOf(points[i].t), points[i].value);
        if (marked)
            line->setPointConfiguration(int(line->count() - 1),
                                        QXYSeries::PointConfiguration::Visibility, true);
    }
    if (!points.isEmpty() && end > points.last().t)
        line->append(msOf(end), points.last().value);
    return line;
}

QString capitalized(const QString &text)
{
    return text.left(1).toUpper() + text.mid(1);
}

} // namespace

TrustChart::TrustChart(const QString &title, QWidget *parent)
    : QWidget(parent), m_title(title), m_view(new QChartView(new QChart, this)),
      m_note(new QLabel(this))
{
    m_view->setRenderHint(QPainter::Antialiasing);
    m_note->setObjectName(QStringLiteral("trustChartNote"));
    m_note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_note);
    setMinimumHeight(180);
    redraw();
}

void TrustChart::clear()
{
    m_histories.clear();
    m_errors.clear();
    redraw();
}

void TrustChart::setHistory(const QString &name, const admin::TimeSeries &history)
{
    m_errors.remove(name);
    m_histories.insert(name, history);
    redraw();
}

void TrustChart::showError(const QString &name, const AppError &error)
{
    m_histories.remove(name);
    m_errors.insert(name, describe(error));
    redraw();
}

int TrustChart::pointCount(const QString &name) const
{
    return int(m_histories.value(name).points.size());
}

QString TrustChart::noteText() const
{
    return m_note->text();
}

void TrustChart::redraw()
{
    QChart *chart = freshChart(m_view, m_title);
    QStringList notes;
    // With more than one person on the chart, each note says whose it is.
    const bool named = m_histories.size() + m_errors.size() > 1;
    const auto whose = [named](const QString &name, const QString &note) {
        return named ? tr("%1: %2").arg(capitalized(name), note) : capitalized(note);
    };
    QDateTime from, to;
    for (const admin::TimeSeries &history : std::as_const(m_histories)) {
        const QDateTime start = history.from.isValid() ? history.from : history.points.value(0).t;
        const QDateTime end = history.to.isValid() ? history.to : history.points.value(0).t;
        if (start.isValid() && (!from.isValid() || start < from))
            from = start;
        if (end.isValid() && (!to.isValid() || end > to))
            to = end;
    }
    if (from.isValid() && to > from) {
        QDateTimeAxis *x = timeAxis(QStringLiteral("day"));
        x->setRange(from.toLocalTime(), to.toLocalTime());
        chart->addAxis(x, Qt::AlignBottom);
        QValueAxis *y = valueAxis(tr("trust score (0–100)"));
        y->setRange(0, 100);
        y->setTickCount(6);
        chart->addAxis(y, Qt::AlignLeft);
        for (auto it = m_histories.cbegin(); it != m_histories.cend(); ++it) {
            QLineSeries *line = steps(it->points, it->to.isValid() ? it->to : to);
            line->setName(it.key());
            chart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(y);
            withTooltips(line, tr("points"), QStringLiteral("d MMM yyyy HH:mm"));
            if (it->points.size() == 1)
                notes << whose(it.key(),
                               tr("no trust changes in the last %1 days (score %2)")
                                   .arg(it->from.daysTo(it->to))
                                   .arg(qRound(it->points.first().value)));
        }
    }
    for (auto it = m_errors.cbegin(); it != m_errors.cend(); ++it)
        notes << whose(it.key(), tr("the trust history could not be loaded: %1").arg(*it));
    showStatus(m_note, notes.join(QLatin1Char('\n')), showsError());
    m_note->setVisible(!notes.isEmpty());
}

} // namespace fp::console
