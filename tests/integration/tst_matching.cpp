// Matching against the real server: two onboarded people join and both hear match.found over
// WebSocket; who may join (403 incomplete or restricted, 409 twice, 429 for queue spam);
// every safeguard holds (blocked, recently matched, off-limits topic, new-user safety), even for
// a block made while a pass pairs the two; and 200 concurrent joins across two instances never
// put anyone in two matches.

#include "common/Time.h"
#include "server/identity/Jwt.h"
#include "server/matching/MatchingRepository.h"
#include "tests/support/Fixtures.h"
#include "tests/support/HeldTransaction.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QThreadPool>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>

using namespace fp::test;

namespace {

QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

class TestMatching : public IntegrationTest
{
    Q_OBJECT

public:
    TestMatching() : IntegrationTest(fastMatching()) { }

private:
    static TestServer::Options fastMatching()
    {
        TestServer::Options options;
        options.withoutRateLimits()
            .with(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("150"))
            .with(QStringLiteral("FP_WORKER_QUEUE_LIMIT"), QStringLiteral("2000"));
        return options;
    }

    TestAccount onboarded(const QString &nickname, const QJsonObject &interests = {},
                          std::source_location where = std::source_location::current())
    {
        const TestAccount account = signUp(nickname, where);
        const HttpResult r =
            as(account)->put(QStringLiteral("/api/profile"), completeProfile(nickname, interests));
        if (r.status != 200 || !r.json().value(QStringLiteral("onboarding_complete")).toBool())
            QTest::qFail(qPrintable(QStringLiteral("onboarding failed: %1 %2")
                                        .arg(r.status)
                                        .arg(QString::fromUtf8(r.body))),
                         where.file_name(), int(where.line()));
        return account;
    }

    int join(const TestAccount &account)
    {
        return clientFor(port(), account)
            ->post(QStringLiteral("/api/matching/queue/join"), {})
            .status;
    }

    /// Whether the two were matched with each other in the last five minutes.
    bool matched(const TestAccount &a, const TestAccount &b)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM match_sessions WHERE (user_a_id = '%1' "
                                     "AND user_b_id = '%2' OR user_a_id = '%2' AND user_b_id = "
                                     "'%1') AND matched_at > UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE")
                          .arg(a.userId, b.userId)) > 0;
    }

    /// Matcher passes completed so far (/metrics).
    int matcherPasses()
    {
        static const QByteArray name = "fp_matcher_pass_duration_seconds_count ";
        for (const QByteArray &line :
             HttpClient(port()).get(QStringLiteral("/metrics")).body.split('\n')) {
            if (line.startsWith(name))
                return line.mid(name.size()).toInt();
        }
        return -1;
    }

    /// Waits for `passes` more matcher passes: each saw everyone who had joined before it began,
    /// so the first one may have started too early to see them.
    bool matcherRan(int passes = 10)
    {
        const int before = matcherPasses();
        return before >= 0 &&
            pollUntil([&] { return matcherPasses() >= before + passes + 1; }, 20000, 50);
    }

    /// Makes `a` and `b` a pair the matcher may make again (they met two months ago), holds
    /// their earlier match's row in `held`, and joins both: true once a matcher pass waits on
    /// `held` while recording their new match.
    bool pairedAndHeldWhileRecorded(const TestAccount &a, const TestAccount &b,
                                    HeldTransaction &held)
    {
        seed().match(a, b,
                     {.status = QStringLiteral("ended"),
                      .at = QDateTime::currentDateTimeUtc().addDays(-60),
                      .conversation = QStringLiteral("closed")});
        return held.exec(QStringLiteral("SELECT id FROM match_sessions WHERE (user_a_id = '%1' AND "
                                        "user_b_id = '%2') OR (user_a_id = '%2' AND user_b_id = "
                                        "'%1') FOR UPDATE")
                             .arg(a.userId, b.userId)) == 1 &&
            join(a) == 202 && join(b) == 202 &&
            pollUntil([&] { return lockWaits() == 1; }, 10000, kLockWaitPollMs);
    }

    /// Transactions on this test's database waiting for a lock another holds. InnoDB refreshes
    /// what INNODB_TRX shows only after 100 ms without a reading of it: ask less often.
    static constexpr int kLockWaitPollMs = 200;
    int lockWaits()
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM information_schema.INNODB_TRX t JOIN "
                                     "information_schema.PROCESSLIST p ON p.ID = "
                                     "t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND "
                                     "p.DB = '%1'")
                          .arg(db()->name()));
    }

    /// The state of the conversation the two were given in the last five minutes.
    QString newConversationState(const TestAccount &a, const TestAccount &b)
    {
        return text(QStringLiteral("SELECT c.state FROM conversation_sessions c JOIN "
                                   "match_sessions m ON m.id = c.match_session_id WHERE "
                                   "(m.user_a_id = '%1' AND m.user_b_id = '%2' OR m.user_a_id = "
                                   "'%2' AND m.user_b_id = '%1') AND m.matched_at > "
                                   "UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE")
                        .arg(a.userId, b.userId));
    }

    static QString reasonOf(const HttpResult &r)
    {
        return r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString();
    }

    void leaveAll(const QList<TestAccount> &accounts)
    {
        for (const TestAccount &a : accounts)
            as(a)->post(QStringLiteral("/api/matching/queue/leave"), {});
    }

