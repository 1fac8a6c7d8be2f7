// Health, readiness (following Redis going down and coming back), metrics, the served
// contract, and first-admin seeding, against the real server.

#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"

#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fp::test;

class TestHealth : public IntegrationTest
{
    Q_OBJECT

public:
    TestHealth() : IntegrationTest(OwnServers {}) { }

private Q_SLOTS:
    void livenessAndReadiness()
    {
        TestServer server;
        QVERIFY(server.start());
        HttpClient client(server.port());

        const HttpResult health = client.get(QStringLiteral("/healthz"));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json()[QStringLiteral("status")].toString(), QStringLiteral("ok"));

        const HttpResult ready = client.get(QStringLiteral("/readyz"));
        QCOMPARE(ready.status, 200);
        QCOMPARE(ready.json()[QStringLiteral("checks")][QStringLiteral("mysql")].toString(),
                 QStringLiteral("ok"));
        QCOMPARE(ready.json()[QStringLiteral("checks")][QStringLiteral("redis")].toString(),
                 QStringLiteral("ok"));
    }

    void readinessFollowsRedis()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer server(TestServer::Options().onRedis(redis.port()));
        QVERIFY(server.start());
        HttpClient client(server.port());
        QTRY_COMPARE_WITH_TIMEOUT(client.get(QStringLiteral("/readyz")).status, 200, 15000);

        redis.stop();
        QTRY_COMPARE_WITH_TIMEOUT(client.get(QStringLiteral("/readyz")).status, 503, 15000);
        const HttpResult down = client.get(QStringLiteral("/readyz"));
        QCOMPARE(down.status, 503);
        QCOMPARE(down.errorCode(), QStringLiteral("unavailable"));
        QVERIFY(
            down.json()[QStringLiteral("message")].toString().contains(QStringLiteral("redis")));
        QCOMPARE(down.json()[QStringLiteral("details")][QStringLiteral("checks")]
                            [QStringLiteral("redis")]
                                .toString(),
                 QStringLiteral("down"));
        QCOMPARE(down.json()[QStringLiteral("details")][QStringLiteral("checks")]
                            [QStringLiteral("mysql")]
                                .toString(),
                 QStringLiteral("ok"));
        QVERIFY(!down.header("Retry-After").isEmpty());
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200); // alive, only not ready

        QVERIFY(redis.start()); // same port
        QTRY_COMPARE_WITH_TIMEOUT(client.get(QStringLiteral("/readyz")).status, 200, 15000);
        QVERIFY(server.running());
    }

    void metricsInPrometheusFormat()
    {
        TestServer server;
        QVERIFY(server.start());
        HttpClient client(server.port());
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200);
        QCOMPARE(client.get(QStringLiteral("/no/such/route")).status, 404);
        const HttpResult metrics = client.get(QStringLiteral("/metrics"));
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.header("Content-Type").startsWith("text/plain"));
        const QByteArray text = metrics.body;
        QVERIFY2(text.contains(
                     "fp_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
                 text.constData());
        QVERIFY(text.contains("status=\"404\""));
        QVERIFY(text.contains("# TYPE fp_http_request_duration_seconds histogram"));
        QVERIFY(text.contains(
            "fp_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"));
        QVERIFY(text.contains("fp_worker_pool_pending "));
        QVERIFY(text.contains("fp_db_errors_total "));
    }

    void metricsNeedTheScrapersToken()
    {
        const QString token = QStringLiteral("scraper-token-0123456789");
        m_secrets << token;
        TestServer server(TestServer::Options().with(QStringLiteral("FP_METRICS_TOKEN"), token));
        QVERIFY(server.start());
        HttpClient client(server.port());
        const HttpResult bare = client.get(QStringLiteral("/metrics"));
        QCOMPARE(bare.status, 403);
        QCOMPARE(bare.errorCode(), QStringLiteral("forbidden"));
        QCOMPARE(client
                     .get(QStringLiteral("/metrics"),
                          {{"Authorization", "Bearer scraper-token-9876543210"}})
                     .status,
                 403);
        const HttpResult scraped =
            client.get(QStringLiteral("/metrics"), {{"Authorization", "Bearer " + token.toUtf8()}});
        QCOMPARE(scraped.status, 200);
        QVERIFY(scraped.body.contains("fp_http_requests_total"));
        QVERIFY(!scraped.body.contains(token.toUtf8()));
    }

    void withoutATokenOnlyLoopbackReadsMetrics()
    {
        TestServer server(TestServer::Options().with(QStringLiteral("FP_TRUSTED_PROXIES"),
                                                     QStringLiteral("127.0.0.1")));
        QVERIFY(server.start());
        HttpClient client(server.port());
        // The trusted proxy in front says the client is elsewhere.
        QCOMPARE(
            client.get(QStringLiteral("/metrics"), {{"X-Forwarded-For", "203.0.113.7"}}).status,
            403);
        QCOMPARE(client.get(QStringLiteral("/metrics")).status, 200);
    }

    void probesAndScrapesHaveAnAddressBudget()
    {
        // 2 reads a minute per account is 8 per address.
        TestServer server(TestServer::Options().with(QStringLiteral("FP_RATE_READS_PER_MINUTE"),
                                                     QStringLiteral("2")));
        QVERIFY(server.start());
        HttpClient client(server.port());
        for (int i = 0; i < 8; ++i)
            QCOMPARE(
                client.get(i % 2 ? QStringLiteral("/readyz") : QStringLiteral("/metrics")).status,
                200);
        const HttpResult refused = client.get(QStringLiteral("/readyz"));
        QCOMPARE(refused.status, 429);
        QVERIFY(!refused.header("Retry-After").isEmpty());
        QCOMPARE(client.get(QStringLiteral("/metrics")).status, 429);
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200); // liveness stays free
    }

    // The catalog is served on the I/O thread, which may not wait on Redis: it spends no rate
    // budget (that would ask Redis) and sends Redis nothing.
    void theCatalogNeverAsksRedis()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer server(TestServer::Options().onRedis(redis.port()));
        QVERIFY(server.start());
        HttpClient client(server.port());
        for (int i = 0; i < 50; ++i)
            QCOMPARE(client.get(QStringLiteral("/api/catalog")).status, 200);
        RawRedis raw(redis.port());
        const QByteArray keys = raw.command({"KEYS", server.redisKeyPrefix().toUtf8() + "rate:*"});
        QCOMPARE(keys, QByteArray("*0\r\n"));
        QCOMPARE(client.get(QStringLiteral("/healthz")).status, 200);
    }

    void contractIsServed()
    {
        TestServer server;
        QVERIFY(server.start());
        HttpClient client(server.port());
        const HttpResult spec = client.get(QStringLiteral("/api/openapi.yaml"));
        QCOMPARE(spec.status, 200);
        QVERIFY(spec.header("Content-Type").startsWith("application/yaml"));
        QVERIFY(spec.body.contains("\nopenapi: 3."));
        QVERIFY(spec.body.contains("/api/meet_reflections"));
    }

    void aGeneratedAdminPasswordGoesToAFileOnlyItsOwnerReads()
    {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        const QString file = folder.filePath(QStringLiteral("state/admin-password"));
        TestServer::Options o;
        o.with(QStringLiteral("FP_ADMIN_PASSWORD"), QString())
            .with(QStringLiteral("FP_ADMIN_PASSWORD_FILE"), file);
        TestServer server(o);
        QVERIFY(server.start());
        QVERIFY(server.output().contains("First admin account created"));
        QVERIFY(server.output().contains(file.toUtf8()));

        QFile written(file);
        QVERIFY(written.open(QIODevice::ReadOnly));
        const QString password = QString::fromUtf8(written.readAll()).trimmed();
        QVERIFY(password.size() >= 12);
        QCOMPARE(written.permissions() &
                     (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
        QVERIFY(!server.output().contains(password.toUtf8())); // the path, never the password

        HttpClient client(server.port());
        const HttpResult login =
            client.post(QStringLiteral("/api/auth/login"),
                        QJsonObject({{QStringLiteral("email"), server.adminEmail()},
                                     {QStringLiteral("password"), password}}));
        QCOMPARE(login.status, 200);
    }

    void firstAdminIsSeededOnce()
    {
        TestServer first;
        QVERIFY(first.start());
        QVERIFY(first.output().contains("First admin account created"));
        QVERIFY(!first.output().contains("admin-password-for-tests")); // given by env: not echoed
        QCOMPARE(first.stop(), 0);

        TestServer::Options again;
        again.databaseName = first.databaseName();
        TestServer second(again);
        QVERIFY(second.start());
        QVERIFY(!second.output().contains("First admin account created"));
        QCOMPARE(first.database()
                     ->scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE role = 'admin'"))
                     .toInt(),
                 1);
        QCOMPARE(first.database()
                     ->scalar(QStringLiteral("SELECT email FROM users WHERE role = 'admin'"))
                     .toString(),
                 QStringLiteral("admin@test.local"));
        const QString hash =
            first.database()->scalar(QStringLiteral("SELECT password_hash FROM users")).toString();
        QVERIFY(hash.startsWith(QStringLiteral("$argon2id$")));
    }

    void badConfigurationStopsAtStart()
    {
        TestServer::Options options;
        options.extraEnvironment.insert(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("soon"));
        TestServer server(options);
        QByteArray output;
        QCOMPARE(server.runToCompletion({}, &output), 2);
        QVERIFY2(output.contains("FP_MATCH_TICK_MS"), output.constData());
        QCOMPARE(output.trimmed().count('\n'), 0); // one line
    }
};

QTEST_GUILESS_MAIN(TestHealth)
#include "tst_health.moc"
