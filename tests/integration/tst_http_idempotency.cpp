// Idempotency keys as API_SPEC.md's conventions say, through a real (I) route (the daily
// prompt answer): replay with Idempotent-Replayed, a different body → 422, a key still in
// progress → 409, a refused request is not stored, keys are per user, expired keys are free,
// and a malformed key is a 400.

#include "tests/support/Accounts.h"
#include "tests/support/TestServer.h"

#include <QTest>
#include <QUuid>

using namespace fp::test;

class TestIdempotency : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestServer> m_server;
    QString m_promptId;

    QJsonObject answer(const QString &text) const
    {
        return {{QStringLiteral("prompt_id"), m_promptId}, {QStringLiteral("answer"), text}};
    }

    static QList<QPair<QByteArray, QByteArray>> key(const QByteArray &value)
    {
        return {{"Idempotency-Key", value}};
    }

    int xpRows(const TestAccount &account) const
    {
        return m_server->database()
            ->scalar(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE user_id = '%1'")
                         .arg(account.userId))
            .toInt();
    }

private Q_SLOTS:
    void initTestCase()
    {
        FP_REQUIRE_TEST_ENVIRONMENT();
        m_server = std::make_unique<TestServer>();
        QVERIFY(m_server->start());
        bool ok = false;
        const TestAccount someone = registerAccount(m_server->port(), QStringLiteral("probe"), &ok);
        QVERIFY(ok);
        m_promptId = clientFor(m_server->port(), someone)
                         ->get(QStringLiteral("/api/daily_prompts/today"))
                         .json()[QStringLiteral("prompt")][QStringLiteral("id")]
                         .toString();
        QVERIFY(!m_promptId.isEmpty());
    }

    void cleanupTestCase()
    {
        if (m_server)
            QCOMPARE(m_server->stop(), 0);
    }

    void replayGivesTheFirstAnswerAndDoesNothingTwice()
    {
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("replay"), &ok);
        QVERIFY(ok);
        auto client = clientFor(m_server->port(), a);
        const HttpResult first =
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("first"), key("k-1"));
        QCOMPARE(first.status, 201);
        QVERIFY(first.header("Idempotent-Replayed").isEmpty());
        const HttpResult again =
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("first"), key("k-1"));
        QCOMPARE(again.status, 201);
        QCOMPARE(again.header("Idempotent-Replayed"), QByteArray("true"));
        QCOMPARE(again.json(), first.json());
        QCOMPARE(xpRows(a), 1);

        const HttpResult other = client->post(QStringLiteral("/api/daily_prompts/answers"),
                                              answer("second"), key("k-1"));
        QCOMPARE(other.status, 422);
        QCOMPARE(other.errorCode(), QStringLiteral("idempotency_key_reused"));
        // Without the key the same request is a real second answer, refused by the route.
        QCOMPARE(client->post(QStringLiteral("/api/daily_prompts/answers"), answer("first")).status,
                 409);
    }

    void keysBelongToOneUser()
    {
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("owner"), &ok);
        const TestAccount b = registerAccount(m_server->port(), QStringLiteral("other"), &ok);
        QVERIFY(ok);
        QCOMPARE(clientFor(m_server->port(), a)
                     ->post(QStringLiteral("/api/daily_prompts/answers"), answer("mine"),
                            key("shared-key"))
                     .status,
                 201);
        const HttpResult theirs = clientFor(m_server->port(), b)
                                      ->post(QStringLiteral("/api/daily_prompts/answers"),
                                             answer("mine"), key("shared-key"));
        QCOMPARE(theirs.status, 201);
        QVERIFY(theirs.header("Idempotent-Replayed").isEmpty());
    }

    void refusedRequestsAreNotStored()
    {
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("refused"), &ok);
        QVERIFY(ok);
        auto client = clientFor(m_server->port(), a);
        QCOMPARE(
            client
                ->post(QStringLiteral("/api/daily_prompts/answers"), answer(QString()), key("k-2"))
                .status,
            400);
        // The key is still free: a corrected request with it goes through.
        QCOMPARE(
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("fixed"), key("k-2"))
                .status,
            201);
    }

    void aKeyStillInProgressIsAConflict()
    {
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("inflight"), &ok);
        QVERIFY(ok);
        auto client = clientFor(m_server->port(), a);
        // Learn the request's hash from a completed twin under another key...
        QCOMPARE(
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-twin"))
                .status,
            201);
        const QString hash =
            m_server->database()
                ->scalar(QStringLiteral(
                    "SELECT request_hash FROM idempotency_keys WHERE idem_key = 'k-twin'"))
                .toString();
        QCOMPARE(hash.size(), 64);
        // ...then make the same request look as if it were still running under k-3.
        QVERIFY(m_server->database()->exec(
            QStringLiteral(
                "INSERT INTO idempotency_keys (id, user_id, idem_key, scope, request_hash, state, "
                "created_at, "
                "expires_at) VALUES ('%1', '%2', 'k-3', 'POST /api/daily_prompts/answers', '%3', "
                "'in_progress', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)")
                .arg(QUuid::createUuid().toString(QUuid::WithoutBraces), a.userId, hash)));
        const HttpResult running =
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-3"));
        QCOMPARE(running.status, 409);
        QCOMPARE(running.errorCode(), QStringLiteral("conflict"));
        // A claim left behind by a server that died is taken over after a while.
        QVERIFY(m_server->database()->exec(
            QStringLiteral("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 "
                           "HOUR WHERE idem_key = 'k-3'")));
        QCOMPARE(client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-3"))
                     .status,
                 409);
        QCOMPARE(m_server->database()
                     ->scalar(QStringLiteral(
                         "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'k-3'"))
                     .toInt(),
                 0); // the route refused a second answer, so the claim was released
    }

    void expiredKeysAreFree()
    {
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("expiry"), &ok);
        QVERIFY(ok);
        auto client = clientFor(m_server->port(), a);
        QCOMPARE(
            client
                ->post(QStringLiteral("/api/daily_prompts/answers"), answer("day one"), key("k-4"))
                .status,
            201);
        QVERIFY(m_server->database()->exec(
            QStringLiteral("UPDATE idempotency_keys SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 "
                           "SECOND WHERE idem_key = 'k-4'")));
        // After 24 h the key means nothing: the request runs again (and the route refuses a
        // second answer for the day on its own terms).
        const HttpResult later = client->post(QStringLiteral("/api/daily_prompts/answers"),
                                              answer("day one"), key("k-4"));
        QCOMPARE(later.status, 409);
        QVERIFY(later.header("Idempotent-Replayed").isEmpty());
    }

    void malformedKeysAreRefused_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("too long") << QByteArray(256, 'k');
        QTest::newRow("control character") << QByteArray("bad\tkey");
        QTest::newRow("non-ascii") << QByteArray("cl\xc3\xa9");
    }

    void malformedKeysAreRefused()
    {
        QFETCH(QByteArray, value);
        bool ok = false;
        const TestAccount a = registerAccount(m_server->port(), QStringLiteral("badkey"), &ok);
        QVERIFY(ok);
        const HttpResult r =
            clientFor(m_server->port(), a)
                ->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key(value));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
            QStringLiteral("Idempotency-Key")));
    }
};

QTEST_GUILESS_MAIN(TestIdempotency)
#include "tst_http_idempotency.moc"
