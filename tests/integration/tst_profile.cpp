// GET /api/catalog, GET and PUT /api/profile against the real server: onboarding, section
// replacement, validation naming every bad field, all-or-nothing updates, and the visibility
// rule other domains use (FriendshipService::mayViewProfile, called here in-process against the
// same database).

#include "common/Time.h"
#include "server/profile/ProfileJson.h"
#include "server/storage/Database.h"
#include "tests/support/Fixtures.h"
#include "tests/support/HeldTransaction.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/InProcessDomains.h"
#include "tests/support/IntegrationTest.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QThreadPool>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>
#include <atomic>
#include <limits>

using namespace fp::test;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

QJsonObject completePreferences()
{
    return json(R"({"conversation_depth":"deep","contact_frequency":"weekly",
        "directness_score":70,"humor_score":85,"response_pace":"flexible",
        "group_comfort":"one_to_one","friendship_intention":"long_term","voice_note_ok":true,
        "availability_windows":[{"day":"tue","start":"18:30","end":"21:00"},
                                {"day":"sat","start":"10:00","end":"13:00"}],
        "timezone":"Europe/Berlin"})");
}

QJsonObject completeProfile()
{
    QJsonObject body = json(R"({"age_range":"25-34","location_city":"Leipzig",
        "location_country":"DE","bio":"Night walks, board games and long talks.",
        "values":{"honesty":95,"empathy":80,"curiosity":75},
        "interests":{"books":90,"hiking":60,"board_games":85},
        "off_limits_topics":["politics"],
        "non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":1},
                           {"dimension":"preference","key":"conversation_depth","priority_rank":2}]})");
    body.insert(QStringLiteral("avatar_url"), QStringLiteral("https://cdn.example.org/a.png"));
    body.insert(QStringLiteral("preferences"), completePreferences());
    return body;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

/// A transaction of the test's own on the server's database that holds these people's profile
/// rows (SELECT ... FOR UPDATE) until released, as another instance's write would.
class HeldProfileRows
{
public:
    HeldProfileRows(const TestDatabase &database, const QStringList &userIds) : m_held(database)
    {
        QStringList quoted;
        for (const QString &id : userIds)
            quoted << QStringLiteral("'%1'").arg(id);
        m_holding = m_held.exec(QStringLiteral("SELECT user_id FROM user_profiles WHERE user_id "
                                               "IN (%1) FOR UPDATE")
                                    .arg(quoted.join(QLatin1Char(',')))) == userIds.size();
    }
    bool held() const { return m_holding && m_held.open(); }
    void release() { m_held.release(); }

private:
    HeldTransaction m_held;
    bool m_holding = false;
};

} // namespace

