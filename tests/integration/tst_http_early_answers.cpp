// Reads answered from memory by the connection guard before Qt's HTTP server parses them
// (docs/performance.md, "Early answers"): they carry exactly what Qt's path writes for the same
// read, and a keep-alive connection that mixes them with requests Qt reads stays in step.

#include "server/http/Router.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"
#include "tests/support/Seed.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>

using namespace fp::test;

namespace {

constexpr const char *kOrigin = "https://app.friendship.test";

struct RawAnswer
{
    QByteArray statusLine;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased, in the order sent
    QByteArray body;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        for (const auto &[name, value] : headers) {
            if (name == lowerCaseName)
                return value;
        }
        return {};
    }
    int status() const { return statusLine.split(' ').value(1).toInt(); }
};

/// A keep-alive connection spoken to byte by byte, one request at a time.
class RawConnection
{
public:
    explicit RawConnection(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(5000);
    }
    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    qint64 bytesSent() const { return m_sent; }

    /// Sends `request` in one write, or in two writes 50 ms apart when `splitAt` > 0 (so the
    /// server reads the head in two parts), and reads the whole answer.
    std::optional<RawAnswer> ask(const QByteArray &request, qsizetype splitAt = 0)
    {
        if (splitAt > 0) {
            send(request.first(splitAt));
            QTest::qWait(50);
            send(request.sliced(splitAt));
        } else {
            send(request);
        }
        return readAnswer();
    }

private:
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
        m_sent += bytes.size();
    }

    std::optional<RawAnswer> readAnswer()
    {
        QDeadlineTimer deadline(10000);
        qsizetype headEnd = -1;
        while ((headEnd = m_pending.indexOf("\r\n\r\n")) < 0) {
            if (deadline.hasExpired() || !wait())
                return std::nullopt;
        }
        RawAnswer answer;
        const QList<QByteArray> lines = m_pending.first(headEnd).split('\n');
        answer.statusLine = lines.first().trimmed();
        qsizetype length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            const QByteArray name = lines[i].first(colon).toLower();
            const QByteArray value = lines[i].sliced(colon + 1).trimmed();
            answer.headers.append({name, value});
            if (name == "content-length")
                length = value.toLongLong();
        }
        while (m_pending.size() < headEnd + 4 + length) {
            if (deadline.hasExpired() || !wait())
                return std::nullopt;
        }
        answer.body = m_pending.sliced(headEnd + 4, length);
        m_pending.remove(0, headEnd + 4 + length);
        return answer;
    }

    bool wait()
    {
        m_socket.waitForReadyRead(100);
        m_pending += m_socket.readAll();
        return m_socket.state() == QAbstractSocket::ConnectedState || m_socket.bytesAvailable();
    }

    QTcpSocket m_socket;
    QByteArray m_pending;
    qint64 m_sent = 0;
};

QByteArray getRequest(const QString &path, const TestAccount &who, const QByteArray &extra = {})
{
    return "GET " + path.toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
        who.accessToken.toLatin1() + "\r\n" + extra + "\r\n";
}

QByteArray putBioRequest(const TestAccount &who, const QString &bio)
{
    const QByteArray body =
        QJsonDocument(QJsonObject {{QStringLiteral("bio"), bio}}).toJson(QJsonDocument::Compact);
    return "PUT /api/profile HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
        who.accessToken.toLatin1() +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
        "\r\n\r\n" + body;
}

double earlyAnswers(const TestServer &server)
{
    return qMax(0.0, server.metric("fp_http_early_answers_total"));
}

/// Whether `early` and `throughQt` are the same answer: status line, headers in order and their
/// values (but the request id), body.
bool sameAnswer(const RawAnswer &early, const RawAnswer &throughQt, QString *difference)
{
    if (early.statusLine != throughQt.statusLine || early.body != throughQt.body) {
        *difference = QStringLiteral("status line or body");
        return false;
    }
    QByteArrayList earlyNames, qtNames;
    for (const auto &[name, value] : early.headers) {
        earlyNames << name;
        if (name != "x-request-id" && throughQt.header(name) != value) {
            *difference = QString::fromLatin1(name);
            return false;
        }
    }
    for (const auto &header : throughQt.headers)
        qtNames << header.first;
    *difference = QString::fromLatin1(earlyNames.join(',') + " against " + qtNames.join(','));
    return earlyNames == qtNames;
}

} // namespace

