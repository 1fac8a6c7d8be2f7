// The event backbone end to end (docs/events.md), with real MariaDB and Redis: every committed
// event reaches the analytics consumer exactly once in effect, through a Redis that is killed and
// comes back empty, a server killed between commit and relay, and a consumer killed with events
// in hand whose work another instance finishes; two relays never add an event twice; a poison
// event is parked after its deliveries
// without holding up the others, and an admin re-drives it; background jobs never run twice at
// once across instances, and a lease left by a dead instance is taken over when it ends.

#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"
#include "tests/support/Seed.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QSet>
#include <QTest>
#include <QThreadPool>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>

using namespace fp::test;

namespace {

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

/// A batch for POST /api/events: each accepted client event is one state change with its event.
QJsonObject clientEvents(int count)
{
    QJsonArray events;
    for (int i = 0; i < count; ++i)
        events.append(QJsonObject {
            {QStringLiteral("event_id"), newId()},
            {QStringLiteral("event_name"), QStringLiteral("onboarding.step_done")},
            {QStringLiteral("occurred_at"),
             QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
            {QStringLiteral("properties"), QJsonObject {{QStringLiteral("step"), i % 5}}}});
    return {{QStringLiteral("events"), events}};
}

/// Settings that make a test's waits short: a pending event is delivered again after 300 ms.
TestServer::Options quickBackbone(TestServer::Options options = {})
{
    return options.withoutRateLimits()
        .with(QStringLiteral("FP_EVENT_CLAIM_IDLE_MS"), QStringLiteral("300"))
        .with(QStringLiteral("FP_EVENT_MAX_DELIVERIES"), QStringLiteral("3"));
}

} // namespace

class TestEventsBackbone : public IntegrationTest
{
    Q_OBJECT

public:
    TestEventsBackbone() : IntegrationTest(OwnServers {}) { }

private:
    /// Sends `batches` batches of `perBatch` client events from `people` at once; every answer
    /// must be 202 (the outbox is in MariaDB: Redis being away changes nothing for them).
    static void sendConcurrently(quint16 port, const QList<TestAccount> &people, int batches,
                                 int perBatch)
    {
        QThreadPool pool;
        pool.setMaxThreadCount(int(people.size()));
        QList<QFuture<QList<int>>> running;
        for (const TestAccount &person : people) {
            running << QtConcurrent::run(&pool, [=] {
                QList<int> statuses;
                auto client = clientFor(port, person);
                for (int b = 0; b < batches; ++b)
                    statuses << client->post(QStringLiteral("/api/events"), clientEvents(perBatch))
                                    .status;
                return statuses;
            });
        }
        for (QFuture<QList<int>> &f : running)
            QCOMPARE(f.result(), QList<int>(batches, 202));
    }

    /// Every event in the outbox was counted by the analytics consumer exactly once: as many
    /// marks as events, and the counts add up to them type by type.
    static void verifyAppliedExactlyOnce(TestDatabase &db, int atLeast, int timeoutMs = 60000)
    {
        const auto outbox = [&db] {
            return db.scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox")).toInt();
        };
        const auto marks = [&db] {
            return db
                .scalar(QStringLiteral("SELECT COUNT(*) FROM event_consumer_marks WHERE "
                                       "consumer_group = 'analytics'"))
                .toInt();
        };
        const auto counted = [&db] {
            return db
                .scalar(
                    QStringLiteral("SELECT COALESCE(SUM(events), 0) FROM analytics_event_counts"))
                .toInt();
        };
        QVERIFY2(outbox() >= atLeast, qPrintable(QString::number(outbox())));
        QTRY_COMPARE_WITH_TIMEOUT(marks(), outbox(), timeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(counted(), outbox(), 5000);
        QCOMPARE(db.scalar(QStringLiteral(
                               "SELECT COUNT(*) FROM (SELECT o.event_type, COUNT(*) n FROM "
                               "event_outbox o GROUP BY o.event_type) x LEFT JOIN (SELECT "
                               "event_type, SUM(events) n FROM analytics_event_counts GROUP BY "
                               "event_type) c ON c.event_type = x.event_type WHERE c.n IS NULL OR "
                               "c.n <> x.n"))
                     .toInt(),
                 0);
        QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE relayed_at IS "
                                          "NULL"))
                     .toInt(),
                 0);
    }

    /// Outbox rows as a domain would have committed them (for tests of the pipe itself).
    static void recordDirectly(TestDatabase &db, int count, const QString &type, int version)
    {
        QStringList rows;
        for (int i = 0; i < count; ++i)
            rows << QStringLiteral("('%1', '%2', %3, NOW(3), 'user', 'someone', '{}')")
                        .arg(newId(), type)
                        .arg(version);
        QString error;
        QVERIFY2(db.exec(QStringLiteral("INSERT INTO event_outbox (event_id, event_type, "
                                        "event_version, occurred_at, subject_type, subject_id, "
                                        "payload_json) VALUES ") +
                             rows.join(QLatin1Char(',')),
                         &error),
                 qPrintable(error));
    }

