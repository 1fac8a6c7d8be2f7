// Rituals and XP against the real server: the daily prompt (same for everyone, rotating by UTC
// day), answers (one per day, idempotent replays, XP once), the weekly intent upsert and its
// date rules, the XP ledger, the prompt catalog seeding at start, and awardXp for other domains.

#include "common/Time.h"
#include "server/engagement/EngagementRepository.h"
#include "server/engagement/EngagementRules.h"
#include "server/engagement/EngagementService.h"
#include "server/storage/Database.h"
#include "tests/support/Fixtures.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/IntegrationTest.h"

#include <QDate>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>

using namespace fp::test;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

QDate todayUtc()
{
    return QDateTime::currentDateTimeUtc().date();
}

QDate thisMonday()
{
    const QDate today = todayUtc();
    return today.addDays(1 - today.dayOfWeek());
}

TestServer::Options generousOptions(const QString &databaseName = {})
{
    TestServer::Options options;
    options.databaseName = databaseName;
    // Every request of this test comes from 127.0.0.1: lift the per-address budgets.
    options.withoutRateLimits();
    return options;
}

} // namespace

class TestEngagement : public IntegrationTest
{
    Q_OBJECT

public:
    TestEngagement() : IntegrationTest(generousOptions()) { }

private:
    QString todaysPromptId(const TestAccount &account)
    {
        return clientFor(port(), account)
            ->get(QStringLiteral("/api/daily_prompts/today"))
            .json()[QStringLiteral("prompt")][QStringLiteral("id")]
            .toString();
    }

private Q_SLOTS:
    void everyRouteNeedsAToken()
    {
        HttpClient anonymous(port());
        QCOMPARE(anonymous.get(QStringLiteral("/api/daily_prompts/today")).status, 401);
        QCOMPARE(anonymous
                     .post(QStringLiteral("/api/daily_prompts/answers"),
                           json(R"({"prompt_id":"x","answer":"y"})"))
                     .status,
                 401);
        QCOMPARE(anonymous.get(QStringLiteral("/api/weekly_intent")).status, 401);
        QCOMPARE(
            anonymous.post(QStringLiteral("/api/weekly_intent"), json(R"({"intent":"x"})")).status,
            401);
        const HttpResult xp = anonymous.get(QStringLiteral("/api/xp"));
        QCOMPARE(xp.status, 401);
        QCOMPARE(xp.errorCode(), QStringLiteral("unauthorized"));
    }

