#include "console/AnalyticsTab.h"

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/ChartSupport.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QDateTimeAxis>
#include <QDateTimeEdit>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineSeries>
#include <QPointer>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QUrlQuery>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace fp::console {

namespace {

constexpr int kLiveRefreshMs = 60000;
// The range presets' data: a positive number of days back from now, or one of these.
constexpr int kCustomRange = 0;
constexpr int kThisMonth = -1;
constexpr int kLastMonth = -2;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

QString percent(const QJsonValue &v)
{
    return v.isDouble() ? QStringLiteral("%1 %").arg(v.toDouble() * 100, 0, 'f', 0) : s("—");
}

/// Where most people drop out of one funnel answer: the step pair with the lowest conversion,
/// from the people shown (summed over a breakdown's groups; a pair with a hidden count is left
/// out). Empty when no pair can be told.
QString dropOutOf(const QJsonObject &funnel)
{
    const QJsonArray groups = funnel[s("groups")].toArray();
    QList<qint64> people;
    QList<bool> known;
    QStringList titles;
    for (const QJsonValue &g : groups) {
        const QJsonArray steps = g[s("steps")].toArray();
        if (people.isEmpty()) {
            people.fill(0, steps.size());
            known.fill(true, steps.size());
            for (const QJsonValue &step : steps)
                titles << step[s("title")].toString();
        }
        for (qsizetype i = 0; i < steps.size() && i < people.size(); ++i) {
            const QJsonValue count = steps.at(i)[s("people")];
            if (count.isDouble())
                people[i] += count.toInteger();
            else
                known[i] = false;
        }
    }
    qsizetype worst = -1;
    double lowest = 2;
    for (qsizetype i = 1; i < people.size(); ++i) {
        if (!known.at(i) || !known.at(i - 1) || people.at(i - 1) == 0)
            continue;
        const double conversion = double(people.at(i)) / double(people.at(i - 1));
        if (conversion < lowest) {
            lowest = conversion;
            worst = i;
        }
    }
    if (worst < 0)
        return {};
    return AnalyticsTab::tr("most people drop out between “%1” and “%2” (%3 go on)")
        .arg(titles.at(worst - 1), titles.at(worst), percent(lowest));
}

/// `text` broken into lines of at most about 14 characters, between words.
QString wrapped(const QString &text)
{
    constexpr qsizetype kLine = 14;
    QStringList lines;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (!lines.isEmpty() && lines.last().size() + 1 + word.size() <= kLine)
            lines.last() += QLatin1Char(' ') + word;
        else
            lines << word;
    }
    return lines.join(QLatin1Char('\n'));
}

/// White to blue by share (0..1).
QColor heat(double share)
{
    const double t = std::clamp(share, 0.0, 1.0);
    return QColor::fromRgbF(float(1 - 0.75 * t), float(1 - 0.55 * t), 1.0f);
}

} // namespace

AnalyticsPeriod AnalyticsPeriod::thisMonth(const QDateTime &now)
{
    const QDate today = now.date();
    return {QDateTime(QDate(today.year(), today.month(), 1), QTime(0, 0), now.timeSpec()), now};
}

AnalyticsPeriod AnalyticsPeriod::lastMonth(const QDateTime &now)
{
    const QDateTime start = thisMonth(now).from;
    return {start.addMonths(-1), start};
}

bool AnalyticsPeriod::startsAMonth() const
{
    return from.date().day() == 1 && from.time() == QTime(0, 0) && to <= from.addMonths(1);
}

bool AnalyticsPeriod::isCalendarMonth() const
{
    return startsAMonth() && to == from.addMonths(1);
}

AnalyticsPeriod AnalyticsPeriod::previous() const
{
    if (startsAMonth())
        return {from.addMonths(-1), from};
    return {from.addSecs(-from.secsTo(to)), from};
}

QDate AnalyticsPeriod::endDay() const
{
    return to.time() == QTime(0, 0) && to.date() > from.date() ? to.date() : to.date().addDays(1);
}

QString AnalyticsPeriod::signedUpInWords() const
{
    if (isCalendarMonth())
        return AnalyticsTab::tr("Signed up in %1").arg(from.date().toString(s("MMMM yyyy")));
    const QDate last = endDay().addDays(-1);
    if (last == firstDay())
        return AnalyticsTab::tr("Signed up on %1").arg(last.toString(s("d MMM yyyy")));
    return AnalyticsTab::tr("Signed up %1 – %2")
        .arg(firstDay().toString(s("d MMM yyyy")), last.toString(s("d MMM yyyy")));
}

