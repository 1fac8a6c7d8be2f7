#include "console/QueueTab.h"

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/ChartSupport.h"
#include "console/Words.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QLineSeries>
#include <QPointer>
#include <QPushButton>
#include <QTime>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>

namespace fp::console {

namespace {
constexpr int kRefreshMs = 5000;
const QString kBucket = QStringLiteral("minute");

/// Two durations measured over `count` items ("10 min / 2.0 h"); a dash when nothing was
/// measured, where zero seconds would read as instant.
QString durations(int count, double first, double second)
{
    if (count == 0)
        return QStringLiteral("—");
    return QStringLiteral("%1 / %2").arg(duration(first), duration(second));
}
} // namespace

QueueTab::QueueTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_numbers(new QLabel(this)),
      m_reportTimes(new QLabel(this)), m_status(new QLabel(this)), m_charts(new QWidget(this)),
      m_activity(makeChartView(QStringLiteral("queueActivityChart"), m_charts)),
      m_wait(makeChartView(QStringLiteral("queueWaitChart"), m_charts))
{
    m_reportTimes->setObjectName(QStringLiteral("reportTimes"));
    m_reportTimes->setTextFormat(Qt::RichText);
    m_numbers->setObjectName(QStringLiteral("queueNumbers"));
    m_numbers->setTextFormat(Qt::RichText);
    m_status->setObjectName(QStringLiteral("queueStatus"));
    m_status->setWordWrap(true);
    auto *csv = new QPushButton(tr("Export CSV…"), this);
    csv->setObjectName(QStringLiteral("queueExportCsv"));
    auto *png = new QPushButton(tr("Export PNG…"), this);
    png->setObjectName(QStringLiteral("queueExportPng"));
    connect(csv, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export the last hour as CSV"),
                                         QStringLiteral("queue.csv"), tr("CSV (*.csv)"));
        if (!path.isEmpty() && !exportCsv(path))
            setStatus(tr("Could not write %1.").arg(path), true);
    });
    connect(png, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export the charts as PNG"), QStringLiteral("queue.png"), tr("PNG (*.png)"));
        if (!path.isEmpty() && !exportPng(path))
            setStatus(tr("Could not write %1.").arg(path), true);
    });
    auto *charts = new QHBoxLayout(m_charts);
    charts->setContentsMargins(0, 0, 0, 0);
    charts->addWidget(m_activity, 1);
    charts->addWidget(m_wait, 1);
    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(csv);
    statusRow->addWidget(png);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_numbers);
    layout->addWidget(m_reportTimes);
    layout->addLayout(statusRow);
    layout->addWidget(m_charts, 1);
    connect(&m_timer, &QTimer::timeout, this, &QueueTab::refresh);
    m_timer.start(kRefreshMs);
}

