// The admin console offscreen against the real server: sign-in through the UI (staff only, a
// plain user is refused with a clear message), the keychain fallback when no Secret Service
// exists, the report queue, claiming and acting on a report through the console's widgets (the
// database shows the effect), and the unreachable-server banner and its recovery. The round
// trip through a real keychain is tst_console_keychain.

#include "common/AdminClient.h"
#include "common/Time.h"
#include "console/AuditTab.h"
#include "console/CredentialStore.h"
#include "console/MainWindow.h"
#include "console/ReportsModel.h"
#include "console/ReportsTab.h"
#include "console/SignInPage.h"
#include "console/TrustChart.h"
#include "console/UsersTab.h"
#include "tests/console/ConsoleUnderTest.h"
#include "tests/support/IntegrationTest.h"

#include <QBuffer>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTextBrowser>
#include <QUuid>
#include <QValueAxis>

using namespace fp::test;
using fp::admin::AdminClient;
using fp::console::CredentialStore;
using fp::console::MainWindow;

namespace {

constexpr int kWaitMs = 20000;

/// A TCP relay in front of the server: closing it makes the server unreachable for the console,
/// listening again on the same port makes it reappear, without touching the real server.
class Relay : public QTcpServer
{
public:
    explicit Relay(quint16 target) : m_target(target) { }

    void closeAll()
    {
        close();
        for (QTcpSocket *s : findChildren<QTcpSocket *>())
            s->abort();
    }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *in = new QTcpSocket(this);
        in->setSocketDescriptor(descriptor);
        auto *out = new QTcpSocket(this);
        out->connectToHost(QHostAddress::LocalHost, m_target);
        connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
        connect(out, &QTcpSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
        connect(in, &QTcpSocket::disconnected, out, &QTcpSocket::disconnectFromHost);
        connect(out, &QTcpSocket::disconnected, in, &QTcpSocket::disconnectFromHost);
        connect(in, &QTcpSocket::disconnected, in, &QObject::deleteLater);
        connect(out, &QTcpSocket::disconnected, out, &QObject::deleteLater);
    }

private:
    quint16 m_target;
};

/// A server that is up but fails: every request is answered with `status` and an error body.
class FailingServer : public QTcpServer
{
public:
    FailingServer(int status, const QByteArray &code) : m_status(status), m_code(code) { }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(descriptor);
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
            QByteArray &request = m_received[socket];
            request += socket->readAll();
            const qsizetype headerEnd = request.indexOf("\r\n\r\n");
            if (headerEnd < 0)
                return;
            static const QRegularExpression length(QStringLiteral("content-length:\\s*(\\d+)"),
                                                   QRegularExpression::CaseInsensitiveOption);
            const QRegularExpressionMatch m =
                length.match(QString::fromLatin1(request.left(headerEnd)));
            if (request.size() < headerEnd + 4 + (m.hasMatch() ? m.captured(1).toLongLong() : 0))
                return;
            const QByteArray body =
                R"({"code":")" + m_code + R"(","message":"Down for maintenance","details":{}})";
            socket->write("HTTP/1.1 " + QByteArray::number(m_status) +
                          " Failing\r\nContent-Type: application/json\r\nContent-Length: " +
                          QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            socket->disconnectFromHost();
            m_received.remove(socket);
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

private:
    int m_status;
    QByteArray m_code;
    QHash<QTcpSocket *, QByteArray> m_received;
};

/// A port nothing listens on.
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

struct Console : ConsoleUnderTest
{
    Console() : ConsoleUnderTest(QStringLiteral("friendship-console-test")) { }
};

const QString kAdminEmail = TestServer::adminEmail();
const QString kAdminPassword = TestServer::adminPassword();

} // namespace

class TestConsole : public IntegrationTest
{
    Q_OBJECT

public:
    TestConsole() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    TestAccount m_reporter;
    TestAccount m_reported;
    std::unique_ptr<Console> m_console;
    QString m_reportId;

    QString url(quint16 port) const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }

