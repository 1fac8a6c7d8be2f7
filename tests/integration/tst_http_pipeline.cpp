// The request pipeline against the real server: the error shape of every failure it produces,
// request ids, the body limit, a full worker queue, clients that vanish mid-request, and a
// graceful shutdown that finishes what it accepted.

#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <csignal>

using namespace fp::test;

namespace {

/// A "Redis" that accepts connections and never answers: every command waits for its timeout,
/// which makes /readyz a slow request on demand. It counts the PINGs it gets: /readyz sends
/// one, so a PING here means the server is in the middle of answering it.
class SilentRedis
{
public:
    SilentRedis()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        QObject::connect(&m_server, &QTcpServer::newConnection, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                QObject::connect(socket, &QTcpSocket::readyRead,
                                 [this, socket] { m_received += socket->readAll(); });
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    // Bytes of commands received (a rate-limit script, then PING, for /readyz).
    qsizetype received() const { return m_received.size(); }

private:
    QTcpServer m_server;
    QByteArray m_received;
};

QByteArray rawRequest(const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

/// A raw client connected to the server on `port`, having sent `request`; null when it could
/// not connect.
std::unique_ptr<QTcpSocket> sentRaw(quint16 port, const QByteArray &request)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    socket->write(request);
    socket->flush();
    return socket;
}

/// What `socket` receives until `marker` has arrived, or `ms` passed.
QByteArray readUntil(QTcpSocket &socket, const QByteArray &marker, int ms)
{
    QByteArray received;
    QDeadlineTimer deadline(ms);
    while (!received.contains(marker) && !deadline.hasExpired()) {
        socket.waitForReadyRead(100);
        received += socket.readAll();
    }
    return received;
}

void verifyErrorShape(const HttpResult &r, int status, const QString &code)
{
    QCOMPARE(r.status, status);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    const QJsonObject body = r.json();
    QCOMPARE(body.value(QStringLiteral("code")).toString(), code);
    QVERIFY(!body.value(QStringLiteral("message")).toString().isEmpty());
    QVERIFY(body.value(QStringLiteral("details")).isObject());
    QCOMPARE(body.value(QStringLiteral("request_id")).toString(),
             QString::fromLatin1(r.header("X-Request-Id")));
}

} // namespace

class TestHttpPipeline : public IntegrationTest
{
    Q_OBJECT

private Q_SLOTS:
    void unknownRouteIs404()
    {
        HttpClient client(port());
        verifyErrorShape(client.get(QStringLiteral("/api/does-not-exist")), 404,
                         QStringLiteral("not_found"));
    }

