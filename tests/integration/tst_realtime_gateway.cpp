// The /ws gateway against the real server: first-frame authentication (4401 otherwise),
// ping/pong, malformed frames answered with an error frame (1008 once repeated), oversized
// frames (1009), floods (throttled, then 1008), silent clients dropped by the heartbeat, sockets of
// a revoked session closed at once, and a socket's authorisation lasting only as long as its token
// and its account's standing: closed (4401) when the token expires unless renewed with a fresh
// `auth`, and checked again before every frame (restriction, ban, on any instance, with Redis
// away).

#include "common/Time.h"
#include "common/WsEvents.h"
#include "server/identity/Jwt.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>
#include <QUuid>

using namespace fp::test;

class TestRealtimeGateway : public IntegrationTest
{
    Q_OBJECT

public:
    TestRealtimeGateway()
        : IntegrationTest(
              TestServer::Options()
                  .with(QStringLiteral("FP_WS_AUTH_TIMEOUT_MS"), QStringLiteral("1000"))
                  .with(QStringLiteral("FP_WS_PING_INTERVAL_MS"), QStringLiteral("300"))
                  .with(QStringLiteral("FP_WS_MAX_FRAMES_PER_SECOND"), QStringLiteral("10"))
                  // Sign-ups come from one address (12 at once in one test).
                  .with(QStringLiteral("FP_RATE_AUTH_PER_MINUTE"), QStringLiteral("1000")))
    { }

private:
    // An access token for the same session as `account`'s, signed with `server`'s secret, that
    // expires in `seconds`.
    static QString tokenExpiringIn(const TestServer &server, const TestAccount &account,
                                   int seconds)
    {
        const QByteArray payload =
            fp::Jwt::fromBase64Url(account.accessToken.toLatin1().split('.').value(1))
                .value_or(QByteArray());
        const QJsonObject claims = QJsonDocument::fromJson(payload).object();
        fp::AccessClaims forged;
        forged.userId = claims[QStringLiteral("sub")].toString();
        forged.sessionId = claims[QStringLiteral("sid")].toString();
        forged.role =
            fp::roleFromName(claims[QStringLiteral("role")].toString()).value_or(fp::Role::User);
        forged.issuedAt = QDateTime::currentSecsSinceEpoch();
        forged.expiresAt = forged.issuedAt + seconds;
        forged.tokenId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        return QString::fromLatin1(fp::Jwt::sign(forged, server.jwtSecret().toUtf8()));
    }

    static QJsonObject authFrame(const QString &token)
    {
        return {{QStringLiteral("type"), QStringLiteral("auth")},
                {QStringLiteral("access_token"), token}};
    }

    struct Chatting
    {
        TestAccount person;
        QString conversationId;
    };
    // Someone signed up on `server` and matched with a peer, and their conversation.
    static Chatting chattingOn(TestServer &server, const QString &nickname)
    {
        const TestAccount person = fp::test::signUp(server.port(), nickname);
        const TestAccount peer = fp::test::signUp(server.port(), nickname + QStringLiteral("peer"));
        return {person, Seed(server.database()).match(person, peer).conversationId};
    }

    // An admin of the instance on `port` bans the account; the answer's status.
    static int banOn(quint16 port, const QString &userId)
    {
        const TestAccount admin =
            fp::test::logIn(port, TestServer::adminEmail(), TestServer::adminPassword());
        return fp::test::clientFor(port, admin)
            ->put(QStringLiteral("/api/admin/users/%1/status").arg(userId),
                  {{QStringLiteral("status"), QStringLiteral("banned")},
                   {QStringLiteral("note"), QStringLiteral("abuse")}})
            .status;
    }

    // The messages stored whose client ids say they were sent after a ban.
    static int messagesSentAfterTheBan(TestServer &server)
    {
        return server.database()
            ->scalar(QStringLiteral("SELECT COUNT(*) FROM conversation_messages WHERE "
                                    "client_msg_id LIKE 'after-ban-%'"))
            .toInt();
    }

