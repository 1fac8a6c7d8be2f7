// The console's Queue tab offscreen against the real server: its charts of the last hour are
// drawn like the Analytics tab's (console/ChartSupport.h). Before anyone queued it says so; then
// two people are matched and the charts show it on a dated axis in the viewer's time zone, with
// titles and units in words; the numbers export as CSV and the charts as PNG; and when the
// server is gone the error is shown, not swallowed.

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"
#include "console/QueueTab.h"
#include "console/SignInPage.h"
#include "tests/console/ConsoleUnderTest.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>
#include <cmath>

using namespace fp::test;
using fp::admin::AdminClient;
using fp::console::CredentialStore;
using fp::console::MainWindow;
using fp::console::QueueTab;

namespace {

constexpr int kWaitMs = 20000;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

struct Console : ConsoleUnderTest
{
    Console() : ConsoleUnderTest(QStringLiteral("friendship-console-queue-test")) { }
};

QLineSeries *line(QChartView *view, const QString &name)
{
    for (QAbstractSeries *series : view->chart()->series()) {
        if (series->name() == name)
            return qobject_cast<QLineSeries *>(series);
    }
    return nullptr;
}

double total(const QLineSeries *series)
{
    double sum = 0;
    for (const QPointF &p : series->points())
        sum += p.y();
    return sum;
}

} // namespace

class TestConsoleQueue : public IntegrationTest
{
    Q_OBJECT

public:
    TestConsoleQueue()
        : IntegrationTest(
              TestServer::Options().withoutRateLimits().with(s("FP_MATCH_TICK_MS"), s("150")))
    { }

private:
    std::unique_ptr<Console> m_console;
    TestAccount m_analyst;
    QueueTab *m_tab = nullptr;

    void prepare() override
    {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        m_analyst = signUpAs(s("analyst"), s("Watcher"));
    }

    /// Refreshes the tab and waits for the last hour to be drawn (or its error shown).
    bool reload()
    {
        QSignalSpy done(m_tab, &QueueTab::refreshed);
        m_tab->refresh();
        return done.wait(kWaitMs) || done.count() > 0;
    }

