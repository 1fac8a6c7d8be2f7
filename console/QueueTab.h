#pragma once

// Live matching-queue numbers and a chart of the last hour, refreshing by itself.

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

Q_SIGNALS:
    void refreshed();

private:
    admin::AdminClient *m_client;
    QLabel *m_numbers;
    TimeChart *m_chart;
    QTimer m_timer;
};

} // namespace fp::console