QString AnalyticsPeriod::shortName(const QString &otherwise) const
{
    return isCalendarMonth() ? from.date().toString(s("MMM")) : otherwise;
}

AnalyticsTab::AnalyticsTab(admin::AdminClient *client, QWidget *parent)
    : QWidget(parent), m_client(client), m_views(new QTabWidget(this)),
      m_preset(new QComboBox(this)), m_from(new QDateTimeEdit(this)), m_to(new QDateTimeEdit(this)),
      m_compare(new QCheckBox(tr("Compare with the period before"), this)),
      m_status(new QLabel(this)), m_metric(new QComboBox(this)),
      m_trend(makeChartView(s("trendChart"), this)), m_breakdown(new QComboBox(this)),
      m_funnel(makeChartView(s("funnelChart"), this)), m_dropOut(new QLabel(this)),
      m_funnelTable(new QTableWidget(this)), m_cohorts(new QTableWidget(this)),
      m_eventName(new QComboBox(this)), m_eventProperty(new QComboBox(this)),
      m_events(makeChartView(s("eventsChart"), this)), m_live(new QTimer(this))
{
    m_preset->setObjectName(s("analyticsRange"));
    m_preset->addItem(tr("Last 24 hours"), 1);
    m_preset->addItem(tr("Last 7 days"), 7);
    m_preset->addItem(tr("Last 30 days"), 30);
    m_preset->addItem(tr("Last 90 days"), 90);
    m_preset->addItem(tr("Last 12 months"), 365);
    m_preset->addItem(tr("This month"), kThisMonth);
    m_preset->addItem(tr("Last month"), kLastMonth);
    m_preset->addItem(tr("Custom range"), kCustomRange);
    m_preset->setItemData(m_preset->findData(kLastMonth),
                          tr("The previous calendar month, whole, in your time zone"),
                          Qt::ToolTipRole);
    m_compare->setObjectName(s("analyticsCompare"));
    m_compare->setToolTip(
        tr("Trends: the period before as a dashed line. Funnel: the people who signed up in the "
           "period before beside these (for a range that starts a month, the whole calendar "
           "month before), with each step's conversion for both."));
    m_views->setObjectName(s("analyticsViews"));
    for (QDateTimeEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(s("yyyy-MM-dd HH:mm"));
        edit->setTimeSpec(Qt::LocalTime);
    }
    m_status->setObjectName(s("analyticsStatus"));
    m_status->setWordWrap(true);
    auto *exportCsvButton = new QPushButton(tr("Export CSV…"), this);
    auto *exportPngButton = new QPushButton(tr("Export PNG…"), this);
    auto *reload = new QPushButton(tr("Reload"), this);

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range"), this));
    top->addWidget(m_preset);
    top->addWidget(new QLabel(tr("from"), this));
    top->addWidget(m_from);
    top->addWidget(new QLabel(tr("to"), this));
    top->addWidget(m_to);
    top->addWidget(m_compare);
    top->addStretch();
    top->addWidget(reload);
    top->addWidget(exportCsvButton);
    top->addWidget(exportPngButton);

    // Trends.
    auto *trends = new QWidget(this);
    auto *trendsLayout = new QVBoxLayout(trends);
    auto *metricRow = new QHBoxLayout;
    metricRow->addWidget(new QLabel(tr("Metric"), trends));
    m_metric->setObjectName(s("metricPicker"));
    metricRow->addWidget(m_metric, 1);
    trendsLayout->addLayout(metricRow);
    trendsLayout->addWidget(m_trend, 1);
    m_views->addTab(trends, tr("Trends"));

    // Funnel.
    auto *funnel = new QWidget(this);
    auto *funnelLayout = new QVBoxLayout(funnel);
    auto *funnelRow = new QHBoxLayout;
    funnelRow->addWidget(new QLabel(tr("People who signed up in the range, by"), funnel));
    m_breakdown->addItem(tr("Everyone"), QString());
    m_breakdown->addItem(tr("Country"), s("region"));
    m_breakdown->addItem(tr("Age range"), s("age_range"));
    m_breakdown->addItem(tr("Friendship intention"), s("intention"));
    funnelRow->addWidget(m_breakdown);
    funnelRow->addStretch();
    funnelLayout->addLayout(funnelRow);
    funnelLayout->addWidget(m_funnel, 2);
    m_dropOut->setObjectName(s("funnelDropOut"));
    m_dropOut->setWordWrap(true);
    m_dropOut->setToolTip(tr("The step with the lowest conversion from the step before, from "
                             "the numbers shown"));
    funnelLayout->addWidget(m_dropOut);
    m_funnelTable->setObjectName(s("funnelTable"));
    m_funnelTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    funnelLayout->addWidget(m_funnelTable, 1);
    m_views->addTab(funnel, tr("Funnel"));

    // Cohorts.
    m_cohorts->setObjectName(s("cohortTable"));
    m_cohorts->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_views->addTab(m_cohorts, tr("Cohorts"));

    // Events explorer.
    auto *events = new QWidget(this);
    auto *eventsLayout = new QVBoxLayout(events);
    auto *eventsRow = new QHBoxLayout;
    eventsRow->addWidget(new QLabel(tr("Event"), events));
    m_eventName->addItem(tr("All events"), QString());
    eventsRow->addWidget(m_eventName, 1);
    eventsRow->addWidget(new QLabel(tr("broken down by"), events));
    m_eventProperty->addItem(tr("nothing"), QString());
    eventsRow->addWidget(m_eventProperty, 1);
    eventsLayout->addLayout(eventsRow);
    eventsLayout->addWidget(m_events, 1);
    m_views->addTab(events, tr("Events"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_status);
    layout->addWidget(m_views, 1);

    m_preset->setCurrentIndex(2);
    applyPreset();
    connect(m_preset, &QComboBox::currentIndexChanged, this, [this] {
        applyPreset();
        refresh();
    });
    connect(m_from, &QDateTimeEdit::editingFinished, this, &AnalyticsTab::refresh);
    connect(m_to, &QDateTimeEdit::editingFinished, this, &AnalyticsTab::refresh);
    connect(m_compare, &QCheckBox::toggled, this, &AnalyticsTab::refresh);
    connect(m_metric, &QComboBox::activated, this, &AnalyticsTab::refresh);
    connect(m_breakdown, &QComboBox::activated, this, &AnalyticsTab::refresh);
    connect(m_eventName, &QComboBox::activated, this, [this] {
        m_eventProperty->clear();
        m_eventProperty->addItem(tr("nothing"), QString());
        refresh();
    });
    connect(m_eventProperty, &QComboBox::activated, this, &AnalyticsTab::refresh);
    connect(m_views, &QTabWidget::currentChanged, this, &AnalyticsTab::refresh);
    connect(reload, &QPushButton::clicked, this, &AnalyticsTab::refresh);
    connect(exportCsvButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), QString(),
                                                          tr("CSV files (*.csv)"));
        if (!path.isEmpty() && !exportCsv(path))
            setStatus(tr("Could not write %1").arg(path), true);
    });
    connect(exportPngButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export PNG"), QString(),
                                                          tr("PNG images (*.png)"));
        if (!path.isEmpty() && !exportPng(path))
            setStatus(tr("Could not write %1").arg(path), true);
    });
    m_live->setObjectName(s("liveRefresh"));
    m_live->setInterval(kLiveRefreshMs);
    connect(m_live, &QTimer::timeout, this, [this] {
        applyPreset(); // the range follows the clock while a preset is chosen
        refresh();
    });
}

