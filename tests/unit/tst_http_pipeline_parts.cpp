// The pipeline's pure parts: routing (404 vs 405, captures), request ids, content types and
// the request-size tracker that guards the socket before Qt buffers a body.

#include "server/http/BodyLimitGuard.h"
#include "server/http/HttpServer.h"
#include "server/http/RateLimiter.h"
#include "server/http/Router.h"

#include <QTest>

using namespace fp;

class TestPipelineParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routing()
    {
        Router router;
        auto ok = [](RequestContext &) {
            return HttpResponse::noContent();
        };
        router.add("GET", "/api/auth/sessions", Access::User, ok);
        router.add("DELETE", "/api/auth/sessions/{id}", Access::User, ok);
        router.add("GET", "/api/trust_score/{user_id}", Access::User, ok);
        router.add("GET", "/api/things/{id}", Access::User, ok);
        router.add("GET", "/api/things/mine", Access::User, ok);

        QList<QByteArray> allowed;
        auto m = router.find("DELETE", QStringLiteral("/api/auth/sessions/abc"), &allowed);
        QVERIFY(m);
        QCOMPARE(m->params.value(QStringLiteral("id")), QStringLiteral("abc"));

        m = router.find("GET", QStringLiteral("/api/things/mine"), nullptr);
        QVERIFY(m);
        QCOMPARE(m->route->pattern, QStringLiteral("/api/things/mine")); // literal beats capture

        allowed.clear();
        QVERIFY(!router.find("POST", QStringLiteral("/api/trust_score/x"), &allowed));
        QCOMPARE(allowed, QList<QByteArray> {"GET"});

        allowed.clear();
        QVERIFY(!router.find("GET", QStringLiteral("/api/nothing"), &allowed));
        QVERIFY(allowed.isEmpty());
        QVERIFY(!router.find("GET", QStringLiteral("/api/trust_score/a/b"), &allowed));
    }

    void postRoutesTakeJson()
    {
        Router router;
        router.add("POST", "/api/x", Access::User,
                   [](RequestContext &) { return HttpResponse::noContent(); });
        router.add("GET", "/api/y", Access::User,
                   [](RequestContext &) { return HttpResponse::noContent(); });
        QVERIFY(router.routes()[0].takesJson);
        QVERIFY(!router.routes()[1].takesJson);
    }

    void requestIds_data()
    {
        QTest::addColumn<QByteArray>("client");
        QTest::addColumn<bool>("kept");
        QTest::newRow("uuid") << QByteArray("3f2b1c9e-1111-2222-3333-444455556666") << true;
        QTest::newRow("simple") << QByteArray("req-42.a:b_c") << true;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("spaces") << QByteArray("has space") << false;
        QTest::newRow("newline injection") << QByteArray("a\r\nSet-Cookie: x") << false;
        QTest::newRow("too long") << QByteArray(129, 'a') << false;
    }

    void requestIds()
    {
        QFETCH(QByteArray, client);
        QFETCH(bool, kept);
        const QString chosen = chooseRequestId(client);
        QVERIFY(!chosen.isEmpty());
        QCOMPARE(chosen == QString::fromLatin1(client), kept);
    }

    void contentTypes_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("json");
        QTest::newRow("plain") << QByteArray("application/json") << true;
        QTest::newRow("charset") << QByteArray("application/json; charset=utf-8") << true;
        QTest::newRow("case") << QByteArray("Application/JSON") << true;
        QTest::newRow("text") << QByteArray("text/plain") << false;
        QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded") << false;
        QTest::newRow("missing") << QByteArray() << false;
    }

    void contentTypes()
    {
        QFETCH(QByteArray, value);
        QFETCH(bool, json);
        QCOMPARE(isJsonContentType(value), json);
    }

    void addressKeys_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("key");
        QTest::newRow("IPv4") << "203.0.113.7"
                              << "203.0.113.7";
        QTest::newRow("IPv4-mapped IPv6") << "::ffff:203.0.113.7"
                                          << "203.0.113.7";
        QTest::newRow("IPv6: its /64") << "2001:db8:1:2:aaaa:bbbb:cccc:dddd"
                                       << "2001:db8:1:2::/64";
        QTest::newRow("IPv6, short form") << "2001:db8:1:2::1"
                                          << "2001:db8:1:2::/64";
        QTest::newRow("IPv6, upper case") << "2001:DB8:1:2::FFFF"
                                          << "2001:db8:1:2::/64";
        QTest::newRow("IPv6, another /64") << "2001:db8:1:3::1"
                                           << "2001:db8:1:3::/64";
        QTest::newRow("loopback IPv6") << "::1"
                                       << "::/64";
        QTest::newRow("not an address") << "unknown"
                                        << "unknown";
    }

    void addressKeys()
    {
        // Every per-address budget (requests, password guesses) counts an IPv6 client by /64.
        QFETCH(QString, address);
        QFETCH(QString, key);
        QCOMPARE(RateLimiter::addressKey(address), key);
        QCOMPARE(RateLimiter::addressKey(QHostAddress(address)),
                 QHostAddress(address).isNull() ? QHostAddress().toString() : key);
    }

    void sizeTracker()
    {
        RequestSizeTracker t(100);
        QCOMPARE(t.feed("POST /x HTTP/1.1\r\nContent-Length: 50\r\n\r\n"),
                 RequestSizeTracker::Verdict::Continue);
        QCOMPARE(t.feed(QByteArray(50, 'a')), RequestSizeTracker::Verdict::Continue);
        // keep-alive: the next request on the same connection is judged on its own
        QCOMPARE(t.feed("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
                 RequestSizeTracker::Verdict::TooLarge);

        RequestSizeTracker split(100);
        QCOMPARE(split.feed("POST /x HTTP/1.1\r\nConte"), RequestSizeTracker::Verdict::Continue);
        QCOMPARE(split.feed("nt-Length: 5000\r\n\r\n"), RequestSizeTracker::Verdict::TooLarge);

        RequestSizeTracker chunked(100);
        QCOMPARE(chunked.feed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 RequestSizeTracker::Verdict::Continue);
        QCOMPARE(chunked.feed(QByteArray(80, 'a')), RequestSizeTracker::Verdict::Continue);
        QCOMPARE(chunked.feed(QByteArray(80, 'a')), RequestSizeTracker::Verdict::TooLarge);

        RequestSizeTracker headers(100);
        QCOMPARE(headers.feed("GET /x HTTP/1.1\r\nX: " +
                              QByteArray(RequestSizeTracker::kMaxHeaderBytes + 1, 'a')),
                 RequestSizeTracker::Verdict::HeadersTooLarge);

        RequestSizeTracker ws(100);
        QCOMPARE(ws.feed("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
                 RequestSizeTracker::Verdict::Upgraded);

        RequestSizeTracker pipelined(100);
        QCOMPARE(pipelined.feed("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPOST /b "
                                "HTTP/1.1\r\nContent-Length: 900\r\n\r\n"),
                 RequestSizeTracker::Verdict::TooLarge);
    }
};

QTEST_APPLESS_MAIN(TestPipelineParts)
#include "tst_http_pipeline_parts.moc"
