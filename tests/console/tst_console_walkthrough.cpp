// The "done when", walked through offscreen (docs/analytics.md, "The walk-through"): on
// a fresh server, `friendship-server demo-data` fills the history; a product person with an
// analyst account signs in through the sign-in page, sees only the analytics tabs, opens the
// funnel, picks "Last month" and "Compare with the period before", and reads where people drop
// out between sign-up and a second friend, for last month's sign-ups beside the month before's:
// the bars are the admin API's numbers for those two months, each step's conversion is shown
// for both, the table and the CSV hold both, and the drop-out line names the right steps.

#include "common/AdminClient.h"
#include "console/AnalyticsTab.h"
#include "console/MainWindow.h"
#include "tests/console/ConsoleUnderTest.h"
#include "tests/support/IntegrationTest.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace fp::test;
using fp::console::AnalyticsTab;

namespace {

constexpr int kWaitMs = 30000;
// Enough people that every funnel step of both months counts some (the smallest, a second
// friend, a handful), few enough to record in seconds.
constexpr int kUsers = 400;
constexpr int kDays = 75;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

QString percentOf(double share)
{
    return QStringLiteral("%1 %").arg(share * 100, 0, 'f', 0);
}

struct Console : ConsoleUnderTest
{
    Console() : ConsoleUnderTest(QStringLiteral("friendship-console-walkthrough-test")) { }
};

/// One month's funnel as the admin API gives it: per step its title, people and conversion.
struct Funnel
{
    QStringList titles;
    QList<double> people;
    QList<QJsonValue> conversions;
    bool suppressed = false;

    /// Where most people drop out: the step with the lowest conversion from the one before.
    QString dropOut() const
    {
        qsizetype worst = -1;
        double lowest = 2;
        for (qsizetype i = 1; i < people.size(); ++i) {
            const double conversion = people.at(i) / people.at(i - 1);
            if (people.at(i - 1) > 0 && conversion < lowest) {
                lowest = conversion;
                worst = i;
            }
        }
        return worst < 0 ? QString()
                         : s("most people drop out between “%1” and “%2” (%3 go on)")
                               .arg(titles.at(worst - 1), titles.at(worst), percentOf(lowest));
    }
};

} // namespace

class TestConsoleWalkthrough : public IntegrationTest
{
    Q_OBJECT

public:
    // Small cells are not hidden here: the walk-through is about the numbers, and a few hundred
    // demo people leave single digits at the funnel's end (tst_analytics_rollups holds the
    // suppression).
    TestConsoleWalkthrough()
        : IntegrationTest(
              TestServer::Options().withoutRateLimits().with(s("FP_ANALYTICS_MIN_CELL"), s("1")))
    { }

private:
    std::unique_ptr<Console> m_console;
    TestAccount m_analyst;
    AnalyticsTab *m_tab = nullptr;
    QDate m_lastMonth, m_monthBefore, m_thisMonth;

    void prepare() override
    {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        // "Last month" in the viewer's time zone, as the console computes it.
        const QDate today = QDate::currentDate();
        m_thisMonth = QDate(today.year(), today.month(), 1);
        m_lastMonth = m_thisMonth.addMonths(-1);
        m_monthBefore = m_thisMonth.addMonths(-2);
    }

    /// The month from `first` as the admin API answers it to the analyst.
    Funnel apiFunnel(const QDate &first)
    {
        QUrlQuery q;
        q.addQueryItem(s("from"), first.toString(Qt::ISODate));
        q.addQueryItem(s("to"), first.addMonths(1).toString(Qt::ISODate));
        const HttpResult r =
            as(m_analyst)->get(s("/api/admin/analytics/funnel?") + q.toString(QUrl::FullyEncoded));
        Funnel funnel;
        if (r.status != 200) {
            qWarning("funnel: %d %s", r.status, r.body.constData());
            return funnel;
        }
        const QJsonArray groups = r.json()[s("groups")].toArray();
        for (const QJsonValue &step : groups.first()[s("steps")].toArray()) {
            funnel.titles << step[s("title")].toString();
            funnel.people << step[s("people")].toDouble();
            funnel.conversions << step[s("conversion")];
            funnel.suppressed = funnel.suppressed || step[s("suppressed")].toBool();
        }
        return funnel;
    }

    /// How many bar sets the funnel chart shows (-1: none drawn).
    qsizetype barSets() const
    {
        auto *bars = qobject_cast<QBarSeries *>(m_tab->funnelChart()->chart()->series().value(0));
        return bars ? bars->count() : -1;
    }

