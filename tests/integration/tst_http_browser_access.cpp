// What a browser needs, against the real server: CORS preflights and headers for listed
// origins only, the same rule for WebSocket handshakes, security headers, X-Forwarded-For only
// from trusted proxies, and TLS served directly (HTTPS and wss://) with a generated certificate.

#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QNetworkRequest>
#include <QProcess>
#include <QSslConfiguration>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace fp::test;

namespace {

const QByteArray kAllowed = "http://localhost:5173";

TestServer::Options withOrigins()
{
    return TestServer::Options().with(
        QStringLiteral("FP_CORS_ORIGINS"),
        QStringLiteral("https://app.example.com,http://localhost:5173"));
}

} // namespace

class TestHttpBrowserAccess : public IntegrationTest
{
    Q_OBJECT

public:
    TestHttpBrowserAccess() : IntegrationTest(withOrigins()) { }

private Q_SLOTS:
    void preflightForAListedOrigin()
    {
        HttpClient client(port());
        const HttpResult r =
            client.send("OPTIONS", QStringLiteral("/api/auth/login"), {},
                        {{"Origin", kAllowed},
                         {"Access-Control-Request-Method", "POST"},
                         {"Access-Control-Request-Headers", "content-type, idempotency-key"}});
        QCOMPARE(r.status, 204);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kAllowed);
        QVERIFY(r.header("Access-Control-Allow-Methods").contains("POST"));
        const QByteArray headers = r.header("Access-Control-Allow-Headers");
        for (const char *h : {"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"})
            QVERIFY2(headers.contains(h), h);
        QVERIFY(!r.header("Access-Control-Max-Age").isEmpty());
    }

    void preflightForAnotherOriginIsRefused()
    {
        HttpClient client(port());
        const HttpResult r = client.send(
            "OPTIONS", QStringLiteral("/api/auth/login"), {},
            {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
        QCOMPARE(r.status, 403);
        QVERIFY(r.header("Access-Control-Allow-Origin").isEmpty());
        QCOMPARE(client
                     .send("OPTIONS", QStringLiteral("/api/nowhere"), {},
                           {{"Origin", kAllowed}, {"Access-Control-Request-Method", "GET"}})
                     .status,
                 404);
    }

    // OPTIONS that is no preflight (no origin, or no method asked about) is a method like any
    // other: 405 with Allow on a known path, 404 elsewhere.
    void optionsWithoutAPreflightIsAMethodNotAllowed()
    {
        HttpClient client(port());
        for (const QList<std::pair<QByteArray, QByteArray>> &headers :
             {QList<std::pair<QByteArray, QByteArray>> {},
              QList<std::pair<QByteArray, QByteArray>> {{"Origin", kAllowed}}}) {
            const HttpResult r =
                client.send("OPTIONS", QStringLiteral("/api/catalog"), {}, headers);
            QCOMPARE(r.status, 405);
            QCOMPARE(r.header("Allow"), QByteArray("GET"));
            QCOMPARE(r.json()[QStringLiteral("code")].toString(),
                     QStringLiteral("method_not_allowed"));
            QCOMPARE(client.send("OPTIONS", QStringLiteral("/api/nowhere"), {}, headers).status,
                     404);
        }
    }

    void responsesCarryCorsAndSecurityHeaders()
    {
        HttpClient client(port());
        HttpResult r = client.get(QStringLiteral("/healthz"), {{"Origin", kAllowed}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kAllowed);
        QVERIFY(r.header("Access-Control-Expose-Headers").contains("X-Request-Id"));
        QVERIFY(r.header("Access-Control-Expose-Headers").contains("Retry-After"));
        QCOMPARE(r.header("X-Content-Type-Options"), QByteArray("nosniff"));
        QCOMPARE(r.header("Referrer-Policy"), QByteArray("no-referrer"));
        QVERIFY(r.header("Strict-Transport-Security").isEmpty()); // plain HTTP here

        r = client.get(QStringLiteral("/healthz"), {{"Origin", "https://evil.example"}});
        QCOMPARE(r.status, 200); // not a browser: nothing to refuse, but no CORS headers
        QVERIFY(r.header("Access-Control-Allow-Origin").isEmpty());

        client.setBearer(QStringLiteral("whatever"));
        r = client.get(QStringLiteral("/api/auth/sessions"), {{"Origin", kAllowed}});
        QCOMPARE(r.status, 401);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(r.header("Access-Control-Allow-Origin"), kAllowed); // errors are readable too
        // A route that says how its answer may be kept is not overruled (one header, not two):
        // the catalog is the same for everyone, token or not.
        r = client.get(QStringLiteral("/api/catalog"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("public, max-age=300"));
    }

    void webSocketOriginPolicy()
    {
        QWebSocket refused(QString::fromLatin1("https://evil.example"));
        refused.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port())));
        QTRY_COMPARE_WITH_TIMEOUT(refused.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(int(refused.closeCode()), 1008);

        QWebSocket allowed(QString::fromLatin1(kAllowed));
        allowed.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port())));
        QTRY_COMPARE_WITH_TIMEOUT(allowed.state(), QAbstractSocket::ConnectedState, 10000);
        allowed.sendTextMessage(QStringLiteral("{\"type\":\"auth\",\"access_token\":\"bad\"}"));
        QTRY_COMPARE_WITH_TIMEOUT(allowed.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(int(allowed.closeCode()), 4401); // got as far as authentication

        WsClient noOrigin(port()); // a native client sends no Origin
        QVERIFY(noOrigin.connect());
        noOrigin.sendText(QStringLiteral("{\"type\":\"auth\",\"access_token\":\"bad\"}"));
        QCOMPARE(noOrigin.waitForClose(), 4401);
    }

    void forwardedForIsBelievedOnlyFromTrustedProxies()
    {
        const auto loginAs = [](HttpClient &client, const QByteArray &forwardedFor) {
            return client
                .send("POST", QStringLiteral("/api/auth/login"), "{}",
                      {{"Content-Type", "application/json"}, {"X-Forwarded-For", forwardedFor}})
                .status;
        };
        TestServer::Options untrusted;
        untrusted.with(QStringLiteral("FP_RATE_AUTH_PER_MINUTE"), QStringLiteral("2"));
        TestServer direct(untrusted);
        QVERIFY(direct.start());
        HttpClient a(direct.port());
        QVERIFY(loginAs(a, "198.51.100.1") != 429);
        QVERIFY(loginAs(a, "198.51.100.2") != 429);
        QCOMPARE(loginAs(a, "198.51.100.3"), 429); // the header changed nothing: same peer

        TestServer::Options trusted = untrusted;
        trusted.with(QStringLiteral("FP_TRUSTED_PROXIES"), QStringLiteral("127.0.0.1"));
        TestServer proxied(trusted);
        QVERIFY(proxied.start());
        HttpClient b(proxied.port());
        for (int i = 0; i < 4; ++i)
            QVERIFY(loginAs(b, "198.51.100." + QByteArray::number(10 + i)) != 429);
        QVERIFY(loginAs(b, "198.51.100.99") != 429);
        QVERIFY(loginAs(b, "198.51.100.99") != 429);
        QCOMPARE(loginAs(b, "198.51.100.99"), 429); // one real client, its own budget
    }

    void servesTlsDirectly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                       QStringLiteral("subjectAltName=IP:127.0.0.1")});
        QVERIFY(openssl.waitForFinished(60000));
        QCOMPARE(openssl.exitCode(), 0);

        TestServer::Options options = withOrigins();
        options.extraEnvironment.insert(QStringLiteral("FP_TLS_CERT"), cert);
        options.extraEnvironment.insert(QStringLiteral("FP_TLS_KEY"), key);
        TestServer server(options);
        QVERIFY(server.start());
        const QList<QSslCertificate> trusted = QSslCertificate::fromPath(cert);
        QCOMPARE(trusted.size(), 1);

        HttpClient https(server.port());
        https.useTls(trusted);
        const HttpResult r = https.get(QStringLiteral("/healthz"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Strict-Transport-Security").startsWith("max-age="));

        QWebSocket wss;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(trusted);
        wss.setSslConfiguration(tls);
        wss.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws").arg(server.port())));
        QTRY_COMPARE_WITH_TIMEOUT(wss.state(), QAbstractSocket::ConnectedState, 10000);
        wss.sendTextMessage(QStringLiteral("{\"type\":\"auth\",\"access_token\":\"bad\"}"));
        QTRY_COMPARE_WITH_TIMEOUT(wss.state(), QAbstractSocket::UnconnectedState, 10000);
        QCOMPARE(int(wss.closeCode()), 4401);

        // A kept read over TLS is answered early too (decrypted bytes are skipped like plain
        // ones), and the connection goes on carrying requests Qt reads.
        const HttpResult registered =
            https.post(QStringLiteral("/api/auth/register"),
                       {{QStringLiteral("email"), QStringLiteral("tls-reader@example.org")},
                        {QStringLiteral("password"), QStringLiteral("a long enough password")},
                        {QStringLiteral("nickname"), QStringLiteral("Reader")}});
        QCOMPARE(registered.status, 201);
        https.setBearer(registered.json().value(QStringLiteral("access_token")).toString());
        const QString userId = registered.json()
                                   .value(QStringLiteral("user"))
                                   .toObject()
                                   .value(QStringLiteral("id"))
                                   .toString();
        int early = 0;
        for (int i = 0; i < 20; ++i) {
            const HttpResult read = https.get(QStringLiteral("/api/profile"));
            QCOMPARE(read.status, 200);
            QCOMPARE(read.json().value(QStringLiteral("user_id")).toString(), userId);
            early += server.requestLogLine(read.header("X-Request-Id"))
                         .value(QStringLiteral("early"))
                         .toBool();
            QCOMPARE(https.get(QStringLiteral("/healthz")).status, 200);
        }
        QVERIFY2(early >= 15, qPrintable(QString::number(early)));

        HttpClient plain(server.port()); // plain HTTP to the TLS port: refused, nothing breaks
        QCOMPARE(plain.get(QStringLiteral("/healthz")).status, 0);
        QCOMPARE(https.get(QStringLiteral("/healthz")).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestHttpBrowserAccess)
#include "tst_http_browser_access.moc"
