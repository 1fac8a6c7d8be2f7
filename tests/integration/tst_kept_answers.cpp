// Answers kept in memory (docs/performance.md): GET /api/profile and another person's
// GET /api/trust_score/{id} are answered from memory once read, asking MariaDB and Redis
// nothing, and every change is seen at once on the instance that made it and on the other one
// as soon as its eviction arrives over Redis. The kept answers here live 10 minutes, so only an
// eviction can make a test see a change: without one it would fail.

#include "tests/support/Accounts.h"
#include "tests/support/Fixtures.h"
#include "tests/support/HttpClient.h"
#include "tests/support/RawRedis.h"
#include "tests/support/Seed.h"
#include "tests/support/TcpProxy.h"
#include "tests/support/TestServer.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

using namespace fp::test;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

} // namespace

class TestKeptAnswers : public QObject
{
    Q_OBJECT

    PrivateRedis m_redis;
    std::unique_ptr<TestServer> m_one;
    std::unique_ptr<TestServer> m_two;
    std::unique_ptr<Seed> m_seed;

    TestServer::Options options() const
    {
        TestServer::Options o;
        o.withoutRateLimits().onRedis(m_redis.port());
        o.with(s("FP_READ_CACHE_SECONDS"), s("600"));
        return o;
    }

    TestAccount onboarded(const QString &nickname)
    {
        const TestAccount account = signUp(m_one->port(), nickname);
        const HttpResult r =
            clientFor(m_one->port(), account)->put(s("/api/profile"), completeProfile(nickname));
        if (r.status != 200)
            qFatal("onboarding failed: %s", r.body.constData());
        return account;
    }

    static QJsonObject readAnswer(TestServer &server, const TestAccount &who, const QString &path,
                                  bool *fromMemory = nullptr, int *status = nullptr)
    {
        const HttpResult r = clientFor(server.port(), who)->get(path);
        if (status)
            *status = r.status;
        if (fromMemory)
            *fromMemory =
                server.requestLogLine(r.header("x-request-id")).value(s("from_memory")).toBool();
        return r.json();
    }

    /// Reads until an answer comes from memory (the first read keeps it); false if none does.
    static bool keptOn(TestServer &server, const TestAccount &who, const QString &path)
    {
        for (int i = 0; i < 5; ++i) {
            bool fromMemory = false;
            readAnswer(server, who, path, &fromMemory);
            if (fromMemory)
                return true;
        }
        return false;
    }