    void prepare() override
    {
        // No session bus: QtKeychain has no Secret Service, so the console must fall back to
        // memory and say so (tst_console_keychain has one).
        qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        m_reporter = signUp(QStringLiteral("Reporter"));
        m_reported = signUp(QStringLiteral("Reported"));
        // The reported person has an avatar: the report detail and the user view show it.
        QImage picture(256, 256, QImage::Format_RGB32);
        picture.fill(Qt::darkCyan);
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(picture.save(&buffer, "PNG"));
        QCOMPARE(as(m_reported)
                     ->send("PUT", QStringLiteral("/api/profile/avatar"), png,
                            {{"Content-Type", "image/png"}})
                     .status,
                 200);
    }

    static QString passwordTyped(const MainWindow &window)
    {
        return window.signInPage()->findChild<QLineEdit *>(QStringLiteral("passwordEdit"))->text();
    }

    /// The avatar label of a staff view shows the 128 px image.
    static bool showsAvatar(QWidget *view)
    {
        const auto *avatar = view->findChild<QLabel *>(QStringLiteral("avatar"));
        return avatar && !avatar->isHidden() && avatar->pixmap().width() == 128;
    }
    static QString avatarState(QWidget *view)
    {
        const auto *avatar = view->findChild<QLabel *>(QStringLiteral("avatar"));
        if (!avatar)
            return QStringLiteral("no avatar label");
        return QStringLiteral("hidden %1, text '%2', pixmap width %3")
            .arg(avatar->isHidden())
            .arg(avatar->text())
            .arg(avatar->pixmap().width());
    }

private Q_SLOTS:
    void plainUserIsRefused()
    {
        Console console;
        console.window.start({});
        console.signInThroughUi(url(port()), m_reporter.email, m_reporter.password);
        QTRY_VERIFY_WITH_TIMEOUT(
            console.window.signInPage()->message().contains(QStringLiteral("not a staff")),
            kWaitMs);
        QVERIFY(!console.window.consoleShown());
        QVERIFY(!console.client.signedIn());
    }

    void wrongPasswordIsExplained()
    {
        Console console;
        console.window.start({});
        console.signInThroughUi(url(port()), kAdminEmail, QStringLiteral("wrong-pw-123"));
        QTRY_COMPARE_WITH_TIMEOUT(console.window.signInPage()->message(),
                                  QStringLiteral("Wrong email or password."), kWaitMs);
    }