private Q_SLOTS:
    void everyEventArrivesOnceThoughRedisIsKilledMidBurst()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer server(quickBackbone().onRedis(redis.port()));
        QVERIFY(server.start());
        QList<TestAccount> people;
        for (int i = 0; i < 4; ++i)
            people << fp::test::signUp(server.port(), QStringLiteral("Burst %1").arg(i));

        // 1,000 changes: a quarter before, half while Redis is gone, a quarter after.
        sendConcurrently(server.port(), people, 1, 50);
        sendConcurrently(server.port(), people, 1, 10);
        // What was relayed so far is in the stream only: Redis takes it along when it dies.
        QTRY_COMPARE_WITH_TIMEOUT(server.database()
                                      ->scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox "
                                                              "WHERE relayed_at IS NULL"))
                                      .toInt(),
                                  0, 10000);
        redis.kill();
        sendConcurrently(server.port(), people, 5, 25);
        QVERIFY(server.database()
                    ->scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE "
                                            "relayed_at IS NULL"))
                    .toInt() >= 500);
        QVERIFY(redis.start()); // empty: whatever the stream held before is gone
        sendConcurrently(server.port(), people, 1, 65);
        verifyAppliedExactlyOnce(*server.database(), 1000);
        // The server saw that Redis had lost entries and relayed them again.
        QVERIFY(server.output().contains("event_stream_lost_entries"));
        QCOMPARE(server.stop(), 0);
    }

    void eventsCommittedBeforeACrashAreRelayedAfterTheRestart()
    {
        // An instance that records but does not relay, killed with its events unrelayed.
        TestServer recorder(
            quickBackbone().with(QStringLiteral("FP_EVENT_RELAY"), QStringLiteral("off")));
        QVERIFY(recorder.start());
        const TestAccount person = fp::test::signUp(recorder.port(), QStringLiteral("Crash"));
        sendConcurrently(recorder.port(), {person}, 4, 50);
        QTest::qWait(1500);
        TestDatabase &db = *recorder.database();
        QVERIFY(db.scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE relayed_at IS "
                                         "NULL"))
                    .toInt() >= 200);
        recorder.kill();

        // Then one that relays, killed in the middle of a burst, and started again.
        TestServer::Options options = quickBackbone();
        options.databaseName = db.name();
        options.redisKeyPrefix = recorder.redisKeyPrefix();
        {
            TestServer crashing(options);
            QVERIFY(crashing.start());
            QThreadPool pool;
            QFuture<void> burst = QtConcurrent::run(&pool, [port = crashing.port(), person] {
                auto client = clientFor(port, person);
                for (int b = 0; b < 40; ++b)
                    client->post(QStringLiteral("/api/events"), clientEvents(20));
            });
            QTest::qWait(700);
            crashing.kill();
            burst.waitForFinished();
        }
        TestServer restarted(options);
        QVERIFY(restarted.start());
        verifyAppliedExactlyOnce(db, 200);
        QCOMPARE(restarted.stop(), 0);
    }

    void anotherInstanceFinishesWhatAKilledConsumerHeld()
    {
        TestServer first(quickBackbone());
        QVERIFY(first.start());
        TestDatabase &db = *first.database();
        const TestAccount person = fp::test::signUp(first.port(), QStringLiteral("Held"));
        verifyAppliedExactlyOnce(db, 1); // the sign-up's own events are through

        // Hold the counter rows the consumer must write, so it reads events and cannot finish.
        QString error;
        QVERIFY2(db.exec(QStringLiteral("START TRANSACTION"), &error), qPrintable(error));
        QVERIFY2(db.exec(QStringLiteral("SELECT COUNT(*) FROM analytics_event_counts FOR UPDATE"),
                         &error),
                 qPrintable(error));
        sendConcurrently(first.port(), {person}, 3, 40);
        RawRedis raw(TestEnvironment::fromProcess().redisPort);
        const QByteArray stream = first.redisKeyPrefix().toLatin1() + "events";
        const auto consumersWithPending = [&] {
            raw.send({"XPENDING", stream, "analytics"});
            QTest::qWait(100);
            return raw.readUntil("\r\n");
        };
        QTRY_VERIFY_WITH_TIMEOUT(!consumersWithPending().contains("*4\r\n:0\r\n"), 15000);

        // A second instance is up beside it; then the first dies holding its share.
        TestServer::Options options = quickBackbone();
        options.databaseName = db.name();
        options.redisKeyPrefix = first.redisKeyPrefix();
        TestServer second(options);
        QVERIFY(second.start());
        first.kill();
        QVERIFY2(db.exec(QStringLiteral("ROLLBACK"), &error), qPrintable(error));
        verifyAppliedExactlyOnce(db, 120);
        // Whatever the dead instance held was claimed: no consumer has anything pending.
        QTRY_VERIFY_WITH_TIMEOUT(consumersWithPending().contains("*4\r\n:0\r\n"), 15000);
        QCOMPARE(second.stop(), 0);
    }

    void twoRelaysNeverAddAnEventTwice()
    {
        TestServer first(quickBackbone());
        QVERIFY(first.start());
        TestDatabase &db = *first.database();
        TestServer second(quickBackbone().alongside(first));
        QVERIFY(second.start());
        QList<TestAccount> people;
        for (int i = 0; i < 4; ++i)
            people << fp::test::signUp(first.port(), QStringLiteral("Twin %1").arg(i));
        // Both instances commit at once, and both relays are woken by their own commits.
        QThreadPool pool;
        QFuture<void> one = QtConcurrent::run(
            &pool, [&] { sendConcurrently(first.port(), people.mid(0, 2), 5, 40); });
        QFuture<void> two = QtConcurrent::run(
            &pool, [&] { sendConcurrently(second.port(), people.mid(2, 2), 5, 40); });
        one.waitForFinished();
        two.waitForFinished();
        verifyAppliedExactlyOnce(db, 800);
        // The stream holds each event once: no two passes ever relayed the same rows.
        RawRedis raw(TestEnvironment::fromProcess().redisPort);
        const QByteArray stream = first.redisKeyPrefix().toLatin1() + "events";
        raw.send({"XRANGE", stream, "-", "+"});
        QByteArray reply;
        QDeadlineTimer deadline(10000);
        const int outbox = db.scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox")).toInt();
        QSet<QByteArray> ids;
        int entries = 0;
        while (!deadline.hasExpired()) {
            reply += raw.readUntil("\r\n", 200);
            const QList<QByteArray> lines = reply.split('\n');
            ids.clear();
            entries = 0;
            for (qsizetype i = 0; i + 2 < lines.size(); ++i) {
                if (lines.at(i).trimmed() == "id" && lines.at(i + 1).trimmed() == "$36") {
                    ids.insert(lines.at(i + 2).trimmed());
                    ++entries;
                }
            }
            if (entries >= outbox)
                break;
        }
        QCOMPARE(entries, outbox);
        QCOMPARE(int(ids.size()), outbox);
        QCOMPARE(second.stop(), 0);
        QCOMPARE(first.stop(), 0);
    }

    void aPoisonEventIsParkedAndTheOthersGoOn()
    {
        TestServer server(quickBackbone());
        QVERIFY(server.start());
        TestDatabase &db = *server.database();
        recordDirectly(db, 5, QStringLiteral("client.event"), 1);
        recordDirectly(db, 1, QStringLiteral("profile.updated"), 99); // newer than understood
        recordDirectly(db, 5, QStringLiteral("client.event"), 1);

        const TestAccount admin =
            fp::test::logIn(server.port(), TestServer::adminEmail(), TestServer::adminPassword());
        auto staff = clientFor(server.port(), admin);
        const auto parked = [&] {
            return staff->get(QStringLiteral("/api/admin/events/dead-letters"))
                .json()[QStringLiteral("items")]
                .toArray();
        };
        QTRY_COMPARE_WITH_TIMEOUT(parked().size(), 1, 30000);
        const QJsonObject item = parked().first().toObject();
        QCOMPARE(item[QStringLiteral("consumer_group")].toString(), QStringLiteral("analytics"));
        QCOMPARE(item[QStringLiteral("deliveries")].toInt(), 3);
        QVERIFY(item[QStringLiteral("error")].toString().contains(QStringLiteral("version 99")));
        QCOMPARE(item[QStringLiteral("event")][QStringLiteral("type")].toString(),
                 QStringLiteral("profile.updated"));
        // The ten others were counted meanwhile, and nothing else is pending.
        QTRY_COMPARE_WITH_TIMEOUT(
            db.scalar(QStringLiteral("SELECT COALESCE(SUM(events), 0) FROM analytics_event_counts "
                                     "WHERE event_type = 'client.event'"))
                .toInt(),
            10, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            staff->get(QStringLiteral("/metrics")).body.contains("fp_event_dead_letters 1"), 15000);
        const QJsonObject status = staff->get(QStringLiteral("/api/admin/events/status")).json();
        QCOMPARE(status[QStringLiteral("dead_letters")].toInt(), 1);
        QCOMPARE(status[QStringLiteral("outbox_backlog")].toInt(), 0);

        // Staff other than admins, and people, may not see or re-drive it; nor anything unknown.
        const TestAccount person = fp::test::signUp(server.port(), QStringLiteral("Curious"));
        auto someone = clientFor(server.port(), person);
        QCOMPARE(someone->get(QStringLiteral("/api/admin/events/dead-letters")).status, 403);
        const QString id = item[QStringLiteral("id")].toString();
        QCOMPARE(
            someone->post(QStringLiteral("/api/admin/events/dead-letters/%1/redrive").arg(id), {})
                .status,
            403);
        QCOMPARE(
            staff->post(QStringLiteral("/api/admin/events/dead-letters/1-1/redrive"), {}).status,
            404);
        QCOMPARE(staff->post(QStringLiteral("/api/admin/events/dead-letters/nonsense/redrive"), {})
                     .status,
                 404);
        QCOMPARE(staff->get(QStringLiteral("/api/admin/events/dead-letters?cursor=%%%")).status,
                 400);
        QCOMPARE(staff->get(QStringLiteral("/api/admin/events/dead-letters?cursor=")).status, 400);

        // Re-driven, it is tried again (and, still poison, parked again as a new entry).
        const HttpResult redriven =
            staff->post(QStringLiteral("/api/admin/events/dead-letters/%1/redrive").arg(id), {});
        QCOMPARE(redriven.status, 200);
        QTRY_VERIFY_WITH_TIMEOUT(parked().size() == 1 &&
                                     parked().first().toObject()[QStringLiteral("id")].toString() !=
                                         id,
                                 30000);
        QCOMPARE(number(db,
                        QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                       "'event.redriven'")),
                 1);
        QCOMPARE(server.stop(), 0);
    }

    void deadLettersComeInPagesAndARedriveHappensOnce()
    {
        TestServer server(quickBackbone());
        QVERIFY(server.start());
        TestDatabase &db = *server.database();
        recordDirectly(db, 1, QStringLiteral("profile.updated"), 98);
        recordDirectly(db, 1, QStringLiteral("profile.updated"), 99);
        auto staff = clientFor(
            server.port(),
            fp::test::logIn(server.port(), TestServer::adminEmail(), TestServer::adminPassword()));
        const auto page = [&](const QString &query) {
            return staff->get(QStringLiteral("/api/admin/events/dead-letters") + query).json();
        };
        QTRY_COMPARE_WITH_TIMEOUT(page({})[QStringLiteral("items")].toArray().size(), 2, 30000);
        // One at a time, newest first, then the next page from the cursor, then the end.
        const QJsonObject first = page(QStringLiteral("?limit=1"));
        QCOMPARE(first[QStringLiteral("items")].toArray().size(), 1);
        const QString cursor = first[QStringLiteral("next_cursor")].toString();
        QVERIFY(!cursor.isEmpty());
        const QJsonObject second = page(QStringLiteral("?limit=1&cursor=") + cursor);
        QCOMPARE(second[QStringLiteral("items")].toArray().size(), 1);
        QVERIFY(second[QStringLiteral("next_cursor")].isNull());
        const auto idOf = [](const QJsonObject &p) {
            return p[QStringLiteral("items")].toArray().first()[QStringLiteral("id")].toString();
        };
        QVERIFY(idOf(first) != idOf(second));
        QCOMPARE(first[QStringLiteral("items")]
                     .toArray()
                     .first()[QStringLiteral("event")][QStringLiteral("version")]
                     .toInt(),
                 99);
        QCOMPARE(page(QStringLiteral("?limit=0")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("validation_failed"));

        // A parked event is re-driven once: the same id again is no longer parked.
        const QString id = idOf(second);
        const QString path = QStringLiteral("/api/admin/events/dead-letters/%1/redrive").arg(id);
        QCOMPARE(staff->post(path, {}).status, 200);
        QCOMPARE(staff->post(path, {}).status, 404);
        QCOMPARE(server.stop(), 0);
    }

    void missedNoticesComeInPages()
    {
        TestServer server(quickBackbone());
        QVERIFY(server.start());
        const TestAccount person = fp::test::signUp(server.port(), QStringLiteral("Away long"));
        QStringList rows;
        for (int i = 1; i <= 205; ++i)
            rows << QStringLiteral("('%1', '{\"type\": \"gate.open\", \"n\": %2}')")
                        .arg(person.userId)
                        .arg(i);
        QString error;
        QVERIFY2(server.database()->exec(
                     QStringLiteral("INSERT INTO user_notices (user_id, frame_json) VALUES ") +
                         rows.join(QLatin1Char(',')),
                     &error),
                 qPrintable(error));
        WsClient socket(server.port());
        QVERIFY(socket.connectAndAuthenticate(person.accessToken));
        socket.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                     {QStringLiteral("after_seq"), 0}});
        const QJsonObject firstPage = socket.waitFor(QStringLiteral("notices.resumed"));
        QCOMPARE(firstPage[QStringLiteral("replayed")].toInt(), 200);
        QCOMPARE(firstPage[QStringLiteral("more")].toBool(), true);
        QCOMPARE(socket.count(QStringLiteral("gate.open")), 200);
        // Oldest first: the last one replayed is where the next page starts.
        const QJsonObject lastReplayed = socket.received().at(socket.received().size() - 2);
        QCOMPARE(lastReplayed[QStringLiteral("n")].toInt(), 200);
        socket.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                     {QStringLiteral("after_seq"), lastReplayed[QStringLiteral("notice_seq")]}});
        const QJsonObject secondPage = socket.waitFor(QStringLiteral("notices.resumed"));
        QCOMPARE(secondPage[QStringLiteral("replayed")].toInt(), 5);
        QCOMPARE(secondPage[QStringLiteral("more")].toBool(), false);
        QCOMPARE(socket.count(QStringLiteral("gate.open")), 205);
        QCOMPARE(secondPage[QStringLiteral("last_seq")].toInteger(),
                 socket.received()
                     .at(socket.received().size() - 2)[QStringLiteral("notice_seq")]
                     .toInteger());
        QCOMPARE(server.stop(), 0);
    }

    void jobsRunOnceAcrossInstancesAndOutliveADeadHolder()
    {
        TestServer first(quickBackbone());
        QVERIFY(first.start());
        TestDatabase &db = *first.database();
        TestServer::Options options = quickBackbone();
        options.databaseName = db.name();
        options.redisKeyPrefix = first.redisKeyPrefix();
        TestServer second(options);
        QVERIFY(second.start());

        // The gate sweep runs every half second; both instances ask for it every time.
        QTRY_VERIFY_WITH_TIMEOUT(
            number(db,
                   QStringLiteral("SELECT COUNT(*) FROM background_job_runs WHERE name = "
                                  "'gate_sweep' AND outcome = 'succeeded'")) >= 12,
            30000);
        // No run of a job started before the one before it had finished.
        QCOMPARE(
            number(db,
                   QStringLiteral("SELECT COUNT(*) FROM background_job_runs a JOIN "
                                  "background_job_runs b ON a.name = b.name AND a.id < b.id AND "
                                  "b.started_at < COALESCE(a.finished_at, NOW(3))")),
            0);
        // Every job of docs/events.md's table (analytics_retention the seventh).
        QCOMPARE(number(db, QStringLiteral("SELECT COUNT(DISTINCT name) FROM background_jobs")), 7);

        // What the purge is for: relayed events, marks, job runs and notices past retention
        // (72 hours; notices 7 days) go, the recent ones stay.
        QString error;
        QVERIFY2(db.exec(QStringLiteral(
                             "INSERT INTO event_outbox (event_id, event_type, event_version, "
                             "occurred_at, subject_type, subject_id, payload_json, recorded_at, "
                             "relayed_at) VALUES (UUID(), 'client.event', 1, NOW(3), 'user', "
                             "'old', '{}', NOW(3) - INTERVAL 80 HOUR, NOW(3) - INTERVAL 80 HOUR), "
                             "(UUID(), 'client.event', 1, NOW(3), 'user', 'recent', '{}', "
                             "NOW(3) - INTERVAL 1 HOUR, NOW(3) - INTERVAL 1 HOUR)"),
                         &error),
                 qPrintable(error));
        QVERIFY2(db.exec(QStringLiteral("INSERT INTO event_consumer_marks (consumer_group, "
                                        "event_id, applied_at) VALUES ('analytics', UUID(), "
                                        "NOW(3) - INTERVAL 100 HOUR), ('analytics', 'recent', "
                                        "NOW(3) - INTERVAL 1 HOUR)"),
                         &error),
                 qPrintable(error));
        QVERIFY2(db.exec(QStringLiteral("INSERT INTO user_notices (user_id, frame_json, "
                                        "created_at) VALUES ('old', '{}', NOW(3) - INTERVAL 8 "
                                        "DAY), ('recent', '{}', NOW(3) - INTERVAL 6 DAY)"),
                         &error),
                 qPrintable(error));
        const auto left = [&db] {
            return db
                .scalar(QStringLiteral(
                    "SELECT CONCAT((SELECT COUNT(*) FROM event_outbox WHERE subject_id IN "
                    "('old', 'recent')), '/', (SELECT COUNT(*) FROM event_consumer_marks WHERE "
                    "applied_at < NOW(3) - INTERVAL 2 HOUR OR event_id = 'recent'), '/', "
                    "(SELECT COUNT(*) FROM user_notices WHERE user_id IN ('old', 'recent')))"))
                .toString();
        };
        QCOMPARE(left(), QStringLiteral("2/2/2"));

        // An instance that died holding a lease: nobody runs that job until the lease ends, then
        // one of the living does.
        QVERIFY2(db.exec(QStringLiteral("UPDATE background_jobs SET lease_holder = 'departed', "
                                        "lease_token = lease_token + 1, lease_until = NOW(3) + "
                                        "INTERVAL 3 SECOND, next_run_at = NOW(3) WHERE name = "
                                        "'outbox_purge'"),
                         &error),
                 qPrintable(error));
        const int before = number(db,
                                  QStringLiteral("SELECT COUNT(*) FROM background_job_runs "
                                                 "WHERE name = 'outbox_purge'"));
        QTest::qWait(2000);
        QCOMPARE(number(db,
                        QStringLiteral("SELECT COUNT(*) FROM background_job_runs WHERE name = "
                                       "'outbox_purge'")),
                 before);
        QTRY_COMPARE_WITH_TIMEOUT(number(db,
                                         QStringLiteral("SELECT COUNT(*) FROM "
                                                        "background_job_runs WHERE name = "
                                                        "'outbox_purge'")),
                                  before + 1, 10000);
        // The run's row is written as "running" before the purge starts; wait for its end.
        QTRY_COMPARE_WITH_TIMEOUT(
            text(db,
                 QStringLiteral("SELECT outcome FROM background_job_runs WHERE name = "
                                "'outbox_purge' ORDER BY id DESC LIMIT 1")),
            QStringLiteral("succeeded"), 10000);
        QCOMPARE(left(), QStringLiteral("1/1/1"));

        // Killing one instance loses nothing: the other keeps sweeping.
        first.kill();
        const int runs = number(db,
                                QStringLiteral("SELECT COUNT(*) FROM background_job_runs WHERE "
                                               "name = 'gate_sweep'"));
        QTRY_VERIFY_WITH_TIMEOUT(number(db,
                                        QStringLiteral("SELECT COUNT(*) FROM "
                                                       "background_job_runs WHERE name = "
                                                       "'gate_sweep'")) >= runs + 4,
                                 20000);
        QCOMPARE(second.stop(), 0);
    }

    void aFrameMissedWhileRedisWasAwayIsResumedFromTheDatabase()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer first(quickBackbone().onRedis(redis.port()));
        QVERIFY(first.start());
        TestDatabase &db = *first.database();
        TestServer second(quickBackbone().onRedis(redis.port()).alongside(first));
        QVERIFY(second.start());

        const TestAccount a = fp::test::signUp(first.port(), QStringLiteral("Away"));
        const TestAccount b = fp::test::signUp(first.port(), QStringLiteral("Leaver"));
        const QString conversation = Seed(&db).match(a, b).conversationId;
        WsClient socket(first.port());
        QVERIFY(socket.connectAndAuthenticate(a.accessToken));
        const auto resume = [&socket](const QJsonValue &after) {
            socket.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                         {QStringLiteral("after_seq"), after}});
            return socket.waitFor(QStringLiteral("notices.resumed"));
        };
        // A first connection learns where it stands; nothing is replayed.
        const QJsonObject baseline = resume(QJsonValue::Null);
        QCOMPARE(baseline[QStringLiteral("replayed")].toInt(), 0);
        const qint64 seen = baseline[QStringLiteral("last_seq")].toInteger();

        // The peer ends the chat on the other instance while Redis, which carries frames
        // between instances, is down: nothing arrives live.
        redis.kill();
        QCOMPARE(clientFor(second.port(), b)
                     ->post(QStringLiteral("/api/conversations/%1/end").arg(conversation), {})
                     .status,
                 200);
        QVERIFY(noFrameArrives({&socket}, 1500, [](const QJsonObject &f) {
            return f[QStringLiteral("type")] == QStringLiteral("conversation.closed");
        }));
        // Asked, the server replays it from MariaDB, numbered, then says it is done.
        socket.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                     {QStringLiteral("after_seq"), seen}});
        const QJsonObject closed = socket.waitFor(QStringLiteral("conversation.closed"));
        QCOMPARE(closed[QStringLiteral("conversation_id")].toString(), conversation);
        QVERIFY(closed[QStringLiteral("notice_seq")].toInteger() > seen);
        const QJsonObject done = socket.waitFor(QStringLiteral("notices.resumed"));
        QCOMPARE(done[QStringLiteral("replayed")].toInt(), 1);
        QCOMPARE(done[QStringLiteral("last_seq")].toInteger(),
                 closed[QStringLiteral("notice_seq")].toInteger());
        QCOMPARE(done[QStringLiteral("more")].toBool(), false);
        // Nothing after the last one; a bad position is refused and the socket stays open.
        QCOMPARE(resume(done[QStringLiteral("last_seq")])[QStringLiteral("replayed")].toInt(), 0);
        socket.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                     {QStringLiteral("after_seq"), QStringLiteral("yesterday")}});
        QCOMPARE(socket.waitFor(QStringLiteral("error"))[QStringLiteral("code")].toString(),
                 QStringLiteral("validation_failed"));
        // Another person's notices are not theirs to read.
        WsClient other(first.port());
        const TestAccount c = fp::test::signUp(first.port(), QStringLiteral("Nosy"));
        QVERIFY(other.connectAndAuthenticate(c.accessToken));
        other.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                    {QStringLiteral("after_seq"), 0}});
        QCOMPARE(
            other.waitFor(QStringLiteral("notices.resumed"))[QStringLiteral("replayed")].toInt(),
            0);
        QVERIFY(redis.start());
        QCOMPARE(second.stop(), 0);
        QCOMPARE(first.stop(), 0);
    }

private:
    static int number(TestDatabase &db, const QString &sql) { return db.scalar(sql).toInt(); }
    static QString text(TestDatabase &db, const QString &sql) { return db.scalar(sql).toString(); }
};

QTEST_GUILESS_MAIN(TestEventsBackbone)
#include "tst_events_backbone.moc"