class TestProfile : public IntegrationTest
{
    Q_OBJECT

public:
    // Every request of this test comes from 127.0.0.1: lift the per-address budgets. A row
    // held by another transaction is waited for 1 s, not 10, so that a test can outwait it.
    TestProfile()
        : IntegrationTest(TestServer::Options().withoutRateLimits().with(
              QStringLiteral("FP_DB_LOCK_WAIT_SECONDS"), QStringLiteral("1")))
    { }

private Q_SLOTS:
    void catalogIsPublicAndShipsTheResourceKeys()
    {
        HttpClient anonymous(port());
        const HttpResult r = anonymous.get(QStringLiteral("/api/catalog"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        QVERIFY(r.header("Cache-Control").contains("max-age"));
        const QJsonObject body = r.json();
        QCOMPARE(sorted(body.keys()),
                 QStringList({QStringLiteral("feedback_tags"), QStringLiteral("interests"),
                              QStringLiteral("report_reasons"), QStringLiteral("topics"),
                              QStringLiteral("values")}));

        QFile file(TestEnvironment::fromProcess().sourceDir +
                   QStringLiteral("/resources/catalog/catalog.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject shipped = QJsonDocument::fromJson(file.readAll()).object();
        for (const char *list : {"values", "interests", "topics", "feedback_tags"})
            QCOMPARE(body.value(QLatin1String(list)).toArray(),
                     shipped.value(QLatin1String(list)).toArray());
        QStringList reasons;
        for (const QJsonValue &v : shipped.value(QStringLiteral("report_reasons")).toArray())
            reasons << v.toObject().value(QStringLiteral("key")).toString();
        QCOMPARE(body.value(QStringLiteral("report_reasons")).toArray(),
                 QJsonArray::fromStringList(reasons));
    }

    void profileNeedsAToken()
    {
        HttpClient anonymous(port());
        HttpResult r = anonymous.get(QStringLiteral("/api/profile"));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        r = anonymous.put(QStringLiteral("/api/profile"), json(R"({"nickname":"Mira"})"));
        QCOMPARE(r.status, 401);
        anonymous.setBearer(QStringLiteral("not-a-token"));
        QCOMPARE(anonymous.get(QStringLiteral("/api/profile")).status, 401);
    }

    void newAccountHasAnEmptyProfile()
    {
        const TestAccount me = signUp(QStringLiteral("Mira"));
        const HttpResult r = clientFor(port(), me)->get(QStringLiteral("/api/profile"));
        QCOMPARE(r.status, 200);
        const QJsonObject p = r.json();
        QCOMPARE(p[QStringLiteral("user_id")].toString(), me.userId);
        QCOMPARE(p[QStringLiteral("nickname")].toString(), QStringLiteral("Mira"));
        QVERIFY(p[QStringLiteral("preferences")].isNull());
        QVERIFY(p[QStringLiteral("bio")].isNull());
        QVERIFY(p[QStringLiteral("age_range")].isNull());
        QCOMPARE(p[QStringLiteral("values")].toObject(), QJsonObject());
        QCOMPARE(p[QStringLiteral("non_negotiables")].toArray(), QJsonArray());
        QCOMPARE(p[QStringLiteral("onboarding_complete")].toBool(), false);
        QVERIFY(fp::fromWireTime(p[QStringLiteral("updated_at")].toString()).isValid());
        QCOMPARE(p.keys().size(), 14);
    }

    void completeOnboarding()
    {
        const TestAccount me = signUp(QStringLiteral("Mira"));
        auto client = clientFor(port(), me);

        // Step by step, as an onboarding wizard would: incomplete until the last section.
        HttpResult r =
            client->put(QStringLiteral("/api/profile"),
                        QJsonObject {{QStringLiteral("preferences"), completePreferences()}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("onboarding_complete")].toBool(), false);
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"values":{"honesty":95,"empathy":80,"curiosity":75}})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("onboarding_complete")].toBool(), false);
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"interests":{"books":90,"hiking":60}})"));
        QCOMPARE(r.json()[QStringLiteral("onboarding_complete")].toBool(), false);
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"interests":{"books":90,"hiking":60,"board_games":85}})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("onboarding_complete")].toBool(), true);

        // The whole profile in one PUT, read back exactly.
        QJsonObject body = completeProfile();
        body.insert(QStringLiteral("nickname"), QStringLiteral("  Zoë Mira  "));
        r = client->put(QStringLiteral("/api/profile"), body);
        QCOMPARE(r.status, 200);
        const HttpResult got = client->get(QStringLiteral("/api/profile"));
        QCOMPARE(got.status, 200);
        QCOMPARE(got.json(), r.json());
        const QJsonObject p = got.json();
        QCOMPARE(p[QStringLiteral("nickname")].toString(), QStringLiteral("Zoë Mira"));
        QCOMPARE(p[QStringLiteral("age_range")].toString(), QStringLiteral("25-34"));
        QCOMPARE(p[QStringLiteral("location_country")].toString(), QStringLiteral("DE"));
        QCOMPARE(p[QStringLiteral("avatar_url")].toString(),
                 QStringLiteral("https://cdn.example.org/a.png"));
        QCOMPARE(p[QStringLiteral("preferences")].toObject(), completePreferences());
        QCOMPARE(p[QStringLiteral("values")].toObject(),
                 json(R"({"honesty":95,"empathy":80,"curiosity":75})"));
        QCOMPARE(p[QStringLiteral("off_limits_topics")].toArray(),
                 QJsonArray {QStringLiteral("politics")});
        QCOMPARE(p[QStringLiteral("non_negotiables")].toArray(),
                 body[QStringLiteral("non_negotiables")].toArray());
        QCOMPARE(p[QStringLiteral("onboarding_complete")].toBool(), true);
    }

    // Different people never make each other wait or fail: fifty complete their whole profile at
    // the same moment, twice (first write, then a change of every section), and every answer is
    // 200 (lock conflicts once answered 503 "Busy with a conflicting change").
    void fiftyPeopleOnboardAtOnce()
    {
        constexpr int kPeople = 50;
        QList<TestAccount> people;
        for (int i = 0; i < kPeople; ++i)
            people << signUp(QStringLiteral("Crowd %1").arg(i));
        QThreadPool pool;
        pool.setMaxThreadCount(kPeople);
        const quint16 serverPort = port();
        const auto everyoneAtOnce = [&](const QJsonObject &body) {
            QList<QFuture<int>> running;
            for (const TestAccount &person : std::as_const(people)) {
                running << QtConcurrent::run(&pool, [person, serverPort, body] {
                    return clientFor(serverPort, person)
                        ->put(QStringLiteral("/api/profile"), body)
                        .status;
                });
            }
            QList<int> statuses;
            for (QFuture<int> &f : running)
                statuses << f.result();
            return statuses;
        };
        QCOMPARE(everyoneAtOnce(completeProfile()), QList<int>(kPeople, 200));
        QJsonObject changed = completeProfile();
        changed.insert(QStringLiteral("values"),
                       json(R"({"honesty":90,"kindness":70,"curiosity":75,"humor":60})"));
        changed.insert(QStringLiteral("interests"),
                       json(R"({"books":50,"cooking":40,"music":30})"));
        changed.insert(QStringLiteral("off_limits_topics"),
                       QJsonArray {QStringLiteral("religion")});
        changed.insert(
            QStringLiteral("non_negotiables"),
            QJsonArray {QJsonObject {{QStringLiteral("dimension"), QStringLiteral("value")},
                                     {QStringLiteral("key"), QStringLiteral("kindness")},
                                     {QStringLiteral("priority_rank"), 1}}});
        QCOMPARE(everyoneAtOnce(changed), QList<int>(kPeople, 200));
        for (const TestAccount &person : std::as_const(people)) {
            const QJsonObject p =
                clientFor(port(), person)->get(QStringLiteral("/api/profile")).json();
            QCOMPARE(p[QStringLiteral("values")].toObject(),
                     changed[QStringLiteral("values")].toObject());
            QCOMPARE(p[QStringLiteral("interests")].toObject(),
                     changed[QStringLiteral("interests")].toObject());
            QCOMPARE(p[QStringLiteral("off_limits_topics")].toArray(),
                     changed[QStringLiteral("off_limits_topics")].toArray());
            QCOMPARE(p[QStringLiteral("non_negotiables")].toArray(),
                     changed[QStringLiteral("non_negotiables")].toArray());
            QCOMPARE(p[QStringLiteral("onboarding_complete")].toBool(), true);
        }
    }

    // Issue #16: PUTs of different people arriving together are written in shared transactions
    // (one statement per table for all of them), yet each stays its own: a refused body refuses
    // only itself, two PUTs of one person both land, every answer is what a read returns, and
    // every written PUT has its one profile.updated event.
    void aRowHeldElsewhereRefusesOnlyItsOwnersPut()
    {
        // The batch that holds this person's PUT cannot lock their row; the people written
        // with them must not pay for it: each is answered 200, before the one refused.
        const TestAccount first = signUp(QStringLiteral("First"));
        const TestAccount held = signUp(QStringLiteral("Held"));
        QList<TestAccount> others;
        for (int i = 0; i < 5; ++i)
            others << signUp(QStringLiteral("Other %1").arg(i));
        for (const TestAccount &person : QList<TestAccount> {first, held} + others)
            QCOMPARE(clientFor(port(), person)
                         ->put(QStringLiteral("/api/profile"), completeProfile())
                         .status,
                     200);
        HeldProfileRows firstRow(*db(), {first.userId});
        HeldProfileRows heldRow(*db(), {held.userId});
        QVERIFY(firstRow.held());
        QVERIFY(heldRow.held());

        struct Answer
        {
            HttpResult result;
            int order = 0;
        };
        QThreadPool pool;
        pool.setMaxThreadCount(8);
        std::atomic<int> answered {0};
        const quint16 serverPort = port();
        const auto putBio = [&](const TestAccount &who, const QString &bio) {
            return QtConcurrent::run(&pool, [who, bio, serverPort, &answered] {
                HttpResult r = clientFor(serverPort, who)
                                   ->put(QStringLiteral("/api/profile"),
                                         QJsonObject {{QStringLiteral("bio"), bio}});
                return Answer {r, answered++};
            });
        };
        // The first PUT waits for its row in a batch of its own, while the others queue behind
        // it: released, they are written as one batch, which then waits for the held row.
        QFuture<Answer> firstPut = putBio(first, QStringLiteral("First's new bio"));
        QTest::qWait(300);
        QFuture<Answer> heldPut = putBio(held, QStringLiteral("Held's new bio"));
        QList<QFuture<Answer>> otherPuts;
        for (int i = 0; i < others.size(); ++i)
            otherPuts << putBio(others[i], QStringLiteral("Other's new bio %1").arg(i));
        QTest::qWait(400);
        firstRow.release();

        QCOMPARE(firstPut.result().result.status, 200);
        const Answer refused = heldPut.result();
        QCOMPARE(refused.result.status, 503);
        QCOMPARE(refused.result.errorCode(), QStringLiteral("unavailable"));
        QVERIFY(!refused.result.header("Retry-After").isEmpty());
        for (int i = 0; i < others.size(); ++i) {
            const Answer answer = otherPuts[i].result();
            QCOMPARE(answer.result.status, 200);
            QCOMPARE(answer.result.json().value(QStringLiteral("bio")).toString(),
                     QStringLiteral("Other's new bio %1").arg(i));
            QVERIFY2(answer.order < refused.order,
                     "someone written with the held row waited for its retries");
        }
        heldRow.release();

        // Nothing of the refused PUT was written; once the row is free, it goes through.
        const auto bioOf = [&](const TestAccount &who) {
            return clientFor(port(), who)
                ->get(QStringLiteral("/api/profile"))
                .json()
                .value(QStringLiteral("bio"))
                .toString();
        };
        QVERIFY(bioOf(held) != QStringLiteral("Held's new bio"));
        for (int i = 0; i < others.size(); ++i)
            QCOMPARE(bioOf(others[i]), QStringLiteral("Other's new bio %1").arg(i));
        QCOMPARE(putBio(held, QStringLiteral("Held's new bio")).result().result.status, 200);
        QCOMPARE(bioOf(held), QStringLiteral("Held's new bio"));
    }

    void putsArrivingTogetherShareTransactionsYetStayApart()
    {
        constexpr int kPeople = 24;
        QList<TestAccount> people;
        for (int i = 0; i < kPeople; ++i)
            people << signUp(QStringLiteral("Batch %1").arg(i));
        for (const TestAccount &person : std::as_const(people))
            QCOMPARE(clientFor(port(), person)
                         ->put(QStringLiteral("/api/profile"), completeProfile())
                         .status,
                     200);
        const QString ids = [&] {
            QStringList quoted;
            for (const TestAccount &person : std::as_const(people))
                quoted << QStringLiteral("'%1'").arg(person.userId);
            return quoted.join(QLatin1Char(','));
        }();
        const auto eventsSoFar = [&] {
            return number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE event_type = "
                                         "'profile.updated' AND subject_id IN (%1)")
                              .arg(ids));
        };
        const int eventsBefore = eventsSoFar();

        // Person i: a bio and a slider of their own; every sixth one's body is refused (an age
        // range that does not exist); every even one also moves their city at the same moment.
        struct Put
        {
            int person;
            QJsonObject body;
            int expected;
        };
        QList<Put> puts;
        for (int i = 0; i < kPeople; ++i) {
            QJsonObject body {{QStringLiteral("bio"), QStringLiteral("Batch bio %1").arg(i)},
                              {QStringLiteral("values"),
                               QJsonObject {{QStringLiteral("honesty"), 10 + i},
                                            {QStringLiteral("empathy"), 80},
                                            {QStringLiteral("curiosity"), 75}}}};
            const bool refused = i % 6 == 5;
            if (refused)
                body.insert(QStringLiteral("age_range"), QStringLiteral("12-17"));
            puts.append({i, body, refused ? 400 : 200});
            if (i % 2 == 0)
                puts.append({i,
                             QJsonObject {{QStringLiteral("location_city"),
                                           QStringLiteral("City %1").arg(i)}},
                             200});
        }
        QThreadPool pool;
        pool.setMaxThreadCount(int(puts.size()));
        const quint16 serverPort = port();
        QList<QFuture<HttpResult>> running;
        for (const Put &put : std::as_const(puts)) {
            const TestAccount person = people.at(put.person);
            running << QtConcurrent::run(&pool, [person, serverPort, body = put.body] {
                return clientFor(serverPort, person)->put(QStringLiteral("/api/profile"), body);
            });
        }
        qint64 statements = 0;
        int written = 0;
        for (qsizetype i = 0; i < puts.size(); ++i) {
            const HttpResult answer = running[i].result();
            QCOMPARE(answer.status, puts[i].expected);
            written += answer.status == 200 ? 1 : 0;
            // A batch's statements are counted on the log line of the request that wrote it.
            statements += server()
                              .requestLogLine(answer.header("x-request-id"))
                              .value(QStringLiteral("sql_statements"))
                              .toInteger();
        }
        // Each alone, these PUTs are 192 statements (a bio and a slider: BEGIN, the locked read,
        // the row, the scores, the event, COMMIT; a city: 5; a refused body: 3). Together they
        // share them: 23 to 36 in all, measured.
        QVERIFY2(statements < 2 * puts.size(),
                 qPrintable(
                     QStringLiteral("%1 statements for %2 PUTs").arg(statements).arg(puts.size())));

        for (int i = 0; i < kPeople; ++i) {
            const QJsonObject p =
                clientFor(port(), people.at(i))->get(QStringLiteral("/api/profile")).json();
            const bool refused = i % 6 == 5;
            QCOMPARE(p[QStringLiteral("bio")].toString(),
                     refused ? completeProfile()[QStringLiteral("bio")].toString()
                             : QStringLiteral("Batch bio %1").arg(i));
            QCOMPARE(p[QStringLiteral("values")][QStringLiteral("honesty")].toInt(),
                     refused ? 95 : 10 + i);
            QCOMPARE(p[QStringLiteral("age_range")].toString(), QStringLiteral("25-34"));
            QCOMPARE(p[QStringLiteral("location_city")].toString(),
                     i % 2 == 0 ? QStringLiteral("City %1").arg(i) : QStringLiteral("Leipzig"));
        }
        QCOMPARE(eventsSoFar() - eventsBefore, written);
    }

    // One person on two devices: two clients alternate whole-profile PUTs of the same person
    // while four others read it. Every answer is 200, every read is one of the two profiles
    // whole (never half of one and half of the other), and the last write is what stays.
    void onePersonWrittenFromTwoDevicesWhileRead()
    {
        const TestAccount me = signUp(QStringLiteral("Twin"));
        QCOMPARE(
            clientFor(port(), me)->put(QStringLiteral("/api/profile"), completeProfile()).status,
            200);
        QJsonObject other = completeProfile();
        other.insert(QStringLiteral("bio"), QStringLiteral("The other device."));
        other.insert(QStringLiteral("values"),
                     json(R"({"honesty":60,"kindness":70,"curiosity":75,"humor":60})"));
        other.insert(QStringLiteral("off_limits_topics"), QJsonArray {QStringLiteral("religion")});
        const QList<QJsonObject> bodies {completeProfile(), other};
        constexpr int kRounds = 30;
        QThreadPool pool;
        pool.setMaxThreadCount(6);
        const quint16 serverPort = port();
        QList<QFuture<QStringList>> running;
        for (int writer = 0; writer < 2; ++writer) {
            running << QtConcurrent::run(&pool, [=] {
                QStringList problems;
                auto client = clientFor(serverPort, me);
                for (int i = 0; i < kRounds; ++i) {
                    const HttpResult r =
                        client->put(QStringLiteral("/api/profile"), bodies[(i + writer) % 2]);
                    if (r.status != 200)
                        problems << QStringLiteral("PUT %1: %2 %3")
                                        .arg(i)
                                        .arg(r.status)
                                        .arg(QString::fromUtf8(r.body.left(200)));
                }
                return problems;
            });
        }
        for (int reader = 0; reader < 4; ++reader) {
            running << QtConcurrent::run(&pool, [=] {
                QStringList problems;
                auto client = clientFor(serverPort, me);
                for (int i = 0; i < kRounds; ++i) {
                    const HttpResult r = client->get(QStringLiteral("/api/profile"));
                    if (r.status != 200) {
                        problems << QStringLiteral("GET %1: %2").arg(i).arg(r.status);
                        continue;
                    }
                    const QJsonObject p = r.json();
                    const bool first = p[QStringLiteral("bio")] == bodies[0][QStringLiteral("bio")];
                    const QJsonObject &expected = bodies[first ? 0 : 1];
                    if (p[QStringLiteral("values")] != expected[QStringLiteral("values")] ||
                        p[QStringLiteral("off_limits_topics")] !=
                            expected[QStringLiteral("off_limits_topics")])
                        problems << QStringLiteral("GET %1: half of one profile").arg(i);
                }
                return problems;
            });
        }
        QStringList problems;
        for (QFuture<QStringList> &f : running)
            problems << f.result();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    void theSamePutAgainChangesNothing()
    {
        const TestAccount me = signUp(QStringLiteral("Repeat"));
        auto client = clientFor(port(), me);
        const HttpResult first = client->put(QStringLiteral("/api/profile"), completeProfile());
        QCOMPARE(first.status, 200);
        QTest::qWait(20); // so a rewrite would show in updated_at's milliseconds
        const HttpResult again = client->put(QStringLiteral("/api/profile"), completeProfile());
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), first.json());
        QCOMPARE(client->get(QStringLiteral("/api/profile")).json(), first.json());
    }

    // Issue #16's budget: the caller's whole profile, every section, is read in one statement
    // (one snapshot: never half of a concurrent PUT), counted by the server in its log line.
    void aReadIsOneStatement()
    {
        const TestAccount me = signUp(QStringLiteral("Reader"));
        auto client = clientFor(port(), me);
        const HttpResult written = client->put(QStringLiteral("/api/profile"), completeProfile());
        QCOMPARE(written.status, 200);
        // A token's session state is read from MariaDB once every few seconds: the fewest over
        // three reads is the route's own work. The first read after the write reads MariaDB;
        // the next ones are answered from memory (tst_kept_answers): never with the route's own
        // statement, and on the I/O thread with nothing at all (a worker serves them when the
        // session's state or a rate budget's unit must be read or leased first).
        qint64 fewest = std::numeric_limits<qint64>::max();
        qint64 leastFromMemory = std::numeric_limits<qint64>::max();
        int fromMemory = 0;
        for (int attempt = 0; attempt < 4; ++attempt) {
            const HttpResult read = client->get(QStringLiteral("/api/profile"));
            QCOMPARE(read.status, 200);
            QCOMPARE(read.json(), written.json());
            const QJsonObject line = server().requestLogLine(read.header("x-request-id"));
            QVERIFY2(!line.isEmpty(), "the request's log line");
            const qint64 statements = line.value(QStringLiteral("sql_statements")).toInteger();
            if (line.value(QStringLiteral("from_memory")).toBool()) {
                ++fromMemory;
                QVERIFY(statements <= 1); // at most the session's state
                leastFromMemory =
                    qMin(leastFromMemory,
                         statements + line.value(QStringLiteral("redis_commands")).toInteger());
            } else {
                fewest = qMin(fewest, statements);
            }
        }
        QCOMPARE(fewest, 1);
        QVERIFY(fromMemory >= 2);
        QCOMPARE(leastFromMemory, 0);
    }

    // Issue #16's budget for a write: what a person does on the profile screen (sliders moved,
    // the bio edited, one preference changed) costs at most 8 statements: BEGIN, the locked read,
    // the profile row, the preferences, the two score sections, the event, COMMIT. The answer is
    // built from what was read and written, not read again.
    void aWriteIsAtMostEightStatements()
    {
        const TestAccount me = signUp(QStringLiteral("Slider"));
        auto client = clientFor(port(), me);
        QCOMPARE(client->put(QStringLiteral("/api/profile"), completeProfile()).status, 200);
        qint64 fewest = std::numeric_limits<qint64>::max();
        for (int attempt = 0; attempt < 3; ++attempt) {
            QJsonObject moved = completeProfile();
            moved.insert(QStringLiteral("bio"), QStringLiteral("Edited %1").arg(attempt));
            moved.insert(QStringLiteral("values"),
                         QJsonObject {{QStringLiteral("honesty"), 90 - attempt},
                                      {QStringLiteral("empathy"), 80},
                                      {QStringLiteral("curiosity"), 70 + attempt}});
            moved.insert(QStringLiteral("interests"),
                         QJsonObject {{QStringLiteral("books"), 50 + attempt},
                                      {QStringLiteral("hiking"), 60},
                                      {QStringLiteral("board_games"), 85}});
            QJsonObject preferences = completePreferences();
            preferences.insert(QStringLiteral("humor_score"), 40 + attempt);
            moved.insert(QStringLiteral("preferences"), preferences);
            const HttpResult written = client->put(QStringLiteral("/api/profile"), moved);
            QCOMPARE(written.status, 200);
            QCOMPARE(written.json()[QStringLiteral("bio")].toString(),
                     QStringLiteral("Edited %1").arg(attempt));
            QCOMPARE(client->get(QStringLiteral("/api/profile")).json(), written.json());
            const QJsonObject line = server().requestLogLine(written.header("x-request-id"));
            QVERIFY2(!line.isEmpty(), "the request's log line");
            fewest = qMin(fewest, line.value(QStringLiteral("sql_statements")).toInteger());
        }
        QVERIFY2(fewest <= 8, qPrintable(QStringLiteral("%1 statements").arg(fewest)));
    }

    // A read returns topics sorted and non-negotiables by rank: the same lists in another order
    // are the same profile, so the PUT writes nothing and updated_at stays.
    void anotherOrderOfTheSameListsChangesNothing()
    {
        const TestAccount me = signUp(QStringLiteral("Orderly"));
        auto client = clientFor(port(), me);
        QJsonObject body = completeProfile();
        body.insert(QStringLiteral("off_limits_topics"),
                    QJsonArray {QStringLiteral("religion"), QStringLiteral("politics")});
        const HttpResult first = client->put(QStringLiteral("/api/profile"), body);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json()[QStringLiteral("off_limits_topics")].toArray(),
                 (QJsonArray {QStringLiteral("politics"), QStringLiteral("religion")}));
        QTest::qWait(20); // so a rewrite would show in updated_at's milliseconds
        QJsonArray ranks = body[QStringLiteral("non_negotiables")].toArray();
        body.insert(QStringLiteral("non_negotiables"), QJsonArray {ranks.at(1), ranks.at(0)});
        body.insert(QStringLiteral("off_limits_topics"),
                    QJsonArray {QStringLiteral("politics"), QStringLiteral("religion")});
        const HttpResult again = client->put(QStringLiteral("/api/profile"), body);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json(), first.json());
    }

    void sectionsReplaceOnlyThemselves()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        QCOMPARE(client->put(QStringLiteral("/api/profile"), completeProfile()).status, 200);
        const QJsonObject before = client->get(QStringLiteral("/api/profile")).json();
        // updated_at has millisecond resolution: once the clock is past it, a change is later.
        QTRY_VERIFY(QDateTime::currentDateTimeUtc() >
                    fp::fromWireTime(before[QStringLiteral("updated_at")].toString()));

        HttpResult r = client->put(
            QStringLiteral("/api/profile"),
            json(R"({"bio":"  Just moved here.  ","values":{"honesty":10,"kindness":70}})"));
        QCOMPARE(r.status, 200);
        QJsonObject after = r.json();
        QCOMPARE(after[QStringLiteral("bio")].toString(), QStringLiteral("Just moved here."));
        QCOMPARE(after[QStringLiteral("values")].toObject(),
                 json(R"({"honesty":10,"kindness":70})"));
        // Untouched sections stay as they were.
        for (const char *same : {"interests", "preferences", "off_limits_topics", "non_negotiables",
                                 "age_range", "avatar_url", "nickname"})
            QCOMPARE(after[QLatin1String(same)], before[QLatin1String(same)]);
        QVERIFY(fp::fromWireTime(after[QStringLiteral("updated_at")].toString()) >
                fp::fromWireTime(before[QStringLiteral("updated_at")].toString()));
        // Two values now: no longer onboarded.
        QCOMPARE(after[QStringLiteral("onboarding_complete")].toBool(), false);

        // Clearing: null scalars, empty sections.
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"bio":null,"avatar_url":null,"age_range":null,
                                 "off_limits_topics":[],"non_negotiables":[],"interests":{}})"));
        QCOMPARE(r.status, 200);
        after = r.json();
        QVERIFY(after[QStringLiteral("bio")].isNull());
        QVERIFY(after[QStringLiteral("avatar_url")].isNull());
        QVERIFY(after[QStringLiteral("age_range")].isNull());
        QCOMPARE(after[QStringLiteral("off_limits_topics")].toArray(), QJsonArray());
        QCOMPARE(after[QStringLiteral("non_negotiables")].toArray(), QJsonArray());
        QCOMPARE(after[QStringLiteral("interests")].toObject(), QJsonObject());

        // A preferences section replaces the stored one whole: optional fields reset.
        QJsonObject prefs = completePreferences();
        prefs.remove(QStringLiteral("voice_note_ok"));
        prefs.remove(QStringLiteral("availability_windows"));
        prefs.remove(QStringLiteral("timezone"));
        r = client->put(QStringLiteral("/api/profile"),
                        QJsonObject {{QStringLiteral("preferences"), prefs}});
        QCOMPARE(r.status, 200);
        const QJsonObject stored = r.json()[QStringLiteral("preferences")].toObject();
        QCOMPARE(stored[QStringLiteral("voice_note_ok")].toBool(), false);
        QCOMPARE(stored[QStringLiteral("availability_windows")].toArray(), QJsonArray());
        QCOMPARE(stored[QStringLiteral("timezone")].toString(), QStringLiteral("UTC"));
    }

    void validationFailures_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QStringList>("fields");
        const auto row = [](const char *name, const char *body, const QStringList &fields) {
            QTest::newRow(name) << QByteArray(body) << fields;
        };
        row("unknown key", R"({"nickname":"Mira","favourite_colour":"blue"})",
            {QStringLiteral("favourite_colour")});
        row("read-only keys", R"({"onboarding_complete":true,"user_id":"x"})",
            {QStringLiteral("onboarding_complete"), QStringLiteral("user_id")});
        row("empty body", "{}", {QStringLiteral("body")});
        row("nickname too short", R"({"nickname":" A "})", {QStringLiteral("nickname")});
        row("bio too long",
            "{\"bio\":"
            "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
            {QStringLiteral("bio")});
        row("age range", R"({"age_range":"16-17"})", {QStringLiteral("age_range")});
        row("avatar ftp", "{\"avatar_url\":\"ftp://example.org/me.png\"}",
            {QStringLiteral("avatar_url")});
        row("value key misspelt", R"({"values":{"honestyy":50}})",
            {QStringLiteral("values.honestyy")});
        row("topic unknown", R"({"off_limits_topics":["weather"]})",
            {QStringLiteral("off_limits_topics[0]")});
        row("four non-negotiables and a repeated rank",
            R"({"values":{"honesty":1,"empathy":2,"curiosity":3,"humor":4},"non_negotiables":[
                {"dimension":"value","key":"honesty","priority_rank":1},
                {"dimension":"value","key":"empathy","priority_rank":2},
                {"dimension":"value","key":"curiosity","priority_rank":3},
                {"dimension":"value","key":"humor","priority_rank":1}]})",
            {QStringLiteral("non_negotiables"),
             QStringLiteral("non_negotiables[3].priority_rank")});
        row("non-negotiable not among the caller's values",
            R"({"non_negotiables":[{"dimension":"value","key":"loyalty","priority_rank":1}]})",
            {QStringLiteral("non_negotiables[0].key")});
        row("several at once",
            R"({"nickname":"x","values":{"honestyy":50},"preferences":{"conversation_depth":"deep",
                "contact_frequency":"weekly","directness_score":70,"humor_score":101,
                "response_pace":"flexible","group_comfort":"one_to_one",
                "friendship_intention":"long_term","timezone":"Mars/Base",
                "availability_windows":[{"day":"mon","start":"09:00","end":"10:00"},
                                        {"day":"tue","start":"09:00","end":"10:00"},
                                        {"day":"wed","start":"9am","end":"10:00"},
                                        {"day":"thu","start":"12:00","end":"11:00"}]}})",
            {QStringLiteral("nickname"),
             QStringLiteral("preferences.availability_windows[2].start"),
             QStringLiteral("preferences.availability_windows[3].end"),
             QStringLiteral("preferences.humor_score"), QStringLiteral("preferences.timezone"),
             QStringLiteral("values.honestyy")});
    }

    void validationFailures()
    {
        QFETCH(QByteArray, body);
        QFETCH(QStringList, fields);
        static TestAccount me = signUp();
        auto client = clientFor(port(), me);
        const HttpResult r = client->send("PUT", QStringLiteral("/api/profile"), body,
                                          {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(r.json()[QStringLiteral("request_id")].toString(),
                 QString::fromLatin1(r.header("X-Request-Id")));
        QCOMPARE(fieldsOf(r), sorted(fields));
    }

    void malformedAndWrongMedia()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        HttpResult r = client->send("PUT", QStringLiteral("/api/profile"),
                                    "{\"nickname\":", {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("malformed_json"));
        r = client->send("PUT", QStringLiteral("/api/profile"), "nickname=Mira",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(r.status, 415);
        r = client->send("PUT", QStringLiteral("/api/profile"), "[1]",
                         {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("body")});
    }

    void aBadSectionChangesNothing()
    {
        const TestAccount me = signUp(QStringLiteral("Stable"));
        auto client = clientFor(port(), me);
        QCOMPARE(client->put(QStringLiteral("/api/profile"), completeProfile()).status, 200);
        const QJsonObject before = client->get(QStringLiteral("/api/profile")).json();

        // Good nickname, values, interests and topics; one bad window in preferences.
        QJsonObject body = json(R"({"nickname":"Changed","bio":"changed",
            "values":{"kindness":10,"humor":20,"faith":30},"interests":{"art":1},
            "off_limits_topics":["money"],"non_negotiables":[]})");
        QJsonObject prefs = completePreferences();
        prefs.insert(QStringLiteral("availability_windows"),
                     QJsonArray {QJsonObject {{QStringLiteral("day"), QStringLiteral("mon")},
                                              {QStringLiteral("start"), QStringLiteral("18:00")},
                                              {QStringLiteral("end"), QStringLiteral("25:00")}}});
        body.insert(QStringLiteral("preferences"), prefs);
        const HttpResult r = client->put(QStringLiteral("/api/profile"), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r),
                 QStringList {QStringLiteral("preferences.availability_windows[0].end")});

        const HttpResult after = client->get(QStringLiteral("/api/profile"));
        QCOMPARE(after.status, 200);
        QCOMPARE(after.json(), before); // updated_at included: nothing was written

        // And straight from the tables.
        fp::test::TestDatabase *db = server().database();
        QCOMPARE(db->scalar(QStringLiteral("SELECT COUNT(*) FROM user_value_scores WHERE "
                                           "user_id = '%1'")
                                .arg(me.userId))
                     .toInt(),
                 3);
        QCOMPARE(db->scalar(QStringLiteral("SELECT nickname FROM user_profiles WHERE user_id = "
                                           "'%1'")
                                .arg(me.userId))
                     .toString(),
                 QStringLiteral("Stable"));
        QCOMPARE(db->scalar(QStringLiteral("SELECT COUNT(*) FROM user_non_negotiables WHERE "
                                           "user_id = '%1'")
                                .arg(me.userId))
                     .toInt(),
                 2);
    }

    void nonNegotiablesFollowTheCallersKeys()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        QCOMPARE(client->put(QStringLiteral("/api/profile"), completeProfile()).status, 200);

        // Pointing at a stored value, without sending values: fine.
        HttpResult r = client->put(
            QStringLiteral("/api/profile"),
            json(R"({"non_negotiables":[{"dimension":"value","key":"empathy","priority_rank":3},
                                        {"dimension":"interest","key":"books","priority_rank":1}]})"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("non_negotiables")]
                     .toArray()
                     .first()[QStringLiteral("key")]
                     .toString(),
                 QStringLiteral("books")); // ordered by rank

        // Dropping a value a stored non-negotiable points at: refused, unless both change.
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"values":{"honesty":50,"curiosity":50,"humor":50}})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("values")});
        r = client->put(QStringLiteral("/api/profile"),
                        json(R"({"values":{"honesty":50,"curiosity":50,"humor":50},
                                 "non_negotiables":[{"dimension":"value","key":"humor","priority_rank":1}]})"));
        QCOMPARE(r.status, 200);
    }

    void visibilityRule()
    {
        // The rule later routes (reveal, friends) use, called in-process against the server's
        // database: self yes, a stranger no, a friend yes until the friendship ends.
        const TestAccount a = signUp(QStringLiteral("Alice"));
        const TestAccount b = signUp(QStringLiteral("Bob"));
        const TestAccount c = signUp(QStringLiteral("Carol"));
        QCOMPARE(clientFor(port(), a)
                     ->put(QStringLiteral("/api/profile"),
                           json("{\"bio\":\"hello\",\"avatar_url\":\"http://example.org/a.png\"}"))
                     .status,
                 200);

        useDatabaseInProcess(server().databaseName());

        fp::test::InProcessDomains domains;
        const auto mayViewProfile = [&domains](const QString &viewer, const QString &owner) {
            return domains->friendships.mayViewProfile(viewer, owner);
        };
        const auto loadPublicProfile = [&domains](const QString &userId) {
            return domains->profiles.publicProfile(userId);
        };
        QVERIFY(mayViewProfile(a.userId, a.userId));
        QVERIFY(!mayViewProfile(a.userId, b.userId));
        QVERIFY(!mayViewProfile(b.userId, a.userId));
        QVERIFY(!mayViewProfile(QString(), a.userId));

        const QString friendship = seed().friendship(a, b);
        QVERIFY(mayViewProfile(a.userId, b.userId));
        QVERIFY(mayViewProfile(b.userId, a.userId));
        QVERIFY(!mayViewProfile(c.userId, a.userId));

        const fp::Result<std::optional<fp::PublicProfile>> loaded = loadPublicProfile(a.userId);
        QVERIFY(loaded.ok() && loaded->has_value());
        const QJsonObject pub = fp::publicProfileJson(**loaded);
        QCOMPARE(pub,
                 (QJsonObject {
                     {QStringLiteral("user_id"), a.userId},
                     {QStringLiteral("nickname"), QStringLiteral("Alice")},
                     {QStringLiteral("avatar_url"), QStringLiteral("http://example.org/a.png")},
                     {QStringLiteral("bio"), QStringLiteral("hello")}}));
        const QJsonObject bobs = fp::publicProfileJson(**loadPublicProfile(b.userId));
        QVERIFY(bobs[QStringLiteral("bio")].isNull());

        seed().endFriendship(friendship, a);
        QVERIFY(!mayViewProfile(a.userId, b.userId));
        QVERIFY(mayViewProfile(a.userId, a.userId));
    }
};

QTEST_GUILESS_MAIN(TestProfile)
#include "tst_profile.moc"