    void closedPortIsExplained()
    {
        Console console;
        console.window.start({});
        console.signInThroughUi(url(closedPort()), kAdminEmail, kAdminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(console.window.signInPage()->message().contains(
                                     QStringLiteral("Cannot reach the server")),
                                 kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!console.window.connectionMessage().isEmpty(), kWaitMs);
    }

    void adminSignsInWithoutKeychain()
    {
        m_console = std::make_unique<Console>();
        m_console->window.start({});
        m_console->signInThroughUi(url(port()), kAdminEmail, kAdminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(m_console->window.consoleShown(), kWaitMs);
        QCOMPARE(m_console->client.identity().role, QStringLiteral("admin"));
        // Signed in, the password is not kept in the (now hidden) form.
        QCOMPARE(passwordTyped(m_console->window), QString());
        // The token could not go to a keychain: memory only, and the window says so.
        QTRY_VERIFY_WITH_TIMEOUT(m_console->store.memoryOnly(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            m_console->window.keychainMessage().contains(QStringLiteral("No keychain")), kWaitMs);
        QString stored;
        m_console->store.load(url(port()), [&stored](const QString &t) { stored = t; });
        QTRY_COMPARE_WITH_TIMEOUT(stored, m_console->client.refreshToken(), kWaitMs);
    }

    void reportQueueShowsSeededReport()
    {
        QVERIFY(m_console && m_console->window.consoleShown());
        m_reportId = seed().report(m_reporter, m_reported,
                                   Seed::Report {.severity = QStringLiteral("high")});
        m_console->window.tabs()->setCurrentWidget(m_console->window.reportsTab());
        m_console->window.reportsTab()->refresh();
        fp::console::ReportsModel *model = m_console->window.reportsTab()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf(m_reportId) >= 0, kWaitMs);
        const QModelIndex severity = model->index(model->rowOf(m_reportId), 0);
        QCOMPARE(severity.data().toString(), QStringLiteral("High"));
        QVERIFY(severity.data(Qt::BackgroundRole).isValid());
    }

    void claimAndActThroughTheConsole()
    {
        QVERIFY(!m_reportId.isEmpty());
        fp::console::ReportsTab *tab = m_console->window.reportsTab();
        tab->selectReport(m_reportId);
        QCOMPARE(tab->selectedId(), m_reportId);
        QTRY_VERIFY2_WITH_TIMEOUT(showsAvatar(tab), qPrintable(avatarState(tab)), kWaitMs);
        const QString adminId = m_console->client.identity().userId;
        QVERIFY(!adminId.isEmpty());

        QTest::mouseClick(tab->findChild<QPushButton *>(QStringLiteral("claimButton")),
                          Qt::LeftButton);
        const QString claimedBy =
            QStringLiteral("SELECT claimed_by_user_id FROM reports WHERE id = '%1'")
                .arg(m_reportId);
        QTRY_COMPARE_WITH_TIMEOUT(db()->scalar(claimedBy).toString(), adminId, kWaitMs);

        auto *action = tab->findChild<QComboBox *>(QStringLiteral("actionCombo"));
        action->setCurrentIndex(action->findData(QStringLiteral("warn")));
        QCOMPARE(action->currentText(), QStringLiteral("Warn"));
        tab->findChild<QPlainTextEdit *>(QStringLiteral("actionNote"))
            ->setPlainText(QStringLiteral("Warned from the console test"));
        QTest::mouseClick(tab->findChild<QPushButton *>(QStringLiteral("applyActionButton")),
                          Qt::LeftButton);
        const QString state = QStringLiteral("SELECT CONCAT(status, '/', resolution_action, '/', "
                                             "resolved_by_user_id) FROM reports WHERE id = '%1'")
                                  .arg(m_reportId);
        QTRY_VERIFY2_WITH_TIMEOUT(
            db()->scalar(state).toString() == QStringLiteral("actioned/warn/") + adminId,
            qPrintable(tab->findChild<QLabel *>(QStringLiteral("reportsStatus"))->text()), kWaitMs);
        // The default filter shows unresolved reports: the actioned one leaves the table.
        QTRY_VERIFY_WITH_TIMEOUT(tab->model()->rowOf(m_reportId) < 0, kWaitMs);

        fp::console::AuditTab *audit = m_console->window.auditTab();
        m_console->window.tabs()->setCurrentWidget(audit);
        QTRY_VERIFY_WITH_TIMEOUT(audit->rowCount() > 0, kWaitMs);
    }

    void usersTabShowsTheTrustChartAndLedger()
    {
        // The warning above confirmed the report: the reported user's trust fell, and the Users
        // tab shows it as a chart point and the ledger row that explains it.
        QVERIFY(m_console && m_console->window.consoleShown());
        fp::console::UsersTab *users = m_console->window.usersTab();
        m_console->window.tabs()->setCurrentWidget(users);
        users->search(m_reported.nickname);
        auto *results = users->findChild<QTableWidget *>(QStringLiteral("userResults"));
        QVERIFY(results);
        QTRY_VERIFY_WITH_TIMEOUT(results->rowCount() > 0, kWaitMs);
        users->showUser(m_reported.userId);
        auto *chart = users->findChild<fp::console::TrustChart *>();
        QVERIFY(chart);
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(users->tr("score")) >= 2, kWaitMs);
        // The detail names how the account signs in (a password account here).
        auto *detail = users->findChild<QTextBrowser *>();
        QVERIFY(detail);
        QTRY_VERIFY_WITH_TIMEOUT(
            detail->toPlainText().contains(QStringLiteral("Signs in with: password")), kWaitMs);
        QTRY_VERIFY2_WITH_TIMEOUT(showsAvatar(users), qPrintable(avatarState(users)), kWaitMs);
        QTableWidget *ledger = nullptr;
        for (QTableWidget *table : users->findChildren<QTableWidget *>()) {
            if (table != results)
                ledger = table;
        }
        QVERIFY(ledger);
        QTRY_VERIFY_WITH_TIMEOUT(ledger->rowCount() >= 1, kWaitMs);
    }

    void trustChartIsDatedAndSaysWhenNothingChanged()
    {
        QVERIFY(m_console && m_console->window.consoleShown());
        fp::console::UsersTab *users = m_console->window.usersTab();
        auto *chart = users->findChild<fp::console::TrustChart *>();
        auto *ledger = users->findChild<QTableWidget *>(QStringLiteral("trustLedger"));
        QVERIFY(chart && ledger);
        const QString score = users->tr("score");

        // The reported person's score fell: steps on a dated axis over the last 90 days, the
        // score's axis titled with its range in whole numbers.
        users->showUser(m_reported.userId);
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(score) >= 2 && ledger->rowCount() >= 1, kWaitMs);
        QChart *drawn = chart->view()->chart();
        auto *x = qobject_cast<QDateTimeAxis *>(drawn->axes(Qt::Horizontal).value(0));
        auto *y = qobject_cast<QValueAxis *>(drawn->axes(Qt::Vertical).value(0));
        QVERIFY(x && y);
        QVERIFY2(x->format().contains(QStringLiteral("yyyy")), qPrintable(x->format()));
        QVERIFY(x->titleText().startsWith(QStringLiteral("Time (")));
        QCOMPARE(y->titleText(), QString::fromUtf8("Trust score (0–100)"));
        QCOMPARE(y->labelFormat(), QStringLiteral("%.0f"));
        QCOMPARE(y->min(), 0.0);
        QCOMPARE(y->max(), 100.0);
        const qint64 days = x->min().daysTo(x->max());
        QVERIFY2(days >= 89 && days <= 91, qPrintable(QString::number(days)));
        auto *line = qobject_cast<QLineSeries *>(drawn->series().value(0));
        QVERIFY(line);
        // A step is two points (the score held, then the new one), and the last score runs on
        // to the end of the period.
        QCOMPARE(line->count(), 2 * chart->pointCount(score));
        QCOMPARE(line->at(line->count() - 1).x(), double(x->max().toMSecsSinceEpoch()));
        QCOMPARE(line->at(1).y(), line->at(0).y());

        // Someone whose score never moved: the previous person's chart and ledger go at once,
        // their score is drawn across the period, marked, and the note says nothing changed.
        const TestAccount quiet = signUp(QStringLiteral("Quiet"));
        users->showUser(quiet.userId);
        QCOMPARE(chart->pointCount(score), 0);
        QCOMPARE(ledger->rowCount(), 0);
        QVERIFY(chart->view()->chart()->series().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(chart->pointCount(score), 1, kWaitMs);
        QCOMPARE(chart->noteText(),
                 QStringLiteral("No trust changes in the last 90 days (score 50)"));
        QVERIFY(!chart->showsError());
        line = qobject_cast<QLineSeries *>(chart->view()->chart()->series().value(0));
        QVERIFY(line);
        QCOMPARE(line->count(), 2);
        QCOMPARE(line->at(0).y(), 50.0);
        QCOMPARE(line->at(1).y(), 50.0);
        QVERIFY(
            line->pointConfiguration(0).value(QXYSeries::PointConfiguration::Visibility).toBool());
        QCOMPARE(ledger->rowCount(), 0);

        // Nobody by that id: the error is shown and nothing is drawn.
        users->showUser(QUuid::createUuid().toString(QUuid::WithoutBraces));
        QTRY_VERIFY_WITH_TIMEOUT(chart->showsError(), kWaitMs);
        QVERIFY2(chart->noteText().contains(QStringLiteral("could not be loaded")),
                 qPrintable(chart->noteText()));
        QCOMPARE(chart->pointCount(score), 0);
        QVERIFY(chart->view()->chart()->series().isEmpty());
        QCOMPARE(ledger->rowCount(), 0);
    }

    void statusChangeIsSentOnce()
    {
        // Clicked twice while the change is under way: one change, one audit entry.
        QVERIFY(m_console && m_console->window.consoleShown());
        fp::console::UsersTab *users = m_console->window.usersTab();
        users->showUser(m_reported.userId);
        auto *status = users->findChild<QComboBox *>(QStringLiteral("newStatus"));
        QVERIFY(status);
        status->setCurrentIndex(status->findData(QStringLiteral("active")));
        users->findChild<QLineEdit *>(QStringLiteral("statusNote"))
            ->setText(QStringLiteral("Checked by the console test"));
        auto *button = users->findChild<QPushButton *>(QStringLiteral("changeStatusButton"));
        QVERIFY(button);
        QTest::mouseClick(button, Qt::LeftButton);
        QVERIFY(!button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(button->isEnabled(), kWaitMs);
        QTest::qWait(500);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                             "'user.status' AND target_id = '%1'")
                                  .arg(m_reported.userId))
                     .toInt(),
                 1);
    }

    // The Users tab speaks in words: the results' status and role, the status choices (the
    // keys stay behind them, for the API), the detail, and the line saying what the status is now.
    void usersTabShowsWordsNotKeys()
    {
        QVERIFY(m_console && m_console->window.consoleShown());
        fp::console::UsersTab *users = m_console->window.usersTab();
        m_console->window.tabs()->setCurrentWidget(users);
        auto *results = users->findChild<QTableWidget *>(QStringLiteral("userResults"));
        auto *status = users->findChild<QComboBox *>(QStringLiteral("newStatus"));
        auto *detail = users->findChild<QTextBrowser *>();
        auto *line = users->findChild<QLabel *>(QStringLiteral("usersStatus"));
        QVERIFY(results && status && detail && line);
        const auto cell = [results](int row, int column) {
            const QTableWidgetItem *item = results->item(row, column);
            return item ? item->text() : QString();
        };
        const auto rowOf = [&](const QString &id) {
            for (int row = 0; row < results->rowCount(); ++row) {
                if (cell(row, 5) == id)
                    return row;
            }
            return -1;
        };
        results->setRowCount(0);
        users->search(m_reported.nickname);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(m_reported.userId) >= 0, kWaitMs);
        const int row = rowOf(m_reported.userId);
        QCOMPARE(cell(row, 2), QStringLiteral("Active"));
        QCOMPARE(cell(row, 3), QStringLiteral("User"));

        QStringList shown;
        for (int i = 0; i < status->count(); ++i)
            shown << status->itemText(i);
        QCOMPARE(shown,
                 QStringList({QStringLiteral("Active"), QStringLiteral("Restricted"),
                              QStringLiteral("Banned")}));
        QCOMPARE(status->itemData(status->findText(QStringLiteral("Restricted"))),
                 QVariant(QStringLiteral("restricted")));

        // Chosen by its words, the status goes to the server as its key.
        users->showUser(m_reported.userId);
        QTRY_VERIFY2_WITH_TIMEOUT(detail->toPlainText().contains(QStringLiteral("Status Active")),
                                  qPrintable(detail->toPlainText()), kWaitMs);
        QVERIFY2(detail->toPlainText().contains(QStringLiteral("role User")),
                 qPrintable(detail->toPlainText()));
        const QString inDatabase =
            QStringLiteral("SELECT status FROM users WHERE id = '%1'").arg(m_reported.userId);
        const auto changeTo = [&](const QString &words) {
            status->setCurrentIndex(status->findText(words));
            users->findChild<QLineEdit *>(QStringLiteral("statusNote"))
                ->setText(QStringLiteral("Words, not keys"));
            QTest::mouseClick(users->findChild<QPushButton *>(QStringLiteral("changeStatusButton")),
                              Qt::LeftButton);
        };
        changeTo(QStringLiteral("Restricted"));
        QTRY_COMPARE_WITH_TIMEOUT(db()->scalar(inDatabase).toString(), QStringLiteral("restricted"),
                                  kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(line->text(), QStringLiteral("Status is now Restricted."),
                                  kWaitMs);
        QTRY_VERIFY2_WITH_TIMEOUT(
            detail->toPlainText().contains(QStringLiteral("Status Restricted")),
            qPrintable(detail->toPlainText()), kWaitMs);
        changeTo(QStringLiteral("Active"));
        QTRY_COMPARE_WITH_TIMEOUT(db()->scalar(inDatabase).toString(), QStringLiteral("active"),
                                  kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(line->text(), QStringLiteral("Status is now Active."), kWaitMs);
    }

    // The trust ledger says where each change came from and what made it in words, for every
    // source the server writes, never as its keys or as JSON: two rows come the real way (a
    // confirmed report, a change by hand), the others as the trust rules write them.
    void trustLedgerShowsWordsNotJson()
    {
        QVERIFY(m_console && m_console->window.consoleShown());
        const TestAccount person = signUp(QStringLiteral("Ledgered"));
        const TestAccount admin = logInAsAdmin();
        const auto handle = [&](const QString &severity, const QJsonObject &action) {
            const QString report =
                seed().report(m_reporter, person, Seed::Report {.severity = severity});
            const auto client = as(admin);
            return client->post(QStringLiteral("/api/admin/reports/%1/claim").arg(report), {})
                       .status == 200 &&
                client->post(QStringLiteral("/api/admin/reports/%1/action").arg(report), action)
                    .status == 200;
        };
        QVERIFY(handle(QStringLiteral("high"),
                       {{QStringLiteral("action"), QStringLiteral("warn")},
                        {QStringLiteral("note"), QStringLiteral("rude")}}));
        QVERIFY(handle(QStringLiteral("low"),
                       {{QStringLiteral("action"), QStringLiteral("manual_review")},
                        {QStringLiteral("note"), QStringLiteral("kind after all")},
                        {QStringLiteral("trust_delta"), 3}}));
        const auto ledgerRow = [&](const QString &source, int delta, int minutesAgo,
                                   const QString &metadata) {
            exec(QStringLiteral("INSERT INTO trust_score_events (id, user_id, delta, source, "
                                "source_ref_id, metadata_json, created_at) VALUES (UUID(), '%1', "
                                "%2, '%3', UUID(), '%4', UTC_TIMESTAMP(3) - INTERVAL %5 MINUTE)")
                     .arg(person.userId)
                     .arg(delta)
                     .arg(source, metadata)
                     .arg(minutesAgo));
        };
        const QString reflection =
            QStringLiteral(
                R"({"rule_version":1,"source":"reflection","reflector_id":"%1","reflector_trust":72,)"
                R"("vibe_score":4,"meet_outcome":"again","tags_counted":["good_listener"],)"
                R"("tags_unknown":[],"reflector_weight":1,"daily_cap":10,"moved_today_before":9,)"
                R"("daily_budget_left":1,"cap_scale":0.4,"ignored":false,"cooldown_applied":true,)"
                R"("clamped":false,"component_deltas":{"reliability":0.4,"respect":0.8,)"
                R"("engagement":1.2,"safety":0.2},"score_before":50,"score_after":51})")
                .arg(m_reporter.userId);
        ledgerRow(QStringLiteral("reflection"), 1, 30, reflection);
        const QString eligible = fp::toWireTime(QDateTime::currentDateTimeUtc().addDays(20));
        ledgerRow(
            QStringLiteral("reflection"), 0, 20,
            QStringLiteral(R"({"rule_version":1,"source":"reflection","reflector_id":"%1",)"
                           R"("reflector_trust":72,"vibe_score":2,"meet_outcome":"pass",)"
                           R"("ignored":true,"ignored_reason":"same_reflector_within_30_days",)"
                           R"("eligible_again_at":"%2","cooldown_applied":false,)"
                           R"("component_deltas":{"reliability":0,"respect":0,)"
                           R"("engagement":0,"safety":0},"score_before":51,)"
                           R"("score_after":51})")
                .arg(m_reporter.userId, eligible));
        ledgerRow(QStringLiteral("cooldown_penalty"), -1, 10,
                  QStringLiteral(R"({"rule_version":1,"source":"cooldown_penalty","ignored":false,)"
                                 R"("cooldown_applied":false,"clamped":false,)"
                                 R"("component_deltas":{"reliability":-4,"respect":0,)"
                                 R"("engagement":0,"safety":0},"score_before":51,)"
                                 R"("score_after":50})"));

        fp::console::UsersTab *users = m_console->window.usersTab();
        m_console->window.tabs()->setCurrentWidget(users);
        auto *ledger = users->findChild<QTableWidget *>(QStringLiteral("trustLedger"));
        QVERIFY(ledger);
        users->showUser(person.userId);
        QTRY_COMPARE_WITH_TIMEOUT(ledger->rowCount(), 5, kWaitMs);
        const auto cell = [ledger](int row, int column) {
            const QTableWidgetItem *item = ledger->item(row, column);
            return item ? item->text() : QString();
        };
        // Each source's row: its details, and the tooltip with every field.
        QMultiMap<QString, std::pair<QString, QString>> rows;
        for (int row = 0; row < ledger->rowCount(); ++row) {
            const QString details = cell(row, 4);
            const QString fields = ledger->item(row, 4)->toolTip();
            for (const QString &shown : {details, fields}) {
                for (const char *raw : {"{", "\"", "_"})
                    QVERIFY2(!shown.contains(QLatin1String(raw)), qPrintable(shown));
            }
            QVERIFY2(fields.contains(QStringLiteral("Rules version: 1")), qPrintable(fields));
            rows.insert(cell(row, 3), {details, fields});
        }
        QCOMPARE(rows.uniqueKeys(),
                 QStringList({QStringLiteral("Adjusted by hand by staff"),
                              QStringLiteral("Joined the queue too often"),
                              QStringLiteral("Reflection after a chat"),
                              QStringLiteral("Report confirmed by staff")}));
        const auto detailsOf = [&](const QString &source) {
            QStringList all;
            for (const auto &row : rows.values(source))
                all << row.first;
            return all.join(QStringLiteral(" | "));
        };
        QString details = detailsOf(QStringLiteral("Report confirmed by staff"));
        QCOMPARE(details, QStringLiteral("High severity; parts moved: Respect -16, Safety -32"));
        details = detailsOf(QStringLiteral("Adjusted by hand by staff"));
        QVERIFY2(details.startsWith(QStringLiteral("+3 trust points; parts moved: Reliability +3")),
                 qPrintable(details));
        details = detailsOf(QStringLiteral("Reflection after a chat"));
        QVERIFY2(details.contains(QStringLiteral(
                     "vibe 4 of 5, would meet again; tags: good listener; from someone with "
                     "trust 72; parts moved: Reliability +0.40, Respect +0.80, Engagement +1.20, "
                     "Safety +0.20; cut by the daily cap of 10 points")),
                 qPrintable(details));
        QVERIFY2(details.contains(
                     QStringLiteral(
                         "Not counted: the same person's reflection already counted in the last 30 "
                         "days; counts again from %1; vibe 2 of 5, passed")
                         .arg(fp::fromWireTime(eligible).toLocalTime().toString(
                             QStringLiteral("yyyy-MM-dd HH:mm")))),
                 qPrintable(details));
        details = detailsOf(QStringLiteral("Joined the queue too often"));
        QCOMPARE(details, QStringLiteral("parts moved: Reliability -4"));
        const QString fields = rows.value(QStringLiteral("Joined the queue too often")).second;
        for (const char *line : {"Parts moved: Reliability -4\n", "Cut by the daily cap: no\n",
                                 "Score before: 51\n", "Source: Joined the queue too often"})
            QVERIFY2(fields.contains(QLatin1String(line)), qPrintable(fields));
    }

    void nextStartSignsInSilently()
    {
        // A second window sharing the store (as a restart shares the keychain) resumes the
        // session from the stored refresh token without asking for a password.
        QVERIFY(m_console && m_console->window.consoleShown());
        AdminClient client;
        MainWindow second(&client, &m_console->store);
        second.start(QUrl(url(port())));
        QTRY_VERIFY_WITH_TIMEOUT(second.consoleShown(), kWaitMs);
        QCOMPARE(client.identity().role, QStringLiteral("admin"));
        // Refresh tokens rotate: the first window's token is now dead, so carry on with the new.
        m_console->client.resume(client.refreshToken(), [](const auto &) {});
        QTRY_VERIFY_WITH_TIMEOUT(m_console->client.refreshToken() != client.refreshToken(),
                                 kWaitMs);
    }

    void signOutForgetsTheToken()
    {
        m_console->window.signOut();
        QVERIFY(!m_console->window.consoleShown());
        QVERIFY(!m_console->client.signedIn());
        // The sign-in form the next person at the desk sees has no password in it.
        QCOMPARE(passwordTyped(m_console->window), QString());
        QString stored = QStringLiteral("unset");
        m_console->store.load(url(port()), [&stored](const QString &t) { stored = t; });
        QTRY_VERIFY_WITH_TIMEOUT(stored.isEmpty(), kWaitMs);
        m_console.reset();
    }

    void savedSessionSurvivesAFailingServer()
    {
        // Failing or busy, the server did not say the saved token is bad: it is kept, and the
        // reason is shown.
        for (const auto &[status, code] :
             {std::pair {500, QByteArray("internal")}, std::pair {503, QByteArray("unavailable")},
              std::pair {429, QByteArray("rate_limited")}}) {
            FailingServer failing(status, code);
            QVERIFY(failing.listen(QHostAddress::LocalHost, 0));
            const QString server = url(failing.serverPort());
            Console console;
            console.store.save(server, QStringLiteral("a-saved-token"));
            console.window.start(QUrl(server));
            QTRY_VERIFY2_WITH_TIMEOUT(console.window.signInPage()->message().contains(
                                          QStringLiteral("Down for maintenance")),
                                      qPrintable(console.window.signInPage()->message()), kWaitMs);
            QString stored;
            console.store.load(server, [&stored](const QString &t) { stored = t; });
            QTRY_COMPARE_WITH_TIMEOUT(stored, QStringLiteral("a-saved-token"), kWaitMs);
        }
    }

    void refusedSavedSessionIsForgotten()
    {
        // The server refused the token (401): it is of no more use.
        Console console;
        console.store.save(url(port()), QStringLiteral("not-a-token"));
        console.window.start(QUrl(url(port())));
        QTRY_COMPARE_WITH_TIMEOUT(console.window.signInPage()->message(),
                                  QStringLiteral("Please sign in again."), kWaitMs);
        QString stored = QStringLiteral("unset");
        console.store.load(url(port()), [&stored](const QString &t) { stored = t; });
        QTRY_VERIFY_WITH_TIMEOUT(stored.isEmpty(), kWaitMs);
    }

    void unreachableServerRecovers()
    {
        Relay relay(port());
        QVERIFY(relay.listen(QHostAddress::LocalHost, 0));
        const quint16 port = relay.serverPort();
        Console console;
        console.window.start({});
        console.signInThroughUi(url(port), kAdminEmail, kAdminPassword);
        QTRY_VERIFY_WITH_TIMEOUT(console.window.consoleShown(), kWaitMs);
        QVERIFY(console.window.connectionMessage().isEmpty());

        relay.closeAll();
        console.window.reportsTab()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(
            console.window.connectionMessage().contains(QStringLiteral("unreachable")), kWaitMs);
        QVERIFY(console.window.consoleShown()); // still usable, showing what it had

        QVERIFY(relay.listen(QHostAddress::LocalHost, port));
        QTRY_VERIFY_WITH_TIMEOUT(console.window.connectionMessage().isEmpty(), kWaitMs);
        QVERIFY(console.client.reachable());
        QVERIFY(console.window.consoleShown());
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