    TestAccount onboarded(const QString &nickname)
    {
        const TestAccount made = signUp(nickname);
        const HttpResult r = as(made)->put(s("/api/profile"), completeProfile(nickname));
        if (r.status != 200)
            qWarning("onboarding of %s failed: %d %s", qPrintable(nickname), r.status,
                     r.body.constData());
        return made;
    }

private Q_SLOTS:
    void beforeAnyoneQueuedItSaysSo()
    {
        m_console = std::make_unique<Console>();
        m_console->signIn(port(), m_analyst.email, m_analyst.password);
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.consoleShown(), kWaitMs);
        m_tab = m_console->window.queueTab();
        QVERIFY(reload());
        QVERIFY2(!m_tab->showsError(), qPrintable(m_tab->statusText()));
        QVERIFY2(m_tab->statusText().startsWith(s("Nobody queued in the last hour")),
                 qPrintable(m_tab->statusText()));
        QCOMPARE(total(line(m_tab->activityChart(), s("Matches"))), 0.0);
        // Nobody was matched, so no wait was measured: a dash, not "0.0 s".
        auto *numbers = m_tab->findChild<QLabel *>(s("queueNumbers"));
        QVERIFY(numbers);
        QTRY_VERIFY_WITH_TIMEOUT(!numbers->text().isEmpty(), kWaitMs);
        QVERIFY2(numbers->text().contains(s("Avg wait<br><b>—</b>")), qPrintable(numbers->text()));
        QVERIFY2(numbers->text().contains(s("p95 wait<br><b>—</b>")), qPrintable(numbers->text()));
    }

    void theChartsAreDatedAndTitledInWords()
    {
        QVERIFY(m_tab);
        const TestAccount one = onboarded(s("Quinn"));
        const TestAccount two = onboarded(s("Robin"));
        for (const TestAccount &person : {one, two})
            QCOMPARE(as(person)->post(s("/api/matching/queue/join"), {}).status, 202);
        QVERIFY(pollUntil([&] { return number(s("SELECT COUNT(*) FROM match_sessions")) == 1; },
                          kWaitMs, 100));
        // The history counts the match in its minute once it has passed.
        QVERIFY(pollUntil(
            [&] {
                return reload() && !m_tab->showsError() &&
                    total(line(m_tab->activityChart(), s("Matches"))) == 1.0;
            },
            90000, 2000));

        QChart *activity = m_tab->activityChart()->chart();
        QCOMPARE(activity->title(), s("People waiting and matches, per minute"));
        auto *x = qobject_cast<QDateTimeAxis *>(activity->axes(Qt::Horizontal).value(0));
        QVERIFY(x);
        QVERIFY(x->titleText().startsWith(s("Time (")));
        QVERIFY(x->titleText().contains(QDateTime::currentDateTime().timeZoneAbbreviation()));
        // The hour asked for is the axis: about sixty minutes up to now.
        const qint64 span = x->min().secsTo(x->max());
        QVERIFY2(span >= 59 * 60 && span <= 61 * 60, qPrintable(QString::number(span)));
        QVERIFY(x->max() >= QDateTime::currentDateTime().addSecs(-120));
        auto *y = qobject_cast<QValueAxis *>(activity->axes(Qt::Vertical).value(0));
        QVERIFY(y);
        QCOMPARE(y->titleText(), s("People / matches"));
        QLineSeries *waiting = line(m_tab->activityChart(), s("People waiting"));
        QLineSeries *matches = line(m_tab->activityChart(), s("Matches"));
        QVERIFY(waiting && matches);
        QCOMPARE(matches->count(), waiting->count());
        QVERIFY(matches->count() >= 60);
        for (const QPointF &p : matches->points())
            QVERIFY(p.x() >= double(x->min().toMSecsSinceEpoch()) &&
                    p.x() <= double(x->max().toMSecsSinceEpoch()));

        QChart *wait = m_tab->waitChart()->chart();
        QCOMPARE(wait->title(), s("Average wait of the people matched, per minute"));
        auto *seconds = qobject_cast<QValueAxis *>(wait->axes(Qt::Vertical).value(0));
        QVERIFY(seconds);
        QCOMPARE(seconds->titleText(), s("Seconds"));
        QVERIFY(qobject_cast<QDateTimeAxis *>(wait->axes(Qt::Horizontal).value(0)));
        QVERIFY(line(m_tab->waitChart(), s("Average wait")));
        // Whole numbers on round steps, none written twice (a match or two once read
        // "0, 0, 1, 1, 2"): each step between ticks is a whole number.
        for (QValueAxis *axis : {y, seconds}) {
            const double step = (axis->max() - axis->min()) / (axis->tickCount() - 1);
            QVERIFY2(step >= 1 && std::abs(step - std::round(step)) < 1e-9,
                     qPrintable(QStringLiteral("%1: %2 to %3 in %4 ticks")
                                    .arg(axis->titleText())
                                    .arg(axis->min())
                                    .arg(axis->max())
                                    .arg(axis->tickCount())));
            QCOMPARE(axis->min(), 0.0);
        }
        QVERIFY2(m_tab->statusText().startsWith(s("Last hour by minute")),
                 qPrintable(m_tab->statusText()));
    }

    void theLastHourExportsAsCsvAndPng()
    {
        QVERIFY(m_tab);
        QTemporaryDir dir;
        const QString csv = dir.filePath(s("queue.csv"));
        const QString png = dir.filePath(s("queue.png"));
        QVERIFY(m_tab->exportCsv(csv));
        QVERIFY(m_tab->exportPng(png));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QList<QByteArray> rows = file.readAll().split('\n');
        rows.removeAll(QByteArray());
        QCOMPARE(rows.first(),
                 QByteArray("minute start (UTC),people waiting,matches,average wait "
                            "(seconds)"));
        QCOMPARE(rows.size(), int(line(m_tab->activityChart(), s("Matches"))->count()) + 1);
        int matches = 0;
        for (qsizetype i = 1; i < rows.size(); ++i) {
            const QList<QByteArray> cells = rows.at(i).split(',');
            QCOMPARE(cells.size(), 4);
            QVERIFY(fp::fromWireTime(QString::fromUtf8(cells.at(0))).isValid());
            matches += cells.at(2).toInt();
        }
        QCOMPARE(matches, 1);
        QVERIFY(QFileInfo(png).size() > 0);
        // Writing where it cannot is said, not ignored.
        QVERIFY(!m_tab->exportCsv(dir.filePath(s("missing/queue.csv"))));
    }

    void anErrorIsShown()
    {
        QVERIFY(m_tab);
        QCOMPARE(server().stop(), 0);
        // A refresh asked before the server stopped may still answer: the next one fails.
        m_tab->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->showsError(), kWaitMs);
        QVERIFY2(m_tab->statusText().startsWith(s("The last hour could not be loaded: ")),
                 qPrintable(m_tab->statusText()));
        m_console.reset();
    }
};

QTEST_MAIN(TestConsoleQueue)
#include "tst_console_queue.moc"
