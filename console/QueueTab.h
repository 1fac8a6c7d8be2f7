#pragma once

// Live matching-queue numbers and two charts of the last hour by minute (people waiting and
// matches; the average wait of the people matched), refreshing by itself, and how fast reports
// are handled (time to first claim and to resolution by severity, last 7 days). The charts are
// drawn like the Analytics tab's (console/ChartSupport.h): dated axes in the viewer's time zone,
// titles and units in words, hover tooltips, a status line that says loading, nothing to show or
// the error, CSV and PNG export.

#include <QList>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QChartView;
class QLabel;

namespace fp::admin {
class AdminClient;
struct QueueHistory;
} // namespace fp::admin

namespace fp::console {

class QueueTab : public QWidget
{
    Q_OBJECT

public:
    explicit QueueTab(admin::AdminClient *client, QWidget *parent = nullptr);
    void refresh();
    QString reportTimesText() const;

    // For tests and the export buttons.
    QChartView *activityChart() const { return m_activity; }
    QChartView *waitChart() const { return m_wait; }
    /// What the status line says: loading, nothing to show, or the error.
    QString statusText() const;
    bool showsError() const { return m_error; }
    /// The last hour's numbers as CSV / both charts as one PNG; false when the file cannot be
    /// written.
    bool exportCsv(const QString &path) const;
    bool exportPng(const QString &path) const;

Q_SIGNALS:
    void refreshed();

private:
    void drawHistory(const admin::QueueHistory &history);
    void setStatus(const QString &text, bool error = false);

    admin::AdminClient *m_client;
    QLabel *m_numbers;
    QLabel *m_reportTimes;
    QLabel *m_status;
    QWidget *m_charts;
    QChartView *m_activity;
    QChartView *m_wait;
    QTimer m_timer;
    bool m_error = false;
    bool m_loadedOnce = false;
    /// The last hour as the charts show it, for CSV: a header and rows.
    QList<QStringList> m_table;
};

} // namespace fp::console
