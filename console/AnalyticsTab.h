#pragma once

// Product analytics for people who would rather look than read (docs/analytics.md): trends of
// any metric on a dated axis in the viewer's time zone (with the previous period to compare),
// the sign-up funnel as bars with their conversions (beside the previous period's, for "is it
// better than the month before?") and where most people drop out in words, the cohort triangle
// as a heat map, and the client events explorer. Range presets (rolling days, this month, last
// month) or a custom range, CSV and PNG export of what is shown, loading / empty / error states
// in words, and a refresh every minute while the tab is open.

#include <QDateTime>
#include <QJsonObject>
#include <QStringList>
#include <QWidget>
#include <functional>

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

/// A range the Analytics tab shows, in the viewer's time zone; `to` is exclusive.
struct AnalyticsPeriod
{
    QDateTime from;
    QDateTime to;

    /// The calendar month `now` is in, up to `now`.
    static AnalyticsPeriod thisMonth(const QDateTime &now);
    /// The calendar month before the one `now` is in, whole.
    static AnalyticsPeriod lastMonth(const QDateTime &now);
    /// Starts at the first of a month at midnight and spans at most that month.
    bool startsAMonth() const;
    /// Is exactly one calendar month.
    bool isCalendarMonth() const;
    /// The period to compare with: for one that starts a month, the whole calendar month
    /// before (months differ in length, and "the month before" is what people ask about);
    /// otherwise as long, just before it.
    AnalyticsPeriod previous() const;
    /// The sign-up days it covers, [firstDay, endDay): the day `to` falls in counts unless `to`
    /// is its midnight.
    QDate firstDay() const { return from.date(); }
    QDate endDay() const;
    /// Who signed up in it, in words: "Signed up in October 2026", "Signed up 29 Nov 2026 –
    /// 5 Dec 2026".
    QString signedUpInWords() const;
    /// A short name for a bar's label: "Oct" for a month, else "now" / "before" as given.
    QString shortName(const QString &otherwise) const;
};

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
    /// The range shown (the previous period is `.previous()` of it).
    AnalyticsPeriod period() const;
    void setCompare(bool compare);
    void setBreakdown(const QString &breakdown); // "", region, age_range, intention
    /// What the status line says: loading, nothing to show, or the error.
    QString statusText() const;
    bool showsError() const { return m_error; }
    QChartView *trendChart() const { return m_trend; }
    QChartView *funnelChart() const { return m_funnel; }
    QTableWidget *funnelTable() const { return m_funnelTable; }
    /// Under the funnel: where most people drop out, a line per period shown.
    QString dropOutText() const;
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
    /// `answers`: the funnel of this period, then (when comparing) of the period before.
    void drawFunnel(const QList<QJsonObject> &answers);
    void drawCohorts(const QJsonObject &retention);
    void drawEvents(const QJsonObject &events);
    /// GETs `path` with each query and, once all answered, draws the answers (in the queries'
    /// order) with `draw`, unless a newer request superseded them; a refusal of any is shown
    /// in the status line instead.
    void fetch(const QString &path, const QList<QUrlQuery> &queries,
               const std::function<void(const QList<QJsonObject> &)> &draw);
    /// Sets the range to the chosen preset's, unless the custom range is chosen.
    void applyPreset();
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
    QLabel *m_dropOut;
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