void AnalyticsTab::applyPreset()
{
    const int preset = m_preset->currentData().toInt();
    m_from->setEnabled(preset == kCustomRange);
    m_to->setEnabled(preset == kCustomRange);
    const QDateTime now = QDateTime::currentDateTime();
    AnalyticsPeriod range;
    if (preset == kCustomRange)
        return;
    if (preset == kThisMonth)
        range = AnalyticsPeriod::thisMonth(now);
    else if (preset == kLastMonth)
        range = AnalyticsPeriod::lastMonth(now);
    else
        range = {now.addDays(-preset), now};
    m_from->setDateTime(range.from);
    m_to->setDateTime(range.to);
}

AnalyticsPeriod AnalyticsTab::period() const
{
    return {m_from->dateTime(), m_to->dateTime()};
}

QString AnalyticsTab::dropOutText() const
{
    return m_dropOut->text();
}

void AnalyticsTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_live->start();
}

void AnalyticsTab::hideEvent(QHideEvent *event)
{
    m_live->stop();
    QWidget::hideEvent(event);
}

AnalyticsTab::View AnalyticsTab::currentView() const
{
    return View(m_views->currentIndex());
}

void AnalyticsTab::showView(View view)
{
    m_views->setCurrentIndex(int(view));
}

bool AnalyticsTab::selectMetric(const QString &key)
{
    const int i = m_metric->findData(key);
    if (i < 0) {
        m_pendingMetric = key; // the list is not loaded yet
        return false;
    }
    m_metric->setCurrentIndex(i);
    return true;
}

