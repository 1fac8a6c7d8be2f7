// The /ws gateway against the real server: first-frame authentication (4401 otherwise),
// ping/pong, malformed frames answered with an error frame, oversized frames (1009),
// floods (throttled, then 1008), silent clients dropped by the heartbeat, and sockets of a
// revoked session closed at once.

#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QTest>

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
                  .with(QStringLiteral("FP_WS_MAX_FRAMES_PER_SECOND"), QStringLiteral("10")))
    { }

private Q_SLOTS:
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

    void malformedFramesGetAnErrorFrameNotAClose()
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
