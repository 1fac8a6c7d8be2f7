#pragma once

// Product analytics for people who would rather look than read (docs/analytics.md): trends of
// any metric on a dated axis in the viewer's time zone (with the previous period to compare),
// the sign-up funnel as bars with their conversions, the cohort triangle as a heat map, and the
// client events explorer. Range presets or a custom range, CSV and PNG export of what is shown,
// loading / empty / error states in words, and a refresh every minute while the tab is open.

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QChartView;
class QDateEdit;
class QDateTimeEdit;
class QLabel;
class QTableWidget;
class QTabWidget;
class QTimer;
class QUrlQuery;

namespace fp::admin {
class AdminClient;
}

namespace fp::console {

class AnalyticsTab : public QWidget
{
    Q_OBJECT

public:
    explicit AnalyticsTab(admin::AdminClient *client, QWidget *parent = nullptr);

    /// Reloads what the current view shows (and the metric list, the first time).
    void refresh();

    // For tests and the export buttons.
    enum class View { Trends, Funnel, Cohorts, Events };
    void showView(View view);
    /// Picks a metric (its key) for the trends chart.
    bool selectMetric(const QString &key);
    /// A custom range (the presets set one too).
    void setRange(const QDateTime &from, const QDateTime &to);
    void setCompare(bool compare);
    void setBreakdown(const QString &breakdown); // "", region, age_range, intention
    /// What the status line says: loading, nothing to show, or the error.
    QString statusText() const;
    bool showsError() const { return m_error; }
    QChartView *trendChart() const { return m_trend; }
    QChartView *funnelChart() const { return m_funnel; }
    QTableWidget *funnelTable() const { return m_funnelTable; }
    QTableWidget *cohortTable() const { return m_cohorts; }
    QChartView *eventsChart() const { return m_events; }
    /// The current view's numbers as CSV / its picture as PNG; false when the file cannot be
    /// written.
    bool exportCsv(const QString &path) const;
    bool exportPng(const QString &path) const;

Q_SIGNALS:
    /// Every answer of the last refresh arrived (drawn, or shown as an error).
    void loaded();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    View currentView() const;
    QString bucketFor(const QString &metricKey) const;
    void loadTrend();
    void loadFunnel();
    void loadCohorts();
    void loadEvents();
    void drawTrend(const QJsonObject &current, const QJsonObject &previous);
    void drawFunnel(const QJsonObject &funnel);
    void drawCohorts(const QJsonObject &retention);
    void drawEvents(const QJsonObject &events);
    /// GETs `path` and draws its answer with `draw`, unless a newer request superseded it; a
    /// refusal is shown in the status line.
    void fetch(const QString &path, const QUrlQuery &query,
               void (AnalyticsTab::*draw)(const QJsonObject &));
    void setStatus(const QString &text, bool error = false);
    /// A request begins; returns its generation (the newest one's answer is the one shown).
    int started();
    bool superseded(int generation) const { return generation != m_generation; }
    void finished();

    admin::AdminClient *m_client;
    QTabWidget *m_views;
    QComboBox *m_preset;
    QDateTimeEdit *m_from;
    QDateTimeEdit *m_to;
    QCheckBox *m_compare;
    QLabel *m_status;
    QComboBox *m_metric;
    QChartView *m_trend;
    QComboBox *m_breakdown;
    QChartView *m_funnel;
    QTableWidget *m_funnelTable;
    QTableWidget *m_cohorts;
    QComboBox *m_eventName;
    QComboBox *m_eventProperty;
    QChartView *m_events;
    QTimer *m_live;

    struct MetricInfo
    {
        QString key;
        QString title;
        QString unit;
        QString definition;
        QString bucket; // fixed bucket, or empty
    };
    QList<MetricInfo> m_metrics;
    bool m_metricsLoaded = false;
    QString m_pendingMetric;
    int m_pending = 0;
    int m_generation = 0;
    bool m_error = false;
    /// What the current view shows, for CSV: a header and rows.
    QList<QStringList> m_table;
};

} // namespace fp::console