void AnalyticsTab::setRange(const QDateTime &from, const QDateTime &to)
{
    const QSignalBlocker blocker(m_preset);
    m_preset->setCurrentIndex(m_preset->findData(kCustomRange));
    m_from->setEnabled(true);
    m_to->setEnabled(true);
    m_from->setDateTime(from.toLocalTime());
    m_to->setDateTime(to.toLocalTime());
}

void AnalyticsTab::setCompare(bool compare)
{
    const QSignalBlocker blocker(m_compare);
    m_compare->setChecked(compare);
}

void AnalyticsTab::setBreakdown(const QString &breakdown)
{
    m_breakdown->setCurrentIndex(std::max(0, m_breakdown->findData(breakdown)));
}

QString AnalyticsTab::statusText() const
{
    return m_status->text();
}

void AnalyticsTab::setStatus(const QString &text, bool error)
{
    m_error = error;
    showStatus(m_status, text, error);
}

int AnalyticsTab::started()
{
    ++m_pending;
    if (m_pending == 1)
        setStatus(tr("Loading…"));
    return ++m_generation;
}

void AnalyticsTab::finished()
{
    if (--m_pending == 0)
        Q_EMIT loaded();
}

QString AnalyticsTab::bucketFor(const QString &metricKey) const
{
    for (const MetricInfo &m : m_metrics) {
        if (m.key == metricKey && !m.bucket.isEmpty())
            return m.bucket;
    }
    const qint64 hours = m_from->dateTime().secsTo(m_to->dateTime()) / 3600;
    if (hours <= 48)
        return s("hour");
    if (hours <= 24 * 120)
        return s("day");
    return s("week");
}

void AnalyticsTab::refresh()
{
    if (!m_client->signedIn())
        return;
    if (m_from->dateTime() >= m_to->dateTime()) {
        setStatus(tr("The range ends before it starts: pick a later end."), true);
        return;
    }
    if (!m_metricsLoaded) {
        started();
        m_client->getJson(
            s("/api/admin/analytics/metrics"), {},
            [self = QPointer(this)](const Result<QJsonObject> &r) {
                if (!self)
                    return;
                if (!r) {
                    self->setStatus(tr("Could not load the metrics: %1").arg(describe(r.error())),
                                    true);
                    self->finished();
                    return;
                }
                self->m_metricsLoaded = true;
                self->m_metric->clear();
                for (const QJsonValue &v : r->value(s("metrics")).toArray()) {
                    const QJsonObject m = v.toObject();
                    self->m_metrics.append({m[s("key")].toString(), m[s("title")].toString(),
                                            m[s("unit")].toString(), m[s("definition")].toString(),
                                            m[s("bucket")].toString()});
                    self->m_metric->addItem(m[s("title")].toString(), m[s("key")].toString());
                    self->m_metric->setItemData(self->m_metric->count() - 1,
                                                m[s("definition")].toString(), Qt::ToolTipRole);
                }
                if (!self->m_pendingMetric.isEmpty())
                    self->selectMetric(std::exchange(self->m_pendingMetric, {}));
                self->finished();
                self->refresh();
            });
        return;
    }
    switch (currentView()) {
    case View::Trends:
        loadTrend();
        break;
    case View::Funnel:
        loadFunnel();
        break;
    case View::Cohorts:
        loadCohorts();
        break;
    case View::Events:
        loadEvents();
        break;
    }
}

void AnalyticsTab::loadTrend()
{
    const QString key = m_metric->currentData().toString();
    if (key.isEmpty())
        return;
    const QString bucket = bucketFor(key);
    const QDateTime from = m_from->dateTime().toUTC();
    const QDateTime to = m_to->dateTime().toUTC();
    const auto query = [&](const QDateTime &f, const QDateTime &t) {
        QUrlQuery q;
        q.addQueryItem(s("metric"), key);
        q.addQueryItem(s("bucket"), bucket);
        q.addQueryItem(s("from"), toWireTime(f));
        q.addQueryItem(s("to"), toWireTime(t));
        return q;
    };
    QList<QUrlQuery> queries {query(from, to)};
    if (m_compare->isChecked()) {
        const AnalyticsPeriod before = period().previous();
        queries.append(query(before.from.toUTC(), before.to.toUTC()));
    }
    fetch(s("/api/admin/analytics/series"), queries, [this](const QList<QJsonObject> &answers) {
        drawTrend(answers.first(), answers.value(1));
    });
}