    static QString signedUpIn(const QDate &month)
    {
        return s("Signed up in %1").arg(month.toString(s("MMMM yyyy")));
    }

private Q_SLOTS:
    void demoDataFillsAFreshServer()
    {
        m_analyst = signUpAs(s("analyst"), s("Pia"));
        QByteArray output;
        const int code =
            server().runToCompletion({s("demo-data"), s("--users"), QString::number(kUsers),
                                      s("--days"), QString::number(kDays)},
                                     &output, 300000);
        QVERIFY2(code == 0, output.constData());
        // Both months have people at every step, none hidden: the comparison has something to
        // show, and a console that drew nothing could not pass.
        for (const QDate &month : {m_lastMonth, m_monthBefore}) {
            const Funnel funnel = apiFunnel(month);
            QCOMPARE(funnel.people.size(), 9);
            QVERIFY(!funnel.suppressed);
            for (qsizetype i = 0; i < funnel.people.size(); ++i)
                QVERIFY2(funnel.people.at(i) > 0,
                         qPrintable(month.toString() + s(": nobody at ") + funnel.titles.at(i)));
        }
    }

    void anAnalystSeesOnlyTheAnalyticsTabs()
    {
        m_console = std::make_unique<Console>();
        m_console->signIn(port(), m_analyst.email, m_analyst.password);
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.consoleShown(), kWaitMs);
        QCOMPARE(m_console->visibleTabs(), (QStringList {s("Queue"), s("Analytics")}));
        QCOMPARE(m_console->window.tabs()->currentWidget(), m_console->window.analyticsTab());
        m_tab = m_console->window.analyticsTab();
    }

    void lastMonthsFunnelIsComparedWithTheMonthBefore()
    {
        QVERIFY(m_tab);
        // What a person does: the Funnel view, "Last month", "Compare with the period before".
        auto *views = m_tab->findChild<QTabWidget *>(s("analyticsViews"));
        auto *range = m_tab->findChild<QComboBox *>(s("analyticsRange"));
        auto *compare = m_tab->findChild<QCheckBox *>(s("analyticsCompare"));
        QVERIFY(views && range && compare);
        int funnelView = -1;
        for (int i = 0; i < views->count(); ++i) {
            if (views->tabText(i) == s("Funnel"))
                funnelView = i;
        }
        QVERIFY(funnelView >= 0);
        QSignalSpy loaded(m_tab, &AnalyticsTab::loaded);
        views->setCurrentIndex(funnelView);
        const int lastMonth = range->findText(s("Last month"));
        QVERIFY(lastMonth >= 0);
        range->setCurrentIndex(lastMonth);
        QVERIFY(!compare->isChecked());
        compare->click();
        QVERIFY(compare->isChecked());
        // Every request those changes made has answered (only the newest is drawn).
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0 && !m_tab->statusText().startsWith(s("Load")),
                                 kWaitMs);
        QTRY_VERIFY2_WITH_TIMEOUT(barSets() == 2 || m_tab->showsError(),
                                  qPrintable(m_tab->statusText()), kWaitMs);
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        QCOMPARE(m_tab->period().from.date(), m_lastMonth);
        QCOMPARE(m_tab->period().to.date(), m_thisMonth);

        const Funnel before = apiFunnel(m_monthBefore);
        const Funnel last = apiFunnel(m_lastMonth);
        QCOMPARE(before.people.size(), 9);
        QCOMPARE(last.people.size(), 9);

        // Two bar sets named by their months in words, oldest first, with the API's numbers.
        QChart *chart = m_tab->funnelChart()->chart();
        auto *bars = qobject_cast<QBarSeries *>(chart->series().value(0));
        QVERIFY(bars);
        QCOMPARE(bars->count(), 2);
        const QList<QBarSet *> sets = bars->barSets();
        QCOMPARE(sets.at(0)->label(), signedUpIn(m_monthBefore));
        QCOMPARE(sets.at(1)->label(), signedUpIn(m_lastMonth));
        for (int i = 0; i < 9; ++i) {
            QCOMPARE(sets.at(0)->at(i), before.people.at(i));
            QCOMPARE(sets.at(1)->at(i), last.people.at(i));
        }
        // Each step's conversion, for both months, under its name.
        auto *steps = qobject_cast<QBarCategoryAxis *>(chart->axes(Qt::Horizontal).value(0));
        QVERIFY(steps);
        QCOMPARE(steps->count(), 9);
        for (int i = 1; i < 9; ++i) {
            // Rich text: the step's name over a line per month, "Oct 54 %" then "Nov 61 %".
            const QStringList lines = steps->at(i).split(s("<br>"));
            QVERIFY(lines.size() >= 3);
            QCOMPARE(lines.mid(0, lines.size() - 2).join(QLatin1Char(' ')), last.titles.at(i));
            QCOMPARE(lines.at(lines.size() - 2),
                     m_monthBefore.toString(s("MMM")) + s(" ") +
                         percentOf(before.conversions.at(i).toDouble()));
            QCOMPARE(lines.last(),
                     m_lastMonth.toString(s("MMM")) + s(" ") +
                         percentOf(last.conversions.at(i).toDouble()));
        }
        // The table has both months' rows.
        QTableWidget *table = m_tab->funnelTable();
        QCOMPARE(table->rowCount(), 18);
        QCOMPARE(table->item(0, 0)->text(), signedUpIn(m_monthBefore));
        QCOMPARE(table->item(9, 0)->text(), signedUpIn(m_lastMonth));
        QCOMPARE(table->item(9 + 8, 3)->text(), QString::number(last.people.at(8)));

        // Where people drop out, in words, for each month, from the numbers shown.
        const QString dropOut = m_tab->dropOutText();
        QVERIFY(!last.dropOut().isEmpty());
        QVERIFY2(dropOut.contains(signedUpIn(m_lastMonth) + s(": ") + last.dropOut()),
                 qPrintable(dropOut + s("\nexpected: ") + last.dropOut()));
        QVERIFY2(dropOut.contains(signedUpIn(m_monthBefore) + s(": ") + before.dropOut()),
                 qPrintable(dropOut + s("\nexpected: ") + before.dropOut()));
        // The status line counts both months' sign-ups.
        QVERIFY2(m_tab->statusText().contains(
                     s("%1: %2 people").arg(signedUpIn(m_lastMonth)).arg(last.people.first())),
                 qPrintable(m_tab->statusText()));

        // The CSV holds both months.
        QTemporaryDir dir;
        const QString csv = dir.filePath(s("funnel.csv"));
        QVERIFY(m_tab->exportCsv(csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString written = QString::fromUtf8(file.readAll());
        QCOMPARE(written.count(signedUpIn(m_lastMonth)), 9);
        QCOMPARE(written.count(signedUpIn(m_monthBefore)), 9);
    }

    void aBreakdownIsComparedToo()
    {
        QVERIFY(m_tab);
        const QString dropOut = m_tab->dropOutText();
        QSignalSpy loaded(m_tab, &AnalyticsTab::loaded);
        m_tab->setBreakdown(s("region"));
        m_tab->refresh();
        QVERIFY(loaded.wait(kWaitMs) || loaded.count() > 0);
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        // A bar set per country and month, the month before's first.
        QStringList expected;
        int rows = 0;
        for (const QDate &month : {m_monthBefore, m_lastMonth}) {
            QUrlQuery q;
            q.addQueryItem(s("from"), month.toString(Qt::ISODate));
            q.addQueryItem(s("to"), month.addMonths(1).toString(Qt::ISODate));
            q.addQueryItem(s("breakdown"), s("region"));
            const HttpResult r = as(m_analyst)->get(s("/api/admin/analytics/funnel?") +
                                                    q.toString(QUrl::FullyEncoded));
            QCOMPARE(r.status, 200);
            for (const QJsonValue &g : r.json()[s("groups")].toArray()) {
                expected << (g[s("key")].isString() ? g[s("key")].toString() : s("not given")) +
                        s(" · ") + signedUpIn(month);
                rows += 9;
            }
        }
        auto *bars = qobject_cast<QBarSeries *>(m_tab->funnelChart()->chart()->series().value(0));
        QVERIFY(bars);
        QStringList shown;
        for (QBarSet *set : bars->barSets())
            shown << set->label();
        QCOMPARE(shown, expected);
        QCOMPARE(m_tab->funnelTable()->rowCount(), rows);
        // The countries add up to everyone: where most people drop out is the same.
        QCOMPARE(m_tab->dropOutText(), dropOut);
        m_tab->setBreakdown({});
    }

    void withoutCompareOnlyLastMonthIsShown()
    {
        QVERIFY(m_tab);
        auto *compare = m_tab->findChild<QCheckBox *>(s("analyticsCompare"));
        m_tab->setBreakdown({});
        QSignalSpy loaded(m_tab, &AnalyticsTab::loaded);
        compare->click();
        QVERIFY(loaded.wait(kWaitMs) || loaded.count() > 0);
        QTRY_VERIFY2_WITH_TIMEOUT(barSets() == 1 || m_tab->showsError(),
                                  qPrintable(m_tab->statusText()), kWaitMs);
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        auto *bars = qobject_cast<QBarSeries *>(m_tab->funnelChart()->chart()->series().value(0));
        QVERIFY(bars);
        QCOMPARE(bars->count(), 1);
        QCOMPARE(bars->barSets().first()->label(), signedUpIn(m_lastMonth));
        QCOMPARE(m_tab->funnelTable()->rowCount(), 9);
        QVERIFY(!m_tab->dropOutText().contains(signedUpIn(m_monthBefore)));
        m_console.reset();
    }
};

QTEST_MAIN(TestConsoleWalkthrough)
#include "tst_console_walkthrough.moc"
