// The console's Analytics tab offscreen against the real server (docs/analytics.md): each view
// shows the data the server gave it (a dated axis in the viewer's time zone, titles and units in
// words, the previous period beside this one, the funnel's bars and conversions, the cohort heat
// map, the events explorer), CSV and PNG export, an API error shown rather than swallowed, and an
// analyst who signs in seeing only the Analytics and Queue tabs.

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/AnalyticsTab.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"
#include "console/SignInPage.h"
#include "tests/console/ConsoleUnderTest.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLineEdit>
#include <QLineSeries>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolTip>
#include <QUuid>
#include <QValueAxis>

using namespace fp::test;
using fp::admin::AdminClient;
using fp::console::AnalyticsTab;
using fp::console::CredentialStore;
using fp::console::MainWindow;

namespace {

constexpr int kWaitMs = 20000;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

struct Console : ConsoleUnderTest
{
    Console() : ConsoleUnderTest(QStringLiteral("friendship-console-analytics-test")) { }
};

QList<QLineSeries *> lines(QChartView *view)
{
    QList<QLineSeries *> found;
    for (QAbstractSeries *series : view->chart()->series()) {
        if (auto *line = qobject_cast<QLineSeries *>(series))
            found.append(line);
    }
    return found;
}

} // namespace

class TestConsoleAnalytics : public IntegrationTest
{
    Q_OBJECT

public:
    TestConsoleAnalytics()
        : IntegrationTest(
              TestServer::Options().withoutRateLimits().with(s("FP_ANALYTICS_MIN_CELL"), s("1")))
    { }

private:
    std::unique_ptr<Console> m_console;
    TestAccount m_analyst;
    AnalyticsTab *m_tab = nullptr;
    int m_signups = 0;

    void prepare() override
    {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        // People sign up, two onboard, the apps send events.
        m_analyst = signUpAs(s("analyst"), s("Looker"));
        QList<TestAccount> people;
        for (const char *name : {"Una", "Vic", "Wes"})
            people << signUp(QLatin1String(name));
        for (int i = 0; i < 2; ++i)
            as(people.at(i))->put(s("/api/profile"), completeProfile(people.at(i).nickname));
        as(people.at(0))
            ->post(s("/api/events"),
                   {{s("events"),
                     QJsonArray {QJsonObject {
                         {s("event_id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                         {s("event_name"), s("screen.view")},
                         {s("occurred_at"), fp::toWireTime(QDateTime::currentDateTimeUtc())},
                         {s("properties"), QJsonObject {{s("screen"), s("home")}}}}}}});
        m_signups = 4; // the analyst too
        // The consumer has applied everything.
        pollUntil(
            [this] {
                return number(s("SELECT COUNT(*) FROM event_outbox o WHERE NOT EXISTS (SELECT 1 "
                                "FROM event_consumer_marks m WHERE m.consumer_group = "
                                "'analytics' AND m.event_id = o.event_id)")) == 0;
            },
            kWaitMs, 100);
    }

    /// Refreshes the tab and waits for every answer.
    bool reload()
    {
        QSignalSpy done(m_tab, &AnalyticsTab::loaded);
        m_tab->refresh();
        return done.wait(kWaitMs) || done.count() > 0;
    }

private Q_SLOTS:
    void anAnalystSeesOnlyAnalyticsAndQueue()
    {
        m_console = std::make_unique<Console>();
        m_console->signIn(port(), m_analyst.email, m_analyst.password);
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.consoleShown(), kWaitMs);
        QCOMPARE(m_console->visibleTabs(), (QStringList {s("Queue"), s("Analytics")}));
        QCOMPARE(m_console->window.tabs()->currentWidget(), m_console->window.analyticsTab());
        m_tab = m_console->window.analyticsTab();
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->selectMetric(s("signups")), kWaitMs);
    }