    // Sends a chat frame every 250 ms for at most 6 s until the socket is closed; the close
    // code, or -1.
    static int closedWhileSending(WsClient &ws, const QString &conversationId, const QString &label)
    {
        for (int attempt = 0; attempt < 24; ++attempt) {
            ws.send(chatFrame(conversationId, label + QString::number(attempt)));
            if (const int code = ws.waitForClose(250); code != -1)
                return code;
        }
        return -1;
    }

    // Sends a frame a worker handles after checking the session, every 250 ms for `ms`, and
    // waits for every answer.
    static void keepBusy(WsClient &ws, int ms)
    {
        const qsizetype answeredBefore = ws.count(QStringLiteral("notices.resumed"));
        int sent = 0;
        QElapsedTimer busy;
        busy.start();
        do {
            ws.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                     {QStringLiteral("after_seq"), 0}});
            ++sent;
            QTest::qWait(250);
        } while (busy.elapsed() < ms);
        QTRY_COMPARE_WITH_TIMEOUT(ws.count(QStringLiteral("notices.resumed")) - answeredBefore,
                                  qsizetype(sent), 10000);
    }

    static QJsonObject chatFrame(const QString &conversationId, const QString &clientMsgId)
    {
        return {{QStringLiteral("type"), QStringLiteral("chat.send")},
                {QStringLiteral("conversation_id"), conversationId},
                {QStringLiteral("client_msg_id"), clientMsgId},
                {QStringLiteral("text"), QStringLiteral("still here? ") + clientMsgId}};
    }

