#include "console/AnalyticsTab.h"

#include "common/AdminClient.h"
#include "console/TimeChart.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace fp::console {

AnalyticsTab::AnalyticsTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_range(new QComboBox(this))
{
    m_range->setObjectName(QStringLiteral("analyticsRange"));
    // Hours of range; short ranges use hourly buckets, longer ones daily.
    m_range->addItem(tr("Last 24 hours"), 24);
    m_range->addItem(tr("Last 7 days"), 24 * 7);
    m_range->addItem(tr("Last 30 days"), 24 * 30);
    m_range->addItem(tr("Last 90 days"), 24 * 90);
    m_range->setCurrentIndex(1);
    auto *reload = new QPushButton(tr("Reload"), this);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range"), this));
    top->addWidget(m_range);
    top->addWidget(reload);
    top->addStretch();
    auto *grid = new QGridLayout;
    const QStringList metrics = admin::TimeSeries::metrics();
    for (int i = 0; i < metrics.size(); ++i) {
        auto *chart = new TimeChart(metrics[i], this);
        chart->setObjectName(metrics[i]);
        grid->addWidget(chart, i / 2, i % 2);
        m_charts.append(chart);
    }
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);
    connect(m_range, &QComboBox::currentIndexChanged, this, &AnalyticsTab::refresh);
    connect(reload, &QPushButton::clicked, this, &AnalyticsTab::refresh);
}

void AnalyticsTab::refresh()
{
    if (!m_client->signedIn())
        return;
    const int hours = m_range->currentData().toInt();
    const QDateTime to = QDateTime::currentDateTimeUtc();
    const QDateTime from = to.addSecs(-3600LL * hours);
    const QString bucket = hours <= 48 ? QStringLiteral("hour") : QStringLiteral("day");
    for (TimeChart *chart : std::as_const(m_charts)) {
        QPointer<TimeChart> target(chart);
        m_client->analytics(chart->objectName(), bucket, from, to,
                            [target](const Result<admin::TimeSeries> &r) {
                                if (target && r)
                                    target->setSeries(r->metric, r->points);
                            });
    }
}

} // namespace fp::console
