// CORS allow-list, security headers and the client address behind trusted proxies.

#include "server/base/Config.h"
#include "server/http/BrowserPolicy.h"

#include <QTest>

using fp::BrowserPolicy;

namespace {

QByteArray headerValue(const BrowserPolicy::Headers &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

class TestBrowserPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesOrigins_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("count");
        QTest::newRow("empty") << "" << true << 0;
        QTest::newRow("two") << "https://app.example.com, http://localhost:5173" << true << 2;
        QTest::newRow("wildcard refused") << "*" << false << 0;
        QTest::newRow("path refused") << "https://app.example.com/login" << false << 0;
        QTest::newRow("no scheme") << "app.example.com" << false << 0;
        QTest::newRow("ftp") << "ftp://example.com" << false << 0;
    }

    void parsesOrigins()
    {
        QFETCH(QString, value);
        QFETCH(bool, ok);
        QFETCH(int, count);
        QStringList origins;
        const QString error = fp::settings::parseOrigins(value, &origins);
        QCOMPARE(error.isEmpty(), ok);
        if (ok)
            QCOMPARE(origins.size(), count);
    }

    void parsesProxies()
    {
        QStringList proxies;
        QVERIFY(
            fp::settings::parseAddressRanges(QStringLiteral("10.0.0.0/8, 127.0.0.1, ::1"), &proxies)
                .isEmpty());
        QCOMPARE(proxies.size(), 3);
        QVERIFY(!fp::settings::parseAddressRanges(QStringLiteral("not-an-ip"), &proxies).isEmpty());
    }

    void corsOnlyForListedOrigins()
    {
        const BrowserPolicy policy({QStringLiteral("http://localhost:5173")}, {}, false);
        QVERIFY(policy.originAllowed("http://localhost:5173"));
        QVERIFY(!policy.originAllowed("http://localhost:5174"));
        QVERIFY(!policy.originAllowed("http://LOCALHOST:5173")); // exact, as browsers send it
        QVERIFY(!policy.originAllowed(""));
        QVERIFY(policy.corsHeaders("https://evil.example").isEmpty());
        const auto headers = policy.corsHeaders("http://localhost:5173");
        QCOMPARE(headerValue(headers, "Access-Control-Allow-Origin"),
                 QByteArray("http://localhost:5173"));
        QVERIFY(
            headerValue(headers, "Access-Control-Expose-Headers").contains("Idempotent-Replayed"));
        QVERIFY(headerValue(headers, "Access-Control-Allow-Credentials").isEmpty());
        const auto preflight = policy.preflightHeaders("http://localhost:5173", {"GET", "POST"});
        QCOMPARE(headerValue(preflight, "Access-Control-Allow-Methods"),
                 QByteArray("GET, POST, OPTIONS"));
        QVERIFY(headerValue(preflight, "Access-Control-Allow-Headers").contains("Idempotency-Key"));
        QCOMPARE(headerValue(preflight, "Access-Control-Max-Age"), QByteArray("600"));
    }

    void securityHeaders()
    {
        const BrowserPolicy plain({}, {}, false);
        auto headers = plain.securityHeaders(false);
        QCOMPARE(headerValue(headers, "X-Content-Type-Options"), QByteArray("nosniff"));
        QCOMPARE(headerValue(headers, "Referrer-Policy"), QByteArray("no-referrer"));
        QVERIFY(headerValue(headers, "Cache-Control").isEmpty());
        QVERIFY(headerValue(headers, "Strict-Transport-Security").isEmpty());
        headers = BrowserPolicy({}, {}, true).securityHeaders(true);
        QCOMPARE(headerValue(headers, "Cache-Control"), QByteArray("no-store"));
        QVERIFY(!headerValue(headers, "Strict-Transport-Security").isEmpty());
    }

    void clientAddress_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<QByteArray>("forwarded");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no header") << "10.1.2.3" << QByteArray() << "10.1.2.3";
        QTest::newRow("untrusted peer's header ignored")
            << "203.0.113.9" << QByteArray("1.2.3.4") << "203.0.113.9";
        QTest::newRow("trusted proxy")
            << "10.1.2.3" << QByteArray("198.51.100.7") << "198.51.100.7";
        QTest::newRow("spoofed left entry ignored")
            << "10.1.2.3" << QByteArray("6.6.6.6, 198.51.100.7") << "198.51.100.7";
        QTest::newRow("chain of trusted proxies")
            << "10.1.2.3" << QByteArray("198.51.100.7, 10.9.9.9") << "198.51.100.7";
        QTest::newRow("garbage") << "10.1.2.3" << QByteArray("nonsense") << "10.1.2.3";
        QTest::newRow("v4-mapped peer")
            << "::ffff:10.1.2.3" << QByteArray("198.51.100.8") << "198.51.100.8";
    }

    void clientAddress()
    {
        QFETCH(QString, peer);
        QFETCH(QByteArray, forwarded);
        QFETCH(QString, expected);
        const BrowserPolicy policy({}, {QStringLiteral("10.0.0.0/8")}, false);
        QCOMPARE(policy.clientAddress(QHostAddress(peer), forwarded), QHostAddress(expected));
    }
};

QTEST_APPLESS_MAIN(TestBrowserPolicy)
#include "tst_http_browser_policy.moc"
