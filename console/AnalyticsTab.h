#pragma once

// The analytics time series as charts, one per metric, over a picked range.

#include <QWidget>

class QComboBox;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class TimeChart;

class AnalyticsTab : public QWidget
{
    Q_OBJECT

public:
    explicit AnalyticsTab(admin::AdminClient *client, QWidget *parent = nullptr);
    void refresh();

private:
    admin::AdminClient *m_client;
    QComboBox *m_range;
    QList<TimeChart *> m_charts;
};

} // namespace fp::console