private Q_SLOTS:
    void aSocketClosesWhenItsTokenExpires()
    {
        const TestAccount account = signUp(QStringLiteral("wsexpiry"));
        WsClient ws(port());
        QVERIFY(ws.connect());
        ws.send(authFrame(tokenExpiringIn(server(), account, 2)));
        const QJsonObject ok = ws.waitFor(QStringLiteral("auth.ok"));
        QVERIFY(!ok.isEmpty());
        QVERIFY(ok[QStringLiteral("expires_in")].toInt() <= 2);
        QCOMPARE(ws.waitForClose(8000), 4401);
    }

    void aFreshAuthFrameRenewsTheSocket()
    {
        const TestAccount account = signUp(QStringLiteral("wsrenew"));
        WsClient ws(port());
        QVERIFY(ws.connect());
        ws.send(authFrame(tokenExpiringIn(server(), account, 2)));
        QVERIFY(!ws.waitFor(QStringLiteral("auth.ok")).isEmpty());
        ws.send(authFrame(account.accessToken));
        const QJsonObject renewed = ws.waitFor(QStringLiteral("auth.ok"));
        QCOMPARE(renewed[QStringLiteral("user_id")].toString(), account.userId);
        QVERIFY(renewed[QStringLiteral("expires_in")].toInt() > 800);
        QTest::qWait(3500); // past the first token's expiry
        ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QVERIFY(!ws.waitFor(QStringLiteral("pong")).isEmpty());
    }

    void aSocketKeepsItsAccount()
    {
        const TestAccount one = signUp(QStringLiteral("wsowner"));
        const TestAccount other = signUp(QStringLiteral("wsintruder"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(one.accessToken));
        ws.send(authFrame(other.accessToken));
        QCOMPARE(ws.waitForClose(), 4401);

        WsClient forged(port());
        QVERIFY(forged.connectAndAuthenticate(one.accessToken));
        forged.send(authFrame(QStringLiteral("not-a-token")));
        QCOMPARE(forged.waitForClose(), 4401);
    }

    void aRestrictionStopsChatOnTheNextFrame()
    {
        const TestAccount person = signUp(QStringLiteral("wsrestricted"));
        const TestAccount peer = signUp(QStringLiteral("wspeer"));
        const QString conversationId = seed().match(person, peer).conversationId;
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(person.accessToken));
        ws.send(chatFrame(conversationId, QStringLiteral("before")));
        QVERIFY(!ws.waitFor(QStringLiteral("chat.message")).isEmpty());

        const TestAccount admin = logInAsAdmin();
        QCOMPARE(as(admin)
                     ->put(QStringLiteral("/api/admin/users/%1/status").arg(person.userId),
                           {{QStringLiteral("status"), QStringLiteral("restricted")},
                            {QStringLiteral("note"), QStringLiteral("cool down")},
                            {QStringLiteral("restricted_until"),
                             fp::toWireTime(QDateTime::currentDateTimeUtc().addDays(1))}})
                     .status,
                 200);
        ws.send(chatFrame(conversationId, QStringLiteral("after")));
        const QJsonObject rejected = ws.waitFor(QStringLiteral("chat.rejected"));
        QCOMPARE(rejected[QStringLiteral("code")].toString(), QStringLiteral("forbidden"));
        QCOMPARE(rejected[QStringLiteral("client_msg_id")].toString(), QStringLiteral("after"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM conversation_messages WHERE "
                                       "client_msg_id = 'after'")),
                 0);
    }

    // Banned on another instance while Redis (which would carry the news) is away: the socket
    // is closed at its next frame, once the instance's few-second cache of the session is stale.
    void aBanOnAnotherInstanceClosesTheSocketWithoutRedis()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer::Options options;
        options.redisPort = redis.port();
        options.withoutRateLimits();
        TestServer &first = addServer(options);
        QVERIFY(first.start());
        options.databaseName = first.databaseName();
        options.redisKeyPrefix = first.redisKeyPrefix();
        TestServer &second = addServer(options);
        QVERIFY(second.start());

        const auto [person, conversationId] = chattingOn(first, QStringLiteral("wsbanned"));
        WsClient ws(first.port());
        QVERIFY(ws.connectAndAuthenticate(person.accessToken));
        ws.send(chatFrame(conversationId, QStringLiteral("hello")));
        QVERIFY(!ws.waitFor(QStringLiteral("chat.message")).isEmpty());

        redis.stop();
        QCOMPARE(banOn(second.port(), person.userId), 200);
        int closeCode = -1;
        for (int attempt = 0; attempt < 10 && closeCode == -1; ++attempt) {
            ws.send(chatFrame(conversationId, QStringLiteral("after-ban-%1").arg(attempt)));
            closeCode = ws.waitForClose(1000);
        }
        QCOMPARE(closeCode, 4401);
        QCOMPARE(messagesSentAfterTheBan(first), 0);
    }

    void silenceAfterConnectingIsClosedWith4401()
    {
        WsClient ws(port());
        QVERIFY(ws.connect());
        QCOMPARE(ws.waitForClose(5000), 4401);
    }

    void anotherFrameBeforeAuthIsClosedWith4401()
    {
        WsClient ws(port());
        QVERIFY(ws.connect());
        ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QCOMPARE(ws.waitForClose(), 4401);
    }

    // A client need not wait for auth.ok: frames sent right behind auth are answered after it,
    // in order.
    void framesSentBehindAuthAreHandledAfterIt()
    {
        const TestAccount account = signUp(QStringLiteral("wseager"));
        WsClient ws(port());
        QVERIFY(ws.connect());
        ws.send({{QStringLiteral("type"), QStringLiteral("auth")},
                 {QStringLiteral("access_token"), account.accessToken}});
        ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        ws.send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                 {QStringLiteral("after_seq"), QJsonValue()}});
        QVERIFY(!ws.waitFor(QStringLiteral("notices.resumed")).isEmpty());
        QStringList types;
        for (const QJsonObject &frame : ws.received())
            types << frame.value(QStringLiteral("type")).toString();
        QCOMPARE(types,
                 (QStringList {QStringLiteral("auth.ok"), QStringLiteral("pong"),
                               QStringLiteral("notices.resumed")}));
        QCOMPARE(ws.socket().state(), QAbstractSocket::ConnectedState);
    }

    // A client that sends more behind its auth than any would before hearing auth.ok is cut
    // off (1008): what waits for the token check is bounded however the flood limit is set.
    void tooManyFramesBehindAuthAreClosedWith1008()
    {
        TestServer &eager = addServer(TestServer::Options().with(
            QStringLiteral("FP_WS_MAX_FRAMES_PER_SECOND"), QStringLiteral("1000")));
        QVERIFY(eager.start());
        const TestAccount account = fp::test::signUp(eager.port(), QStringLiteral("wsflood"));
        WsClient ws(eager.port());
        QVERIFY(ws.connect());
        // Written at once, so the frames arrive together while the token is being checked.
        ws.socket().sendTextMessage(QString::fromUtf8(
            QJsonDocument(QJsonObject {{QStringLiteral("type"), QStringLiteral("auth")},
                                       {QStringLiteral("access_token"), account.accessToken}})
                .toJson(QJsonDocument::Compact)));
        for (int i = 0; i < 200; ++i)
            ws.socket().sendTextMessage(QStringLiteral("{\"type\":\"ping\"}"));
        ws.socket().flush();
        QCOMPARE(ws.waitForClose(), 1008);
        QCOMPARE(ws.count(QStringLiteral("pong")), 0);
        QCOMPARE(eager.stop(), 0);
    }

    void badTokensAreClosedWith4401_data()
    {
        QTest::addColumn<QString>("token");
        QTest::newRow("empty") << QString();
        QTest::newRow("garbage") << QStringLiteral("not-a-jwt");
        QTest::newRow("unsigned") << QStringLiteral("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    }

    void badTokensAreClosedWith4401()
    {
        QFETCH(QString, token);
        WsClient ws(port());
        QVERIFY(ws.connect());
        ws.send({{QStringLiteral("type"), QStringLiteral("auth")},
                 {QStringLiteral("access_token"), token}});
        QCOMPARE(ws.waitForClose(), 4401);
        QCOMPARE(ws.count(QStringLiteral("auth.ok")), 0); // closed: nothing more can come
    }

    void authenticatesAndAnswersPings()
    {
        const TestAccount account = signUp(QStringLiteral("wsuser"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(account.accessToken));
        QCOMPARE(ws.received().first().value(QStringLiteral("user_id")).toString(), account.userId);
        ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QVERIFY(!ws.waitFor(QStringLiteral("pong")).isEmpty());
    }

    // chat.send holds no worker: with the session's state in memory (it is, right after auth)
    // the frame is checked and queued for the message writer on the I/O thread, and its answer
    // comes from the writer. The peer still gets every message once, in order.
    void chatSendHoldsNoWorker()
    {
        const TestAccount person = signUp(QStringLiteral("wsnoworker"));
        const TestAccount peer = signUp(QStringLiteral("wsnoworkerpeer"));
        const QString conversationId = seed().match(person, peer).conversationId;
        WsClient ws(port());
        WsClient peerWs(port());
        QVERIFY(ws.connectAndAuthenticate(person.accessToken));
        QVERIFY(peerWs.connectAndAuthenticate(peer.accessToken));
        const double withoutBefore = server().metric("fp_websocket_frames_without_worker_total");
        const double onWorkersBefore = server().metric("fp_websocket_frames_on_workers_total");
        QVERIFY(withoutBefore >= 0 && onWorkersBefore >= 0);

        // Two bursts of 8, under the 10 frames a second this server allows a socket.
        constexpr int kMessages = 16;
        for (int i = 0; i < kMessages; ++i) {
            if (i == kMessages / 2)
                QTest::qWait(1100);
            ws.send(chatFrame(conversationId, QStringLiteral("m%1").arg(i)));
        }
        QTRY_COMPARE_WITH_TIMEOUT(peerWs.count(QStringLiteral("chat.message")), kMessages, 20000);
        QStringList order;
        for (const QJsonObject &f : peerWs.received()) {
            if (f.value(QStringLiteral("type")).toString() == QLatin1String("chat.message"))
                order.append(f.value(QStringLiteral("message"))
                                 .toObject()
                                 .value(QStringLiteral("text"))
                                 .toString());
        }
        for (int i = 0; i < kMessages; ++i)
            QCOMPARE(order.value(i), QStringLiteral("still here? m%1").arg(i));

        const double without =
            server().metric("fp_websocket_frames_without_worker_total") - withoutBefore;
        const double onWorkers =
            server().metric("fp_websocket_frames_on_workers_total") - onWorkersBefore;
        QCOMPARE(without + onWorkers, double(kMessages));
        // A cached session state lives 3 s and busy sockets' states are re-read ahead of that,
        // so on a slow machine a frame or two may still find it gone and take a worker.
        QVERIFY2(
            without >= kMessages - 2,
            qPrintable(
                QStringLiteral("%1 of %2 frames without a worker").arg(without).arg(kMessages)));
    }

    // Busy sockets never wait on their own session read, and their sessions are not read again
    // every few seconds: the reading of access changes every second vouches for them. Twelve
    // sockets sending a frame every 250 ms for 7 s read their session alone once each (at
    // auth), where each would otherwise read it again every 3 s, and are not re-read in batches
    // either (each once at most, should a slow machine break the run of readings); the state
    // stays as fresh (the ban and revocation tests above and below still hold).
    void busySocketsDoNotReadTheirSessionsAgain()
    {
        constexpr int kSockets = 12;
        std::vector<std::unique_ptr<WsClient>> sockets;
        const double aloneBefore = server().metric("fp_session_reads_alone_total");
        const double batchedBefore = server().metric("fp_session_reads_batched_total");
        const double readingsBefore = server().metric("fp_access_change_readings_total");
        QVERIFY(aloneBefore >= 0 && batchedBefore >= 0 && readingsBefore >= 0);
        for (int i = 0; i < kSockets; ++i) {
            const TestAccount account = signUp(QStringLiteral("busy%1").arg(i));
            sockets.push_back(std::make_unique<WsClient>(port()));
            QVERIFY(sockets.back()->connectAndAuthenticate(account.accessToken));
        }
        const double aloneAtStart = server().metric("fp_session_reads_alone_total");
        QElapsedTimer busy;
        busy.start();
        int pings = 0;
        while (busy.elapsed() < 7000) {
            // A frame a worker handles after checking the session (a ping is answered by the
            // I/O thread alone).
            for (auto &ws : sockets)
                ws->send({{QStringLiteral("type"), QStringLiteral("notices.resume")},
                          {QStringLiteral("after_seq"), 0}});
            ++pings;
            QTest::qWait(250);
        }
        for (auto &ws : sockets)
            QTRY_COMPARE_WITH_TIMEOUT(ws->count(QStringLiteral("notices.resumed")), pings, 10000);
        const double aloneDuring = server().metric("fp_session_reads_alone_total") - aloneAtStart;
        const double batched = server().metric("fp_session_reads_batched_total") - batchedBefore;
        const double readings = server().metric("fp_access_change_readings_total") - readingsBefore;
        // Without the refresh: about 2 reads alone per socket in 7 s. A socket whose refresh came
        // late under load may read alone once.
        QVERIFY2(aloneDuring <= kSockets / 2,
                 qPrintable(QStringLiteral("%1 alone during the pings").arg(aloneDuring)));
        // Re-read every 1.5 s without the readings of access changes: about 4 times each.
        QVERIFY2(batched <= kSockets,
                 qPrintable(QStringLiteral("%1 re-read in batches").arg(batched)));
        QVERIFY2(readings >= 4,
                 qPrintable(QStringLiteral("%1 readings of access changes").arg(readings)));
    }

    // What makes a cached session state trustworthy past its own read is the reading of access
    // changes: a logout, a logout of every other device and a ban made on an instance whose
    // Redis notices never reach this one (another key prefix: another channel) close this
    // instance's busy sockets within seconds, although it re-reads none of their sessions.
    void aChangeMadeOnAnotherInstanceIsReadFromAccessChanges()
    {
        TestServer &first = addServer(TestServer::Options {}.withoutRateLimits());
        QVERIFY(first.start());
        TestServer &second =
            addServer(TestServer::Options {}.onTheSameDatabaseAs(first).withoutRateLimits());
        QVERIFY(second.start());

        const auto [person, conversationId] = chattingOn(first, QStringLiteral("wsfar"));
        const TestAccount laptop = fp::test::logIn(first.port(), person, QStringLiteral("laptop"));
        const TestAccount desktop =
            fp::test::logIn(first.port(), person, QStringLiteral("desktop"));
        WsClient phoneSocket(first.port());
        WsClient laptopSocket(first.port());
        WsClient desktopSocket(first.port());
        QVERIFY(phoneSocket.connectAndAuthenticate(person.accessToken));
        QVERIFY(laptopSocket.connectAndAuthenticate(laptop.accessToken));
        QVERIFY(desktopSocket.connectAndAuthenticate(desktop.accessToken));

        // Busy for longer than a cached state lives on its own read (3 s).
        const double batchedBefore = first.metric("fp_session_reads_batched_total");
        for (int i = 0; i < 6; ++i) {
            keepBusy(phoneSocket, 250);
            keepBusy(laptopSocket, 250);
            keepBusy(desktopSocket, 250);
        }
        // Re-read every 1.5 s without the readings: two or three times each. Once each at most
        // with them (a run of readings broken on a slow machine).
        const double batched = first.metric("fp_session_reads_batched_total") - batchedBefore;
        QVERIFY2(batched <= 3, qPrintable(QStringLiteral("%1 re-read in batches").arg(batched)));

        const double appliedBefore = first.metric("fp_access_changes_applied_total");
        HttpClient secondClient(second.port());
        QCOMPARE(secondClient
                     .post(QStringLiteral("/api/auth/logout"),
                           {{QStringLiteral("refresh_token"), person.refreshToken}})
                     .status,
                 204);
        QCOMPARE(closedWhileSending(phoneSocket, conversationId, QStringLiteral("after-logout-")),
                 4401);
        QVERIFY(first.metric("fp_access_changes_applied_total") > appliedBefore);

        // Every other device logged out from the laptop, there.
        QCOMPARE(fp::test::clientFor(second.port(), laptop)
                     ->post(QStringLiteral("/api/auth/logout-all"), {})
                     .status,
                 204);
        QCOMPARE(
            closedWhileSending(desktopSocket, conversationId, QStringLiteral("after-logout-all-")),
            4401);

        QCOMPARE(banOn(second.port(), person.userId), 200);
        QCOMPARE(closedWhileSending(laptopSocket, conversationId, QStringLiteral("after-ban-")),
                 4401);
        // A banned account's frames are refused however they arrive (as in the test above).
        QCOMPARE(messagesSentAfterTheBan(first), 0);
    }

    // When the access changes cannot be read, they vouch for nothing more: the sessions in use
    // are re-read in batches again, and a ban made by hand without a record (none can be
    // written) closes the socket within seconds all the same.
    void whenTheAccessChangesCannotBeReadSessionsAreReadAgain()
    {
        TestServer &alone = addServer(TestServer::Options {}.withoutRateLimits());
        QVERIFY(alone.start());
        const auto [person, conversationId] = chattingOn(alone, QStringLiteral("wsunvouched"));
        WsClient ws(alone.port());
        QVERIFY(ws.connectAndAuthenticate(person.accessToken));
        keepBusy(ws, 1000);

        QVERIFY(alone.database()->exec(
            QStringLiteral("RENAME TABLE access_changes TO access_changes_away")));
        const double batchedBefore = alone.metric("fp_session_reads_batched_total");
        const double readingsBefore = alone.metric("fp_access_change_readings_total");
        keepBusy(ws, 4000);
        // (One reading may have been under way when the table went.)
        QVERIFY(alone.metric("fp_access_change_readings_total") - readingsBefore <= 1);
        QVERIFY2(alone.metric("fp_session_reads_batched_total") - batchedBefore >= 1,
                 "the session in use was not re-read");

        QVERIFY(alone.database()->exec(
            QStringLiteral("UPDATE users SET status = 'restricted', banned_at = "
                           "UTC_TIMESTAMP(3) WHERE id = '%1'")
                .arg(person.userId)));
        // Frames sent before the ban was seen are stored: a ban by hand ends no conversation.
        QCOMPARE(closedWhileSending(ws, conversationId, QStringLiteral("after-ban-")), 4401);
    }

    void malformedFramesGetAnErrorFrameUntilTheyRepeat()
    {
        const TestAccount account = signUp(QStringLiteral("wsmalformed"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(account.accessToken));
        ws.sendText(QStringLiteral("{not json"));
        QCOMPARE(ws.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("malformed_json"));
        ws.sendText(QStringLiteral("[1,2,3]"));
        QCOMPARE(ws.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("malformed_json"));
        ws.send({{QStringLiteral("type"), QStringLiteral("no.such.type")}});
        QCOMPARE(ws.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("validation_failed"));
        ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QVERIFY(!ws.waitFor(QStringLiteral("pong")).isEmpty()); // still open

        // A well-formed frame started the count again: four more in a row are answered, the
        // fifth closes the socket (1008).
        for (int i = 1; i < fp::ws::MalformedFramesToClose; ++i) {
            ws.sendText(QStringLiteral("{\"no\": \"type\"}"));
            QCOMPARE(ws.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                     QStringLiteral("malformed_json"));
        }
        ws.sendText(QStringLiteral("garbage"));
        QCOMPARE(ws.waitForClose(), 1008);
    }

    void oversizedFrameIsClosedWith1009()
    {
        const TestAccount account = signUp(QStringLiteral("wsbig"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(account.accessToken));
        ws.sendText(QString(17 * 1024, QLatin1Char('a')));
        QCOMPARE(ws.waitForClose(), 1009);
    }

    void binaryFrameIsClosedWith1008()
    {
        const TestAccount account = signUp(QStringLiteral("wsbinary"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(account.accessToken));
        ws.socket().sendBinaryMessage(QByteArray("{\"type\":\"ping\"}"));
        QCOMPARE(ws.waitForClose(), 1008);
        QCOMPARE(ws.count(QStringLiteral("pong")), 0);
    }

    void floodIsThrottledThenClosedWith1008()
    {
        const TestAccount account = signUp(QStringLiteral("wsflood"));
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(account.accessToken));
        for (int i = 0; i < 15; ++i)
            ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QCOMPARE(ws.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("rate_limited"));
        for (int i = 0; i < 100 && ws.socket().state() == QAbstractSocket::ConnectedState; ++i)
            ws.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QCOMPARE(ws.waitForClose(), 1008);
    }

    void silentClientIsDroppedByTheHeartbeat()
    {
        const TestAccount account = signUp(QStringLiteral("wssilent"));
        // A raw client: handshake, one auth frame, and then nothing, not even a pong.
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, port());
        QVERIFY(raw.waitForConnected(5000));
        raw.write(
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        const QByteArray auth =
            "{\"type\":\"auth\",\"access_token\":\"" + account.accessToken.toLatin1() + "\"}";
        QByteArray frame;
        frame.append(char(0x81)); // final text frame
        frame.append(char(0x80 | 126)); // masked, 16-bit length
        frame.append(char(auth.size() >> 8));
        frame.append(char(auth.size() & 0xff));
        frame.append(QByteArray(4, '\0')); // an all-zero mask leaves the payload as it is
        frame.append(auth);
        QByteArray received;
        QDeadlineTimer handshake(5000);
        while (!received.contains("\r\n\r\n") && !handshake.hasExpired()) {
            raw.waitForReadyRead(50);
            received += raw.readAll();
        }
        QVERIFY(received.startsWith("HTTP/1.1 101"));
        raw.write(frame);
        QDeadlineTimer deadline(10000);
        while (raw.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
            raw.waitForReadyRead(50);
            received += raw.readAll();
        }
        QVERIFY(received.contains("auth.ok")); // authenticated, so the heartbeat is what closed it
        QCOMPARE(raw.state(), QAbstractSocket::UnconnectedState);
    }

    void revokedSessionLosesItsSockets()
    {
        const TestAccount account = signUp(QStringLiteral("wsrevoke"));
        const TestAccount laptop = logIn(account, QStringLiteral("laptop"));
        WsClient phoneSocket(port());
        WsClient laptopSocket(port());
        QVERIFY(phoneSocket.connectAndAuthenticate(account.accessToken));
        QVERIFY(laptopSocket.connectAndAuthenticate(laptop.accessToken));

        HttpClient client(port());
        const HttpResult out =
            client.post(QStringLiteral("/api/auth/logout"),
                        {{QStringLiteral("refresh_token"), account.refreshToken}});
        QCOMPARE(out.status, 204);
        QCOMPARE(phoneSocket.waitForClose(), 4401);
        // The other device's session is untouched.
        laptopSocket.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        QVERIFY(!laptopSocket.waitFor(QStringLiteral("pong")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestRealtimeGateway)
#include "tst_realtime_gateway.moc"