    void theTrendIsDatedTitledInWordsAndComparable()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Trends);
        QVERIFY(m_tab->selectMetric(s("signups")));
        const QDateTime now = QDateTime::currentDateTime();
        m_tab->setRange(now.addDays(-1), now.addSecs(3600));
        m_tab->setCompare(true);
        QVERIFY(reload());
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        QChart *chart = m_tab->trendChart()->chart();
        QCOMPARE(chart->title(), s("Sign-ups"));
        auto *x = qobject_cast<QDateTimeAxis *>(chart->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        QVERIFY(x->titleText().startsWith(s("Time (")));
        QVERIFY(x->min().isValid() && x->max() > x->min());
        auto *y = qobject_cast<QValueAxis *>(chart->axes(Qt::Vertical).value(0));
        QVERIFY(y);
        QCOMPARE(y->titleText(), s("People"));
        const QList<QLineSeries *> series = lines(m_tab->trendChart());
        QCOMPARE(series.size(), 2);
        QCOMPARE(series.at(0)->name(), s("This period"));
        QCOMPARE(series.at(1)->name(), s("Period before"));
        double total = 0;
        for (const QPointF &p : series.at(0)->points())
            total += p.y();
        QCOMPARE(total, double(m_signups));
        // The hours the chart shows are on the axis: every point inside it.
        for (const QPointF &p : series.at(0)->points())
            QVERIFY(p.x() >= double(x->min().toMSecsSinceEpoch()) &&
                    p.x() <= double(x->max().toMSecsSinceEpoch()));
    }

    void theFunnelIsBarsWithConversions()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Funnel);
        m_tab->setBreakdown({});
        m_tab->setCompare(false); // the trends compared: one period here
        const QDateTime now = QDateTime::currentDateTime();
        m_tab->setRange(now.addDays(-7), now);
        QVERIFY(reload());
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        QChart *chart = m_tab->funnelChart()->chart();
        auto *bars = qobject_cast<QBarSeries *>(chart->series().value(0));
        QVERIFY(bars);
        QCOMPARE(bars->count(), 1);
        QBarSet *set = bars->barSets().first();
        QCOMPARE(set->count(), 9);
        QCOMPARE(set->at(0), double(m_signups));
        QCOMPARE(set->at(1), 2.0); // two onboarded
        auto *categories = qobject_cast<QBarCategoryAxis *>(chart->axes(Qt::Horizontal).value(0));
        QVERIFY(categories);
        QCOMPARE(categories->count(), 9);
        // The conversion from the step before is on the bar's label: 2 of 4.
        QVERIFY2(categories->at(1).contains(s("50 %")), qPrintable(categories->at(1)));
        QCOMPARE(m_tab->funnelTable()->rowCount(), 9);
    }

    void periodsAreComparedByCalendarMonth()
    {
        using fp::console::AnalyticsPeriod;
        const auto at = [](int y, int m, int d, int h = 0, int min = 0) {
            return QDateTime(QDate(y, m, d), QTime(h, min), Qt::LocalTime);
        };
        // Last month, on the 31st of March: all of February, and before it all of January.
        const AnalyticsPeriod february = AnalyticsPeriod::lastMonth(at(2027, 3, 31, 18, 5));
        QCOMPARE(february.from, at(2027, 2, 1));
        QCOMPARE(february.to, at(2027, 3, 1));
        QVERIFY(february.isCalendarMonth());
        QCOMPARE(february.firstDay(), QDate(2027, 2, 1));
        QCOMPARE(february.endDay(), QDate(2027, 3, 1));
        QCOMPARE(february.signedUpInWords(), s("Signed up in February 2027"));
        QCOMPARE(february.shortName(s("now")), s("Feb"));
        const AnalyticsPeriod january = february.previous();
        QCOMPARE(january.from, at(2027, 1, 1));
        QCOMPARE(january.to, at(2027, 2, 1));
        QCOMPARE(january.signedUpInWords(), s("Signed up in January 2027"));
        // This month so far: compared with the whole month before.
        const AnalyticsPeriod march = AnalyticsPeriod::thisMonth(at(2027, 3, 31, 18, 5));
        QCOMPARE(march.from, at(2027, 3, 1));
        QVERIFY(!march.isCalendarMonth());
        QCOMPARE(march.previous().from, at(2027, 2, 1));
        QCOMPARE(march.previous().to, at(2027, 3, 1));
        QCOMPARE(march.endDay(), QDate(2027, 4, 1)); // today counts
        QCOMPARE(march.signedUpInWords(), s("Signed up 1 Mar 2027 – 31 Mar 2027"));
        // Any other range: as long, just before it.
        const AnalyticsPeriod week {at(2027, 3, 10, 12), at(2027, 3, 17, 12)};
        QCOMPARE(week.previous().from, at(2027, 3, 3, 12));
        QCOMPARE(week.previous().to, at(2027, 3, 10, 12));
        QCOMPARE(week.shortName(s("now")), s("now"));
        QCOMPARE(AnalyticsPeriod({at(2027, 3, 10), at(2027, 3, 11)}).signedUpInWords(),
                 s("Signed up on 10 Mar 2027"));
    }

    void theCohortsAreAHeatMap()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Cohorts);
        const QDateTime now = QDateTime::currentDateTime();
        m_tab->setRange(now.addDays(-14), now);
        QVERIFY(reload());
        QTableWidget *table = m_tab->cohortTable();
        QVERIFY(table->rowCount() >= 2);
        const int last = table->rowCount() - 1;
        QCOMPARE(table->item(last, 1)->text(), QString::number(m_signups));
        // Week 0: everyone was active, the darkest cell.
        QTableWidgetItem *week0 = table->item(last, 5);
        QVERIFY(week0);
        QCOMPARE(week0->text(), s("100 %"));
        QVERIFY(week0->background().color() != QColor(Qt::white));
    }

    void theEventsExplorerShowsEachName()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Events);
        const QDateTime now = QDateTime::currentDateTime();
        m_tab->setRange(now.addDays(-1), now.addSecs(3600));
        QVERIFY(reload());
        QStringList names;
        for (QLineSeries *line : lines(m_tab->eventsChart()))
            names << line->name();
        QCOMPARE(names, QStringList {s("screen.view")});
    }

    void chartsExportAsCsvAndPng()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Funnel);
        QVERIFY(reload());
        QTemporaryDir dir;
        const QString csv = dir.filePath(s("funnel.csv"));
        const QString png = dir.filePath(s("funnel.png"));
        QVERIFY(m_tab->exportCsv(csv));
        QVERIFY(m_tab->exportPng(png));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = file.readAll().split('\n');
        QVERIFY(rows.first().startsWith("signed up,group,step,people"));
        QVERIFY(rows.size() >= 10);
        QVERIFY(QFileInfo(png).size() > 0);
    }

    // Hovering a point tells its exact value and its time in words.
    void aPointHoveredTellsItsValue()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Trends);
        QVERIFY(m_tab->selectMetric(s("signups")));
        const QDateTime now = QDateTime::currentDateTime();
        m_tab->setRange(now.addDays(-1), now.addSecs(3600));
        m_tab->setCompare(false);
        QVERIFY(reload());
        const QList<QLineSeries *> series = lines(m_tab->trendChart());
        QVERIFY(!series.isEmpty());
        QPointF busiest;
        for (const QPointF &p : series.first()->points())
            if (p.y() > busiest.y())
                busiest = p;
        QVERIFY(busiest.y() > 0);
        Q_EMIT series.first()->hovered(busiest, true);
        QTRY_VERIFY(QToolTip::isVisible());
        const QString tip = QToolTip::text();
        QVERIFY2(tip.contains(s("This period")), qPrintable(tip));
        QVERIFY2(tip.contains(s(": %1 people").arg(busiest.y())), qPrintable(tip));
        QVERIFY2(tip.contains(QDateTime::fromMSecsSinceEpoch(qint64(busiest.x()))
                                  .toLocalTime()
                                  .toString(s("d MMM HH:mm"))),
                 qPrintable(tip));
        Q_EMIT series.first()->hovered(busiest, false);
        QTRY_VERIFY(!QToolTip::isVisible());
    }

    // A range where nothing happened says so in words, and is not an error.
    void anEmptyRangeSaysSo()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Trends);
        QVERIFY(m_tab->selectMetric(s("signups")));
        const QDateTime longAgo(QDate(2001, 3, 1), QTime(0, 0));
        m_tab->setRange(longAgo, longAgo.addDays(7));
        QVERIFY(reload());
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        QVERIFY2(m_tab->statusText().startsWith(s("Nothing happened in this range")),
                 qPrintable(m_tab->statusText()));
    }

    // While the tab is open it refreshes itself; once another tab is in front it stops asking.
    void itRefreshesItselfOnlyWhileOpen()
    {
        QVERIFY(m_tab);
        auto *live = m_tab->findChild<QTimer *>(s("liveRefresh"));
        QVERIFY(live);
        // The window on screen, as a person has it.
        m_console->window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&m_console->window));
        QTabWidget *tabs = m_console->window.tabs();
        tabs->setCurrentWidget(m_tab);
        QTRY_VERIFY(live->isActive());
        QCOMPARE(live->interval(), 60000);
        // A minute made short: the tab asks again by itself.
        QSignalSpy refreshed(m_tab, &AnalyticsTab::loaded);
        live->setInterval(100);
        QVERIFY(refreshed.wait(kWaitMs) || refreshed.count() > 0);
        live->setInterval(60000);
        tabs->setCurrentIndex(tabs->indexOf(m_tab) == 0 ? 1 : 0);
        QTRY_VERIFY(!live->isActive());
        tabs->setCurrentWidget(m_tab);
        QTRY_VERIFY(live->isActive());
    }

    void anErrorIsShown()
    {
        QVERIFY(m_tab);
        m_tab->showView(AnalyticsTab::View::Trends);
        const QDateTime now = QDateTime::currentDateTime();
        // Thirty years by week is more buckets than the server answers: its refusal shows.
        m_tab->setRange(now.addYears(-30), now);
        QVERIFY(reload());
        QVERIFY(m_tab->showsError());
        QVERIFY2(m_tab->statusText().contains(s("at most 1000 buckets")),
                 qPrintable(m_tab->statusText()));
        // A range that ends before it starts is refused before asking.
        m_tab->setRange(now, now.addDays(-1));
        m_tab->refresh();
        QVERIFY(m_tab->showsError());
        QVERIFY(m_tab->statusText().contains(s("ends before it starts")));
        m_console.reset();
    }
};

QTEST_MAIN(TestConsoleAnalytics)
#include "tst_console_analytics.moc"
