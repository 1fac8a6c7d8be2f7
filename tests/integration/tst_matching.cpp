// Matching against the real server: two onboarded people join and both hear match.found over
// WebSocket; who may join (403 incomplete or restricted, 409 twice, 429 for queue spam);
// every safeguard holds (blocked, recently matched, off-limits topic, new-user safety); and
// 200 concurrent joins across two instances never put anyone in two matches.

#include "server/identity/Jwt.h"
#include "tests/support/Accounts.h"
#include "tests/support/RawRedis.h"
#include "tests/support/TestServer.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QUuid>

using namespace fp::test;

namespace {

QJsonObject fullProfile(const QString &nickname, const QJsonObject &interests = {})
{
    QJsonArray windows;
    for (const char *day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
        windows.append(
            QJsonObject {{"day", QLatin1String(day)}, {"start", "00:00"}, {"end", "24:00"}});
    return {{"nickname", nickname},
            {"preferences",
             QJsonObject {{"conversation_depth", "deep"},
                          {"contact_frequency", "weekly"},
                          {"directness_score", 60},
                          {"humor_score", 70},
                          {"response_pace", "flexible"},
                          {"group_comfort", "one_to_one"},
                          {"friendship_intention", "long_term"},
                          {"voice_note_ok", true},
                          {"timezone", "UTC"},
                          {"availability_windows", windows}}},
            {"values", QJsonObject {{"honesty", 90}, {"empathy", 85}, {"curiosity", 80}}},
            {"interests",
             interests.isEmpty() ? QJsonObject {{"books", 80}, {"hiking", 70}, {"music", 60}}
                                 : interests}};
}

QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

class TestMatching : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestServer> m_server;

    static TestServer::Options fastMatching()
    {
        TestServer::Options options;
        options.extraEnvironment.insert(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("150"));
        options.extraEnvironment.insert(QStringLiteral("FP_RATE_AUTH_PER_MINUTE"),
                                        QStringLiteral("100000"));
        options.extraEnvironment.insert(QStringLiteral("FP_RATE_MUTATIONS_PER_MINUTE"),
                                        QStringLiteral("100000"));
        options.extraEnvironment.insert(QStringLiteral("FP_RATE_READS_PER_MINUTE"),
                                        QStringLiteral("100000"));
        options.extraEnvironment.insert(QStringLiteral("FP_WORKER_QUEUE_LIMIT"),
                                        QStringLiteral("2000"));
        return options;
    }

    TestAccount onboarded(const QString &nickname, const QJsonObject &interests = {})
    {
        bool ok = false;
        TestAccount account = registerAccount(m_server->port(), nickname, &ok);
        if (!ok)
            return {};
        const HttpResult r =
            clientFor(m_server->port(), account)
                ->put(QStringLiteral("/api/profile"), fullProfile(nickname, interests));
        if (r.status != 200 || !r.json().value(QStringLiteral("onboarding_complete")).toBool())
            qWarning("onboarding failed: %d %s", r.status, r.body.constData());
        return account;
    }

    int join(const TestAccount &account)
    {
        return clientFor(m_server->port(), account)
            ->post(QStringLiteral("/api/matching/queue/join"), {})
            .status;
    }

    /// True when the two got matched with each other within `ms`.
    bool matchedWithin(const TestAccount &a, const TestAccount &b, int ms)
    {
        QDeadlineTimer deadline(ms);
        while (!deadline.hasExpired()) {
            const int n =
                m_server->database()
                    ->scalar(QStringLiteral(
                                 "SELECT COUNT(*) FROM match_sessions WHERE (user_a_id = '%1' "
                                 "AND user_b_id = '%2' OR user_a_id = '%2' AND user_b_id = '%1') "
                                 "AND matched_at > UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE")
                                 .arg(a.userId, b.userId))
                    .toInt();
            if (n > 0)
                return true;
            QTest::qWait(100);
        }
        return false;
    }

    void leaveAll(const QList<TestAccount> &accounts)
    {
        for (const TestAccount &a : accounts)
            clientFor(m_server->port(), a)->post(QStringLiteral("/api/matching/queue/leave"), {});
    }

private Q_SLOTS:
    void initTestCase()
    {
        FP_REQUIRE_TEST_ENVIRONMENT();
        m_server = std::make_unique<TestServer>(fastMatching());
        QVERIFY(m_server->start());
    }

    void cleanupTestCase()
    {
        if (m_server)
            QCOMPARE(m_server->stop(), 0);
    }

    void twoPeopleAreMatchedAndToldOverWebSocket()
    {
        const TestAccount ada = onboarded(QStringLiteral("Ada"));
        const TestAccount bo = onboarded(QStringLiteral("Bo"));
        QVERIFY(!ada.userId.isEmpty() && !bo.userId.isEmpty());
        WsClient wsAda(m_server->port());
        WsClient wsBo(m_server->port());
        QVERIFY(wsAda.connectAndAuthenticate(ada.accessToken));
        QVERIFY(wsBo.connectAndAuthenticate(bo.accessToken));

        auto adaClient = clientFor(m_server->port(), ada);
        const HttpResult joined = adaClient->post(QStringLiteral("/api/matching/queue/join"), {},
                                                  {{"Idempotency-Key", "join-ada-1"}});
        QCOMPARE(joined.status, 202);
        QCOMPARE(joined.json()[QStringLiteral("status")].toString(), QStringLiteral("active"));
        QVERIFY(!joined.json()[QStringLiteral("queue_entry_id")].toString().isEmpty());
        QCOMPARE(adaClient->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("active"));
        QCOMPARE(join(bo), 202);

        const QJsonObject foundAda = wsAda.waitFor(QStringLiteral("match.found"), 15000);
        const QJsonObject foundBo = wsBo.waitFor(QStringLiteral("match.found"), 15000);
        QVERIFY(!foundAda.isEmpty() && !foundBo.isEmpty());
        const QString sessionId = foundAda[QStringLiteral("match_session_id")].toString();
        QCOMPARE(foundBo[QStringLiteral("match_session_id")].toString(), sessionId);
        QCOMPARE(foundBo[QStringLiteral("conversation_id")].toString(),
                 foundAda[QStringLiteral("conversation_id")].toString());
        QVERIFY(foundAda[QStringLiteral("match_score")].toDouble() > 0);
        const QJsonArray reasons = foundAda[QStringLiteral("match_reasons")].toArray();
        QVERIFY(reasons.size() >= 1 && reasons.size() <= 4);
        for (const QJsonObject &frame : wsBo.received()) { // nothing identifies Ada before reveal
            const QByteArray text = QJsonDocument(frame).toJson();
            QVERIFY(!text.contains(ada.userId.toLatin1()));
            QVERIFY(!text.contains("Ada"));
            QVERIFY(!text.contains(ada.email.toLatin1()));
        }

        const HttpResult session =
            adaClient->get(QStringLiteral("/api/matching/session/") + sessionId);
        QCOMPARE(session.status, 200);
        const QJsonObject view = session.json();
        QCOMPARE(view[QStringLiteral("conversation_id")].toString(),
                 foundAda[QStringLiteral("conversation_id")].toString());
        for (const char *dimension :
             {"values", "communication", "interests", "depth", "availability"}) {
            const double d =
                view[QStringLiteral("score_breakdown")][QLatin1String(dimension)].toDouble(-1);
            QVERIFY2(d >= 0 && d <= 100, dimension);
        }
        QVERIFY(!view[QStringLiteral("peer")][QStringLiteral("alias")].toString().isEmpty());
        QVERIFY(!session.body.contains(bo.userId.toLatin1()));
        QCOMPARE(adaClient->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("matched"));

        // Not a participant: 404, as for a session that does not exist.
        const TestAccount stranger = onboarded(QStringLiteral("Cy"));
        QCOMPARE(clientFor(m_server->port(), stranger)
                     ->get(QStringLiteral("/api/matching/session/") + sessionId)
                     .status,
                 404);
        QCOMPARE(clientFor(m_server->port(), stranger)
                     ->get(QStringLiteral("/api/matching/session/") + uuid())
                     .status,
                 404);
        // Chatting already: joining again is a conflict.
        QCOMPARE(join(ada), 409);
        // The metrics count it.
        HttpClient plain(m_server->port());
        QVERIFY(plain.get(QStringLiteral("/metrics")).body.contains("fp_matches_total"));
    }

    void whoMayJoin()
    {
        bool ok = false;
        const TestAccount fresh = registerAccount(m_server->port(), QStringLiteral("Fresh"), &ok);
        QVERIFY(ok);
        HttpResult r = clientFor(m_server->port(), fresh)
                           ->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 403); // onboarding incomplete
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));

        const TestAccount restricted = onboarded(QStringLiteral("Rex"));
        QVERIFY(m_server->database()->exec(
            QStringLiteral("UPDATE users SET status = 'restricted' WHERE id = '%1'")
                .arg(restricted.userId)));
        QTest::qWait(3500); // the verifier's cache of the account state
        QCOMPARE(join(restricted), 403);

        const TestAccount twice = onboarded(QStringLiteral("Twice"));
        QCOMPARE(join(twice), 202);
        QCOMPARE(join(twice), 409);
        auto client = clientFor(m_server->port(), twice);
        r = client->post(QStringLiteral("/api/matching/queue/leave"), {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
        QCOMPARE(client->post(QStringLiteral("/api/matching/queue/leave"), {}).status, 404);
        QCOMPARE(client->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("idle"));
        QCOMPARE(m_server->database()
                     ->scalar(QStringLiteral(
                                  "SELECT status FROM matching_queue_entries WHERE user_id = '%1'")
                                  .arg(twice.userId))
                     .toString(),
                 QStringLiteral("cancelled"));
        r = client->post(QStringLiteral("/api/matching/queue/join"),
                         QJsonObject {{"region_key", "NOT A KEY!"}});
        QCOMPARE(r.status, 400);
    }

    void queueSpamGetsACooldown()
    {
        const TestAccount spammer = onboarded(QStringLiteral("Spam"));
        auto client = clientFor(m_server->port(), spammer);
        HttpResult r;
        int joins = 0;
        for (; joins < 10; ++joins) {
            r = client->post(QStringLiteral("/api/matching/queue/join"), {});
            if (r.status == 429)
                break;
            QCOMPARE(r.status, 202);
            QCOMPARE(client->post(QStringLiteral("/api/matching/queue/leave"), {}).status, 200);
        }
        QCOMPARE(r.status, 429);
        QCOMPARE(joins, 6);
        QVERIFY(r.header("Retry-After").toInt() >= 1);
        QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
    }

    void blockedPeopleAreNeverPaired()
    {
        const TestAccount a = onboarded(QStringLiteral("Blocker"));
        const TestAccount b = onboarded(QStringLiteral("Blocked"));
        QVERIFY(m_server->database()->exec(
            QStringLiteral("INSERT INTO blocks (id, blocker_user_id, blocked_user_id, source) "
                           "VALUES ('%1', '%2', '%3', 'manual')")
                .arg(uuid(), b.userId, a.userId)));
        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        QVERIFY(!matchedWithin(a, b, 2000));
        const TestAccount c = onboarded(QStringLiteral("Third"));
        QCOMPARE(join(c), 202);
        // Someone compatible still meets one of them.
        QDeadlineTimer deadline(10000);
        int matchesOfC = 0;
        while (!deadline.hasExpired() && matchesOfC == 0) {
            matchesOfC =
                m_server->database()
                    ->scalar(QStringLiteral(
                                 "SELECT COUNT(*) FROM match_sessions WHERE user_a_id = '%1' OR "
                                 "user_b_id = '%1'")
                                 .arg(c.userId))
                    .toInt();
            QTest::qWait(100);
        }
        QCOMPARE(matchesOfC, 1);
        QVERIFY(!matchedWithin(a, b, 10));
        leaveAll({a, b, c});
    }

    void recentlyMatchedPeopleAreNotPairedAgain()
    {
        const TestAccount a = onboarded(QStringLiteral("Again1"));
        const TestAccount b = onboarded(QStringLiteral("Again2"));
        const QString low = std::min(a.userId, b.userId);
        const QString high = std::max(a.userId, b.userId);
        QVERIFY(m_server->database()->exec(
            QStringLiteral(
                "INSERT INTO match_sessions (id, user_a_id, user_b_id, status, matched_at, "
                "match_score, "
                "score_breakdown_json, match_reasons_json) VALUES ('%1', '%2', '%3', 'ended', "
                "UTC_TIMESTAMP(3) - INTERVAL 10 DAY, 80, '{}', '[]')")
                .arg(uuid(), low, high)));
        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        QVERIFY(!matchedWithin(a, b, 2500));
        leaveAll({a, b});
    }

    void offLimitsTopicIsAHardFilter()
    {
        // "health" is off-limits for one; the other lives for fitness, which the catalog ties
        // to that topic.
        const TestAccount careful = onboarded(QStringLiteral("Careful"));
        const TestAccount athlete = onboarded(
            QStringLiteral("Athlete"), QJsonObject {{"fitness", 95}, {"books", 80}, {"music", 60}});
        QCOMPARE(clientFor(m_server->port(), careful)
                     ->put(QStringLiteral("/api/profile"),
                           QJsonObject {{"off_limits_topics", QJsonArray {"health"}}})
                     .status,
                 200);
        QCOMPARE(join(careful), 202);
        QCOMPARE(join(athlete), 202);
        QVERIFY(!matchedWithin(careful, athlete, 2500));
        leaveAll({careful, athlete});
    }

    void newcomersAreKeptFromLowTrustPeers()
    {
        const TestAccount newcomer = onboarded(QStringLiteral("Newbie"));
        const TestAccount risky = onboarded(QStringLiteral("Risky"));
        QVERIFY(
            m_server->database()->exec(QStringLiteral("INSERT INTO trust_scores (user_id, score, "
                                                      "cooldown_applied, components_json) VALUES "
                                                      "('%1', 30, 0, '{}')")
                                           .arg(risky.userId)));
        QCOMPARE(join(newcomer), 202);
        QCOMPARE(join(risky), 202);
        QVERIFY(!matchedWithin(newcomer, risky, 2500));
        leaveAll({newcomer, risky});
    }

    void abandonedEntriesExpireAndSaySo()
    {
        const TestAccount gone = onboarded(QStringLiteral("Gone"));
        WsClient ws(m_server->port());
        QVERIFY(ws.connectAndAuthenticate(gone.accessToken));
        QCOMPARE(join(gone), 202);
        // Fifteen silent minutes, compressed: the liveness marker disappears.
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray marker =
            m_server->redisKeyPrefix().toLatin1() + "queue:alive:" + gone.userId.toLatin1();
        QJsonObject expired;
        QDeadlineTimer deadline(15000);
        while (expired.isEmpty() && !deadline.hasExpired()) {
            redis.command({"DEL", marker});
            expired = ws.waitFor(QStringLiteral("queue.status"), 100, [](const QJsonObject &f) {
                return f.value(QStringLiteral("status")).toString() == QLatin1String("expired");
            });
        }
        QVERIFY(!expired.isEmpty());
        QCOMPARE(m_server->database()
                     ->scalar(QStringLiteral(
                                  "SELECT status FROM matching_queue_entries WHERE user_id = '%1'")
                                  .arg(gone.userId))
                     .toString(),
                 QStringLiteral("expired"));
        QCOMPARE(clientFor(m_server->port(), gone)
                     ->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("idle"));
    }

    void queueSurvivesRedisLosingIt()
    {
        const TestAccount early = onboarded(QStringLiteral("Early"));
        QCOMPARE(join(early), 202);
        // Redis restarts empty: the live queue is gone, the history in MySQL is not.
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray prefix = m_server->redisKeyPrefix().toLatin1();
        redis.command(
            {"DEL", prefix + "queue:waiting", prefix + "queue:alive:" + early.userId.toLatin1()});
        const TestAccount late = onboarded(QStringLiteral("Late"));
        QCOMPARE(join(late), 202);
        QVERIFY(matchedWithin(early, late, 15000));
    }

    void concurrentJoinsNeverDoubleMatch()
    {
        // A second instance on the same database and Redis: both run matcher ticks.
        TestServer::Options options = fastMatching();
        options.databaseName = m_server->databaseName();
        options.redisKeyPrefix = m_server->redisKeyPrefix();
        options.extraEnvironment.insert(QStringLiteral("FP_JWT_SECRET"), m_server->jwtSecret());
        TestServer second(options);
        QVERIFY(second.start());

        // 200 onboarded people, made directly in the database (registering 200 accounts through
        // argon2id would dominate the test), each with a session and a token.
        const int people = 200;
        QStringList tokens;
        QString sql;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        for (int i = 0; i < people; ++i) {
            const QString user = uuid();
            const QString session = uuid();
            TestDatabase *db = m_server->database();
            QVERIFY(db->exec(
                QStringLiteral(
                    "INSERT INTO users (id, email, status) VALUES ('%1', '%1@bulk.test', 'active')")
                    .arg(user)));
            QVERIFY(db->exec(
                QStringLiteral(
                    "INSERT INTO user_profiles (user_id, nickname) VALUES ('%1', 'bulk%2')")
                    .arg(user)
                    .arg(i)));
            QVERIFY(db->exec(
                QStringLiteral("INSERT INTO user_preference_settings (user_id, conversation_depth, "
                               "contact_frequency, directness_score, humor_score, response_pace, "
                               "group_comfort, "
                               "friendship_intention, availability_windows, timezone) VALUES "
                               "('%1', '%2', 'weekly', "
                               "%3, %4, 'flexible', 'any', 'open_ended', '[]', 'UTC')")
                    .arg(user, i % 2 ? QStringLiteral("deep") : QStringLiteral("moderate"))
                    .arg(i % 101)
                    .arg((i * 37) % 101)));
            QVERIFY(db->exec(QStringLiteral("INSERT INTO user_value_scores (user_id, value_key, "
                                            "score) VALUES ('%1', 'honesty', %2), "
                                            "('%1', 'empathy', %3), ('%1', 'curiosity', 70)")
                                 .arg(user)
                                 .arg(50 + i % 50)
                                 .arg(90 - i % 40)));
            QVERIFY(db->exec(QStringLiteral("INSERT INTO user_interest_scores (user_id, "
                                            "interest_key, score) VALUES ('%1', 'books', "
                                            "%2), ('%1', 'music', 60), ('%1', 'travel', %3)")
                                 .arg(user)
                                 .arg(i % 100)
                                 .arg(100 - i % 100)));
            QVERIFY(db->exec(QStringLiteral("INSERT INTO user_sessions (id, user_id, "
                                            "refresh_token_hash, created_at, last_used_at, "
                                            "expires_at) VALUES ('%1', '%2', SHA2('%1', 256), "
                                            "UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
                                            "UTC_TIMESTAMP(3) + INTERVAL 1 DAY)")
                                 .arg(session, user)));
            fp::AccessClaims claims;
            claims.userId = user;
            claims.sessionId = session;
            claims.issuedAt = now;
            claims.expiresAt = now + 600;
            claims.tokenId = uuid();
            tokens << QString::fromLatin1(fp::Jwt::sign(claims, m_server->jwtSecret().toUtf8()));
        }

        // Fire every join at once, half to each instance.
        QNetworkAccessManager network;
        QList<QNetworkReply *> replies;
        for (int i = 0; i < people; ++i) {
            const quint16 port = i % 2 ? second.port() : m_server->port();
            QNetworkRequest request(
                QUrl(QStringLiteral("http://127.0.0.1:%1/api/matching/queue/join").arg(port)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
            request.setRawHeader("Authorization", "Bearer " + tokens[i].toLatin1());
            replies << network.post(request, QByteArray("{}"));
        }
        QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired() &&
               std::any_of(replies.begin(), replies.end(),
                           [](QNetworkReply *r) { return !r->isFinished(); }))
            QTest::qWait(50);
        int accepted = 0;
        for (QNetworkReply *r : replies) {
            accepted +=
                r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202 ? 1 : 0;
            r->deleteLater();
        }
        QCOMPARE(accepted, people);

        // Let both instances' matchers work through the queue.
        QDeadlineTimer settle(30000);
        int matched = 0;
        while (!settle.hasExpired()) {
            matched = m_server->database()
                          ->scalar(QStringLiteral(
                              "SELECT COUNT(*) FROM matching_queue_entries e JOIN users u ON "
                              "u.id = e.user_id WHERE u.email LIKE '%@bulk.test' AND e.status = "
                              "'matched'"))
                          .toInt();
            if (matched >= people - 2)
                break;
            QTest::qWait(250);
        }
        QVERIFY2(matched >= people / 2, qPrintable(QString::number(matched)));
        const int doubled =
            m_server->database()
                ->scalar(QStringLiteral(
                    "SELECT COUNT(*) FROM (SELECT u, COUNT(*) n FROM (SELECT user_a_id u "
                    "FROM match_sessions UNION ALL SELECT user_b_id FROM match_sessions) x "
                    "JOIN users ON users.id = x.u WHERE users.email LIKE '%@bulk.test' "
                    "GROUP BY u HAVING n > 1) y"))
                .toInt();
        QCOMPARE(doubled, 0);
        const int orphanConversations =
            m_server->database()
                ->scalar(QStringLiteral(
                    "SELECT COUNT(*) FROM match_sessions m LEFT JOIN conversation_sessions c ON "
                    "c.match_session_id = m.id JOIN users u ON u.id = m.user_a_id WHERE c.id IS "
                    "NULL AND u.email LIKE '%@bulk.test'"))
                .toInt();
        QCOMPARE(orphanConversations, 0);
        QVERIFY(second.running());
    }
};

QTEST_GUILESS_MAIN(TestMatching)
#include "tst_matching.moc"
