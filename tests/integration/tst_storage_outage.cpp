// The database going away and coming back: requests during the outage get 503 `unavailable`
// (never a crash or a hang), chat messages sent at once are each refused as unavailable, and
// readiness names MySQL; the server recovers by itself once the database is back, on the same
// connections' threads, chat included.

#include "tests/support/Accounts.h"
#include "tests/support/Fixtures.h"
#include "tests/support/HttpClient.h"
#include "tests/support/TestServer.h"
#include "tests/support/WsClient.h"

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

    static bool runSql(const PrivateMariaDb &db, const QString &sql)
    {
        QProcess mariadb;
        mariadb.start(QStringLiteral("mariadb"),
                      {QStringLiteral("--socket=") + db.socketPath(), QStringLiteral("-uroot"),
                       QStringLiteral("outage"), QStringLiteral("-e"), sql});
        return mariadb.waitForFinished(30000) && mariadb.exitCode() == 0;
    }

    static QJsonObject chat(const QString &conversationId, const QString &clientMsgId)
    {
        return {{QStringLiteral("type"), QStringLiteral("chat.send")},
                {QStringLiteral("conversation_id"), conversationId},
                {QStringLiteral("client_msg_id"), clientMsgId},
                {QStringLiteral("text"), QStringLiteral("are you there? ") + clientMsgId}};
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
        const TestAccount peer = registerAccount(server.port(), QStringLiteral("patient"), &ok);
        QVERIFY(ok);
        const QString matchId = newId();
        const QString conversationId = newId();
        QVERIFY(runSql(db,
                       QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, "
                                      "user_a_alias, user_b_alias, status, match_score, "
                                      "score_breakdown_json, match_reasons_json) VALUES "
                                      "('%1', '%2', '%3', 'Calm Owl', 'Swift Hare', "
                                      "'active_chat', 80, '{}', '[]')")
                           .arg(matchId, qMin(account.userId, peer.userId),
                                qMax(account.userId, peer.userId))));
        QVERIFY(runSql(db,
                       QStringLiteral("INSERT INTO conversation_sessions (id, "
                                      "match_session_id, state, started_at) VALUES ('%1', "
                                      "'%2', 'anonymous', UTC_TIMESTAMP(3))")
                           .arg(conversationId, matchId)));
        WsClient a(server.port()), b(server.port());
        QVERIFY(a.connectAndAuthenticate(account.accessToken));
        QVERIFY(b.connectAndAuthenticate(peer.accessToken));

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

        // Chat from both sides at once while the database is away: every message is refused
        // as unavailable (none hangs, none is half stored), and the sockets stay open.
        for (int i = 0; i < 3; ++i) {
            a.send(chat(conversationId, QStringLiteral("a-%1").arg(i)));
            b.send(chat(conversationId, QStringLiteral("b-%1").arg(i)));
        }
        for (WsClient *ws : {&a, &b}) {
            for (int i = 0; i < 3; ++i) {
                const QJsonObject refused = ws->waitFor(QStringLiteral("chat.rejected"), 30000);
                QCOMPARE(refused.value(QStringLiteral("code")).toString(),
                         QStringLiteral("unavailable"));
            }
        }
        QVERIFY(server.running());

        QVERIFY(db.start());
        QCOMPARE(waitForStatus(probe, QStringLiteral("/readyz"), 200), 200);
        QCOMPARE(waitForStatus(*client, QStringLiteral("/api/profile"), 200), 200);
        // The same messages again: stored and relayed now.
        a.send(chat(conversationId, QStringLiteral("a-0")));
        const QJsonObject relayed = b.waitFor(QStringLiteral("chat.message"), 30000);
        QCOMPARE(relayed[QStringLiteral("message")][QStringLiteral("text")].toString(),
                 QStringLiteral("are you there? a-0"));
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
#include "tst_storage_outage.moc"
