// The database going away and coming back: requests during the outage get 503 `unavailable`
// (never a crash or a hang), readiness names MySQL, and the server recovers by itself once
// the database is back, on the same connections' threads.

#include "tests/support/Accounts.h"
#include "tests/support/HttpClient.h"
#include "tests/support/TestServer.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QTest>

using namespace fp::test;

class TestDatabaseOutage : public QObject
{
    Q_OBJECT

private:
    static int waitForStatus(HttpClient &client, const QString &path, int status, int ms = 30000)
    {
        QDeadlineTimer deadline(ms);
        int last = 0;
        while (!deadline.hasExpired()) {
            last = client.get(path).status;
            if (last == status)
                return last;
            QTest::qWait(200);
        }
        return last;
    }

private Q_SLOTS:
    void initTestCase() { FP_REQUIRE_TEST_ENVIRONMENT(); }

    void survivesARestartOfTheDatabase()
    {
        PrivateMariaDb db;
        QVERIFY(db.start());
        QProcess create;
        create.start(QStringLiteral("mariadb"),
                     {QStringLiteral("--socket=") + db.socketPath(), QStringLiteral("-uroot"),
                      QStringLiteral("-e"), QStringLiteral("CREATE DATABASE outage")});
        QVERIFY(create.waitForFinished(30000));
        QCOMPARE(create.exitCode(), 0);

        TestServer::Options options;
        options.dbSocket = db.socketPath();
        options.databaseName = QStringLiteral("outage");
        TestServer server(options);
        QVERIFY(server.start());
        bool ok = false;
        const TestAccount account = registerAccount(server.port(), QStringLiteral("steady"), &ok);
        QVERIFY(ok);
        auto client = clientFor(server.port(), account);
        QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200);

        db.stop();
        const HttpResult during = client->get(QStringLiteral("/api/profile"));
        QCOMPARE(during.status, 503);
        QCOMPARE(during.errorCode(), QStringLiteral("unavailable"));
        QVERIFY(!during.header("Retry-After").isEmpty());
        HttpClient probe(server.port());
        const HttpResult ready = probe.get(QStringLiteral("/readyz"));
        QCOMPARE(ready.status, 503);
        QCOMPARE(ready
                     .json()[QStringLiteral("details")][QStringLiteral("checks")]
                            [QStringLiteral("mysql")]
                     .toString(),
                 QStringLiteral("down"));
        QCOMPARE(probe.get(QStringLiteral("/healthz")).status, 200);
        QVERIFY(server.running());

        QVERIFY(db.start());
        QCOMPARE(waitForStatus(probe, QStringLiteral("/readyz"), 200), 200);
        QCOMPARE(waitForStatus(*client, QStringLiteral("/api/profile"), 200), 200);
        // Writes work again too, on every worker's re-made connection.
        for (int i = 0; i < 20; ++i)
            QCOMPARE(client
                         ->put(QStringLiteral("/api/profile"),
                               QJsonObject {{"bio", QStringLiteral("back %1").arg(i)}})
                         .status,
                     200);
        QCOMPARE(server.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDatabaseOutage)
#include "tst_database_outage.moc"
