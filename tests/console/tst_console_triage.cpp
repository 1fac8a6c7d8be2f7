// The console's triage view offscreen against two real server instances (the console on one,
// people filing reports on the other): it follows the staff alert feed (an alert updates the
// badge and the lists without polling, high and critical ones raise a desktop notification,
// escalation shows everywhere), the detail pane shows the evidence (the conversation around
// the reported moment with flagged and blocked messages, both people's reports both ways,
// standing and trust over time), a queue can be worked with the keyboard (J/K, C, N, A, M)
// with an empty state that says what to do, and the Queue tab shows report handling times.

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"
#include "console/QueueTab.h"
#include "console/ReportsModel.h"
#include "console/ReportsTab.h"
#include "console/SignInPage.h"
#include "console/StaffAlerts.h"
#include "console/TrustChart.h"
#include "console/Words.h"
#include "tests/console/ConsoleUnderTest.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace fp::test;
using fp::admin::AdminClient;
using fp::console::CredentialStore;
using fp::console::MainWindow;
using fp::console::ReportsTab;

namespace {

constexpr int kWaitMs = 20000;

struct Console : ConsoleUnderTest
{
    Console() : ConsoleUnderTest(QStringLiteral("friendship-console-triage-test")) { }
};

} // namespace

class TestConsoleTriage : public IntegrationTest
{
    Q_OBJECT

public:
    TestConsoleTriage() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    TestAccount m_moderator;
    TestAccount m_otherModerator;
    TestServer *m_consoleServer = nullptr;
    std::unique_ptr<Console> m_console;

    void prepare() override
    {
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        m_moderator = signUpAs(QStringLiteral("moderator"), QStringLiteral("Triager"));
        m_otherModerator = signUpAs(QStringLiteral("moderator"), QStringLiteral("Holder"));
        // The console works on a second instance; people file reports on the first.
        TestServer::Options second = TestServer::Options().withoutRateLimits();
        second.alongside(server());
        m_consoleServer = &addServer(second);
        QVERIFY(m_consoleServer->start());
    }

    ReportsTab *tab() { return m_console->window.reportsTab(); }

    struct Pair
    {
        TestAccount a;
        TestAccount b;
        QString conversationId;
    };
    Pair pair()
    {
        Pair p {signUp(QStringLiteral("Ada")), signUp(QStringLiteral("Bo")), {}};
        p.conversationId =
            seed().match(p.a, p.b, Seed::Match {.at = minutesAgo(5), .messages = 6}).conversationId;
        return p;
    }
    QString fileReport(const TestAccount &reporter, const QString &conversationId,
                       const QString &reason)
    {
        const HttpResult r =
            as(reporter)->post(QStringLiteral("/api/reports"),
                               {{QStringLiteral("conversation_session_id"), conversationId},
                                {QStringLiteral("reason_code"), reason}});
        return r.status == 201 ? r.json().value(QStringLiteral("id")).toString() : QString();
    }
    /// What the server answers `staff` claiming `report` through the API, as another desk would.
    int claimAs(const TestAccount &staff, const QString &report)
    {
        return as(staff)
            ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(report), {})
            .status;
    }
    /// What the server answers `staff` dismissing `report` (which they hold) through the API.
    int dismissAs(const TestAccount &staff, const QString &report)
    {
        return as(staff)
            ->post(QStringLiteral("/api/admin/reports/%1/action").arg(report),
                   {{QStringLiteral("action"), QStringLiteral("dismiss")},
                    {QStringLiteral("note"), QStringLiteral("handled elsewhere")}})
            .status;
    }
    /// Picks the action `key` in the action combo box, which shows it in words.
    void chooseAction(const QString &key)
    {
        auto *action = tab()->findChild<QComboBox *>(QStringLiteral("actionCombo"));
        action->setCurrentIndex(action->findData(key));
    }
    /// Selects `report` once the table lists it, with the table focused as for keyboard work.
    QTableView *selectListed(const QString &report)
    {
        auto *table = tab()->findChild<QTableView *>(QStringLiteral("reportsTable"));
        if (!QTest::qWaitFor([&] { return tab()->model()->rowOf(report) >= 0; }, kWaitMs))
            return nullptr;
        tab()->selectReport(report);
        table->setFocus();
        return tab()->selectedId() == report ? table : nullptr;
    }
    /// Selects `report` once the table lists it and waits for the detail pane to show it: the
    /// pane's text, or empty when it did not.
    QString detailOf(const QString &report)
    {
        tab()
            ->findChild<QTableView *>(QStringLiteral("reportsTable"))
            ->selectionModel()
            ->clearSelection();
        QSignalSpy shown(tab(), &ReportsTab::detailShown);
        if (!selectListed(report))
            return {};
        const auto showsIt = [&] {
            return !shown.isEmpty() && shown.last().first().toString() == report;
        };
        return QTest::qWaitFor(showsIt, kWaitMs) ? tab()->detailText() : QString();
    }
    /// The Queue tab's report handling times, loaded afresh (or what it says after waiting).
    QString reportTimes()
    {
        fp::console::QueueTab *queue = m_console->window.queueTab();
        queue->refresh();
        const auto loaded = [queue] {
            return queue->reportTimesText().contains(QStringLiteral("p95"));
        };
        if (!QTest::qWaitFor(loaded, kWaitMs))
            qWarning("the report handling times did not load");
        return queue->reportTimesText();
    }
    /// Waits for the claim or action feedback to read `expected`, then for the list refresh
    /// that follows it, and says whether the feedback is still there, in red.
    bool refusalStaysShown(const QString &expected)
    {
        if (!QTest::qWaitFor([&] { return tab()->feedbackText().contains(expected); }, kWaitMs))
            return false;
        QSignalSpy refreshed(tab(), &ReportsTab::refreshed);
        return (refreshed.wait(kWaitMs) || refreshed.count() > 0) &&
            tab()->feedbackText().contains(expected) && tab()->feedbackShowsError();
    }