    /// Matches `ann` and `ben`, then has each instance keep Ann's score as Ben sees it; its path,
    /// or empty when an instance did not keep it.
    QString matchedScoreKeptOnBoth(const TestAccount &ann, const TestAccount &ben)
    {
        m_seed->match(ann, ben);
        const QString annsScore = s("/api/trust_score/") + ann.userId;
        if (!keptOn(*m_one, ben, annsScore) || !keptOn(*m_two, ben, annsScore))
            return {};
        return annsScore;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_redis.start());
        m_one = std::make_unique<TestServer>(options());
        QVERIFY2(m_one->start(), m_one->output().constData());
        TestServer::Options second = options();
        second.alongside(*m_one);
        m_two = std::make_unique<TestServer>(second);
        QVERIFY2(m_two->start(), m_two->output().constData());
        m_seed = std::make_unique<Seed>(m_one->database());
    }

    void cleanupTestCase()
    {
        m_seed.reset();
        if (m_two)
            QCOMPARE(m_two->stop(), 0);
        if (m_one)
            QCOMPARE(m_one->stop(), 0);
    }

    void aKeptProfileAsksNothingAndEqualsTheRead()
    {
        const TestAccount ann = onboarded(s("Ann"));
        const HttpResult first = clientFor(m_one->port(), ann)->get(s("/api/profile"));
        QCOMPARE(first.status, 200);
        const double answeredBefore = m_one->metric("fp_http_answered_from_memory_total");
        // On the I/O thread a kept answer asks nothing of MariaDB or Redis. (A worker serves it
        // now and then, when a rate budget's leased units ran out, leasing more first.)
        bool askedNothing = false;
        for (int attempt = 0; attempt < 4 && !askedNothing; ++attempt) {
            const HttpResult again = clientFor(m_one->port(), ann)->get(s("/api/profile"));
            QCOMPARE(again.status, 200);
            QCOMPARE(again.body, first.body);
            QCOMPARE(again.header("content-type"), first.header("content-type"));
            const QJsonObject line = m_one->requestLogLine(again.header("x-request-id"));
            QVERIFY(line.value(s("from_memory")).toBool());
            askedNothing = line.value(s("sql_statements")).toInteger() == 0 &&
                line.value(s("redis_commands")).toInteger() == 0;
        }
        QVERIFY(askedNothing);
        QVERIFY(m_one->metric("fp_http_answered_from_memory_total") > answeredBefore);
        // Someone else's token never gets Ann's answer.
        const TestAccount ben = onboarded(s("Ben"));
        QCOMPARE(readAnswer(*m_one, ben, s("/api/profile"))[s("nickname")].toString(), s("Ben"));
        // Nor does no token, or a broken one.
        QCOMPARE(HttpClient(m_one->port()).get(s("/api/profile")).status, 401);
        QCOMPARE(HttpClient(m_one->port())
                     .get(s("/api/profile"),
                          {{"Authorization", "Bearer " + ann.accessToken.toUtf8() + "x"}})
                     .status,
                 401);
    }

    // A second device signs out on the other instance: its token gets no kept answer anywhere
    // any more, while the first device's still does.
    void aSignedOutDeviceGetsNoKeptAnswer()
    {
        const TestAccount phone = onboarded(s("Two devices"));
        const TestAccount laptop = logIn(m_one->port(), phone, s("laptop"));
        QVERIFY(keptOn(*m_one, laptop, s("/api/profile")));
        QVERIFY(keptOn(*m_one, phone, s("/api/profile")));
        QCOMPARE(clientFor(m_two->port(), laptop)
                     ->post(s("/api/auth/logout"), {{s("refresh_token"), laptop.refreshToken}})
                     .status,
                 204);
        int status = 0;
        QTRY_COMPARE_WITH_TIMEOUT(
            [&] {
                readAnswer(*m_one, laptop, s("/api/profile"), nullptr, &status);
                return status;
            }(),
            401, 10000);
        readAnswer(*m_two, laptop, s("/api/profile"), nullptr, &status);
        QCOMPARE(status, 401);
        QVERIFY(keptOn(*m_one, phone, s("/api/profile")));
    }

    void anEditIsSeenAtOnceOnBothInstances()
    {
        const TestAccount ann = onboarded(s("Edith"));
        QVERIFY(keptOn(*m_one, ann, s("/api/profile")));
        QVERIFY(keptOn(*m_two, ann, s("/api/profile")));
        const HttpResult written =
            clientFor(m_two->port(), ann)->put(s("/api/profile"), {{s("bio"), s("Edited on two")}});
        QCOMPARE(written.status, 200);
        // Where it was made: at once.
        QCOMPARE(readAnswer(*m_two, ann, s("/api/profile"))[s("bio")].toString(),
                 s("Edited on two"));
        // On the other instance: once the eviction arrived (milliseconds; the kept answer would
        // otherwise be served for ten minutes).
        QTRY_COMPARE_WITH_TIMEOUT(readAnswer(*m_one, ann, s("/api/profile"))[s("bio")].toString(),
                                  s("Edited on two"), 10000);
        QCOMPARE(readAnswer(*m_one, ann, s("/api/profile")), written.json());
    }

    void anotherPersonsScoreIsHiddenAtOnceByABlock()
    {
        const TestAccount ann = onboarded(s("Blocker"));
        const TestAccount ben = onboarded(s("Blocked"));
        const QString annsScore = matchedScoreKeptOnBoth(ann, ben);
        QVERIFY(!annsScore.isEmpty());
        const HttpResult blocked =
            clientFor(m_two->port(), ann)
                ->post(s("/api/blocks"), {{s("blocked_user_id"), ben.userId}});
        QCOMPARE(blocked.status, 201);
        int status = 0;
        readAnswer(*m_two, ben, annsScore, nullptr, &status);
        QCOMPARE(status, 404);
        QTRY_COMPARE_WITH_TIMEOUT(
            [&] {
                readAnswer(*m_one, ben, annsScore, nullptr, &status);
                return status;
            }(),
            404, 10000);
    }

    void aScoreChangeIsSeenOnBothInstances()
    {
        const TestAccount ann = onboarded(s("Scored"));
        const TestAccount ben = onboarded(s("Viewer"));
        const QString annsScore = matchedScoreKeptOnBoth(ann, ben);
        QVERIFY(!annsScore.isEmpty());
        const int before = readAnswer(*m_one, ben, annsScore)[s("score")].toInt();
        // A moderator's manual review lowers Ann's trust (through the API, so it is a change
        // like any other).
        const TestAccount moderator = signUp(m_one->port(), s("Moderator"));
        m_seed->role(moderator, s("moderator"));
        const TestAccount signedIn = logIn(m_one->port(), moderator);
        const QString report = m_seed->report(ben, ann, {.severity = s("high")});
        auto staff = clientFor(m_one->port(), signedIn);
        QCOMPARE(staff->post(s("/api/admin/reports/%1/claim").arg(report), {}).status, 200);
        const HttpResult actioned = staff->post(s("/api/admin/reports/%1/action").arg(report),
                                                {{s("action"), s("manual_review")},
                                                 {s("trust_delta"), -20},
                                                 {s("note"), s("checked by hand")}});
        QVERIFY2(actioned.status == 200, actioned.body.constData());
        const int after = readAnswer(*m_one, ben, annsScore)[s("score")].toInt();
        QVERIFY2(after < before, qPrintable(s("%1 -> %2").arg(before).arg(after)));
        QTRY_COMPARE_WITH_TIMEOUT(readAnswer(*m_two, ben, annsScore)[s("score")].toInt(), after,
                                  10000);
    }

    // While an instance does not hear the others' evictions (Redis away), it keeps nothing and
    // answers from MariaDB; once it hears them again it starts from nothing.
    void withoutRedisNothingIsKept()
    {
        const TestAccount ann = onboarded(s("Outage"));
        QVERIFY(keptOn(*m_one, ann, s("/api/profile")));
        // A change no eviction tells of (written straight into the table): the kept answer
        // stands, which shows it is the one served.
        QVERIFY(m_one->database()->exec(
            s("UPDATE user_profiles SET bio = 'changed behind its back' WHERE user_id = '%1'")
                .arg(ann.userId)));
        QVERIFY(readAnswer(*m_one, ann, s("/api/profile"))[s("bio")].toString() !=
                s("changed behind its back"));
        m_redis.kill();
        QTRY_COMPARE_WITH_TIMEOUT(readAnswer(*m_one, ann, s("/api/profile"))[s("bio")].toString(),
                                  s("changed behind its back"), 10000);
        bool fromMemory = true;
        readAnswer(*m_one, ann, s("/api/profile"), &fromMemory);
        QVERIFY(!fromMemory);
        QVERIFY(m_redis.start());
        // Subscribed again: answers are kept again.
        QTRY_VERIFY_WITH_TIMEOUT(keptOn(*m_one, ann, s("/api/profile")), 15000);
    }

    // A subscription can die without its connection saying so (a half-open connection after a
    // partition), and the instance behind it then hears no eviction. It notices when its own
    // greetings stop coming back (EventBus::kSilentSubscriptionMs), stops serving what it
    // kept, and subscribes again on a new connection.
    void aSubscriptionLostWithoutAWordStopsWhatWasKept()
    {
        TcpProxy proxy;
        QVERIFY(proxy.start(m_redis.port()));
        TestServer::Options third = options();
        third.alongside(*m_one);
        third.onRedis(proxy.port());
        TestServer behind(third);
        QVERIFY2(behind.start(), behind.output().constData());
        const TestAccount ann = onboarded(s("Partitioned"));
        QVERIFY(keptOn(behind, ann, s("/api/profile")));

        QCOMPARE(proxy.silenceConnectionsThatSent("SUBSCRIBE"), 1);
        const HttpResult written = clientFor(m_two->port(), ann)
                                       ->put(s("/api/profile"), {{s("bio"), s("Edited unheard")}});
        QCOMPARE(written.status, 200);
        // Its eviction never arrives behind the proxy; the answer kept there would otherwise be
        // served for ten minutes.
        QTRY_COMPARE_WITH_TIMEOUT(readAnswer(behind, ann, s("/api/profile"))[s("bio")].toString(),
                                  s("Edited unheard"), 10000);
        QVERIFY(behind.output().contains("event_bus_subscription_silent"));

        // Subscribed again: answers are kept again, and evictions reach them.
        QTRY_VERIFY_WITH_TIMEOUT(keptOn(behind, ann, s("/api/profile")), 15000);
        QCOMPARE(clientFor(m_two->port(), ann)
                     ->put(s("/api/profile"), {{s("bio"), s("Edited and heard")}})
                     .status,
                 200);
        QTRY_COMPARE_WITH_TIMEOUT(readAnswer(behind, ann, s("/api/profile"))[s("bio")].toString(),
                                  s("Edited and heard"), 10000);
        QCOMPARE(behind.stop(), 0);
    }

    // Many people editing and reading at once on both instances: each sees their own write in
    // the answer right after it on the instance that took it, and on the other one soon after.
    void manyPeopleEditAndReadAtOnce()
    {
        constexpr int kPeople = 16;
        constexpr int kRounds = 6;
        QList<TestAccount> people;
        for (int i = 0; i < kPeople; ++i)
            people << onboarded(s("Busy %1").arg(i));
        QThreadPool clients;
        clients.setMaxThreadCount(kPeople);
        QList<QFuture<QString>> runs;
        for (int i = 0; i < kPeople; ++i) {
            runs << QtConcurrent::run(&clients, [this, person = people[i], i]() -> QString {
                TestServer &writer = i % 2 ? *m_one : *m_two;
                TestServer &other = i % 2 ? *m_two : *m_one;
                auto onWriter = clientFor(writer.port(), person);
                auto onOther = clientFor(other.port(), person);
                for (int round = 0; round < kRounds; ++round) {
                    onOther->get(s("/api/profile")); // kept there, to be evicted
                    const QString bio = s("round %1 of %2").arg(round).arg(i);
                    const HttpResult w = onWriter->put(s("/api/profile"), {{s("bio"), bio}});
                    if (w.status != 200)
                        return s("write %1: %2").arg(w.status).arg(QString::fromUtf8(w.body));
                    const HttpResult r = onWriter->get(s("/api/profile"));
                    if (r.json()[s("bio")].toString() != bio)
                        return s("own instance read %1 after writing %2")
                            .arg(r.json()[s("bio")].toString(), bio);
                    QDeadlineTimer deadline(10000);
                    for (HttpResult seen = onOther->get(s("/api/profile"));
                         seen.json()[s("bio")].toString() != bio;
                         seen = onOther->get(s("/api/profile"))) {
                        if (deadline.hasExpired())
                            return s("the other instance answered %1 %2, never %3")
                                .arg(seen.status)
                                .arg(QString::fromUtf8(seen.body.left(200)), bio);
                        QThread::msleep(20);
                    }
                }
                return {};
            });
        }
        // Waiting with the event loop running: the servers' logs are read meanwhile (a full
        // pipe would stall them).
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(runs.cbegin(), runs.cend(),
                        [](const QFuture<QString> &run) { return run.isFinished(); }),
            300000);
        for (const QFuture<QString> &run : runs)
            QVERIFY2(run.result().isEmpty(), qPrintable(run.result()));
    }
};

QTEST_MAIN(TestKeptAnswers)
#include "tst_kept_answers.moc"