class TestHttpEarlyAnswers : public IntegrationTest
{
    Q_OBJECT
public:
    // A browser's origin, so that answers carry CORS headers to compare too.
    TestHttpEarlyAnswers()
        : IntegrationTest(TestServer::Options().with(QStringLiteral("FP_CORS_ORIGINS"),
                                                     QString::fromLatin1(kOrigin)))
    { }

private:
    /// The same kept read, answered early and then by Qt's path (its head sent in two parts).
    void compareBothWays(const QString &path, const TestAccount &reader)
    {
        RawConnection connection(port());
        QVERIFY(connection.connected());
        const QByteArray request =
            getRequest(path, reader, QByteArray("Origin: ") + kOrigin + "\r\n");
        const double before = earlyAnswers(server());
        const std::optional<RawAnswer> early = connection.ask(request);
        QVERIFY(early);
        QCOMPARE(early->status(), 200);
        QCOMPARE(earlyAnswers(server()), before + 1);
        const QJsonObject earlyLine = server().requestLogLine(early->header("x-request-id"));
        QVERIFY(earlyLine.value(QStringLiteral("early")).toBool());
        QVERIFY(earlyLine.value(QStringLiteral("from_memory")).toBool());
        QCOMPARE(earlyLine.value(QStringLiteral("route")).toString(),
                 path.startsWith(QLatin1String("/api/trust_score/"))
                     ? QStringLiteral("/api/trust_score/{user_id}")
                     : path);

        const std::optional<RawAnswer> throughQt = connection.ask(request, 20);
        QVERIFY(throughQt);
        QCOMPARE(earlyAnswers(server()), before + 1);
        const QJsonObject qtLine = server().requestLogLine(throughQt->header("x-request-id"));
        QVERIFY(!qtLine.contains(QStringLiteral("early")));
        QVERIFY(qtLine.value(QStringLiteral("from_memory")).toBool());

        QString difference;
        QVERIFY2(sameAnswer(*early, *throughQt, &difference), qPrintable(difference));
        QCOMPARE(early->header("access-control-allow-origin"), QByteArray(kOrigin));
        QVERIFY(early->header("x-request-id") != throughQt->header("x-request-id"));
    }

private Q_SLOTS:
    void anEarlyAnswerIsWhatQtsPathWrites()
    {
        const TestAccount ann = signUp(QStringLiteral("Ann"));
        const TestAccount ben = signUp(QStringLiteral("Ben"));
        seed().match(ann, ben);
        auto bens = as(ben);
        QCOMPARE(bens->get(QStringLiteral("/api/profile")).status, 200); // kept from here on
        const QString annsScore = QStringLiteral("/api/trust_score/") + ann.userId;
        QCOMPARE(bens->get(annsScore).status, 200);

        compareBothWays(QStringLiteral("/api/profile"), ben);
        if (QTest::currentTestFailed())
            return;
        compareBothWays(annsScore, ben);
    }

    void aClientsRequestIdIsKept()
    {
        const TestAccount reader = signUp(QStringLiteral("Reader"));
        QCOMPARE(as(reader)->get(QStringLiteral("/api/profile")).status, 200);
        RawConnection connection(port());
        const double before = earlyAnswers(server());
        const std::optional<RawAnswer> answer = connection.ask(
            getRequest(QStringLiteral("/api/profile"), reader, "X-Request-Id: early-read-1\r\n"));
        QVERIFY(answer);
        QCOMPARE(answer->status(), 200);
        QCOMPARE(earlyAnswers(server()), before + 1);
        QCOMPARE(answer->header("x-request-id"), QByteArray("early-read-1"));
        QVERIFY(server().requestLogLine("early-read-1").value(QStringLiteral("early")).toBool());
    }

