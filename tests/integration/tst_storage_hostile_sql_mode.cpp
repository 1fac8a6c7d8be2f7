// The server against a MariaDB whose global sql_mode is the one that turns backslash-escaped
// SQL into injection (NO_BACKSLASH_ESCAPES) and double quotes into identifiers (ANSI_QUOTES):
// hostile chat text and profile text are stored and read back exactly, and nothing else runs.

#include "tests/support/IntegrationTest.h"

#include <QJsonArray>
#include <QTest>

using namespace fp::test;

class TestStorageHostileSqlMode : public IntegrationTest
{
    Q_OBJECT

public:
    // A MariaDB of the test's own, whose global settings the test may change.
    TestStorageHostileSqlMode() : IntegrationTest(OwnServers {}) { }

private:
    static QStringList hostileTexts()
    {
        return {QStringLiteral("it's"),
                QStringLiteral("\\' OR 1=1 --"),
                QStringLiteral("\\'); DELETE FROM users; --"),
                QStringLiteral("x'); DELETE FROM conversation_messages; SELECT ('"),
                QStringLiteral("C:\\path\\ \\\\ \\"),
                QStringLiteral("\"double\" `tick` ''doubled''"),
                QStringLiteral("/* # -- */ ? ?? '?'"),
                QStringLiteral("héllo 😀 \\u0027")};
    }

private Q_SLOTS:
    void hostileTextIsStoredExactly()
    {
        PrivateMariaDb db;
        QVERIFY(db.start());
        {
            TestDatabase admin(QStringLiteral("modes"), db.socketPath());
            QVERIFY(admin.exec(
                QStringLiteral("SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'")));
        }
        TestServer::Options options;
        options.dbSocket = db.socketPath();
        TestServer server(options.withoutRateLimits());
        QVERIFY2(server.start(), server.output().constData());
        QVERIFY(server.database()
                    ->scalar(QStringLiteral("SELECT @@GLOBAL.sql_mode"))
                    .toString()
                    .contains(QLatin1String("NO_BACKSLASH_ESCAPES")));

        const TestAccount one = fp::test::signUp(server.port(), QStringLiteral("quoter"));
        const TestAccount two = fp::test::signUp(server.port(), QStringLiteral("escaper"));
        const QString conversationId = Seed(server.database()).match(one, two).conversationId;
        auto client = clientFor(server.port(), one);
        const QStringList texts = hostileTexts();
        for (qsizetype i = 0; i < texts.size(); ++i) {
            const HttpResult sent = client->post(
                QStringLiteral("/api/conversations/%1/messages").arg(conversationId),
                {{QStringLiteral("client_msg_id"), QStringLiteral("hostile-%1").arg(i)},
                 {QStringLiteral("text"), texts[i]}});
            QVERIFY2(sent.status == 201 || sent.status == 200, sent.body.constData());
        }
        const HttpResult page =
            clientFor(server.port(), two)
                ->get(
                    QStringLiteral("/api/conversations/%1/messages?limit=50").arg(conversationId));
        QCOMPARE(page.status, 200);
        QStringList stored;
        for (const QJsonValue &message : page.json()[QStringLiteral("items")].toArray())
            stored << message[QStringLiteral("text")].toString();
        QCOMPARE(stored, texts);

        // The account, the conversation and every message are still there.
        QCOMPARE(server.database()->scalar(QStringLiteral("SELECT COUNT(*) FROM users")).toInt(),
                 3); // the two people and the seeded admin
        QCOMPARE(server.database()
                     ->scalar(QStringLiteral("SELECT COUNT(*) FROM conversation_messages"))
                     .toInt(),
                 texts.size());

        // Profile text takes the same path.
        const QString bio = QStringLiteral("O\\'Brien says \"hi\"\n\\'); --");
        const HttpResult put =
            client->put(QStringLiteral("/api/profile"), {{QStringLiteral("bio"), bio}});
        QVERIFY2(put.status == 200, put.body.constData());
        QCOMPARE(
            client->get(QStringLiteral("/api/profile")).json()[QStringLiteral("bio")].toString(),
            bio);
    }
};

QTEST_GUILESS_MAIN(TestStorageHostileSqlMode)
#include "tst_storage_hostile_sql_mode.moc"