void AnalyticsTab::drawTrend(const QJsonObject &current, const QJsonObject &previous)
{
    const QString unit = current[s("unit")].toString();
    const QString bucket = current[s("bucket")].toString();
    QChart *chart = freshChart(m_trend, current[s("title")].toString());
    QDateTimeAxis *x = timeAxis(bucket);
    QValueAxis *y = valueAxis(unit);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    m_table = {{tr("bucket start (UTC)"), tr("series"), current[s("title")].toString()}};
    int hidden = 0;
    double maxY = 0;
    qint64 minX = 0, maxX = 0;
    const QDateTime from = fromWireTime(current[s("from")].toString());
    const QDateTime previousFrom = fromWireTime(previous[s("from")].toString());
    const qint64 shift = previous.isEmpty() ? 0 : previousFrom.msecsTo(from);
    const auto plot = [&](const QJsonObject &answer, const QString &name, qint64 offsetMs,
                          bool dashed) {
        for (const QJsonValue &one : answer[s("series")].toArray()) {
            auto *line = new QLineSeries;
            const QString dimension = one[s("dimension")].toString();
            line->setName(dimension.isEmpty() ? name : name + s(" · ") + dimension);
            if (dashed) {
                QPen pen = line->pen();
                pen.setStyle(Qt::DashLine);
                line->setPen(pen);
            }
            for (const QJsonValue &p : one[s("points")].toArray()) {
                const QDateTime t = fromWireTime(p[s("t")].toString());
                if (p[s("suppressed")].toBool())
                    ++hidden;
                m_table.append({toWireTime(t), line->name(),
                                p[s("value")].isDouble() ? QString::number(p[s("value")].toDouble())
                                                         : QString()});
                if (!p[s("value")].isDouble())
                    continue;
                const qint64 ms = t.toMSecsSinceEpoch() + offsetMs;
                if (line->count() == 0 && minX == 0)
                    minX = ms;
                minX = std::min(minX, ms);
                maxX = std::max(maxX, ms);
                maxY = std::max(maxY, p[s("value")].toDouble());
                line->append(double(ms), p[s("value")].toDouble());
            }
            chart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(y);
            withTooltips(line, unit, axisFormat(bucket));
        }
    };
    plot(current, tr("This period"), 0, false);
    if (!previous.isEmpty())
        plot(previous, tr("Period before"), shift, true);
    if (maxX <= minX)
        maxX = minX + 3600000;
    x->setRange(QDateTime::fromMSecsSinceEpoch(minX), QDateTime::fromMSecsSinceEpoch(maxX));
    fitFromZero(y, maxY);
    if (m_table.size() <= 1 || maxY == 0)
        setStatus(tr("Nothing happened in this range (%1 from %2 to %3).")
                      .arg(current[s("title")].toString(),
                           m_from->dateTime().toString(s("d MMM yyyy HH:mm")),
                           m_to->dateTime().toString(s("d MMM yyyy HH:mm"))));
    else if (hidden > 0)
        setStatus(tr("%1 of the points are hidden: they count fewer than %2 people.")
                      .arg(hidden)
                      .arg(current[s("min_cell")].toInt()));
    else
        setStatus(tr("Updated %1.").arg(QTime::currentTime().toString(s("HH:mm:ss"))));
}

void AnalyticsTab::fetch(const QString &path, const QList<QUrlQuery> &queries,
                         const std::function<void(const QList<QJsonObject> &)> &draw)
{
    // The answers are drawn together; what they share lives until the last one.
    struct Answers
    {
        QList<QJsonObject> got;
        qsizetype waiting = 0;
        QString error;
    };
    auto answers = std::make_shared<Answers>();
    answers->got.resize(queries.size());
    answers->waiting = queries.size();
    const int generation = started();
    for (qsizetype i = 0; i < queries.size(); ++i) {
        m_client->getJson(
            path, queries.at(i),
            [self = QPointer(this), answers, generation, draw, i](const Result<QJsonObject> &r) {
                if (r)
                    answers->got[i] = *r;
                else if (answers->error.isEmpty())
                    answers->error = describe(r.error());
                if (--answers->waiting > 0 || !self)
                    return;
                // A later request is on its way: its answer is the one to show.
                if (!self->superseded(generation)) {
                    if (!answers->error.isEmpty())
                        self->setStatus(tr("The server refused: %1").arg(answers->error), true);
                    else
                        draw(answers->got);
                }
                self->finished();
            });
    }
}

