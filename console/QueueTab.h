#pragma once

// Live matching-queue numbers and a chart of the last hour, refreshing by itself, and how fast
// reports are handled (time to first claim and to resolution by severity, last 7 days).

#include <QTimer>
#include <QWidget>

class QLabel;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class TimeChart;

class QueueTab : public QWidget
{
    Q_OBJECT

public:
    explicit QueueTab(admin::AdminClient *client, QWidget *parent = nullptr);
    void refresh();
    QString reportTimesText() const;

Q_SIGNALS:
    void refreshed();

private:
    admin::AdminClient *m_client;
    QLabel *m_numbers;
    QLabel *m_reportTimes;
    TimeChart *m_chart;
    QTimer m_timer;
};

} // namespace fp::console