private Q_SLOTS:
    void consoleFollowsTheAlertFeed()
    {
        m_console = std::make_unique<Console>();
        m_console->window.start({});
        auto *page = m_console->window.signInPage();
        page->findChild<QLineEdit *>(QStringLiteral("serverEdit"))
            ->setText(QStringLiteral("http://127.0.0.1:%1").arg(m_consoleServer->port()));
        page->findChild<QLineEdit *>(QStringLiteral("emailEdit"))->setText(m_moderator.email);
        page->findChild<QLineEdit *>(QStringLiteral("passwordEdit"))->setText(m_moderator.password);
        QTest::mouseClick(page->findChild<QPushButton *>(QStringLiteral("signInButton")),
                          Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.consoleShown(), kWaitMs);
        m_console->window.show();
        m_console->window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&m_console->window));
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.staffAlerts()->live(), kWaitMs);
        // Live: the lists are not polled.
        QTRY_VERIFY_WITH_TIMEOUT(!tab()->polling(), kWaitMs);
        m_console->window.tabs()->setCurrentWidget(tab());

        const int criticalBefore = tab()->badge().value(QStringLiteral("critical"));
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("threats"));
        QVERIFY(!report.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(report) >= 0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(tab()->badge().value(QStringLiteral("critical")),
                                  criticalBefore + 1, kWaitMs);
        const int index = m_console->window.tabs()->indexOf(tab());
        QVERIFY(m_console->window.tabs()->tabText(index).contains(QStringLiteral("Critical")));
        // The desktop is told, in words (offscreen there is no tray: the text is still kept).
        QTRY_VERIFY_WITH_TIMEOUT(
            tab()->lastNotification().startsWith(QStringLiteral("Critical severity")), kWaitMs);
        QVERIFY(tab()->lastNotification().contains(QStringLiteral("Threats")));

        // Claimed elsewhere: the badge goes down by itself.
        QCOMPARE(claimAs(m_moderator, report), 200);
        QTRY_COMPARE_WITH_TIMEOUT(tab()->badge().value(QStringLiteral("critical")), criticalBefore,
                                  kWaitMs);
        QVERIFY(!tab()->polling());
        QCOMPARE(dismissAs(m_moderator, report), 200);
    }

    void highReportsNotifyTheDesktopLowOnesDoNot()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString before = tab()->lastNotification();
        const QString low = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!low.isEmpty());
        // The row is there once its alert was handled, and with it the decision to notify.
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(low) >= 0, kWaitMs);
        QCOMPARE(tab()->lastNotification(), before);
        const QString high = fileReport(p.b, p.conversationId, QStringLiteral("harassment"));
        QVERIFY(!high.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            tab()->lastNotification().startsWith(QStringLiteral("High severity")), kWaitMs);
        QVERIFY(tab()->lastNotification().contains(QStringLiteral("Harassment")));
        QVERIFY(tab()->lastNotification().contains(QStringLiteral("new report")));
    }

    // Nobody looking: the timer escalates an overdue critical report, and the console shows it
    // in the list, the notification and the detail.
    void escalationShowsEverywhere()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString overdue = seed().report(p.a, p.b,
                                              Seed::Report {.severity = QStringLiteral("critical"),
                                                            .reason = QStringLiteral("threats"),
                                                            .conversationId = p.conversationId,
                                                            .at = minutesAgo(16)});
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(overdue) >= 0, kWaitMs);
        const auto escalatedCell = [this, &overdue] {
            const int row = tab()->model()->rowOf(overdue);
            return row < 0 ? QString()
                           : tab()
                                 ->model()
                                 ->index(row, fp::console::ReportsModel::Escalated)
                                 .data()
                                 .toString();
        };
        QTRY_VERIFY_WITH_TIMEOUT(escalatedCell().contains(QStringLiteral("escalated")), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->lastNotification().contains(QStringLiteral("escalated")),
                                 kWaitMs);
        QSignalSpy shown(tab(), &ReportsTab::detailShown);
        tab()->selectReport(overdue);
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() > 0 && shown.last().first().toString() == overdue,
                                 kWaitMs);
        QVERIFY2(tab()->detailText().contains(QStringLiteral("escalated")),
                 qPrintable(tab()->detailText()));
    }

    void detailPaneShowsTheEvidence()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        QCOMPARE(as(p.b)
                     ->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                            {{QStringLiteral("client_msg_id"), newId()},
                             {QStringLiteral("text"), QStringLiteral("add me on insta")}})
                     .status,
                 201);
        QCOMPARE(as(p.b)
                     ->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                            {{QStringLiteral("client_msg_id"), newId()},
                             {QStringLiteral("text"), QStringLiteral("i will kill you")}})
                     .status,
                 400);
        // Earlier reports of both people, both ways: by the reporter about the reported one,
        // about the reporter by someone else, and by the reported one about someone else.
        const TestAccount third = signUp(QStringLiteral("Cy"));
        seed().report(p.a, p.b, Seed::Report {.severity = QStringLiteral("low")});
        seed().report(third, p.a,
                      Seed::Report {.severity = QStringLiteral("medium"),
                                    .reason = QStringLiteral("impersonation")});
        seed().report(p.b, third,
                      Seed::Report {.severity = QStringLiteral("medium"),
                                    .reason = QStringLiteral("doxxing")});
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        QVERIFY(!report.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(report) >= 0, kWaitMs);
        QSignalSpy shown(tab(), &ReportsTab::detailShown);
        tab()->selectReport(report);
        QTRY_VERIFY_WITH_TIMEOUT(shown.count() > 0 && shown.last().first().toString() == report,
                                 kWaitMs);
        const QString text = tab()->detailText();
        QVERIFY2(text.contains(QStringLiteral("add me on insta")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("flagged: Contact details")));
        QVERIFY(text.contains(QStringLiteral("Blocked by the rules")));
        QVERIFY(text.contains(QStringLiteral("i will kill you")));
        const qsizetype reporterPart =
            text.indexOf(QStringLiteral("Earlier reports by and about the reporter"));
        const qsizetype reportedPart =
            text.indexOf(QStringLiteral("Earlier reports about and by the reported person"));
        QVERIFY2(reporterPart >= 0 && reportedPart > reporterPart, qPrintable(text));
        const QString ofReporter = text.mid(reporterPart, reportedPart - reporterPart);
        const QString ofReported = text.mid(reportedPart);
        QVERIFY2(ofReporter.contains(QStringLiteral("filed by them: Harassment, Low severity")),
                 qPrintable(ofReporter));
        QVERIFY(ofReporter.contains(QStringLiteral("about them: Impersonation, Medium severity")));
        QVERIFY(!ofReporter.contains(QStringLiteral("Sharing private information")));
        QVERIFY2(ofReported.contains(QStringLiteral("about them: Harassment, Low severity")),
                 qPrintable(ofReported));
        QVERIFY(ofReported.contains(
            QStringLiteral("filed by them: Sharing private information, Medium severity")));
        QVERIFY(!ofReported.contains(QStringLiteral("Impersonation")));
        QVERIFY(text.contains(QStringLiteral("account Active (User)")));
        // Words, not the API's keys.
        for (const char *key : {"harassment", "impersonation", "doxxing", "contact_info"})
            QVERIFY2(!text.contains(QLatin1String(key)), key);
        QVERIFY(text.contains(QStringLiteral("Bo")));
        // Both trust histories, as a chart.
        QTRY_VERIFY_WITH_TIMEOUT(tab()->trustChart()->pointCount(QStringLiteral("reported")) > 0,
                                 kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->trustChart()->pointCount(QStringLiteral("reporter")) > 0,
                                 kWaitMs);
        // Neither score moved: the note says so, for each person.
        QVERIFY2(tab()->trustChart()->noteText().contains(
                     QStringLiteral("Reporter: no trust changes in the last 90 days (score ")),
                 qPrintable(tab()->trustChart()->noteText()));
    }

    void keyboardTriage()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!report.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(report) >= 0, kWaitMs);
        // Shortcuts are shown where people look.
        QVERIFY(tab()
                    ->findChild<QPushButton *>(QStringLiteral("claimButton"))
                    ->toolTip()
                    .contains(QStringLiteral("(C)")));
        QStringList menu;
        for (QAction *a : m_console->window.menuBar()->actions()) {
            if (a->menu())
                for (QAction *item : a->menu()->actions())
                    menu << item->shortcut().toString();
        }
        for (const char *key : {"J", "K", "C", "N", "A", "M"})
            QVERIFY2(menu.contains(QLatin1String(key)), key);

        auto *table = tab()->findChild<QTableView *>(QStringLiteral("reportsTable"));
        table->setFocus();
        table->selectionModel()->clearSelection();
        // J/K walk the queue to our report.
        QTest::keyClick(table, Qt::Key_J);
        QVERIFY(!tab()->selectedId().isEmpty());
        const QString first = tab()->selectedId();
        QTest::keyClick(table, Qt::Key_J);
        QTest::keyClick(table, Qt::Key_K);
        QCOMPARE(tab()->selectedId(), first);
        for (int i = 0; i < tab()->model()->rowCount() && tab()->selectedId() != report; ++i)
            QTest::keyClick(table, Qt::Key_J);
        QCOMPARE(tab()->selectedId(), report);

        // C claims it.
        QTest::keyClick(table, Qt::Key_C);
        QTRY_COMPARE_WITH_TIMEOUT(
            text(QStringLiteral("SELECT claimed_by_user_id FROM reports WHERE id = '%1'")
                     .arg(report)),
            m_moderator.userId, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->feedbackText().startsWith(QStringLiteral("Claimed until")),
                                 kWaitMs);
        // N goes to the note; the note takes letters; Esc goes back; A applies.
        auto *note = tab()->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"));
        QTest::keyClick(table, Qt::Key_N);
        QTRY_VERIFY_WITH_TIMEOUT(note->hasFocus(), kWaitMs);
        QTest::keyClicks(note, QStringLiteral("a plain ad"));
        QCOMPARE(note->toPlainText(), QStringLiteral("a plain ad"));
        QTest::keyClick(note, Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(table->hasFocus(), kWaitMs);
        chooseAction(QStringLiteral("dismiss"));
        QTest::keyClick(table, Qt::Key_A);
        QTRY_COMPARE_WITH_TIMEOUT(
            text(QStringLiteral("SELECT status FROM reports WHERE id = '%1'").arg(report)),
            QStringLiteral("dismissed"), kWaitMs);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                       "'report.action' AND target_id = '%1' AND note = "
                                       "'a plain ad'")
                            .arg(report)),
                 1);

        // M: only my claims; none left, so the pane says what to do.
        auto *mine = tab()->findChild<QCheckBox *>(QStringLiteral("myClaims"));
        QVERIFY(!mine->isChecked());
        QSignalSpy refreshed(tab(), &ReportsTab::refreshed);
        QTest::keyClick(table, Qt::Key_M);
        QVERIFY(mine->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(tab()->model()->rowCount(), 0, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->detailText().contains(QStringLiteral("Nothing waiting")),
                                 kWaitMs);
        mine->setChecked(false);
    }

    // A claim or action the server refuses says why in words, on a line of its own that the
    // list refresh after it leaves alone.
    void refusalsAreShownInWords()
    {
        QVERIFY(m_console);
        auto *note = tab()->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"));
        auto *feedback = tab()->findChild<QLabel *>(QStringLiteral("actionFeedback"));
        QVERIFY(feedback);

        // Held by another moderator: until when.
        const Pair p = pair();
        const QString held = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!held.isEmpty());
        const HttpResult claimed =
            as(m_otherModerator)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(held), {});
        QCOMPARE(claimed.status, 200);
        const QString until =
            fp::fromWireTime(claimed.json().value(QStringLiteral("claimed_until")).toString())
                .toLocalTime()
                .toString(QStringLiteral("HH:mm"));
        QTableView *table = selectListed(held);
        QVERIFY(table);
        QTest::keyClick(table, Qt::Key_C);
        const QString holds =
            QStringLiteral("Another staff member holds this report until ") + until;
        QVERIFY2(refusalStaysShown(holds), qPrintable(tab()->feedbackText()));
        QVERIFY(feedback->isVisibleTo(tab()));

        // Acting before claiming: claim first.
        const QString unclaimed = fileReport(p.b, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!unclaimed.isEmpty());
        table = selectListed(unclaimed);
        QVERIFY(table);
        note->setPlainText(QStringLiteral("too early"));
        QTest::keyClick(table, Qt::Key_A);
        QVERIFY2(refusalStaysShown(QStringLiteral("Claim the report first (C)")),
                 qPrintable(tab()->feedbackText()));

        // Already resolved by someone else (listed with the status filter on all).
        QCOMPARE(dismissAs(m_otherModerator, held), 200);
        auto *status = tab()->findChild<QComboBox *>(QStringLiteral("statusFilter"));
        const int unresolvedIndex = status->currentIndex();
        status->setCurrentIndex(status->findData(QStringLiteral("all")));
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->report(held) &&
                                     tab()->model()->report(held)->status ==
                                         QLatin1String("dismissed"),
                                 kWaitMs);
        table = selectListed(held);
        QVERIFY(table);
        QTest::keyClick(table, Qt::Key_C);
        QVERIFY2(refusalStaysShown(QStringLiteral("This report is already resolved")),
                 qPrintable(tab()->feedbackText()));
        status->setCurrentIndex(unresolvedIndex);

        // Not allowed (403): a moderator may not handle a report they filed; the server's
        // words are shown.
        const TestAccount someone = signUp(QStringLiteral("Dee"));
        const QString own = seed().report(m_moderator, someone);
        tab()->refresh(); // a seeded report raises no alert
        table = selectListed(own);
        QVERIFY(table);
        QTest::keyClick(table, Qt::Key_C);
        QVERIFY2(refusalStaysShown(QStringLiteral("Another moderator must handle a report you "
                                                  "filed")),
                 qPrintable(tab()->feedbackText()));

        // A claim that works says until when, not in red.
        table = selectListed(unclaimed);
        QVERIFY(table);
        QTest::keyClick(table, Qt::Key_C);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->feedbackText().startsWith(QStringLiteral("Claimed until")),
                                 kWaitMs);
        QVERIFY(!tab()->feedbackShowsError());
        note->clear();
    }

    // A key pressed twice while its request is under way sends it once: one claim in the
    // audit log, one action and no "already resolved" after it.
    void repeatedKeysSendOneRequest()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!report.isEmpty());
        QTableView *table = selectListed(report);
        QVERIFY(table);
        auto *claimButton = tab()->findChild<QPushButton *>(QStringLiteral("claimButton"));
        auto *applyButton = tab()->findChild<QPushButton *>(QStringLiteral("applyActionButton"));

        QTest::keyClick(table, Qt::Key_C);
        QVERIFY(!claimButton->isEnabled());
        QVERIFY(!applyButton->isEnabled());
        QTest::keyClick(table, Qt::Key_C);
        QTRY_VERIFY_WITH_TIMEOUT(claimButton->isEnabled(), kWaitMs);
        QVERIFY2(tab()->feedbackText().startsWith(QStringLiteral("Claimed until")),
                 qPrintable(tab()->feedbackText()));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                       "'report.claim' AND target_id = '%1'")
                            .arg(report)),
                 1);

        tab()
            ->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"))
            ->setPlainText(QStringLiteral("pressed twice"));
        chooseAction(QStringLiteral("dismiss"));
        QTest::keyClick(table, Qt::Key_A);
        QVERIFY(!applyButton->isEnabled());
        QVERIFY(!claimButton->isEnabled());
        QTest::keyClick(table, Qt::Key_A);
        QTRY_VERIFY_WITH_TIMEOUT(applyButton->isEnabled(), kWaitMs);
        QCOMPARE(text(QStringLiteral("SELECT status FROM reports WHERE id = '%1'").arg(report)),
                 QStringLiteral("dismissed"));
        // What a second request would have answered arrives a little later: give it the time.
        QTest::qWait(500);
        QVERIFY2(tab()->feedbackText().contains(QStringLiteral("“Dismiss” applied")) &&
                     !tab()->feedbackShowsError(),
                 qPrintable(tab()->feedbackText()));
    }

    // A letter typed into a filter's combo box picks its item; it does not triage the
    // selected report (typing "a" in the status filter once applied the chosen action).
    void lettersInAComboBoxDoNotTriage()
    {
        QVERIFY(m_console);
        QVERIFY(QTest::qWaitForWindowActive(&m_console->window));
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!report.isEmpty());
        QTableView *table = selectListed(report);
        QVERIFY(table);
        QTest::keyClick(table, Qt::Key_C);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->feedbackText().startsWith(QStringLiteral("Claimed until")),
                                 kWaitMs);
        // Claimed, with a note and an action: A would apply it.
        tab()
            ->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"))
            ->setPlainText(QStringLiteral("must not be applied"));
        chooseAction(QStringLiteral("dismiss"));
        auto *apply = tab()->findChild<QPushButton *>(QStringLiteral("applyActionButton"));
        auto *status = tab()->findChild<QComboBox *>(QStringLiteral("statusFilter"));
        const int unresolved = status->currentIndex();
        status->setFocus();
        QTRY_VERIFY_WITH_TIMEOUT(status->hasFocus(), kWaitMs);

        QSignalSpy refreshed(tab(), &ReportsTab::refreshed);
        QTest::keyClick(status, Qt::Key_A);
        QVERIFY2(apply->isEnabled(), "A applied the action from the status filter");
        QVERIFY(status->currentIndex() != unresolved); // the combo box took the letter
        QVERIFY(refreshed.wait(kWaitMs) || refreshed.count() > 0);
        QCOMPARE(text(QStringLiteral("SELECT status FROM reports WHERE id = '%1'").arg(report)),
                 QStringLiteral("triaged"));
        status->setCurrentIndex(unresolved);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(report) >= 0, kWaitMs);
        tab()->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"))->clear();
    }

    // F5 and Ctrl+R refresh the tab shown, wherever the focus is in the window.
    void refreshKeysRefreshTheCurrentTab()
    {
        QVERIFY(m_console);
        QVERIFY(QTest::qWaitForWindowActive(&m_console->window));
        m_console->window.tabs()->setCurrentWidget(tab());
        tab()->findChild<QTableView *>(QStringLiteral("reportsTable"))->setFocus();
        for (const QKeySequence &key :
             {QKeySequence(Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_R)}) {
            QTRY_VERIFY_WITH_TIMEOUT(m_console->client.findChildren<QNetworkReply *>().isEmpty(),
                                     kWaitMs);
            QSignalSpy refreshed(tab(), &ReportsTab::refreshed);
            QTest::keySequence(&m_console->window, key);
            // Asked at once, by the key and nothing else (no event was handled since).
            QVERIFY2(!m_console->client.findChildren<QNetworkReply *>().isEmpty(),
                     qPrintable(key.toString()));
            QVERIFY(refreshed.wait(kWaitMs) || refreshed.count() > 0);
        }
    }

    // With reports listed and none selected, the pane says how to pick one, not that nothing
    // matches.
    void detailPaneSaysHowToSelectAReport()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!report.isEmpty());
        QTableView *table = selectListed(report);
        QVERIFY(table);
        QTRY_VERIFY_WITH_TIMEOUT(tab()->detailText().contains(QStringLiteral("Conversation")),
                                 kWaitMs);
        table->selectionModel()->clearSelection();
        QVERIFY(tab()->model()->rowCount() > 0);
        QVERIFY2(tab()->detailText().contains(
                     QStringLiteral("Select a report (J/K) to see its evidence")),
                 qPrintable(tab()->detailText()));
        QVERIFY(!tab()->detailText().contains(QStringLiteral("No reports match")));
        // A refresh keeps it so.
        QSignalSpy refreshed(tab(), &ReportsTab::refreshed);
        tab()->refresh();
        QVERIFY(refreshed.wait(kWaitMs) || refreshed.count() > 0);
        QVERIFY2(tab()->detailText().contains(QStringLiteral("Select a report (J/K)")),
                 qPrintable(tab()->detailText()));
    }

    // The Reports tab speaks in words: its choices (the keys stay behind them, for the API) and
    // the table's severity, status and reason.
    void reportsTabShowsWordsNotKeys()
    {
        QVERIFY(m_console);
        const auto texts = [](const QComboBox *combo) {
            QStringList shown;
            for (int i = 0; i < combo->count(); ++i)
                shown << combo->itemText(i);
            return shown;
        };
        auto *action = tab()->findChild<QComboBox *>(QStringLiteral("actionCombo"));
        for (const QString &key : fp::admin::ReportActionRequest::actions())
            QVERIFY2(!texts(action).contains(key), qPrintable(key));
        QCOMPARE(action->itemData(action->findText(QStringLiteral("Adjust trust by hand"))),
                 QVariant(QStringLiteral("manual_review")));
        auto *status = tab()->findChild<QComboBox *>(QStringLiteral("statusFilter"));
        QCOMPARE(status->currentText(), QStringLiteral("Unresolved (open or claimed)"));
        QCOMPARE(status->currentData(), QVariant(QStringLiteral("unresolved")));
        QVERIFY(!texts(status).contains(QStringLiteral("triaged")));
        QCOMPARE(status->itemData(status->findText(QStringLiteral("Claimed"))),
                 QVariant(QStringLiteral("triaged")));

        const Pair p = pair();
        const QString report =
            fileReport(p.a, p.conversationId, QStringLiteral("off_limits_topic"));
        QVERIFY(!report.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(tab()->model()->rowOf(report) >= 0, kWaitMs);
        const int row = tab()->model()->rowOf(report);
        using fp::console::ReportsModel;
        QCOMPARE(tab()->model()->index(row, ReportsModel::Severity).data().toString(),
                 QStringLiteral("Low"));
        QCOMPARE(tab()->model()->index(row, ReportsModel::Status).data().toString(),
                 QStringLiteral("Open"));
        QCOMPARE(tab()->model()->index(row, ReportsModel::Reason).data().toString(),
                 QStringLiteral("Off-limits topic"));
    }

    // An action the server would refuse is not sent: the line says what to fix, naming the
    // fields as the form does rather than by the request's keys.
    void cannotApplyNamesFieldsInWords()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!report.isEmpty());
        QVERIFY(selectListed(report));
        chooseAction(QStringLiteral("manual_review"));
        tab()->findChild<QSpinBox *>(QStringLiteral("actionAmount"))->setValue(0);
        tab()->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"))->clear();
        tab()->act();
        const QString said = tab()->feedbackText();
        QVERIFY(tab()->feedbackShowsError());
        QVERIFY2(said.startsWith(QStringLiteral("Cannot apply: ")), qPrintable(said));
        QVERIFY2(said.contains(QStringLiteral("Note required")), qPrintable(said));
        QVERIFY2(said.contains(QStringLiteral("Trust points required")), qPrintable(said));
        for (const char *key : {"note", "trust_delta", "restrict_hours", "manual_review"})
            QVERIFY2(!said.contains(QLatin1String(key)), qPrintable(said));
        // Nothing went to the server.
        QCOMPARE(text(QStringLiteral("SELECT status FROM reports WHERE id = '%1'").arg(report)),
                 QStringLiteral("open"));
    }

    // The Queue tab's report handling times: one critical report waited ten minutes for its
    // first claim, so the 95th percentile says so, in minutes; a severity nobody claimed or
    // resolved a report of shows a dash rather than "0 s".
    void queueTabShowsReportHandlingTimes()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("doxxing"));
        QVERIFY(!report.isEmpty());
        exec(QStringLiteral("UPDATE reports SET created_at = UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE "
                            "WHERE id = '%1'")
                 .arg(report));
        QCOMPARE(claimAs(m_moderator, report), 200);
        QCOMPARE(dismissAs(m_moderator, report), 200);
        fp::console::QueueTab *queue = m_console->window.queueTab();
        m_console->window.tabs()->setCurrentWidget(queue);
        const QRegularExpression critical(
            QStringLiteral("Critical</td><td>([^<]+) / (\\d+) min</td><td>([^<]+) / ([^<]+)</td>"));
        const auto claimP95Minutes = [&] {
            const QRegularExpressionMatch m = critical.match(queue->reportTimesText());
            return m.hasMatch() ? m.captured(2).toInt() : -1;
        };
        // Asked after the report was handled: the answer counts it.
        queue->refresh();
        QTRY_VERIFY2_WITH_TIMEOUT(claimP95Minutes() >= 9, qPrintable(queue->reportTimesText()),
                                  kWaitMs);
        // The severities the server measured nothing for, as it counts them.
        const HttpResult metrics =
            as(m_moderator)->get(QStringLiteral("/api/admin/reports/metrics?window_hours=168"));
        QCOMPARE(metrics.status, 200);
        int unmeasured = 0;
        for (const QJsonValue &row : metrics.json().value(QStringLiteral("severities")).toArray()) {
            const QString severity = row[QStringLiteral("severity")].toString();
            if (row[QStringLiteral("claimed")].toInt() == 0) {
                ++unmeasured;
                QVERIFY2(queue->reportTimesText().contains(
                             QStringLiteral("%1</td><td>—</td><td>—</td>")
                                 .arg(fp::console::words::severity(severity))),
                         qPrintable(severity + QStringLiteral(": ") + queue->reportTimesText()));
            }
        }
        QVERIFY(unmeasured > 0);
        QVERIFY(queue->reportTimesText().contains(QStringLiteral("First claim p50 / p95")));
        QVERIFY(queue->reportTimesText().contains(QStringLiteral("Resolution p50 / p95")));
        m_console->window.tabs()->setCurrentWidget(tab());
    }

    // The handling times name each severity in words, as the Reports tab does.
    void queueTabNamesSeveritiesInWords()
    {
        QVERIFY(m_console);
        const QString shown = reportTimes();
        QVERIFY2(shown.contains(QStringLiteral("p95")), qPrintable(shown));
        for (const char *name : {"low", "medium", "high", "critical"}) {
            const QString key = QString::fromLatin1(name);
            const QString word = key.front().toUpper() + key.mid(1);
            QVERIFY2(!shown.contains(QStringLiteral("<td>%1</td>").arg(key)), qPrintable(shown));
            QVERIFY2(shown.contains(QStringLiteral("<tr><td>%1</td>").arg(word)),
                     qPrintable(shown));
        }
    }

    // The API names whoever holds a claim by id only: the console says "you" for the signed-in
    // moderator's own claims and "another staff member" for anyone else's (an admin may hold
    // one too), with the id to look them up (a tooltip in the table, beside the words in the
    // detail).
    void claimedBySaysYouOrAnotherStaffMember()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString mine = fileReport(p.a, p.conversationId, QStringLiteral("threats"));
        const QString theirs = fileReport(p.b, p.conversationId, QStringLiteral("threats"));
        QVERIFY(!mine.isEmpty() && !theirs.isEmpty());
        QCOMPARE(claimAs(m_moderator, mine), 200);
        QCOMPARE(claimAs(m_otherModerator, theirs), 200);
        using fp::console::ReportsModel;
        const auto claimedBy = [this](const QString &report, int role) {
            const int row = tab()->model()->rowOf(report);
            return row < 0
                ? QString()
                : tab()->model()->index(row, ReportsModel::Claimed).data(role).toString();
        };
        tab()->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(claimedBy(mine, Qt::DisplayRole), QStringLiteral("you"), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(claimedBy(theirs, Qt::DisplayRole),
                                  QStringLiteral("another staff member"), kWaitMs);
        QVERIFY2(claimedBy(theirs, Qt::ToolTipRole).contains(m_otherModerator.userId),
                 qPrintable(claimedBy(theirs, Qt::ToolTipRole)));

        QString detail = detailOf(theirs);
        QVERIFY2(detail.contains(QStringLiteral("Claimed by: another staff member (id %1) until")
                                     .arg(m_otherModerator.userId)),
                 qPrintable(detail));
        detail = detailOf(mine);
        QVERIFY2(detail.contains(QStringLiteral("Claimed by: you until")), qPrintable(detail));
    }

    // Who took a report's action is named as its claims are: "you" for the signed-in
    // moderator, "another staff member" for anyone else (here the admin), their id in small
    // print beside it, never the bare id.
    void actionSaysByYouOrAnotherStaffMember()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        const QString mine = fileReport(p.a, p.conversationId, QStringLiteral("spam"));
        const QString theirs = fileReport(p.b, p.conversationId, QStringLiteral("spam"));
        QVERIFY(!mine.isEmpty() && !theirs.isEmpty());
        const TestAccount admin = logInAsAdmin();
        QCOMPARE(claimAs(m_moderator, mine), 200);
        QCOMPARE(dismissAs(m_moderator, mine), 200);
        QCOMPARE(claimAs(admin, theirs), 200);
        QCOMPARE(dismissAs(admin, theirs), 200);

        // Resolved, they are listed with the status filter on all.
        auto *status = tab()->findChild<QComboBox *>(QStringLiteral("statusFilter"));
        const int unresolvedIndex = status->currentIndex();
        status->setCurrentIndex(status->findData(QStringLiteral("all")));
        QString detail = detailOf(mine);
        QVERIFY2(detail.contains(QStringLiteral("Action: Dismiss by you at ")), qPrintable(detail));
        QVERIFY2(!detail.contains(m_moderator.userId), qPrintable(detail));
        detail = detailOf(theirs);
        QVERIFY2(
            detail.contains(QStringLiteral("Action: Dismiss by another staff member (id %1) at ")
                                .arg(admin.userId)),
            qPrintable(detail));
        status->setCurrentIndex(unresolvedIndex);
    }

    // The tab's badge counts the reports nobody holds by severity, in the words the rest of
    // the console uses ("2 Critical · 1 High").
    void badgeNamesSeveritiesInWords()
    {
        QVERIFY(m_console);
        const Pair p = pair();
        QVERIFY(!fileReport(p.a, p.conversationId, QStringLiteral("threats")).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!tab()->badgeText().isEmpty(), kWaitMs);
        const QString badge = tab()->badgeText();
        static const QRegularExpression part(QStringLiteral("^\\d+ (Critical|High|Medium|Low)$"));
        for (const QString &said : badge.split(QStringLiteral(" · ")))
            QVERIFY2(part.match(said).hasMatch(), qPrintable(badge));
        QTabWidget *tabs = m_console->window.tabs();
        QCOMPARE(tabs->tabText(tabs->indexOf(tab())), QStringLiteral("Reports (%1)").arg(badge));
    }

    // The handling times' table heads its columns as the console's other tables do: capitalised.
    void queueTabHeadersAreCapitalised()
    {
        QVERIFY(m_console);
        const QString shown = reportTimes();
        QVERIFY2(shown.contains(QStringLiteral("p95")), qPrintable(shown));
        QVERIFY2(
            shown.contains(QStringLiteral("<tr><th>Severity</th><th>First claim p50 / p95</th>"
                                          "<th>Resolution p50 / p95</th><th>Unresolved</th></tr>")),
            qPrintable(shown));
        static const QRegularExpression lowercaseHeader(QStringLiteral("<th>[a-z]"));
        QVERIFY2(!lowercaseHeader.match(shown).hasMatch(), qPrintable(shown));
    }

    void consoleClosesCleanly()
    {
        QVERIFY(m_console);
        m_console.reset();
    }
};

QTEST_MAIN(TestConsoleTriage)
#include "tst_console_triage.moc"