void AnalyticsTab::loadFunnel()
{
    const auto query = [this](const AnalyticsPeriod &period) {
        QUrlQuery q;
        q.addQueryItem(s("from"), period.firstDay().toString(Qt::ISODate));
        q.addQueryItem(s("to"), period.endDay().toString(Qt::ISODate));
        if (!m_breakdown->currentData().toString().isEmpty())
            q.addQueryItem(s("breakdown"), m_breakdown->currentData().toString());
        return q;
    };
    QList<QUrlQuery> queries {query(period())};
    if (m_compare->isChecked())
        queries.append(query(period().previous()));
    fetch(s("/api/admin/analytics/funnel"), queries,
          [this](const QList<QJsonObject> &answers) { drawFunnel(answers); });
}

void AnalyticsTab::drawFunnel(const QList<QJsonObject> &answers)
{
    // The periods shown, oldest first: the bars read left to right as time goes.
    QList<AnalyticsPeriod> periods {period()};
    if (answers.size() > 1)
        periods.prepend(period().previous());
    QList<QJsonObject> funnels = answers;
    std::reverse(funnels.begin(), funnels.end());
    const bool comparing = funnels.size() > 1;

    QChart *chart = freshChart(m_funnel, tr("From sign-up to a second friend"));
    auto *bars = new QBarSeries;
    QStringList titles;
    QList<QStringList> conversions; // per step, per period (no breakdown only)
    m_table = {{tr("signed up"), tr("group"), tr("step"), tr("people"),
                tr("conversion from the step before"), tr("of those who signed up"),
                tr("median time from the step before")}};
    m_funnelTable->clear();
    m_funnelTable->setColumnCount(int(m_table.first().size()));
    m_funnelTable->setHorizontalHeaderLabels(m_table.first());
    m_funnelTable->setRowCount(0);
    double maxPeople = 0;
    QList<qint64> signedUp(funnels.size(), 0);
    QStringList dropOuts;
    for (qsizetype f = 0; f < funnels.size(); ++f) {
        const QJsonObject &funnel = funnels.at(f);
        const QString when = periods.at(f).signedUpInWords();
        const QJsonArray groups = funnel[s("groups")].toArray();
        for (const QJsonValue &g : groups) {
            const QString group = g[s("key")].isString() ? g[s("key")].toString()
                : funnel[s("breakdown")].isString()      ? tr("not given")
                                                         : tr("Everyone");
            const bool byGroup = funnel[s("breakdown")].isString();
            auto *set = new QBarSet(byGroup && comparing ? group + s(" · ") + when
                                        : byGroup        ? group
                                                         : when);
            const QJsonArray steps = g[s("steps")].toArray();
            for (qsizetype i = 0; i < steps.size(); ++i) {
                const QJsonObject step = steps.at(i).toObject();
                const double people = step[s("people")].toDouble();
                set->append(people);
                maxPeople = std::max(maxPeople, people);
                if (i == 0)
                    signedUp[f] += step[s("people")].toInteger();
                if (titles.size() < steps.size()) {
                    titles.append(step[s("title")].toString());
                    conversions.append(QStringList());
                }
                if (groups.size() == 1 && i > 0)
                    conversions[i].append(
                        comparing ? periods.at(f).shortName(f == 0 ? tr("before") : tr("now")) +
                                s(" ") + percent(step[s("conversion")])
                                  : percent(step[s("conversion")]));
                const QStringList row {
                    when,
                    group,
                    step[s("title")].toString(),
                    step[s("suppressed")].toBool() ? tr("hidden (too few)")
                                                   : QString::number(step[s("people")].toInteger()),
                    percent(step[s("conversion")]),
                    percent(step[s("from_start")]),
                    step[s("median_seconds_from_previous")].isDouble()
                        ? duration(step[s("median_seconds_from_previous")].toDouble())
                        : s("—")};
                m_table.append(row);
                const int r = m_funnelTable->rowCount();
                m_funnelTable->insertRow(r);
                for (int c = 0; c < row.size(); ++c)
                    m_funnelTable->setItem(r, c, new QTableWidgetItem(row.at(c)));
            }
            bars->append(set);
        }
        const QString dropOut = dropOutOf(funnel);
        dropOuts << (signedUp.at(f) == 0 ? tr("%1: nobody.").arg(when)
                         : dropOut.isEmpty()
                         ? tr("%1: too few people to tell where they drop out.").arg(when)
                         : tr("%1: %2.").arg(when, dropOut));
    }
    // Each step's name, and under it its conversion from the step before (a line per period).
    // Labels are rich text: lines break with <br>, short enough that nine fit side by side.
    QStringList categories;
    for (qsizetype i = 0; i < titles.size(); ++i)
        categories << (QStringList {wrapped(titles.at(i))} + conversions.at(i))
                          .join(QLatin1Char('\n'))
                          .toHtmlEscaped()
                          .replace(QLatin1Char('\n'), s("<br>"));
    bars->setLabelsVisible(true);
    bars->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    bars->setLabelsFormat(s("@value"));
    chart->addSeries(bars);
    auto *x = new QBarCategoryAxis;
    x->setTruncateLabels(false);
    x->append(categories);
    auto *y = new QValueAxis;
    y->setTitleText(tr("People"));
    y->setLabelFormat(s("%.0f"));
    // Room above the tallest bar for its label.
    fitFromZero(y, maxPeople * 1.1);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    bars->attachAxis(x);
    bars->attachAxis(y);
    chart->legend()->setVisible(comparing || bars->count() > 1);
    m_funnelTable->resizeColumnsToContents();
    // Newest first in words: the question is about this period.
    std::reverse(dropOuts.begin(), dropOuts.end());
    m_dropOut->setText(dropOuts.join(s("\n")));

    const qint64 now = signedUp.last();
    const QString nowWords = periods.last().signedUpInWords();
    if (!comparing)
        setStatus(now == 0 ? tr("Nobody: %1 is empty.").arg(nowWords)
                           : tr("%1: %2 people; each bar counts those who reached the step, "
                                "whenever they did.")
                                 .arg(nowWords)
                                 .arg(now));
    else if (now == 0 && signedUp.first() == 0)
        setStatus(tr("Nobody signed up in either period (%1; %2).")
                      .arg(nowWords, periods.first().signedUpInWords()));
    else
        setStatus(tr("%1: %2 people; %3: %4 people. Each bar counts those who reached the step, "
                     "whenever they did (the earlier people had longer to).")
                      .arg(nowWords)
                      .arg(now)
                      .arg(periods.first().signedUpInWords())
                      .arg(signedUp.first()));
}