private Q_SLOTS:
    void twoPeopleAreMatchedAndToldOverWebSocket()
    {
        const TestAccount ada = onboarded(QStringLiteral("Ada"));
        const TestAccount bo = onboarded(QStringLiteral("Bo"));
        QVERIFY(!ada.userId.isEmpty() && !bo.userId.isEmpty());
        WsClient wsAda(port());
        WsClient wsBo(port());
        QVERIFY(wsAda.connectAndAuthenticate(ada.accessToken));
        QVERIFY(wsBo.connectAndAuthenticate(bo.accessToken));

        auto adaClient = clientFor(port(), ada);
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
        // The queue said so too, before the match itself.
        for (WsClient *ws : {&wsAda, &wsBo}) {
            QStringList statuses;
            for (const QJsonObject &frame : ws->received()) {
                if (frame.value(QStringLiteral("type")).toString() == QLatin1String("queue.status"))
                    statuses << frame.value(QStringLiteral("status")).toString();
                else if (frame.value(QStringLiteral("type")).toString() ==
                         QLatin1String("match.found"))
                    break;
            }
            QVERIFY2(!statuses.isEmpty() && statuses.constLast() == QLatin1String("matched"),
                     qPrintable(statuses.join(QLatin1Char(','))));
        }
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
        QCOMPARE(clientFor(port(), stranger)
                     ->get(QStringLiteral("/api/matching/session/") + sessionId)
                     .status,
                 404);
        QCOMPARE(clientFor(port(), stranger)
                     ->get(QStringLiteral("/api/matching/session/") + uuid())
                     .status,
                 404);
        // Chatting already: joining again is a conflict.
        QCOMPARE(join(ada), 409);
        // The metrics count it.
        HttpClient plain(port());
        QVERIFY(plain.get(QStringLiteral("/metrics")).body.contains("fp_matches_total"));
    }

    void whoMayJoin()
    {
        const TestAccount fresh = signUp(QStringLiteral("Fresh"));
        HttpResult r =
            clientFor(port(), fresh)->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QCOMPARE(reasonOf(r), QStringLiteral("onboarding_incomplete"));

        const TestAccount restricted = onboarded(QStringLiteral("Rex"));
        seed().changeAccount(restricted.userId, QStringLiteral("status = 'restricted'"));
        // The server sees the change within seconds (from access_changes): a
        // restricted account may not consent to a reveal either, and asking about a
        // conversation that does not exist changes nothing.
        QTRY_COMPARE_WITH_TIMEOUT(
            as(restricted)
                ->post(QStringLiteral("/api/conversations/%1/reveal-consent").arg(newId()),
                       QJsonObject {{"consent", true}})
                .status,
            403, 10000);
        r = as(restricted)->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 403);
        QCOMPARE(reasonOf(r), QStringLiteral("account_restricted"));

        const TestAccount chatting = onboarded(QStringLiteral("Chatting"));
        seed().match(chatting, onboarded(QStringLiteral("Peer")));
        r = as(chatting)->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 409);
        QCOMPARE(reasonOf(r), QStringLiteral("in_active_conversation"));

        const TestAccount twice = onboarded(QStringLiteral("Twice"));
        QCOMPARE(join(twice), 202);
        r = as(twice)->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 409);
        QCOMPARE(reasonOf(r), QStringLiteral("already_queued"));
        auto client = clientFor(port(), twice);
        r = client->post(QStringLiteral("/api/matching/queue/leave"), {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
        QCOMPARE(client->post(QStringLiteral("/api/matching/queue/leave"), {}).status, 404);
        // It takes no body: a key in one is refused like any unknown field.
        r = client->post(QStringLiteral("/api/matching/queue/leave"), {{"everyone", true}});
        QCOMPARE(r.status, 400);
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
            QStringLiteral("everyone")));
        // Checked after the caller, as any body is: no token is still 401.
        QCOMPARE(HttpClient(port())
                     .post(QStringLiteral("/api/matching/queue/leave"), {{"everyone", true}})
                     .status,
                 401);
        QCOMPARE(client->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("idle"));
        QCOMPARE(db()->scalar(QStringLiteral(
                                  "SELECT status FROM matching_queue_entries WHERE user_id = '%1'")
                                  .arg(twice.userId))
                     .toString(),
                 QStringLiteral("cancelled"));
        for (const char *bad : {"NOT A KEY!", "-eu", "_eu", "a23456789012345678901234567890123"}) {
            r = client->post(QStringLiteral("/api/matching/queue/join"),
                             QJsonObject {{"region_key", QString::fromLatin1(bad)}});
            QVERIFY2(r.status == 400, bad);
        }
        r = client->post(QStringLiteral("/api/matching/queue/join"),
                         QJsonObject {{"region_key", "eu-west_1"}});
        QCOMPARE(r.status, 202);
        client->post(QStringLiteral("/api/matching/queue/leave"), {});
    }

    void queueSpamGetsACooldown()
    {
        const TestAccount spammer = onboarded(QStringLiteral("Spam"));
        auto client = clientFor(port(), spammer);
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
        seed().block(b, a);
        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        QVERIFY(matcherRan());
        QVERIFY(!matched(a, b));
        const TestAccount c = onboarded(QStringLiteral("Third"));
        QCOMPARE(join(c), 202);
        // Someone compatible still meets one of them.
        QTRY_COMPARE_WITH_TIMEOUT(number(QStringLiteral("SELECT COUNT(*) FROM match_sessions "
                                                        "WHERE user_a_id = '%1' OR user_b_id = "
                                                        "'%1'")
                                             .arg(c.userId)),
                                  1, 10000);
        QVERIFY(!matched(a, b));
        leaveAll({a, b, c});
    }

    // The pass reads the blocks before it pairs people, without a lock. A block written in
    // between (here: written and not yet committed) must still keep the two apart: recording
    // the match waits for it, then sees it.
    void aBlockMadeWhileAPassPairsThemKeepsThemApart()
    {
        const TestAccount a = onboarded(QStringLiteral("Pairing"));
        const TestAccount b = onboarded(QStringLiteral("Paired"));
        HeldTransaction blocking(*db());
        QCOMPARE(blocking.exec(QStringLiteral("INSERT INTO blocks (id, blocker_user_id, "
                                              "blocked_user_id) VALUES ('%1', '%2', '%3')")
                                   .arg(uuid(), b.userId, a.userId)),
                 1);
        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        const bool waited =
            pollUntil([&] { return lockWaits() > 0 || matched(a, b); }, 10000, kLockWaitPollMs);
        QVERIFY(blocking.commit());
        QVERIFY2(waited, "the pass never paired them");
        QVERIFY(!matched(a, b));
        QVERIFY(matcherRan(3));
        QVERIFY(!matched(a, b));
        leaveAll({a, b});
    }

    // The other order: the match is being recorded (held here at its insert) when one blocks
    // the other. The block waits for the match, and then closes the conversation it opened,
    // which the block's own snapshot, taken before, does not show.
    void aBlockMadeWhileAMatchIsRecordedClosesItsConversation()
    {
        const TestAccount a = onboarded(QStringLiteral("Blocking"));
        const TestAccount b = onboarded(QStringLiteral("Matched"));
        HeldTransaction matchesOfThePair(*db()); // they met before: one may block the other
        QVERIFY2(pairedAndHeldWhileRecorded(a, b, matchesOfThePair),
                 "the pass never began recording their match");

        QThreadPool pool;
        QFuture<int> blocked = QtConcurrent::run(&pool, [port = port(), a, b] {
            return clientFor(port, a)
                ->post(QStringLiteral("/api/blocks"),
                       QJsonObject {{QStringLiteral("blocked_user_id"), b.userId}})
                .status;
        });
        const bool blockWaits = pollUntil([&] { return lockWaits() == 2; }, 10000, kLockWaitPollMs);
        QVERIFY(matchesOfThePair.commit());
        blocked.waitForFinished();
        QVERIFY2(blockWaits, "the block did not wait for the match being recorded");
        QCOMPARE(blocked.result(), 201);
        QVERIFY(matched(a, b));
        QCOMPARE(newConversationState(a, b), QStringLiteral("closed"));
        leaveAll({a, b});
    }

    // The same moment for a ban. Which of the two takes its locks first depends on MariaDB's
    // plan for the ban's reads: either the ban waits for the match being recorded and closes
    // the conversation it opened (its locking read sees it), or it cancels the queue entry
    // first and the match is refused (both entries must still be active). Either way the banned
    // person is left in no open conversation.
    void aBanMadeWhileAMatchIsRecordedLeavesNoOpenConversation()
    {
        const TestAccount admin = logInAsAdmin();
        const TestAccount a = onboarded(QStringLiteral("Stays"));
        const TestAccount b = onboarded(QStringLiteral("Banned while paired"));
        HeldTransaction matchesOfThePair(*db());
        QVERIFY2(pairedAndHeldWhileRecorded(a, b, matchesOfThePair),
                 "the pass never began recording their match");

        QThreadPool pool;
        QFuture<int> banned = QtConcurrent::run(&pool, [port = port(), admin, b] {
            return clientFor(port, admin)
                ->put(QStringLiteral("/api/admin/users/%1/status").arg(b.userId),
                      QJsonObject {{QStringLiteral("status"), QStringLiteral("banned")},
                                   {QStringLiteral("note"), QStringLiteral("abuse")}})
                .status;
        });
        pollUntil([&] { return lockWaits() == 2 || banned.isFinished(); }, 10000, kLockWaitPollMs);
        QVERIFY(matchesOfThePair.commit());
        banned.waitForFinished();
        QCOMPARE(banned.result(), 200);
        QVERIFY(matcherRan(2)); // the pass that was recording the match has finished
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM conversation_sessions c JOIN "
                                       "match_sessions m ON m.id = c.match_session_id WHERE "
                                       "c.state IN ('anonymous', 'decision_gate') AND "
                                       "(m.user_a_id = '%1' OR m.user_b_id = '%1')")
                            .arg(b.userId)),
                 0);
        if (matched(a, b))
            QCOMPARE(newConversationState(a, b), QStringLiteral("closed"));
        leaveAll({a});
    }

    // Someone a moderator bans or restricts while they wait leaves the queue: the ban signed
    // them out, and a restricted person may not join. Whoever joins next never meets them.
    void peopleBannedOrRestrictedWhileWaitingLeaveTheQueue()
    {
        const TestAccount admin = logInAsAdmin();
        const QJsonObject ban {{QStringLiteral("status"), QStringLiteral("banned")},
                               {QStringLiteral("note"), QStringLiteral("abuse")}};
        const QJsonObject restrict {{QStringLiteral("status"), QStringLiteral("restricted")},
                                    {QStringLiteral("note"), QStringLiteral("cool down")},
                                    {QStringLiteral("restricted_until"),
                                     fp::toWireTime(QDateTime::currentDateTimeUtc().addDays(1))}};
        for (const QJsonObject &change : {ban, restrict}) {
            const QString status = change.value(QStringLiteral("status")).toString();
            const TestAccount waiting = onboarded(QStringLiteral("Waiting ") + status);
            WsClient ws(port());
            QVERIFY(ws.connectAndAuthenticate(waiting.accessToken));
            QCOMPARE(join(waiting), 202);
            QCOMPARE(
                as(admin)
                    ->put(QStringLiteral("/api/admin/users/%1/status").arg(waiting.userId), change)
                    .status,
                200);
            QCOMPARE(text(QStringLiteral("SELECT status FROM matching_queue_entries WHERE user_id "
                                         "= '%1'")
                              .arg(waiting.userId)),
                     QStringLiteral("cancelled"));
            // Told, unless the ban signed them out first.
            const QJsonObject told =
                ws.waitFor(QStringLiteral("queue.status"), 5000, [](const QJsonObject &f) {
                    return f.value(QStringLiteral("status")).toString() == QLatin1String("idle");
                });
            if (status == QLatin1String("restricted"))
                QVERIFY(!told.isEmpty());
            else
                QVERIFY(!told.isEmpty() || ws.waitForClose(5000) == 4401);
            const TestAccount next = onboarded(QStringLiteral("Next after ") + status);
            QCOMPARE(join(next), 202);
            QVERIFY(matcherRan(3));
            QVERIFY2(!matched(waiting, next), qPrintable(status));
            leaveAll({next});
        }
    }

    // Before the reveal the peer is an alias; after it, who they are (as conversation.revealed
    // told them), for as long as they stay friends.
    void aRevealedMatchShowsWhoThePeerIsWhileFriends()
    {
        const TestAccount a = onboarded(QStringLiteral("Revealer"));
        const TestAccount b = onboarded(QStringLiteral("Revealed"));
        const SeededMatch earlier =
            seed().match(a, b,
                         {.status = QStringLiteral("friend_revealed"),
                          .at = QDateTime::currentDateTimeUtc().addDays(-40),
                          .conversation = QStringLiteral("revealed")});
        seed().friendship(a, b, {.at = earlier.at, .originMatchId = earlier.matchId});
        const SeededMatch anonymous = seed().match(a, b);
        const QString revealedPath = QStringLiteral("/api/matching/session/") + earlier.matchId;
        const QJsonObject shown =
            as(a)->get(revealedPath).json()[QStringLiteral("peer")].toObject();
        QCOMPARE(shown[QStringLiteral("user_id")].toString(), b.userId);
        QCOMPARE(shown[QStringLiteral("nickname")].toString(), QStringLiteral("Revealed"));
        QVERIFY(shown.contains(QStringLiteral("avatar_url")) &&
                shown.contains(QStringLiteral("bio")));
        QVERIFY(!shown[QStringLiteral("alias")].toString().isEmpty());
        const HttpResult hidden =
            as(a)->get(QStringLiteral("/api/matching/session/") + anonymous.matchId);
        QCOMPARE(hidden.json()[QStringLiteral("peer")].toObject().keys(),
                 QStringList {QStringLiteral("alias")});
        QVERIFY(!hidden.body.contains(b.userId.toLatin1()));

        // Unfriended: the alias again, for either of them.
        QCOMPARE(as(b)->del(QStringLiteral("/api/friends/") + a.userId).status, 204);
        for (const TestAccount &viewer : {a, b}) {
            const HttpResult after = as(viewer)->get(revealedPath);
            QCOMPARE(after.json()[QStringLiteral("peer")].toObject().keys(),
                     QStringList {QStringLiteral("alias")});
            QVERIFY(!after.body.contains((viewer.userId == a.userId ? b : a).userId.toLatin1()));
        }
    }

    void recentlyMatchedPeopleAreNotPairedAgain()
    {
        const TestAccount a = onboarded(QStringLiteral("Again1"));
        const TestAccount b = onboarded(QStringLiteral("Again2"));
        seed().match(a, b,
                     Seed::Match {.status = QStringLiteral("ended"),
                                  .at = QDateTime::currentDateTimeUtc().addDays(-10),
                                  .conversation = {}});
        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        QVERIFY(matcherRan());
        QVERIFY(!matched(a, b));
        leaveAll({a, b});
    }

    void offLimitsTopicIsAHardFilter()
    {
        // "health" is off-limits for one; the other lives for fitness, which the catalog ties
        // to that topic.
        const TestAccount careful = onboarded(QStringLiteral("Careful"));
        const TestAccount athlete = onboarded(
            QStringLiteral("Athlete"), QJsonObject {{"fitness", 95}, {"books", 80}, {"music", 60}});
        QCOMPARE(clientFor(port(), careful)
                     ->put(QStringLiteral("/api/profile"),
                           QJsonObject {{"off_limits_topics", QJsonArray {"health"}}})
                     .status,
                 200);
        QCOMPARE(join(careful), 202);
        QCOMPARE(join(athlete), 202);
        QVERIFY(matcherRan());
        QVERIFY(!matched(careful, athlete));
        leaveAll({careful, athlete});
    }

    void newcomersAreKeptFromLowTrustPeers()
    {
        const TestAccount newcomer = onboarded(QStringLiteral("Newbie"));
        const TestAccount risky = onboarded(QStringLiteral("Risky"));
        seed().trust(risky, 30);
        QCOMPARE(join(newcomer), 202);
        QCOMPARE(join(risky), 202);
        QVERIFY(matcherRan());
        QVERIFY(!matched(newcomer, risky));
        leaveAll({newcomer, risky});
    }

    void abandonedEntriesExpireAndSaySo()
    {
        const TestAccount gone = onboarded(QStringLiteral("Gone"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(gone.accessToken));
        QCOMPARE(join(gone), 202);
        // Fifteen silent minutes, compressed: the liveness marker disappears.
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray marker =
            server().redisKeyPrefix().toLatin1() + "queue:alive:" + gone.userId.toLatin1();
        QJsonObject expired; // a queue.status idle: no longer queued
        QDeadlineTimer deadline(15000);
        while (expired.isEmpty() && !deadline.hasExpired()) {
            redis.command({"DEL", marker});
            expired = ws.waitFor(QStringLiteral("queue.status"), 100, [](const QJsonObject &f) {
                return f.value(QStringLiteral("status")).toString() == QLatin1String("idle");
            });
        }
        QVERIFY(!expired.isEmpty());
        QCOMPARE(db()->scalar(QStringLiteral(
                                  "SELECT status FROM matching_queue_entries WHERE user_id = '%1'")
                                  .arg(gone.userId))
                     .toString(),
                 QStringLiteral("expired"));
        QCOMPARE(clientFor(port(), gone)
                     ->get(QStringLiteral("/api/matching/queue/status"))
                     .json()[QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("idle"));
    }

    // A matcher pass expires the entry it found silent, not whichever entry is active by the
    // time it acts: someone who left and joined again while the pass looked stays queued. The
    // moment cannot be staged through the server (its locking read, made to wait on the old
    // entry, no longer finds the new one), so the repository is asked as the pass asks it,
    // with the id of the entry the pass read.
    void aPassExpiresOnlyTheEntryItFoundSilent()
    {
        const TestAccount back = onboarded(QStringLiteral("Back again"));
        QCOMPARE(join(back), 202);
        const QString activeEntry = QStringLiteral(
            "SELECT id FROM matching_queue_entries WHERE user_id = '%1' AND status = 'active'");
        const QString read = text(activeEntry.arg(back.userId)); // what the pass saw
        // Meanwhile they left and joined again.
        exec(QStringLiteral("UPDATE matching_queue_entries SET status = 'cancelled', dequeued_at "
                            "= UTC_TIMESTAMP(3) WHERE id = '%1'")
                 .arg(read));
        const QString joined = QUuid::createUuid().toString(QUuid::WithoutBraces);
        exec(QStringLiteral("INSERT INTO matching_queue_entries (id, user_id) VALUES ('%1', '%2')")
                 .arg(joined, back.userId));

        useDatabaseInProcess(server().databaseName());
        const fp::MatchingRepository entries;
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto expired = entries.endEntry(back.userId, QStringLiteral("expired"), now, read);
        QVERIFY(expired);
        QVERIFY(!expired->has_value());
        QCOMPARE(text(activeEntry.arg(back.userId)), joined);
        // Without the id, the entry joined since would have ended.
        const auto left = entries.endEntry(back.userId, QStringLiteral("cancelled"), now);
        fp::Database::resetConnection();
        QVERIFY(left && left->has_value());
        QCOMPARE((*left)->id, joined);
    }

    void queueSurvivesRedisLosingIt()
    {
        const TestAccount early = onboarded(QStringLiteral("Early"));
        QCOMPARE(join(early), 202);
        // Redis restarts empty: the live queue is gone, the history in MySQL is not.
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray prefix = server().redisKeyPrefix().toLatin1();
        redis.command(
            {"DEL", prefix + "queue:waiting", prefix + "queue:alive:" + early.userId.toLatin1()});
        const TestAccount late = onboarded(QStringLiteral("Late"));
        QCOMPARE(join(late), 202);
        QTRY_VERIFY_WITH_TIMEOUT(matched(early, late), 15000);
    }

    void concurrentJoinsNeverDoubleMatch()
    {
        // A second instance on the same database and Redis: both run matcher ticks.
        TestServer::Options options = fastMatching();
        options.alongside(server());
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
            TestDatabase *database = db();
            QVERIFY(database->exec(
                QStringLiteral(
                    "INSERT INTO users (id, email, status) VALUES ('%1', '%1@bulk.test', 'active')")
                    .arg(user)));
            QVERIFY(database->exec(
                QStringLiteral(
                    "INSERT INTO user_profiles (user_id, nickname) VALUES ('%1', 'bulk%2')")
                    .arg(user)
                    .arg(i)));
            QVERIFY(database->exec(
                QStringLiteral("INSERT INTO user_preference_settings (user_id, conversation_depth, "
                               "contact_frequency, directness_score, humor_score, response_pace, "
                               "group_comfort, "
                               "friendship_intention, availability_windows, timezone) VALUES "
                               "('%1', '%2', 'weekly', "
                               "%3, %4, 'flexible', 'any', 'open_ended', '[]', 'UTC')")
                    .arg(user, i % 2 ? QStringLiteral("deep") : QStringLiteral("moderate"))
                    .arg(i % 101)
                    .arg((i * 37) % 101)));
            QVERIFY(
                database->exec(QStringLiteral("INSERT INTO user_value_scores (user_id, value_key, "
                                              "score) VALUES ('%1', 'honesty', %2), "
                                              "('%1', 'empathy', %3), ('%1', 'curiosity', 70)")
                                   .arg(user)
                                   .arg(50 + i % 50)
                                   .arg(90 - i % 40)));
            QVERIFY(database->exec(QStringLiteral("INSERT INTO user_interest_scores (user_id, "
                                                  "interest_key, score) VALUES ('%1', 'books', "
                                                  "%2), ('%1', 'music', 60), ('%1', 'travel', %3)")
                                       .arg(user)
                                       .arg(i % 100)
                                       .arg(100 - i % 100)));
            QVERIFY(
                database->exec(QStringLiteral("INSERT INTO user_sessions (id, user_id, "
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
            tokens << QString::fromLatin1(fp::Jwt::sign(claims, server().jwtSecret().toUtf8()));
        }

        // Fire every join at once, half to each instance.
        QNetworkAccessManager network;
        QList<QNetworkReply *> replies;
        for (int i = 0; i < people; ++i) {
            const quint16 instance = i % 2 ? second.port() : port();
            QNetworkRequest request(
                QUrl(QStringLiteral("http://127.0.0.1:%1/api/matching/queue/join").arg(instance)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
            request.setRawHeader("Authorization", "Bearer " + tokens[i].toLatin1());
            replies << network.post(request, QByteArray("{}"));
        }
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.begin(), replies.end(),
                                             [](QNetworkReply *r) { return r->isFinished(); }),
                                 60000);
        int accepted = 0;
        for (QNetworkReply *r : replies) {
            accepted +=
                r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202 ? 1 : 0;
            r->deleteLater();
        }
        QCOMPARE(accepted, people);

        // Let both instances' matchers work through the queue (most of it, or half of it in 30 s).
        const auto matchedPeople = [&] {
            return number(QStringLiteral("SELECT COUNT(*) FROM matching_queue_entries e JOIN "
                                         "users u ON u.id = e.user_id WHERE u.email LIKE "
                                         "'%@bulk.test' AND e.status = 'matched'"));
        };
        if (!pollUntil([&] { return matchedPeople() >= people - 2; }, 30000, 250))
            qInfo("%d of %d matched after 30 s", matchedPeople(), people);
        const int matchedCount = matchedPeople();
        QVERIFY2(matchedCount >= people / 2, qPrintable(QString::number(matchedCount)));
        const int doubled =
            db()
                ->scalar(QStringLiteral(
                    "SELECT COUNT(*) FROM (SELECT u, COUNT(*) n FROM (SELECT user_a_id u "
                    "FROM match_sessions UNION ALL SELECT user_b_id FROM match_sessions) x "
                    "JOIN users ON users.id = x.u WHERE users.email LIKE '%@bulk.test' "
                    "GROUP BY u HAVING n > 1) y"))
                .toInt();
        QCOMPARE(doubled, 0);
        const int orphanConversations =
            db()
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
