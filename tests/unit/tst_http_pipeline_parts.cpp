// The pipeline's pure parts: routing (404 vs 405, captures), request ids, content types and
// the stream reader that guards every connection before Qt's parser sees a byte, and the
// reading of a plain GET that the guard answers early.

#include "server/http/ConnectionGuard.h"
#include "server/http/HttpServer.h"
#include "server/http/PlainGet.h"
#include "server/http/RateLimiter.h"
#include "server/http/RequestStreamReader.h"
#include "server/http/Router.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <QUuid>

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

        // Longer than every route, and no segment at all: nothing, and nothing allowed.
        QVERIFY(
            !router.find("GET", QStringLiteral("/api/auth/sessions/abc/more/and/more"), &allowed));
        QVERIFY(!router.find("GET", QStringLiteral("/"), &allowed));
        QVERIFY(allowed.isEmpty());
        // Empty segments are skipped, as in a pattern.
        m = router.find("GET", QStringLiteral("//api//things//mine/"), nullptr);
        QVERIFY(m);
        QCOMPARE(m->route->pattern, QStringLiteral("/api/things/mine"));
    }

    void routesWithAsManyCapturesGoToTheFirstAdded()
    {
        Router router;
        auto ok = [](RequestContext &) {
            return HttpResponse::noContent();
        };
        router.add("GET", "/api/things/{id}", Access::User, ok);
        router.add("GET", "/api/{kind}/other", Access::User, ok);
        const auto m = router.find("GET", QStringLiteral("/api/things/other"), nullptr);
        QVERIFY(m);
        QCOMPARE(m->route->pattern, QStringLiteral("/api/things/{id}"));
        QCOMPARE(m->params,
                 (QHash<QString, QString> {{QStringLiteral("id"), QStringLiteral("other")}}));
        const auto other = router.find("GET", QStringLiteral("/api/people/other"), nullptr);
        QVERIFY(other);
        QCOMPARE(other->params,
                 (QHash<QString, QString> {{QStringLiteral("kind"), QStringLiteral("people")}}));
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

    void freshRequestIdsAreRandomUuids()
    {
        const QRegularExpression shape(QStringLiteral(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"));
        QSet<QString> seen;
        for (int i = 0; i < 10000; ++i) {
            const QString id = newRequestId();
            QVERIFY2(shape.match(id).hasMatch(), qPrintable(id));
            const QUuid uuid(id);
            QCOMPARE(uuid.version(), QUuid::Random);
            QCOMPARE(uuid.variant(), QUuid::DCE);
            seen.insert(id);
        }
        QCOMPARE(seen.size(), 10000);
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

    // The reader that guards every connection before Qt's parser sees a byte.

    void headsAndBodies_data()
    {
        using V = RequestStreamReader::Verdict;
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<int>("verdict");
        QTest::addColumn<QString>("field");
        const auto row = [](const char *name, const QByteArray &stream, V verdict,
                            const QString &field = {}) {
            QTest::newRow(name) << stream << int(verdict) << field;
        };
        row("get", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", V::Continue);
        row("body within the limit", "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            V::Continue);
        row("announced body over the limit", "POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n",
            V::BodyTooLarge, "body");
        row("duplicate content-length",
            "POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", V::Malformed,
            "header.Content-Length");
        row("content-length list", "POST /x HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello",
            V::Malformed, "header.Content-Length");
        row("signed content-length", "POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
            V::Malformed, "header.Content-Length");
        row("duplicate transfer-encoding",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
            "chunked\r\n\r\n",
            V::Malformed, "header.Transfer-Encoding");
        row("content-length and transfer-encoding",
            "POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            V::Malformed, "header.Transfer-Encoding");
        row("transfer-encoding other than chunked",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", V::Malformed,
            "header.Transfer-Encoding");
        row("bare LF line end", "GET /x HTTP/1.1\nHost: x\n\n", V::Malformed, "header");
        row("bare CR inside a header", "GET /x HTTP/1.1\r\nX-A: a\rContent-Length: 5\r\n\r\n",
            V::Malformed, "header");
        row("NUL inside a header", QByteArray("GET /x HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 29),
            V::Malformed, "header");
        row("other control character in a value", "GET /x HTTP/1.1\r\nUser-Agent: a\x01\r\n\r\n",
            V::Continue);
        row("folded header", "GET /x HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", V::Malformed, "header");
        row("space before colon", "GET /x HTTP/1.1\r\nContent-Length : 5\r\n\r\n", V::Malformed,
            "header");
        row("duplicate host", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", V::Malformed,
            "header.Host");
        row("unknown method", "BREW /x HTTP/1.1\r\n\r\n", V::Malformed, "request_line");
        row("connect", "CONNECT x:443 HTTP/1.1\r\n\r\n", V::Malformed, "request_line");
        row("http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", V::Malformed, "request_line");
        row("absolute target", "GET http://x/ws HTTP/1.1\r\n\r\n", V::Malformed, "request_line");
        row("target with a fragment", "GET /x#y HTTP/1.1\r\n\r\n", V::Malformed, "request_line");
        row("target with a raw quote", "GET /x?q=\"a\" HTTP/1.1\r\n\r\n", V::Malformed,
            "request_line");
        row("percent-encoded target", "GET /api/x?q=%22a%22&n=1 HTTP/1.1\r\n\r\n", V::Continue);
        row("websocket handshake",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\r\n",
            V::Continue);
        row("upgrade on login",
            "POST /api/auth/login HTTP/1.1\r\nUpgrade: websocket\r\nContent-Length: "
            "50\r\n\r\n",
            V::Malformed, "header.Upgrade");
        row("upgrade with connection upgrade on login",
            "POST /api/auth/login HTTP/1.1\r\nUpgrade: websocket\r\nConnection: "
            "Upgrade\r\nContent-Length: 50\r\n\r\n",
            V::Malformed, "header.Upgrade");
        row("upgrade without connection upgrade", "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            V::Malformed, "header.Upgrade");
        row("upgrade to another protocol",
            "GET /ws HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", V::Malformed,
            "header.Upgrade");
        row("upgrade with a body",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: "
            "5\r\n\r\n",
            V::Malformed, "header.Upgrade");
        // Header names in any case are the same header; values compared without case too.
        row("duplicate content-length in two cases",
            "POST /x HTTP/1.1\r\ncontent-length: 5\r\nCONTENT-LENGTH: 5\r\n\r\nhello", V::Malformed,
            "header.Content-Length");
        row("chunked in capitals",
            "POST /x HTTP/1.1\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            V::Continue);
        row("duplicate host in two cases", "GET /x HTTP/1.1\r\nhost: a\r\nHOST: b\r\n\r\n",
            V::Malformed, "header.Host");
        row("websocket handshake in other cases",
            "GET /ws HTTP/1.1\r\nupgrade: WebSocket\r\nCONNECTION: keep-alive ,  UPGRADE\r\n\r\n",
            V::Continue);
        row("upgrade with an empty connection option",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: ,,\r\n\r\n", V::Malformed,
            "header.Upgrade");
        row("request line with two spaces", "GET  /x HTTP/1.1\r\n\r\n", V::Malformed,
            "request_line");
        row("request line with a trailing space", "GET /x HTTP/1.1 \r\n\r\n", V::Malformed,
            "request_line");
        row("request line of two parts", "GET /x\r\n\r\n", V::Malformed, "request_line");
        row("request line of four parts", "GET /x HTTP/1.1 extra\r\n\r\n", V::Malformed,
            "request_line");
        row("head over 64 KiB",
            "GET /x HTTP/1.1\r\nX: " + QByteArray(RequestStreamReader::kMaxHeadBytes, 'a'),
            V::HeadTooLarge, "header");
        row("chunked within the limit",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n"
            "0\r\nX-Checksum: 1\r\n\r\n",
            V::Continue);
        row("chunked over the limit",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + QByteArray(64, 'a') +
                "\r\n40\r\n",
            V::BodyTooLarge, "body");
        row("chunk size not hex", "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            V::Malformed, "body");
        row("chunk data without CRLF",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", V::Malformed,
            "body");
        row("chunk-size line ending in bare LF",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n", V::Malformed,
            "body");
        row("framing header as trailer",
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: "
            "5\r\n\r\n",
            V::Malformed, "body");
    }

    void headsAndBodies()
    {
        QFETCH(QByteArray, stream);
        QFETCH(int, verdict);
        QFETCH(QString, field);
        // Whole, and one byte at a time: where the bytes are split must not matter.
        RequestStreamReader whole(100, 16);
        QCOMPARE(int(whole.feed(stream)), verdict);
        QCOMPARE(whole.field(), field);
        RequestStreamReader bytewise(100, 16);
        RequestStreamReader::Verdict last = RequestStreamReader::Verdict::Continue;
        for (qsizetype i = 0; i < stream.size() && last == RequestStreamReader::Verdict::Continue;
             ++i)
            last = bytewise.feed(stream.mid(i, 1));
        QCOMPARE(int(last), verdict);
    }

    void chunkTerminatorInsideDataIsData()
    {
        // "0\r\n\r\n" inside a chunk is data; a reader that looked for it would end the body
        // there and read the rest as a second request.
        RequestStreamReader reader(100, 16);
        QCOMPARE(reader.feed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "a\r\n\r\n0\r\n\r\nabc\r\n"),
                 RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.phase(), RequestStreamReader::Phase::Body);
        QCOMPARE(reader.requestsRead(), 1);
        QCOMPARE(reader.feed("0\r\n\r\n"), RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.phase(), RequestStreamReader::Phase::BetweenRequests);
    }

    void oneRouteMayTakeALargerBody()
    {
        // The avatar upload's allowance (Route::maxBodyBytes): its method and exact path only,
        // by Content-Length and by decoded chunks alike; other requests keep the default.
        const QList<RequestStreamReader::LargerBody> larger {{"PUT", "/api/profile/avatar", 1000}};
        const auto verdict = [&larger](const QByteArray &head) {
            RequestStreamReader reader(100, 16, larger);
            return reader.feed(head);
        };
        QCOMPARE(verdict("PUT /api/profile/avatar HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"),
                 RequestStreamReader::Verdict::Continue);
        QCOMPARE(verdict("PUT /api/profile/avatar?x=1 HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"),
                 RequestStreamReader::Verdict::Continue);
        QCOMPARE(verdict("PUT /api/profile/avatar HTTP/1.1\r\nContent-Length: 1001\r\n\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
        QCOMPARE(verdict("POST /api/profile/avatar HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
        QCOMPARE(verdict("PUT /api/profile HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
        QCOMPARE(verdict("PUT /api/profile/avatar HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3e8\r\n"),
                 RequestStreamReader::Verdict::Continue);
        QCOMPARE(verdict("PUT /api/profile/avatar HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3e9\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
        // After the large request, the next one on the connection is back to the default.
        RequestStreamReader reader(100, 16, larger);
        QCOMPARE(reader.feed("PUT /api/profile/avatar HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
                 RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.feed("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
    }

    void keepAliveRequestsAreEachCounted()
    {
        RequestStreamReader reader(100, 16);
        for (const QByteArray &request :
             {QByteArray("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\r\n"),
              QByteArray("GET /b HTTP/1.1\r\n\r\n"),
              QByteArray("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                         "0\r\n\r\n"),
              QByteArray("POST /d HTTP/1.1\r\nContent-Length: 100\r\n\r\n")}) {
            QCOMPARE(reader.feed(request), RequestStreamReader::Verdict::Continue);
        }
        QCOMPARE(reader.requestsRead(), 4);
        QCOMPARE(reader.phase(), RequestStreamReader::Phase::Body);
        QCOMPARE(reader.feed(QByteArray(100, 'x')), RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.phase(), RequestStreamReader::Phase::BetweenRequests);
        // Each request has the whole limit, never more.
        QCOMPARE(reader.feed("POST /e HTTP/1.1\r\nContent-Length: 900\r\n\r\n"),
                 RequestStreamReader::Verdict::BodyTooLarge);
    }

    void pipelinedRequestsAreRefused_data()
    {
        QTest::addColumn<QByteArray>("first");
        QTest::addColumn<QByteArray>("together");
        QTest::newRow("two heads")
            << QByteArray() << QByteArray("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        QTest::newRow("after a body")
            << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\n")
            << QByteArray("abcPOST /b HTTP/1.1\r\nContent-Length: 900\r\n\r\n");
        QTest::newRow("after a chunked body")
            << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            << QByteArray("0\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    }

    void pipelinedRequestsAreRefused()
    {
        // Qt 6.4 parses what arrived together in one go and hands over only the last request.
        QFETCH(QByteArray, first);
        QFETCH(QByteArray, together);
        RequestStreamReader reader(100, 16);
        QCOMPARE(reader.feed(first), RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.feed(together), RequestStreamReader::Verdict::Malformed);
        QCOMPARE(reader.field(), QStringLiteral("request_line"));
    }

    void plainGets_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QString>("path"); // empty: left to Qt's HTTP server
        QTest::addColumn<QByteArray>("headers"); // name=value;... as read
        QTest::newRow("a read") << QByteArray("GET /api/trust_score/3f2a-9c HTTP/1.1\r\n"
                                              "Host: 127.0.0.1:8080\r\n"
                                              "Authorization: Bearer a.b.c\r\n\r\n")
                                << QStringLiteral("/api/trust_score/3f2a-9c")
                                << QByteArray("host=127.0.0.1:8080;authorization=Bearer a.b.c;");
        QTest::newRow("HTTP/1.0, no headers") << QByteArray("GET /api/profile HTTP/1.0\r\n\r\n")
                                              << QStringLiteral("/api/profile") << QByteArray();
        QTest::newRow("names lower-cased, values trimmed, repeats kept in order")
            << QByteArray("GET /a HTTP/1.1\r\nX-Thing:  one \t\r\nx-thing:two\r\n\r\n")
            << QStringLiteral("/a") << QByteArray("x-thing=one;x-thing=two;");
        QTest::newRow("IPv6 host") << QByteArray("GET /a HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")
                                   << QStringLiteral("/a") << QByteArray("host=[::1]:80;");
        const QString qt; // left to Qt
        QTest::newRow("POST") << QByteArray("POST /a HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("HEAD") << QByteArray("HEAD /a HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a query") << QByteArray("GET /a?x=1 HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a fragment")
            << QByteArray("GET /a#x HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("an escape")
            << QByteArray("GET /a%2Fb HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a dot-dot segment")
            << QByteArray("GET /api/../api/profile HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a dot segment at the end")
            << QByteArray("GET /api/profile/. HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("an absolute target")
            << QByteArray("GET http://h/a HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("an empty line first")
            << QByteArray("\r\nGET /a HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a space too many")
            << QByteArray("GET /a  HTTP/1.1\r\n\r\n") << qt << QByteArray();
        QTest::newRow("HTTP/2.0") << QByteArray("GET /a HTTP/2.0\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a host with user info")
            << QByteArray("GET /a HTTP/1.1\r\nHost: me@h\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a folded line")
            << QByteArray("GET /a HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n") << qt << QByteArray();
        QTest::newRow("a bare LF")
            << QByteArray("GET /a HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n\r\n") << qt << QByteArray();
        QTest::newRow("not ended")
            << QByteArray("GET /a HTTP/1.1\r\nHost: h\r\n") << qt << QByteArray();
    }

    void plainGets()
    {
        QFETCH(QByteArray, head);
        QFETCH(QString, path);
        QFETCH(QByteArray, headers);
        const std::optional<PlainGet> get = readPlainGet(head);
        QCOMPARE(get.has_value(), !path.isEmpty());
        if (!get)
            return;
        QCOMPARE(get->path, path);
        QByteArray read;
        for (const auto &[name, value] : get->headers)
            read += name + '=' + value + ';';
        QCOMPARE(read, headers);
    }

    void connectionsAreCountedPerAddress()
    {
        const auto key = [](const char *address) {
            return GuardedTcpServer::addressKey(QHostAddress(QString::fromLatin1(address)));
        };
        QCOMPARE(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        QVERIFY(key("192.0.2.7") != key("192.0.2.8"));
        // One IPv6 host picks its addresses from a whole /64.
        QCOMPARE(key("2001:db8:1:2:3:4:5:6"), key("2001:db8:1:2:ffff::1"));
        QVERIFY(key("2001:db8:1:2::1") != key("2001:db8:1:3::1"));
    }

    void webSocketFrameLengths_data()
    {
        QTest::addColumn<QByteArray>("frames");
        QTest::addColumn<bool>("tooLarge");
        const auto frame = [](int firstByte, quint64 length, bool withPayload = true) {
            QByteArray f;
            f.append(char(firstByte));
            if (length < 126) {
                f.append(char(0x80 | length));
            } else if (length <= 0xffff) {
                f.append(char(0x80 | 126));
                f.append(char(length >> 8));
                f.append(char(length & 0xff));
            } else {
                f.append(char(0x80 | 127));
                for (int shift = 56; shift >= 0; shift -= 8)
                    f.append(char((length >> shift) & 0xff));
            }
            f.append(QByteArray(4, '\x01')); // the mask
            if (withPayload)
                f.append(QByteArray(qsizetype(length), 'p'));
            return f;
        };
        QTest::newRow("7-bit within") << frame(0x81, 100) << false;
        QTest::newRow("16-bit within") << frame(0x81, 1000) << false;
        QTest::newRow("16-bit over") << frame(0x81, 1025, false) << true;
        QTest::newRow("64-bit over") << frame(0x81, 2'000'000, false) << true;
        QTest::newRow("64-bit huge") << frame(0x81, quint64(1) << 62, false) << true;
        QTest::newRow("fragments within")
            << frame(0x01, 500) + frame(0x00, 500) + frame(0x80, 24) << false;
        QTest::newRow("fragments over")
            << frame(0x01, 500) + frame(0x00, 500) + frame(0x80, 25) << true;
        QTest::newRow("ping between fragments")
            << frame(0x01, 1000) + frame(0x89, 4) + frame(0x80, 24) << false;
        QTest::newRow("messages one after another")
            << frame(0x81, 1000) + frame(0x81, 1000) + frame(0x81, 1000) << false;
    }

    void webSocketFrameLengths()
    {
        QFETCH(QByteArray, frames);
        QFETCH(bool, tooLarge);
        RequestStreamReader reader(100, 1024);
        QCOMPARE(
            reader.feed("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
            RequestStreamReader::Verdict::Continue);
        QCOMPARE(reader.phase(), RequestStreamReader::Phase::WebSocket);
        RequestStreamReader::Verdict verdict = RequestStreamReader::Verdict::Continue;
        for (qsizetype i = 0;
             i < frames.size() && verdict == RequestStreamReader::Verdict::Continue; i += 7)
            verdict = reader.feed(frames.mid(i, 7));
        QCOMPARE(verdict,
                 tooLarge ? RequestStreamReader::Verdict::WebSocketMessageTooLarge
                          : RequestStreamReader::Verdict::Continue);
    }
};

QTEST_APPLESS_MAIN(TestPipelineParts)
#include "tst_http_pipeline_parts.moc"