    void wrongMethodIs405WithAllow()
    {
        HttpClient client(port());
        const HttpResult r = client.post(QStringLiteral("/healthz"), {});
        verifyErrorShape(r, 405, QStringLiteral("method_not_allowed"));
        QCOMPARE(r.header("Allow"), QByteArray("GET"));
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("allowed")]
                     .toArray()
                     .first()
                     .toString(),
                 QStringLiteral("GET"));
    }

    void requestIdIsEchoedOrMinted()
    {
        HttpClient client(port());
        HttpResult r = client.get(QStringLiteral("/nope"), {{"X-Request-Id", "client-chosen-42"}});
        QCOMPARE(r.header("X-Request-Id"), QByteArray("client-chosen-42"));
        QCOMPARE(r.json()[QStringLiteral("request_id")].toString(),
                 QStringLiteral("client-chosen-42"));

        r = client.get(QStringLiteral("/healthz"), {{"X-Request-Id", "not sane; <script>"}});
        QCOMPARE(r.status, 200);
        QVERIFY(!r.header("X-Request-Id").isEmpty());
        QVERIFY(r.header("X-Request-Id") != "not sane; <script>");

        const HttpResult a = client.get(QStringLiteral("/healthz"));
        const HttpResult b = client.get(QStringLiteral("/healthz"));
        QVERIFY(a.header("X-Request-Id") != b.header("X-Request-Id"));

        // Every log line of a request carries its id.
        QTRY_VERIFY(server().output().contains("\"request_id\":\"client-chosen-42\""));
    }

    void oversizedBodyIs413BeforeBuffering()
    {
        // A raw client, as a browser's upload would be: the answer comes after the headers,
        // while the body is still on its way, and the connection is closed.
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port());
        QVERIFY(socket.waitForConnected(5000));
        socket.write(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "X-Request-Id: big-upload-1\r\nContent-Length: 209715200\r\n\r\n");
        socket.write(QByteArray(64 * 1024, 'x'));
        const QByteArray response = readUntil(socket, "\"request_id\"", 10000);
        QVERIFY2(response.startsWith("HTTP/1.1 413"), response.constData());
        QVERIFY(response.contains("\"code\":\"payload_too_large\""));
        QVERIFY(response.contains("Connection: close"));
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QAbstractSocket::UnconnectedState, 5000);

        HttpClient client(port());
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200);
    }

    void logsNeverCarrySecrets()
    {
        HttpClient client(port());
        client.setBearer(QStringLiteral("secret-bearer-token-value"));
        client.get(QStringLiteral("/healthz?password=hunter2-hunter2"),
                   {{"X-Request-Id", "secrets-in-the-request"}});
        // Its log line is there: whatever the request wrote, it wrote by now.
        QTRY_VERIFY(server().output().contains("\"request_id\":\"secrets-in-the-request\""));
        const QByteArray logs = server().output();
        QVERIFY(!logs.contains("secret-bearer-token-value"));
        QVERIFY(!logs.contains("hunter2"));
        QVERIFY(!logs.contains(server().jwtSecret().toUtf8()));
    }

    // A request spends its address's and its account's budget together, in one Redis round
    // trip; each budget still holds on its own: 3 reads a minute per account, 12 per address.
    void addressAndAccountBudgetsInOneRoundTrip()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer server(
            TestServer::Options()
                .onRedis(redis.port())
                .with(QStringLiteral("FP_RATE_READS_PER_MINUTE"), QStringLiteral("3")));
        QVERIFY(server.start());
        QList<TestAccount> people;
        for (int i = 0; i < 5; ++i)
            people << fp::test::signUp(server.port(), QStringLiteral("Reader %1").arg(i));

        RawRedis monitor(redis.port());
        monitor.send({"MONITOR"});
        QVERIFY(monitor.readUntil("OK").contains("OK"));
        auto first = clientFor(server.port(), people[0]);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(first->get(QStringLiteral("/api/profile")).status, 200);
        QCOMPARE(first->get(QStringLiteral("/api/profile")).status, 429); // the account's budget
        RawRedis(redis.port()).command({"PING", "end-of-requests"});
        const QByteArray seen = monitor.readUntil("end-of-requests");
        qsizetype rateScripts = 0;
        for (const QByteArray &line : seen.split('\n'))
            rateScripts += line.contains("\"EVAL\"") && line.contains(":rate:") ? 1 : 0;
        QCOMPARE(rateScripts, 4); // one round trip per request, address and account together

        // The refused read counted nowhere: the address has spent 3 of its 12.
        for (int person = 1; person <= 3; ++person) {
            auto client = clientFor(server.port(), people[person]);
            for (int i = 0; i < 3; ++i)
                QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200);
        }
        const HttpResult refused =
            clientFor(server.port(), people[4])->get(QStringLiteral("/api/profile"));
        QCOMPARE(refused.status, 429); // the address's budget, though this account has spent none
        QVERIFY(refused.header("Retry-After").toInt() >= 1);
        // The body says it too (openapi's RateLimited).
        QCOMPARE(refused.json()[QStringLiteral("details")][QStringLiteral("retry_after_seconds")]
                     .toInt(),
                 refused.header("Retry-After").toInt());
    }

    // Requests spend units this process leased from Redis: a large budget is asked about once
    // per many requests (issue #16: no Redis round trip on most requests), and every lease is
    // counted in Redis when it is taken.
    void largeBudgetsAreLeasedNotAskedPerRequest()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer server(TestServer::Options().onRedis(redis.port()));
        QVERIFY(server.start());
        const TestAccount reader = fp::test::signUp(server.port(), QStringLiteral("Reader"));
        RawRedis monitor(redis.port());
        monitor.send({"MONITOR"});
        QVERIFY(monitor.readUntil("OK").contains("OK"));
        auto client = clientFor(server.port(), reader);
        for (int i = 0; i < 64; ++i)
            QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200);
        RawRedis(redis.port()).command({"PING", "end-of-requests"});
        const QByteArray seen = monitor.readUntil("end-of-requests");
        qsizetype leases = 0;
        for (const QByteArray &line : seen.split('\n'))
            leases += line.contains("\"EVAL\"") && line.contains(":rate:") ? 1 : 0;
        // 600 reads a minute per account, 2,400 per address: leases of 16 units each.
        QVERIFY2(leases >= 4 && leases <= 8, qPrintable(QString::number(leases)));
    }

    // A reader whose answers are kept in memory never waits for Redis: when the units leased
    // for its budgets run low, a worker leases more while the I/O thread goes on spending what
    // is left (issue #16). Waiting for a lease shows on a request's log line as Redis commands;
    // one read in 16 waited before.
    void aKeptReadNeverWaitsForALease()
    {
        TestServer server;
        QVERIFY(server.start());
        const TestAccount reader = fp::test::signUp(server.port(), QStringLiteral("Reader"));
        auto client = clientFor(server.port(), reader);
        QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200); // kept from now on
        int fromMemory = 0;
        int waitedForALease = 0;
        for (int i = 0; i < 160; ++i) {
            const HttpResult r = client->get(QStringLiteral("/api/profile"));
            QCOMPARE(r.status, 200);
            const QJsonObject line = server.requestLogLine(r.header("x-request-id"));
            QVERIFY(!line.isEmpty());
            fromMemory += line.value(QStringLiteral("from_memory")).toBool() ? 1 : 0;
            waitedForALease += line.value(QStringLiteral("redis_commands")).toInteger() > 0 ? 1 : 0;
        }
        QCOMPARE(fromMemory, 160);
        // A worker slower than 8 reads in a row (the units left when it is asked) could let one
        // through to Redis on a loaded machine; one in 16 would be 10.
        QVERIFY2(waitedForALease <= 2, qPrintable(QString::number(waitedForALease)));
    }

    // A top-up that found the worker queue full is asked for again by a later read: once the
    // queue has room, kept reads go back to never waiting for a lease.
    void aTopUpTheQueueHadNoRoomForIsAskedForAgain()
    {
        // One worker and four waiting tasks: few enough to fill, more than the server's own
        // background work takes at once.
        TestServer server(TestServer::Options()
                              .with(QStringLiteral("FP_WORKER_THREADS"), QStringLiteral("1"))
                              .with(QStringLiteral("FP_WORKER_QUEUE_LIMIT"), QStringLiteral("4")));
        QVERIFY(server.start());
        const TestAccount reader = fp::test::signUp(server.port(), QStringLiteral("Reader"));
        const TestAccount stuck = fp::test::signUp(server.port(), QStringLiteral("Stuck"));
        auto client = clientFor(server.port(), reader);
        int warm = 0;
        for (int i = 0; i < 40 && warm < 4; ++i) { // kept, with leases of the reader's budgets
            const int status = client->get(QStringLiteral("/api/profile")).status;
            QVERIFY2(status == 200 || status == 503, qPrintable(QString::number(status)));
            warm += status == 200 ? 1 : 0;
            if (status == 503) // the server's own work at start filled the queue a moment
                QTest::qWait(100);
        }
        QCOMPARE(warm, 4);

        // The one worker waits for a table another connection holds, and four more requests
        // wait behind it: the queue is full while the reader's answer stays in memory. All of
        // it within a second or so: the reader's session state, kept 3 s, is re-read by a
        // worker, and with none free a kept read would soon go to a worker for it.
        const QString holder = QStringLiteral("fp-test-table-lock");
        {
            QSqlDatabase db = server.database()->openConnection(holder);
            QVERIFY(db.isOpen());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("LOCK TABLES user_profiles WRITE")));
        }
        bool locked = true;
        const auto unlock = [&locked, &holder] {
            if (!locked)
                return;
            locked = false;
            QSqlDatabase::database(holder, false).close(); // the table lock goes with it
            QSqlDatabase::removeDatabase(holder);
        };
        const auto unlockOnExit = qScopeGuard(unlock); // a failed check must not leave it held
        const QByteArray stuckRequest = "GET /api/profile HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        "Authorization: Bearer " +
            stuck.accessToken.toLatin1() + "\r\n\r\n";
        // Stuck requests one at a time until two in a row are refused: the one worker holds
        // one, and every slot of the queue is taken (by stuck requests, or by the server's own
        // work queued behind them). Sent at once, the worker could take the first only after
        // the refusals, leaving a slot for a later read to wait in until the table is free.
        std::vector<std::unique_ptr<QTcpSocket>> waiting;
        int refusedInARow = 0;
        for (int i = 0; i < 12 && refusedInARow < 2; ++i) {
            auto socket = sentRaw(server.port(), stuckRequest);
            QVERIFY(socket);
            if (readUntil(*socket, "\r\n\r\n", 100).startsWith("HTTP/1.1 503")) {
                ++refusedInARow;
            } else {
                refusedInARow = 0;
                waiting.push_back(std::move(socket));
            }
        }
        const bool full = refusedInARow == 2;
        QVERIFY2(full, "the worker queue never filled up");

        // Kept reads go on from the leases while every top-up is refused for want of room,
        // until a lease runs out: that read needs a worker, and there is none.
        int keptWhileFull = 0;
        int busy = 0;
        for (int i = 0; i < 40 && busy == 0; ++i) {
            const HttpResult r = client->get(QStringLiteral("/api/profile"));
            QVERIFY2(r.status == 200 || r.status == 503, qPrintable(QString::number(r.status)));
            keptWhileFull += r.status == 200 ? 1 : 0;
            busy += r.status == 503 ? 1 : 0;
        }
        QVERIFY2(keptWhileFull > 0, "no kept read was answered while the queue was full");
        QCOMPARE(busy, 1);

        unlock();
        int stuckAnswered = 0;
        for (auto &socket : waiting) {
            const QByteArray answer = readUntil(*socket, "\r\n\r\n", 20000);
            QVERIFY2(answer.startsWith("HTTP/1.1 200") || answer.startsWith("HTTP/1.1 503"),
                     answer.left(200).constData());
            stuckAnswered += answer.startsWith("HTTP/1.1 200") ? 1 : 0;
        }
        QVERIFY(stuckAnswered >= 1); // the requests the table held were answered once it was free
        // The server's own work that queued behind the table drains too, before the reads below
        // count on a free slot for the one that leases on a worker (/metrics is answered on the
        // worker, so it counts itself).
        QTRY_VERIFY_WITH_TIMEOUT(server.metric("fp_worker_pool_pending") <= 1, 20000);

        // The first read leases on a worker again; after it the leases are topped up ahead,
        // as if no top-up had ever been refused. Were the refused top-up still marked as on its
        // way, no top-up would be asked for again and one read in 16 would wait for Redis.
        int waitedForALease = 0;
        for (int i = 0; i < 160; ++i) {
            const HttpResult r = client->get(QStringLiteral("/api/profile"));
            QCOMPARE(r.status, 200);
            const QJsonObject line = server.requestLogLine(r.header("x-request-id"));
            QVERIFY(!line.isEmpty());
            waitedForALease += line.value(QStringLiteral("redis_commands")).toInteger() > 0 ? 1 : 0;
        }
        QVERIFY2(waitedForALease <= 3, qPrintable(QString::number(waitedForALease)));
    }

    // Two instances share one budget: together they never let more through than it, and
    // leases shrink near the limit so neither is refused much earlier.
    void instancesSharingABudgetNeverExceedIt()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer::Options options =
            TestServer::Options()
                .onRedis(redis.port())
                .with(QStringLiteral("FP_RATE_READS_PER_MINUTE"), QStringLiteral("40"));
        TestServer one(options);
        QVERIFY(one.start());
        options.alongside(one);
        TestServer two(options);
        QVERIFY(two.start());
        const TestAccount reader = fp::test::signUp(one.port(), QStringLiteral("Reader"));
        auto onOne = clientFor(one.port(), reader);
        auto onTwo = clientFor(two.port(), reader);
        int allowed = 0;
        int refusedInARow = 0;
        for (int i = 0; i < 120 && refusedInARow < 4; ++i) {
            const int status = (i % 3 ? onOne : onTwo)->get(QStringLiteral("/api/profile")).status;
            QVERIFY2(status == 200 || status == 429, qPrintable(QString::number(status)));
            allowed += status == 200 ? 1 : 0;
            refusedInARow = status == 429 ? refusedInARow + 1 : 0;
        }
        // A minute boundary during the loop would let the next window's budget in too.
        QVERIFY2(allowed <= 40 || QDateTime::currentMSecsSinceEpoch() % 60000 < 20000,
                 qPrintable(QString::number(allowed)));
        QVERIFY2(allowed >= 36, qPrintable(QString::number(allowed)));
    }

    void fullWorkerQueueIs503()
    {
        SilentRedis silent;
        TestServer::Options options;
        options.redisPort = silent.port();
        options.extraEnvironment.insert(QStringLiteral("FP_WORKER_THREADS"), QStringLiteral("1"));
        options.extraEnvironment.insert(QStringLiteral("FP_WORKER_QUEUE_LIMIT"),
                                        QStringLiteral("1"));
        TestServer server(options);
        QVERIFY(server.start());

        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 6; ++i) {
            sockets.push_back(sentRaw(server.port(), rawRequest("/readyz")));
            QVERIFY(sockets.back());
        }
        int busy = 0;
        for (auto &socket : sockets) {
            const QByteArray response = readUntil(*socket, "\r\n\r\n", 15000);
            if (response.startsWith("HTTP/1.1 503")) {
                if (response.contains("\"code\":\"unavailable\"") &&
                    response.contains("Retry-After:"))
                    ++busy;
            }
        }
        QVERIFY2(busy >= 3, qPrintable(QString::number(busy)));
        QVERIFY(server.running());
    }

    void survivesClientsDisconnectingMidRequest()
    {
        SilentRedis silent; // /readyz now takes a while: the clients leave before it answers
        TestServer::Options options;
        options.redisPort = silent.port();
        TestServer server(options);
        QVERIFY(server.start());

        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 50; ++i) {
            sockets.push_back(sentRaw(
                server.port(),
                i % 5 == 0 ? QByteArray("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Length: 100\r\n\r\n{\"em") // half a request
                           : rawRequest(i % 2 ? "/readyz" : "/healthz")));
            QVERIFY(sockets.back());
        }
        // Leave while the server is answering: its first /readyz has reached the silent Redis.
        QTRY_VERIFY(silent.received() > 0);
        for (auto &socket : sockets)
            socket->abort();
        sockets.clear();

        HttpClient client(server.port());
        // Wait until the abandoned requests have all been answered into the void.
        if (!pollUntil(
                [&] {
                    return client.get(QStringLiteral("/metrics"))
                        .body.contains("fp_worker_pool_pending 0");
                },
                20000, 200))
            qInfo("the worker pool still had work after 20 s");
        QVERIFY(server.running());
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200);
        QVERIFY(client.get(QStringLiteral("/metrics")).body.contains("fp_http_clients_gone_total"));
        QCOMPARE(server.stop(), 0);
    }

    void gracefulShutdownFinishesInFlightWork()
    {
        SilentRedis silent;
        TestServer::Options options;
        options.redisPort = silent.port();
        TestServer server(options);
        QVERIFY(server.start());

        QWebSocket ws;
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(server.port())));
        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::ConnectedState, 5000);

        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(slow.waitForConnected(5000));
        slow.write(rawRequest("/readyz")); // in flight for about a second
        slow.flush();
        QTRY_VERIFY(silent.received() > 0); // the server is answering it

        ::kill(pid_t(server.pid()), SIGTERM);

        const QByteArray response = readUntil(slow, "\"request_id\"", 15000);
        QVERIFY2(response.startsWith("HTTP/1.1 503"),
                 response.constData()); // answered, not dropped
        QVERIFY(response.contains("\"code\":\"unavailable\""));

        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(int(ws.closeCode()), 1001);

        QCOMPARE(server.stop(), 0);
        QVERIFY(server.output().contains("shutdown_complete"));
        QTcpSocket late;
        late.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(!late.waitForConnected(1000));
    }
};

QTEST_GUILESS_MAIN(TestHttpPipeline)
#include "tst_http_pipeline.moc"
