// Idempotency keys as API_SPEC.md's conventions say, through a real (I) route (the daily
// prompt answer): replay with Idempotent-Replayed, a different body → 422, a key still in
// progress → 409, a refused request is not stored, keys are per user, expired keys are free,
// and a malformed key is a 400.

#include "tests/support/IntegrationTest.h"

#include <QTest>
#include <QUuid>

using namespace fp::test;

class TestHttpIdempotency : public IntegrationTest
{
    Q_OBJECT

private:
    QString m_promptId;

    QJsonObject answer(const QString &text) const
    {
        return {{QStringLiteral("prompt_id"), m_promptId}, {QStringLiteral("answer"), text}};
    }

    static QList<QPair<QByteArray, QByteArray>> key(const QByteArray &value)
    {
        return {{"Idempotency-Key", value}};
    }

    int xpRows(const TestAccount &account)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE user_id = '%1'")
                          .arg(account.userId));
    }

    void prepare() override
    {
        const TestAccount someone = signUp(QStringLiteral("probe"));
        m_promptId = as(someone)
                         ->get(QStringLiteral("/api/daily_prompts/today"))
                         .json()[QStringLiteral("prompt")][QStringLiteral("id")]
                         .toString();
        QVERIFY(!m_promptId.isEmpty());
    }

private Q_SLOTS:
    void replayGivesTheFirstAnswerAndDoesNothingTwice()
    {
        const TestAccount a = signUp(QStringLiteral("replay"));
        auto client = as(a);
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
        const TestAccount a = signUp(QStringLiteral("owner"));
        const TestAccount b = signUp(QStringLiteral("other"));
        QCOMPARE(as(a)
                     ->post(QStringLiteral("/api/daily_prompts/answers"), answer("mine"),
                            key("shared-key"))
                     .status,
                 201);
        const HttpResult theirs = as(b)->post(QStringLiteral("/api/daily_prompts/answers"),
                                              answer("mine"), key("shared-key"));
        QCOMPARE(theirs.status, 201);
        QVERIFY(theirs.header("Idempotent-Replayed").isEmpty());
    }

    // A refusal is the request's answer too: the same request replays it, another one with the
    // key is refused, and a corrected request takes a new key.
    void refusalsAreReplayedToo()
    {
        const TestAccount a = signUp(QStringLiteral("refused"));
        auto client = as(a);
        const HttpResult refused = client->post(QStringLiteral("/api/daily_prompts/answers"),
                                                answer(QString()), key("k-2"));
        QCOMPARE(refused.status, 400);
        const HttpResult again = client->post(QStringLiteral("/api/daily_prompts/answers"),
                                              answer(QString()), key("k-2"));
        QCOMPARE(again.status, 400);
        QCOMPARE(again.header("Idempotent-Replayed"), QByteArray("true"));
        QCOMPARE(again.json(), refused.json()); // its request_id too: the first answer
        QCOMPARE(
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("fixed"), key("k-2"))
                .status,
            422);
        QCOMPARE(
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("fixed"), key("k-2b"))
                .status,
            201);
        // Nothing the refused request did is kept: one answer, its XP once.
        QCOMPARE(xpRows(a), 1);
    }

    void aKeyStillInProgressIsAConflict()
    {
        const TestAccount a = signUp(QStringLiteral("inflight"));
        auto client = as(a);
        // Learn the request's hash from a completed twin under another key...
        QCOMPARE(
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-twin"))
                .status,
            201);
        const QString hash =
            db()->scalar(QStringLiteral(
                             "SELECT request_hash FROM idempotency_keys WHERE idem_key = 'k-twin'"))
                .toString();
        QCOMPARE(hash.size(), 64);
        // ...then make the same request look as if it were still running under k-3.
        QVERIFY(db()->exec(
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
        QVERIFY(db()->exec(
            QStringLiteral("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(3) - INTERVAL 1 "
                           "HOUR WHERE idem_key = 'k-3'")));
        QCOMPARE(client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-3"))
                     .status,
                 409);
        // The route refused a second answer: that refusal is now what the key answers.
        const HttpResult replayed =
            client->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key("k-3"));
        QCOMPARE(replayed.status, 409);
        QCOMPARE(replayed.header("Idempotent-Replayed"), QByteArray("true"));
    }

    void expiredKeysAreFree()
    {
        const TestAccount a = signUp(QStringLiteral("expiry"));
        auto client = as(a);
        QCOMPARE(
            client
                ->post(QStringLiteral("/api/daily_prompts/answers"), answer("day one"), key("k-4"))
                .status,
            201);
        QVERIFY(db()->exec(
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
        const TestAccount a = signUp(QStringLiteral("badkey"));
        const HttpResult r =
            as(a)->post(QStringLiteral("/api/daily_prompts/answers"), answer("x"), key(value));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
            QStringLiteral("header.Idempotency-Key")));
    }
};

QTEST_GUILESS_MAIN(TestHttpIdempotency)
#include "tst_http_idempotency.moc"
