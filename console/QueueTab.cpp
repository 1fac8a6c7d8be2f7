#include "console/QueueTab.h"

#include "common/AdminClient.h"
#include "console/TimeChart.h"

#include <QLabel>
#include <QPointer>
#include <QVBoxLayout>

namespace fp::console {

namespace {
constexpr int kRefreshMs = 5000;
}

QueueTab::QueueTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_numbers(new QLabel(this)),
      m_reportTimes(new QLabel(this)), m_chart(new TimeChart(tr("Last hour"), this))
{
    m_reportTimes->setObjectName(QStringLiteral("reportTimes"));
    m_reportTimes->setTextFormat(Qt::RichText);
    m_numbers->setObjectName(QStringLiteral("queueNumbers"));
    m_numbers->setTextFormat(Qt::RichText);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_numbers);
    layout->addWidget(m_reportTimes);
    layout->addWidget(m_chart, 1);
    connect(&m_timer, &QTimer::timeout, this, &QueueTab::refresh);
    m_timer.start(kRefreshMs);
}

void QueueTab::refresh()
{
    if (!m_client->signedIn())
        return;
    m_client->queueMetrics(60, [self = QPointer(this)](const Result<admin::QueueMetrics> &r) {
        if (!self || !r)
            return;
        self->m_numbers->setText(
            self->tr("<table cellspacing=12><tr><td>In queue<br><b style='font-size:20pt'>%1</b>"
                     "</td><td>Active conversations<br><b style='font-size:20pt'>%2</b></td>"
                     "<td>Avg wait<br><b>%3 s</b></td><td>p95 wait<br><b>%4 s</b></td>"
                     "<td>Matches/min<br><b>%5</b></td><td>Success rate<br><b>%6 %</b></td>"
                     "</tr></table><small>Updated %7, window %8 min</small>")
                .arg(r->activeEntries)
                .arg(r->activeConversations)
                .arg(r->avgWaitSeconds, 0, 'f', 1)
                .arg(r->p95WaitSeconds, 0, 'f', 1)
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
                            .arg(r.error().message));
                    return;
                }
                QString rows;
                for (const admin::ReportTimes &t : r->severities)
                    rows += QStringLiteral("<tr><td>%1</td><td>%2 s / %3 s</td><td>%4 s / %5 s</td>"
                                           "<td>%6</td></tr>")
                                .arg(t.severity)
                                .arg(t.claimP50Seconds, 0, 'f', 0)
                                .arg(t.claimP95Seconds, 0, 'f', 0)
                                .arg(t.resolveP50Seconds, 0, 'f', 0)
                                .arg(t.resolveP95Seconds, 0, 'f', 0)
                                .arg(t.open);
                self->m_reportTimes->setText(
                    self->tr("<b>Reports, last 7 days</b><table cellspacing=6><tr><th>severity</th>"
                             "<th>first claim p50 / p95</th><th>resolution p50 / p95</th>"
                             "<th>unresolved</th></tr>%1</table>")
                        .arg(rows));
            });
    m_client->queueHistory(60, 1, [self = QPointer(this)](const Result<admin::QueueHistory> &r) {
        if (!self)
            return;
        if (r) {
            QList<admin::TimePoint> inQueue, matches, wait;
            for (const admin::QueueMetricsPoint &p : r->points) {
                inQueue.append({p.t, double(p.activeEntries)});
                matches.append({p.t, double(p.matches)});
                wait.append({p.t, p.avgWaitSeconds});
            }
            self->m_chart->setSeries(self->tr("in queue"), inQueue);
            self->m_chart->setSeries(self->tr("matches"), matches);
            self->m_chart->setSeries(self->tr("avg wait (s)"), wait);
        }
        Q_EMIT self->refreshed();
    });
}

QString QueueTab::reportTimesText() const
{
    return m_reportTimes->text();
}

} // namespace fp::console