    void promptCatalogIsSeeded()
    {
        QFile file(TestEnvironment::fromProcess().sourceDir +
                   QStringLiteral("/resources/catalog/prompts.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonArray shipped = QJsonDocument::fromJson(file.readAll()).array();
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM prompt_catalog WHERE active = 1")),
                 int(shipped.size()));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT text FROM prompt_catalog WHERE prompt_key = "
                                             "'small_joy_today'"))
                     .toString(),
                 QStringLiteral("What small thing made you smile today?"));
    }

    void todaysPromptIsTheSameForEveryoneAndRotatesByDay()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const HttpResult ra = clientFor(port(), a)->get(QStringLiteral("/api/daily_prompts/today"));
        const HttpResult rb = clientFor(port(), b)->get(QStringLiteral("/api/daily_prompts/today"));
        QCOMPARE(ra.status, 200);
        QCOMPARE(rb.status, 200);
        QCOMPARE(ra.json()[QStringLiteral("prompt")], rb.json()[QStringLiteral("prompt")]);
        QCOMPARE(ra.json()[QStringLiteral("answered")].toBool(), false);
        const QJsonObject prompt = ra.json()[QStringLiteral("prompt")].toObject();
        QCOMPARE(prompt.keys(),
                 QStringList(
                     {QStringLiteral("id"), QStringLiteral("text"), QStringLiteral("topic_tags")}));
        QVERIFY(!prompt[QStringLiteral("text")].toString().isEmpty());
        QVERIFY(prompt[QStringLiteral("topic_tags")].isArray());

        // Index = days since 1970-01-01 modulo the number of active daily prompts, by key.
        {
            const int count = number(QStringLiteral(
                "SELECT COUNT(*) FROM prompt_catalog WHERE prompt_type = 'daily' AND active = 1"));
            QVERIFY(count > 1);
            const qint64 index = QDate(1970, 1, 1).daysTo(todayUtc()) % count;
            const QString expected =
                db()->scalar(QStringLiteral("SELECT id FROM prompt_catalog WHERE prompt_type = "
                                            "'daily' AND active = 1 ORDER BY prompt_key "
                                            "LIMIT 1 OFFSET %1")
                                 .arg(index))
                    .toString();
            QCOMPARE(prompt[QStringLiteral("id")].toString(), expected);
        }
        QCOMPARE(fp::EngagementRules::dailyPromptIndex(QDate(1970, 1, 1), 7), 0);
        QCOMPARE(fp::EngagementRules::dailyPromptIndex(QDate(1970, 1, 8), 7), 0);
        QCOMPARE(fp::EngagementRules::dailyPromptIndex(QDate(1970, 1, 9), 7), 1);
        QCOMPARE(fp::EngagementRules::dailyPromptIndex(QDate(1969, 12, 31), 7), 6);
    }

    void answerOncePerDayWithXp()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        const QString promptId = todaysPromptId(me);
        QVERIFY(!promptId.isEmpty());

        HttpResult r =
            client->post(QStringLiteral("/api/daily_prompts/answers"),
                         QJsonObject {{QStringLiteral("prompt_id"), promptId},
                                      {QStringLiteral("answer"),
                                       QStringLiteral("  A stranger held the door.  ")}});
        QCOMPARE(r.status, 201);
        const QJsonObject created = r.json();
        QCOMPARE(created.keys(),
                 QStringList({QStringLiteral("created_at"), QStringLiteral("id"),
                              QStringLiteral("prompt_id"), QStringLiteral("xp_awarded")}));
        QCOMPARE(created[QStringLiteral("prompt_id")].toString(), promptId);
        QCOMPARE(created[QStringLiteral("xp_awarded")].toInt(), 10);
        QVERIFY(!QUuid::fromString(created[QStringLiteral("id")].toString()).isNull());
        QCOMPARE(created[QStringLiteral("id")].toString(),
                 created[QStringLiteral("id")].toString().toLower());
        QVERIFY(fp::fromWireTime(created[QStringLiteral("created_at")].toString()).isValid());
        QCOMPARE(db()->scalar(QStringLiteral("SELECT answer FROM daily_prompt_answers WHERE id = "
                                             "'%1'")
                                  .arg(created[QStringLiteral("id")].toString()))
                     .toString(),
                 QStringLiteral("A stranger held the door."));

        QCOMPARE(client->get(QStringLiteral("/api/daily_prompts/today"))
                     .json()[QStringLiteral("answered")]
                     .toBool(),
                 true);

        r = client->post(QStringLiteral("/api/daily_prompts/answers"),
                         QJsonObject {{QStringLiteral("prompt_id"), promptId},
                                      {QStringLiteral("answer"), QStringLiteral("Again!")}});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.errorCode(), QStringLiteral("conflict"));

        const QJsonObject xp = client->get(QStringLiteral("/api/xp")).json();
        QCOMPARE(xp[QStringLiteral("total")].toInt(), 10);
        const QJsonArray recent = xp[QStringLiteral("recent")].toArray();
        QCOMPARE(recent.size(), 1);
        QCOMPARE(recent[0][QStringLiteral("xp_delta")].toInt(), 10);
        QCOMPARE(recent[0][QStringLiteral("source_type")].toString(),
                 QStringLiteral("daily_answer"));
        QVERIFY(fp::fromWireTime(recent[0][QStringLiteral("created_at")].toString()).isValid());
    }

    void unknownInactiveAndOtherPrompts()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        const QString today = todaysPromptId(me);
        const auto answer = [&](const QString &promptId) {
            return client->post(QStringLiteral("/api/daily_prompts/answers"),
                                QJsonObject {{QStringLiteral("prompt_id"), promptId},
                                             {QStringLiteral("answer"), QStringLiteral("hi")}});
        };

        HttpResult r = answer(QUuid::createUuid().toString(QUuid::WithoutBraces));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));

        // An icebreaker is not a daily prompt.
        const QString icebreaker = db()->scalar(QStringLiteral("SELECT id FROM prompt_catalog "
                                                               "WHERE prompt_type = 'icebreaker' "
                                                               "LIMIT 1"))
                                       .toString();
        QCOMPARE(answer(icebreaker).status, 404);

        // Another active daily prompt: not today's.
        const QString other =
            db()->scalar(QStringLiteral("SELECT id FROM prompt_catalog WHERE prompt_type = "
                                        "'daily' AND active = 1 AND id <> '%1' LIMIT 1")
                             .arg(today))
                .toString();
        r = answer(other);
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("prompt_id")});

        // Nothing was stored, no XP.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM daily_prompt_answers WHERE "
                                       "user_id = '%1'")
                            .arg(me.userId)),
                 0);
        QCOMPARE(client->get(QStringLiteral("/api/xp")).json()[QStringLiteral("total")].toInt(), 0);
    }

    void answerValidation_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QStringList>("fields");
        QTest::newRow("not an object") << QByteArray("[]") << QStringList {QStringLiteral("body")};
        QTest::newRow("empty") << QByteArray("{}")
                               << QStringList {QStringLiteral("answer"),
                                               QStringLiteral("prompt_id")};
        QTest::newRow("blank answer")
            << QByteArray(R"({"prompt_id":"00000000-0000-4000-8000-000000000000","answer":"   "})")
            << QStringList {QStringLiteral("answer")};
        QTest::newRow("answer too long")
            << QByteArray("{\"prompt_id\":\"00000000-0000-4000-8000-000000000000\",\"answer\":\"" +
                          QByteArray(2001, 'a') + "\"}")
            << QStringList {QStringLiteral("answer")};
        QTest::newRow("three problems at once")
            << QByteArray(R"({"prompt_id":"nope","answer":42,"mood":"happy"})")
            << QStringList {QStringLiteral("answer"), QStringLiteral("mood"),
                            QStringLiteral("prompt_id")};
    }

    void answerValidation()
    {
        QFETCH(QByteArray, body);
        QFETCH(QStringList, fields);
        static const TestAccount me = signUp();
        const HttpResult r = clientFor(port(), me)
                                 ->send("POST", QStringLiteral("/api/daily_prompts/answers"), body,
                                        {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(fieldsOf(r), fields);
    }

    void answerOf2000CharactersIsAccepted()
    {
        const TestAccount me = signUp();
        // 2000 code points of a character outside the BMP: 4000 UTF-16 units, still 2000.
        const QString answer = QString(QStringLiteral("😀")).repeated(2000);
        const HttpResult r =
            clientFor(port(), me)
                ->post(QStringLiteral("/api/daily_prompts/answers"),
                       QJsonObject {{QStringLiteral("prompt_id"), todaysPromptId(me)},
                                    {QStringLiteral("answer"), answer}});
        QCOMPARE(r.status, 201);
    }

    void idempotentReplay()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        const QJsonObject body {{QStringLiteral("prompt_id"), todaysPromptId(me)},
                                {QStringLiteral("answer"), QStringLiteral("Sunshine.")}};
        const QList<QPair<QByteArray, QByteArray>> key {{"Idempotency-Key", "answer-key-1"}};

        const HttpResult first =
            client->post(QStringLiteral("/api/daily_prompts/answers"), body, key);
        QCOMPARE(first.status, 201);
        QVERIFY(first.header("Idempotent-Replayed").isEmpty());

        const HttpResult replay =
            client->post(QStringLiteral("/api/daily_prompts/answers"), body, key);
        QCOMPARE(replay.status, 201);
        QCOMPARE(replay.header("Idempotent-Replayed"), QByteArray("true"));
        QCOMPARE(replay.json(), first.json());

        QJsonObject other = body;
        other.insert(QStringLiteral("answer"), QStringLiteral("Rain."));
        const HttpResult reused =
            client->post(QStringLiteral("/api/daily_prompts/answers"), other, key);
        QCOMPARE(reused.status, 422);
        QCOMPARE(reused.errorCode(), QStringLiteral("idempotency_key_reused"));

        // Happened once: one answer, one ledger row, 10 XP.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM daily_prompt_answers WHERE "
                                       "user_id = '%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE user_id = '%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(client->get(QStringLiteral("/api/xp")).json()[QStringLiteral("total")].toInt(),
                 10);

        // A new key for the same answer is a second answer: 409, which is that key's answer
        // from now on (a retry with it replays the 409).
        const QList<QPair<QByteArray, QByteArray>> key2 {{"Idempotency-Key", "answer-key-2"}};
        QCOMPARE(client->post(QStringLiteral("/api/daily_prompts/answers"), body, key2).status,
                 409);
        const HttpResult again =
            client->post(QStringLiteral("/api/daily_prompts/answers"), body, key2);
        QCOMPARE(again.status, 409);
        QCOMPARE(again.header("Idempotent-Replayed"), QByteArray("true"));
    }

    void weeklyIntentUpsert()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        HttpResult r = client->get(QStringLiteral("/api/weekly_intent"));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));

        r = client->post(QStringLiteral("/api/weekly_intent"),
                         json(R"({"intent":"  Say yes to one new conversation.  "})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("week_start_date")].toString(),
                 thisMonday().toString(Qt::ISODate));
        QCOMPARE(r.json()[QStringLiteral("intent")].toString(),
                 QStringLiteral("Say yes to one new conversation."));
        QCOMPARE(r.json().keys(),
                 QStringList({QStringLiteral("intent"), QStringLiteral("updated_at"),
                              QStringLiteral("week_start_date")}));
        const QDateTime firstUpdate =
            fp::fromWireTime(r.json()[QStringLiteral("updated_at")].toString());
        QVERIFY(firstUpdate.isValid());

        // Same week again, given explicitly: replaced, still one row, a later time (stored to
        // the millisecond: once the clock is past the first, the second is later).
        QTRY_VERIFY(QDateTime::currentDateTimeUtc() > firstUpdate);
        r = client->post(
            QStringLiteral("/api/weekly_intent"),
            QJsonObject {{QStringLiteral("intent"), QStringLiteral("Call Sam.")},
                         {QStringLiteral("week_start_date"), thisMonday().toString(Qt::ISODate)}});
        QCOMPARE(r.status, 200);
        QVERIFY(fp::fromWireTime(r.json()[QStringLiteral("updated_at")].toString()) > firstUpdate);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM weekly_intents WHERE user_id = "
                                       "'%1'")
                            .arg(me.userId)),
                 1);
        r = client->get(QStringLiteral("/api/weekly_intent"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("intent")].toString(), QStringLiteral("Call Sam."));

        // Next week may be planned; the current week's stays what GET shows.
        r = client->post(QStringLiteral("/api/weekly_intent"),
                         QJsonObject {{QStringLiteral("intent"), QStringLiteral("Rest.")},
                                      {QStringLiteral("week_start_date"),
                                       thisMonday().addDays(7).toString(Qt::ISODate)}});
        QCOMPARE(r.status, 200);
        QCOMPARE(client->get(QStringLiteral("/api/weekly_intent"))
                     .json()[QStringLiteral("intent")]
                     .toString(),
                 QStringLiteral("Call Sam."));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM weekly_intents WHERE user_id = "
                                       "'%1'")
                            .arg(me.userId)),
                 2);
    }

    void weeklyIntentDates_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QStringList>("fields");
        const QString monday = thisMonday().toString(Qt::ISODate);
        const auto week = [](const QDate &d) {
            return d.toString(Qt::ISODate);
        };
        const auto body = [](const QString &date) {
            return QJsonObject {{QStringLiteral("intent"), QStringLiteral("x")},
                                {QStringLiteral("week_start_date"), date}};
        };
        const QStringList date {QStringLiteral("week_start_date")};
        QTest::newRow("not a Monday") << body(week(thisMonday().addDays(1))) << date;
        QTest::newRow("Sunday before") << body(week(thisMonday().addDays(-1))) << date;
        QTest::newRow("two weeks ahead") << body(week(thisMonday().addDays(14))) << date;
        QTest::newRow("last week") << body(week(thisMonday().addDays(-7))) << date;
        QTest::newRow("not a date") << body(QStringLiteral("next monday")) << date;
        QTest::newRow("impossible date") << body(QStringLiteral("2026-02-30")) << date;
        QTest::newRow("intent empty")
            << QJsonObject {{QStringLiteral("intent"), QStringLiteral("   ")},
                            {QStringLiteral("week_start_date"), monday}}
            << QStringList {QStringLiteral("intent")};
        QTest::newRow("intent 281 characters")
            << QJsonObject {{QStringLiteral("intent"), QString(281, QLatin1Char('i'))}}
            << QStringList {QStringLiteral("intent")};
        QTest::newRow("everything wrong at once")
            << QJsonObject {{QStringLiteral("intent"), 5},
                            {QStringLiteral("week_start_date"), week(thisMonday().addDays(3))},
                            {QStringLiteral("mood"), QStringLiteral("x")}}
            << QStringList {QStringLiteral("intent"), QStringLiteral("mood"),
                            QStringLiteral("week_start_date")};
    }

    void weeklyIntentDates()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QStringList, fields);
        static const TestAccount me = signUp();
        const HttpResult r =
            clientFor(port(), me)->post(QStringLiteral("/api/weekly_intent"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(fieldsOf(r), fields);
    }

    void awardXpForOtherDomains()
    {
        // What reflections and friendships call inside their own transactions: once per source.
        const TestAccount me = signUp();
        useDatabaseInProcess(server().databaseName());
        const fp::EngagementRepository repository;
        const QString reflection = QUuid::createUuid().toString(QUuid::WithoutBraces);
        {
            fp::Transaction tx;
            QVERIFY(tx.begin());
            const fp::Result<int> first =
                repository.awardXp(me.userId, fp::XpSource::Reflection, reflection);
            QVERIFY(first.ok());
            QCOMPARE(*first, 15);
            const fp::Result<int> second =
                repository.awardXp(me.userId, fp::XpSource::Reflection, reflection);
            QVERIFY(second.ok());
            QCOMPARE(*second, 0); // the same source again: nothing, and the transaction lives on
            const fp::Result<int> friendship =
                repository.awardXp(me.userId, fp::XpSource::Friendship,
                                   QUuid::createUuid().toString(QUuid::WithoutBraces));
            QCOMPARE(*friendship, 50);
            QVERIFY(tx.commit());
        }
        {
            // Rolled back with the caller's transaction: no XP.
            fp::Transaction tx;
            QVERIFY(tx.begin());
            QCOMPARE(*repository.awardXp(me.userId, fp::XpSource::Reflection,
                                         QStringLiteral("rolled-back")),
                     15);
            tx.rollback();
        }
        const QJsonObject xp = clientFor(port(), me)->get(QStringLiteral("/api/xp")).json();
        QCOMPARE(xp[QStringLiteral("total")].toInt(), 65);
        const QJsonArray recent = xp[QStringLiteral("recent")].toArray();
        QCOMPARE(recent.size(), 2);
        QStringList sources;
        for (const QJsonValue &e : recent)
            sources << e[QStringLiteral("source_type")].toString();
        sources.sort();
        QCOMPARE(sources,
                 QStringList({QStringLiteral("friendship"), QStringLiteral("reflection")}));
    }

    void xpRecentKeepsTheLatestTwenty()
    {
        const TestAccount me = signUp();
        for (int i = 0; i < 25; ++i)
            QVERIFY(db()->exec(
                QStringLiteral("INSERT INTO xp_ledger (id, user_id, xp_delta, source_type, "
                               "source_ref_id, created_at) VALUES (UUID(), '%1', %2, "
                               "'reflection', 'r%2', UTC_TIMESTAMP(3) - INTERVAL %3 MINUTE)")
                    .arg(me.userId)
                    .arg(i + 1)
                    .arg(25 - i)));
        const QJsonObject xp = clientFor(port(), me)->get(QStringLiteral("/api/xp")).json();
        QCOMPARE(xp[QStringLiteral("total")].toInt(), 25 * 26 / 2);
        const QJsonArray recent = xp[QStringLiteral("recent")].toArray();
        QCOMPARE(recent.size(), 20);
        QCOMPARE(recent.first()[QStringLiteral("xp_delta")].toInt(), 25); // newest first
        QCOMPARE(recent.last()[QStringLiteral("xp_delta")].toInt(), 6);
    }

    void seedingIsIdempotentAndDeactivatesRemovedPrompts()
    {
        // A prompt that is no longer in prompts.json, and a shipped one edited by hand.
        QVERIFY(db()->exec(QStringLiteral(
            "INSERT INTO prompt_catalog (id, prompt_key, prompt_type, text) VALUES "
            "('aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', 'zz_retired_prompt', 'daily', 'Old?')")));
        QVERIFY(db()->exec(QStringLiteral("UPDATE prompt_catalog SET text = 'edited', active = 0 "
                                          "WHERE prompt_key = 'small_joy_today'")));
        const QString idBefore =
            db()->scalar(QStringLiteral("SELECT id FROM prompt_catalog WHERE prompt_key = "
                                        "'small_joy_today'"))
                .toString();
        const int rowsBefore = number(QStringLiteral("SELECT COUNT(*) FROM prompt_catalog"));

        // Restart on the same database: the start-up seeding runs again.
        QCOMPARE(server().stop(), 0);
        TestServer again(generousOptions(server().databaseName()));
        QVERIFY(again.start());

        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM prompt_catalog")), rowsBefore);
        QCOMPARE(number(QStringLiteral("SELECT active FROM prompt_catalog WHERE prompt_key = "
                                       "'zz_retired_prompt'")),
                 0);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT id FROM prompt_catalog WHERE prompt_key = "
                                             "'small_joy_today'"))
                     .toString(),
                 idBefore); // ids are stable
        QCOMPARE(db()->scalar(QStringLiteral("SELECT CONCAT(active, text) FROM prompt_catalog "
                                             "WHERE prompt_key = 'small_joy_today'"))
                     .toString(),
                 QStringLiteral("1What small thing made you smile today?"));

        // The retired prompt is gone from the rotation and cannot be answered.
        HttpClient client(again.port());
        const TestAccount me = fp::test::signUp(again.port(), QStringLiteral("late"));
        client.setBearer(me.accessToken);
        const HttpResult r = client.post(
            QStringLiteral("/api/daily_prompts/answers"),
            json(R"({"prompt_id":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","answer":"hi"})"));
        QCOMPARE(r.status, 404);
        QCOMPARE(again.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEngagement)
#include "tst_engagement.moc"