    void onlyTheOwnersTokenGetsTheEarlyAnswer()
    {
        const TestAccount owner = signUp(QStringLiteral("Owner"));
        const TestAccount other = signUp(QStringLiteral("Other"));
        QCOMPARE(as(owner)->get(QStringLiteral("/api/profile")).status, 200);
        RawConnection connection(port());
        const double before = earlyAnswers(server());
        const std::optional<RawAnswer> others =
            connection.ask(getRequest(QStringLiteral("/api/profile"), other));
        QVERIFY(others);
        QCOMPARE(others->status(), 200);
        QCOMPARE(QJsonDocument::fromJson(others->body)["user_id"].toString(), other.userId);
        const std::optional<RawAnswer> anonymous =
            connection.ask("GET /api/profile HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(anonymous);
        QCOMPARE(anonymous->status(), 401);
        const std::optional<RawAnswer> forged =
            connection.ask(getRequest(QStringLiteral("/api/profile"), owner)
                               .replace(owner.accessToken.toLatin1().right(8), "AAAAAAAA"));
        QVERIFY(forged);
        QCOMPARE(forged->status(), 401);
        QCOMPARE(earlyAnswers(server()), before); // none of them: each went to a worker
    }

    // Behind a trusted proxy an early answer spends the forwarded client's read budget, as
    // Qt's path does, never the proxy's.
    void behindATrustedProxyTheForwardedClientSpends()
    {
        TestServer &proxied = addServer(TestServer::Options().with(
            QStringLiteral("FP_TRUSTED_PROXIES"), QStringLiteral("127.0.0.1")));
        QVERIFY2(proxied.start(), proxied.output().constData());
        const TestAccount reader = fp::test::signUp(proxied.port(), QStringLiteral("Reader"));
        RawConnection connection(proxied.port());
        const QByteArray read = getRequest(QStringLiteral("/api/profile"), reader,
                                           "X-Forwarded-For: 198.51.100.21\r\n");
        int early = 0;
        for (int i = 0; i < 20; ++i) {
            const std::optional<RawAnswer> answer = connection.ask(read);
            QVERIFY(answer);
            QCOMPARE(answer->status(), 200);
            early += proxied.requestLogLine(answer->header("x-request-id"))
                         .value(QStringLiteral("early"))
                         .toBool();
        }
        QVERIFY2(early >= 15, qPrintable(QString::number(early)));
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray readBudgets = proxied.redisKeyPrefix().toUtf8() +
            "rate:" + QByteArray::number(int(fp::RateClass::Read)) + ":ip:";
        QVERIFY(!redis.command({"KEYS", readBudgets + "198.51.100.21:*"}).startsWith("*0"));
        QVERIFY(redis.command({"KEYS", readBudgets + "127.0.0.1:*"}).startsWith("*0"));
    }

    // Qt's parser keeps a socket transaction open between requests. Bytes the guard skipped
    // inside it would stay in the socket's buffer, and once they filled what the guard lets Qt
    // hold (here about 130 KiB) the connection would stop being read.
    void aKeptAliveConnectionMixesEarlyAnswersWithQts()
    {
        TestServer::Options options;
        options.withoutRateLimits()
            .with(QStringLiteral("FP_MAX_BODY_BYTES"), QStringLiteral("1024"))
            .with(QStringLiteral("FP_AVATAR_MAX_BYTES"), QStringLiteral("1024"));
        TestServer &server = addServer(options);
        QVERIFY2(server.start(), server.output().constData());
        const TestAccount reader = fp::test::signUp(server.port(), QStringLiteral("Reader"));
        RawConnection connection(server.port());
        QVERIFY(connection.connected());
        const QByteArray read = getRequest(QStringLiteral("/api/profile"), reader);
        QString bio = QStringLiteral("first");
        QCOMPARE(connection.ask(putBioRequest(reader, bio))->status(), 200);

        const double before = earlyAnswers(server);
        // 500 early answers in a row (over 200 KiB of heads), then each kind of request in turn.
        for (int round = 0; round < 1000; ++round) {
            std::optional<RawAnswer> answer;
            if (round < 500) {
                answer = connection.ask(read);
            } else if (round % 100 == 99) { // a body Qt reads, and the kept profile dropped
                bio = QStringLiteral("bio %1").arg(round);
                answer = connection.ask(putBioRequest(reader, bio));
            } else if (round % 7 == 3) { // a head Qt reads in two parts
                answer = connection.ask(read, 30);
            } else if (round % 11 == 5) { // a GET the guard leaves to Qt
                answer = connection.ask(
                    getRequest(QStringLiteral("/api/profile?round=%1").arg(round), reader));
            } else {
                answer = connection.ask(read);
            }
            QVERIFY2(answer, qPrintable(QStringLiteral("no answer in round %1").arg(round)));
            QCOMPARE(answer->status(), 200);
            QCOMPARE(QJsonDocument::fromJson(answer->body)["bio"].toString(), bio);
        }
        const double early = earlyAnswers(server) - before;
        QVERIFY2(early >= 850, qPrintable(QString::number(early)));
        QVERIFY(connection.bytesSent() > 400 * 1024);
    }
};

QTEST_GUILESS_MAIN(TestHttpEarlyAnswers)
#include "tst_http_early_answers.moc"
