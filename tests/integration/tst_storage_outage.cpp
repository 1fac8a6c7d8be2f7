// The database going away and coming back: requests during the outage get 503 `unavailable`
// (never a crash or a hang), chat messages sent at once are each refused as unavailable, and
// readiness names MySQL; the server recovers by itself once the database is back, on the same
// connections' threads, chat included.

#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QTest>

using namespace fp::test;

class TestStorageOutage : public IntegrationTest
{
    Q_OBJECT

public:
    // A MariaDB of the test's own, to stop and start.
    TestStorageOutage() : IntegrationTest(OwnServers {}) { }

private:
    static QJsonObject chat(const QString &conversationId, const QString &clientMsgId)
    {
        return {{QStringLiteral("type"), QStringLiteral("chat.send")},
                {QStringLiteral("conversation_id"), conversationId},
                {QStringLiteral("client_msg_id"), clientMsgId},
                {QStringLiteral("text"), QStringLiteral("are you there? ") + clientMsgId}};
    }

private Q_SLOTS:
    void survivesARestartOfTheDatabase()
    {
        PrivateMariaDb db;
        QVERIFY(db.start());
        TestServer::Options options;
        options.dbSocket = db.socketPath();
        TestServer server(options);
        QVERIFY(server.start());
        const TestAccount account = fp::test::signUp(server.port(), QStringLiteral("steady"));
        auto client = clientFor(server.port(), account);
        QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200);
        const TestAccount peer = fp::test::signUp(server.port(), QStringLiteral("patient"));
        const QString conversationId = Seed(server.database()).match(account, peer).conversationId;
        WsClient a(server.port()), b(server.port());
        QVERIFY(a.connectAndAuthenticate(account.accessToken));
        QVERIFY(b.connectAndAuthenticate(peer.accessToken));

        db.stop();
        // (Not the profile: its answer may be served from memory, which nothing can make wrong
        // while MariaDB is away; docs/performance.md.)
        const HttpResult during = client->get(QStringLiteral("/api/friends"));
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
        QTRY_COMPARE_WITH_TIMEOUT(probe.get(QStringLiteral("/readyz")).status, 200, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(client->get(QStringLiteral("/api/profile")).status, 200, 30000);
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

QTEST_GUILESS_MAIN(TestStorageOutage)
#include "tst_storage_outage.moc"