void AnalyticsTab::loadCohorts()
{
    QUrlQuery q;
    q.addQueryItem(s("from"), m_from->date().toString(Qt::ISODate));
    q.addQueryItem(s("to"), m_to->date().toString(Qt::ISODate));
    fetch(s("/api/admin/analytics/retention"), {q},
          [this](const QList<QJsonObject> &answers) { drawCohorts(answers.first()); });
}

void AnalyticsTab::drawCohorts(const QJsonObject &retention)
{
    const QJsonArray cohorts = retention[s("cohorts")].toArray();
    int weeks = 0;
    for (const QJsonValue &c : cohorts)
        weeks = std::max(weeks, int(c[s("weeks")].toArray().size()));
    QStringList header {tr("Sign-up week"), tr("People"), tr("Day 1"), tr("Day 7"), tr("Day 30")};
    for (int w = 0; w < weeks; ++w)
        header << tr("Week %1").arg(w);
    m_cohorts->clear();
    m_cohorts->setColumnCount(int(header.size()));
    m_cohorts->setHorizontalHeaderLabels(header);
    m_cohorts->setRowCount(int(cohorts.size()));
    m_table = {header};
    qint64 people = 0;
    for (int r = 0; r < cohorts.size(); ++r) {
        const QJsonObject c = cohorts.at(r).toObject();
        QStringList row {
            QDate::fromString(c[s("week")].toString(), Qt::ISODate).toString(s("d MMM yyyy")),
            c[s("suppressed")].toBool() ? tr("hidden") : QString::number(c[s("size")].toInteger())};
        people += c[s("size")].toInteger();
        const auto cell = [&](int column, const QJsonObject &value) {
            auto *item = new QTableWidgetItem;
            if (value[s("suppressed")].toBool()) {
                item->setText(s("—"));
                item->setBackground(QColor(0xdd, 0xdd, 0xdd));
                item->setToolTip(
                    tr("Hidden: fewer than %1 people").arg(retention[s("min_cell")].toInt()));
            } else if (value[s("share")].isDouble()) {
                item->setText(percent(value[s("share")]));
                item->setBackground(heat(value[s("share")].toDouble()));
                item->setToolTip(tr("%1 of %2 people")
                                     .arg(value[s("people")].toInteger())
                                     .arg(c[s("size")].toInteger()));
            } else {
                item->setText(s(""));
            }
            item->setTextAlignment(Qt::AlignCenter);
            m_cohorts->setItem(r, column, item);
            row << item->text();
        };
        m_cohorts->setItem(r, 0, new QTableWidgetItem(row.at(0)));
        m_cohorts->setItem(r, 1, new QTableWidgetItem(row.at(1)));
        cell(2, c[s("d1")].toObject());
        cell(3, c[s("d7")].toObject());
        cell(4, c[s("d30")].toObject());
        const QJsonArray activity = c[s("weeks")].toArray();
        for (int w = 0; w < activity.size(); ++w)
            cell(5 + w, activity.at(w).toObject());
        m_table.append(row);
    }
    m_cohorts->resizeColumnsToContents();
    setStatus(people == 0 ? tr("Nobody signed up in these weeks.")
                          : tr("Each row is the people who signed up in a week; a cell is the "
                               "share of them active that day or week. Darker is more."));
}