void QueueTab::refresh()
{
    if (!m_client->signedIn())
        return;
    if (!m_loadedOnce)
        setStatus(tr("Loading the last hour…"));
    m_client->queueMetrics(60, [self = QPointer(this)](const Result<admin::QueueMetrics> &r) {
        if (!self)
            return;
        if (!r) {
            self->m_numbers->setText(
                self->tr("The queue's numbers could not be loaded: %1").arg(describe(r.error())));
            return;
        }
        // The waits are of the people matched in the window: nobody matched, no wait measured.
        const bool anyoneMatched = r->matchesPerMinute > 0;
        const auto wait = [anyoneMatched](double seconds) {
            return anyoneMatched ? duration(seconds) : QStringLiteral("—");
        };
        self->m_numbers->setText(
            self->tr("<table cellspacing=12><tr><td>In queue<br><b style='font-size:20pt'>%1</b>"
                     "</td><td>Active conversations<br><b style='font-size:20pt'>%2</b></td>"
                     "<td>Avg wait<br><b>%3</b></td><td>p95 wait<br><b>%4</b></td>"
                     "<td>Matches/min<br><b>%5</b></td><td>Success rate<br><b>%6 %</b></td>"
                     "</tr></table><small>Updated %7, window %8 min</small>")
                .arg(r->activeEntries)
                .arg(r->activeConversations)
                .arg(wait(r->avgWaitSeconds), wait(r->p95WaitSeconds))
                .arg(r->matchesPerMinute, 0, 'f', 2)
                .arg(r->matchSuccessRate * 100, 0, 'f', 0)
                .arg(r->generatedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                .arg(r->windowMinutes));
    });
    // Report handling times are for those who handle reports: an analyst sees the queue only.
    const bool handlesReports = m_client->identity().isStaff();
    m_reportTimes->setVisible(handlesReports);
    if (handlesReports)
        m_client->reportMetrics(
            7 * 24, [self = QPointer(this)](const Result<admin::ReportMetrics> &r) {
                if (!self)
                    return;
                if (!r) {
                    self->m_reportTimes->setText(
                        self->tr("Report handling times could not be loaded: %1")
                            .arg(describe(r.error())));
                    return;
                }
                QString rows;
                for (const admin::ReportTimes &t : r->severities)
                    rows +=
                        QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>")
                            .arg(words::severity(t.severity),
                                 durations(t.claimed, t.claimP50Seconds, t.claimP95Seconds),
                                 durations(t.resolved, t.resolveP50Seconds, t.resolveP95Seconds))
                            .arg(t.open);
                self->m_reportTimes->setText(
                    self->tr("<b>Reports, last 7 days</b><table cellspacing=6><tr><th>Severity</th>"
                             "<th>First claim p50 / p95</th><th>Resolution p50 / p95</th>"
                             "<th>Unresolved</th></tr>%1</table>")
                        .arg(rows));
            });
    m_client->queueHistory(60, 1, [self = QPointer(this)](const Result<admin::QueueHistory> &r) {
        if (!self)
            return;
        if (r)
            self->drawHistory(*r);
        else
            self->setStatus(
                self->tr("The last hour could not be loaded: %1").arg(describe(r.error())), true);
        Q_EMIT self->refreshed();
    });
}

void QueueTab::drawHistory(const admin::QueueHistory &history)
{
    m_loadedOnce = true;
    QChart *activity = freshChart(m_activity, tr("People waiting and matches, per minute"));
    QChart *wait = freshChart(m_wait, tr("Average wait of the people matched, per minute"));
    const QString waitUnit = tr("seconds");
    struct Line
    {
        QChart *chart;
        QString name;
        QString unit;
        QLineSeries *series = nullptr;
    };
    QList<Line> lines {{activity, tr("People waiting"), tr("people")},
                       {activity, tr("Matches"), tr("matches")},
                       {wait, tr("Average wait"), waitUnit}};
    for (Line &line : lines) {
        line.series = new QLineSeries;
        line.series->setName(line.name);
    }
    m_table = {{tr("minute start (UTC)"), tr("people waiting"), tr("matches"),
                tr("average wait (seconds)")}};
    double busiest = 0;
    double longest = 0;
    for (const admin::QueueMetricsPoint &p : history.points) {
        const double ms = double(p.t.toMSecsSinceEpoch());
        lines[0].series->append(ms, p.activeEntries);
        lines[1].series->append(ms, p.matches);
        lines[2].series->append(ms, p.avgWaitSeconds);
        busiest = std::max({busiest, double(p.activeEntries), double(p.matches)});
        longest = std::max(longest, p.avgWaitSeconds);
        m_table.append({toWireTime(p.t), QString::number(p.activeEntries),
                        QString::number(p.matches), QString::number(p.avgWaitSeconds, 'f', 1)});
    }
    // The hour asked for is the axis, whatever minutes had something in them.
    const QDateTime from = history.from.isValid() ? history.from : history.points.value(0).t;
    const QDateTime to = history.to.isValid() ? history.to : from.addSecs(3600);
    for (QChart *chart : {activity, wait}) {
        QDateTimeAxis *x = timeAxis(kBucket);
        x->setRange(from.toLocalTime(), to.toLocalTime());
        chart->addAxis(x, Qt::AlignBottom);
    }
    QValueAxis *people = valueAxis(tr("people / matches"));
    fitFromZero(people, busiest);
    activity->addAxis(people, Qt::AlignLeft);
    QValueAxis *seconds = valueAxis(waitUnit);
    fitFromZero(seconds, longest);
    wait->addAxis(seconds, Qt::AlignLeft);
    for (const Line &line : std::as_const(lines)) {
        line.chart->addSeries(line.series);
        for (QAbstractAxis *axis : line.chart->axes())
            line.series->attachAxis(axis);
        withTooltips(line.series, line.unit, axisFormat(kBucket));
    }
    if (history.points.isEmpty() || (busiest == 0 && longest == 0))
        setStatus(tr("Nobody queued in the last hour (%1 to %2).")
                      .arg(from.toLocalTime().toString(QStringLiteral("HH:mm")),
                           to.toLocalTime().toString(QStringLiteral("HH:mm"))));
    else
        setStatus(tr("Last hour by minute, updated %1; refreshes every %2 s.")
                      .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")))
                      .arg(kRefreshMs / 1000));
}

void QueueTab::setStatus(const QString &text, bool error)
{
    m_error = error;
    showStatus(m_status, text, error);
}

QString QueueTab::statusText() const
{
    return m_status->text();
}

bool QueueTab::exportCsv(const QString &path) const
{
    return writeCsv(path, m_table);
}

bool QueueTab::exportPng(const QString &path) const
{
    // A tab not shown yet has no size: the charts are drawn at the size they would like.
    if (m_charts->width() < 2 || m_charts->height() < 2) {
        m_charts->resize(m_charts->sizeHint().expandedTo(QSize(900, 300)));
        m_charts->layout()->activate();
    }
    return savePng(m_charts, path);
}

QString QueueTab::reportTimesText() const
{
    return m_reportTimes->text();
}

} // namespace fp::console