void AnalyticsTab::loadEvents()
{
    const QDateTime from = m_from->dateTime().toUTC();
    const QDateTime to = m_to->dateTime().toUTC();
    QUrlQuery q;
    q.addQueryItem(s("bucket"), from.secsTo(to) <= 2 * 86400 ? s("hour") : s("day"));
    q.addQueryItem(s("from"), toWireTime(from));
    q.addQueryItem(s("to"), toWireTime(to));
    const QString name = m_eventName->currentData().toString();
    if (!name.isEmpty())
        q.addQueryItem(s("name"), name);
    if (!name.isEmpty() && !m_eventProperty->currentData().toString().isEmpty())
        q.addQueryItem(s("property"), m_eventProperty->currentData().toString());
    fetch(s("/api/admin/analytics/client-events"), {q},
          [this](const QList<QJsonObject> &answers) { drawEvents(answers.first()); });
}

void AnalyticsTab::drawEvents(const QJsonObject &events)
{
    const QString bucket = events[s("bucket")].toString();
    const QString name = m_eventName->currentData().toString();
    // The names seen fill the picker; the properties seen for a name fill the other.
    if (name.isEmpty()) {
        for (const QJsonValue &one : events[s("series")].toArray()) {
            const QString seen = one[s("dimension")].toString();
            if (m_eventName->findData(seen) < 0)
                m_eventName->addItem(seen, seen);
        }
    } else {
        for (const QJsonValue &p : events[s("properties")].toArray()) {
            if (m_eventProperty->findData(p.toString()) < 0)
                m_eventProperty->addItem(p.toString(), p.toString());
        }
    }
    QChart *chart =
        freshChart(m_events,
                   name.isEmpty() ? tr("Client events by name")
                                  : tr("%1 by %2").arg(name, m_eventProperty->currentText()));
    auto *x = new QDateTimeAxis;
    x->setFormat(axisFormat(bucket));
    x->setTitleText(tr("Time (%1)").arg(localZone()));
    x->setTickCount(6);
    auto *y = new QValueAxis;
    y->setTitleText(tr("Events"));
    y->setLabelFormat(s("%.0f"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    m_table = {{tr("bucket start (UTC)"), tr("series"), tr("events")}};
    double maxY = 0;
    qint64 minX = std::numeric_limits<qint64>::max(), maxX = 0;
    for (const QJsonValue &one : events[s("series")].toArray()) {
        auto *line = new QLineSeries;
        line->setName(one[s("dimension")].toString());
        for (const QJsonValue &p : one[s("points")].toArray()) {
            const QDateTime t = fromWireTime(p[s("t")].toString());
            m_table.append(
                {toWireTime(t), line->name(),
                 p[s("value")].isDouble() ? QString::number(p[s("value")].toDouble()) : QString()});
            if (!p[s("value")].isDouble())
                continue;
            const qint64 ms = t.toMSecsSinceEpoch();
            minX = std::min(minX, ms);
            maxX = std::max(maxX, ms);
            maxY = std::max(maxY, p[s("value")].toDouble());
            line->append(double(ms), p[s("value")].toDouble());
        }
        chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
        withTooltips(line, tr("events"), axisFormat(bucket));
    }
    if (maxX <= minX) {
        minX = m_from->dateTime().toMSecsSinceEpoch();
        maxX = m_to->dateTime().toMSecsSinceEpoch();
    }
    x->setRange(QDateTime::fromMSecsSinceEpoch(minX), QDateTime::fromMSecsSinceEpoch(maxX));
    fitFromZero(y, maxY);
    setStatus(maxY == 0 ? tr("The apps sent no events in this range.")
                        : tr("Updated %1.").arg(QTime::currentTime().toString(s("HH:mm:ss"))));
}

bool AnalyticsTab::exportCsv(const QString &path) const
{
    return writeCsv(path, m_table);
}

bool AnalyticsTab::exportPng(const QString &path) const
{
    return savePng(m_views->currentWidget(), path);
}

} // namespace fp::console
