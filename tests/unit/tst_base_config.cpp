// Configuration: defaults < INI < environment, and one clear line for each bad value.

#include "server/base/Config.h"

#include <QTemporaryFile>
#include <QTest>

using fp::Config;

class TestConfig : public QObject
{
    Q_OBJECT

private:
    static QProcessEnvironment env(const QList<QPair<QString, QString>> &values)
    {
        QProcessEnvironment e;
        e.insert(QStringLiteral("FP_JWT_SECRET"),
                 QStringLiteral("0123456789abcdef0123456789abcdef"));
        for (const auto &[k, v] : values)
            e.insert(k, v);
        return e;
    }

private Q_SLOTS:
    void defaults()
    {
        auto loaded = Config::load({}, env({}));
        QVERIFY(std::holds_alternative<Config>(loaded));
        const Config c = std::get<Config>(loaded);
        QCOMPARE(c.httpAddress, QStringLiteral("127.0.0.1"));
        QCOMPARE(c.httpPort, quint16(8080));
        QCOMPARE(c.gateIntervalSeconds, 600);
        QCOMPARE(c.matchTickMs, 1000);
        QCOMPARE(c.logFormat, fp::LogFormat::Json);
        QCOMPARE(c.dbName, QStringLiteral("friendship"));
        QVERIFY(!c.developmentMode);
    }

    void iniIsOverriddenByEnvironment()
    {
        QTemporaryFile ini;
        QVERIFY(ini.open());
        ini.write(
            "[http]\nport = 9001\naddress = 0.0.0.0\n[conversation]\ngate_interval_seconds = 5\n");
        ini.close();
        auto loaded = Config::load(ini.fileName(),
                                   env({{QStringLiteral("FP_HTTP_PORT"), QStringLiteral("9002")}}));
        QVERIFY(std::holds_alternative<Config>(loaded));
        const Config c = std::get<Config>(loaded);
        QCOMPARE(c.httpPort, quint16(9002)); // environment wins
        QCOMPARE(c.httpAddress, QStringLiteral("0.0.0.0")); // INI beats the default
        QCOMPARE(c.gateIntervalSeconds, 5);
    }

    void theEventLoopComesFromTheEnvironmentOnly()
    {
        auto epoll = Config::load({}, env({}));
        QVERIFY(std::holds_alternative<Config>(epoll));
        QCOMPARE(std::get<Config>(epoll).eventLoop, QStringLiteral("epoll"));
        auto qt = Config::load({}, env({{QStringLiteral("FP_EVENT_LOOP"), QStringLiteral("qt")}}));
        QVERIFY(std::holds_alternative<Config>(qt));
        QCOMPARE(std::get<Config>(qt).eventLoop, QStringLiteral("qt"));
        auto unknown =
            Config::load({}, env({{QStringLiteral("FP_EVENT_LOOP"), QStringLiteral("select")}}));
        QVERIFY(std::holds_alternative<QString>(unknown));
        QVERIFY(std::get<QString>(unknown).contains(QLatin1String("FP_EVENT_LOOP")));
        // main() picks the loop before the INI file is read: the file may not pretend otherwise.
        QTemporaryFile ini;
        QVERIFY(ini.open());
        ini.write("[server]\nevent_loop = qt\n");
        ini.close();
        auto fromIni = Config::load(ini.fileName(), env({}));
        QVERIFY(std::holds_alternative<QString>(fromIni));
        QVERIFY(std::get<QString>(fromIni).contains(QLatin1String("environment only")));
    }

    void badValues_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::newRow("port not a number") << "FP_HTTP_PORT"
                                           << "http";
        QTest::newRow("port too big") << "FP_HTTP_PORT"
                                      << "70000";
        QTest::newRow("address") << "FP_HTTP_ADDRESS"
                                 << "not-an-ip";
        QTest::newRow("db port zero") << "FP_DB_PORT"
                                      << "0";
        QTest::newRow("redis port") << "FP_REDIS_PORT"
                                    << "-1";
        QTest::newRow("gate interval") << "FP_GATE_INTERVAL_SECONDS"
                                       << "0";
        QTest::newRow("tick") << "FP_MATCH_TICK_MS"
                              << "1";
        QTest::newRow("log format") << "FP_LOG_FORMAT"
                                    << "xml";
        QTest::newRow("short jwt secret") << "FP_JWT_SECRET"
                                          << "short";
        QTest::newRow("admin email") << "FP_ADMIN_EMAIL"
                                     << "nobody";
        QTest::newRow("admin password too short") << "FP_ADMIN_PASSWORD"
                                                  << "short";
        QTest::newRow("env") << "FP_ENV"
                             << "staging";
        QTest::newRow("workers") << "FP_WORKER_THREADS"
                                 << "0";
        QTest::newRow("empty db name") << "FP_DB_NAME"
                                       << "";
        QTest::newRow("header timeout") << "FP_HTTP_HEADER_TIMEOUT_MS"
                                        << "0";
        QTest::newRow("idle timeout") << "FP_HTTP_IDLE_TIMEOUT_MS"
                                      << "soon";
        QTest::newRow("connections per address") << "FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS"
                                                 << "0";
    }

    void badValues()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        auto loaded = Config::load({}, env({{name, value}}));
        QVERIFY(std::holds_alternative<QString>(loaded));
        const QString error = std::get<QString>(loaded);
        QVERIFY2(error.startsWith(name), qPrintable(error)); // the line names the setting
        QVERIFY(!error.contains(QLatin1Char('\n')));
    }

    void jwtSecretRequiredOutsideDevelopment()
    {
        QProcessEnvironment e;
        auto loaded = Config::load({}, e);
        QVERIFY(std::holds_alternative<QString>(loaded));
        QVERIFY(std::get<QString>(loaded).startsWith(QStringLiteral("FP_JWT_SECRET")));

        e.insert(QStringLiteral("FP_ENV"), QStringLiteral("development"));
        loaded = Config::load({}, e);
        QVERIFY(std::holds_alternative<Config>(loaded));
        QVERIFY(std::get<Config>(loaded).developmentMode);
    }

    void secretsNeverInErrors()
    {
        const QString secret = QStringLiteral("tiny-secret");
        auto loaded = Config::load({}, env({{QStringLiteral("FP_JWT_SECRET"), secret}}));
        QVERIFY(std::holds_alternative<QString>(loaded));
        QVERIFY(!std::get<QString>(loaded).contains(secret));
    }

    void exampleIniLoadsAsDocumented()
    {
        const QString example =
            QStringLiteral(FP_SOURCE_DIR_LITERAL "/resources/friendship-server.example.ini");
        auto loaded = Config::load(example, env({}));
        QVERIFY2(std::holds_alternative<Config>(loaded),
                 qPrintable(std::holds_alternative<QString>(loaded) ? std::get<QString>(loaded)
                                                                    : QString()));
        const Config c = std::get<Config>(loaded);
        QCOMPARE(c.httpPort, quint16(8080));
        QCOMPARE(c.gateIntervalSeconds, 600);
        QCOMPARE(c.wsAuthTimeoutMs, 5000);
        QCOMPARE(c.rateAuthPerMinute, 20);
        QCOMPARE(c.httpHeaderTimeoutMs, 10000);
        QCOMPARE(c.httpIdleTimeoutMs, 60000);
        QCOMPARE(c.httpMaxConnectionsPerAddress, 256);
        QCOMPARE(c.dbLockWaitSeconds, 10);
        QCOMPARE(c.adminEmail, QStringLiteral("admin@friendship.local"));
        QVERIFY(c.oidcGoogle.clientIds.isEmpty());
        QCOMPARE(c.oidcGoogle.issuers,
                 QStringList({QStringLiteral("https://accounts.google.com"),
                              QStringLiteral("accounts.google.com")}));
        QCOMPARE(c.oidcApple.jwksUrl, QStringLiteral("https://appleid.apple.com/auth/keys"));
        QCOMPARE(c.oidcJwksMinRefreshSeconds, 60);
    }

    void oidcJwksUrlsAreHttpsOrLoopback()
    {
        auto load = [](const QString &url) {
            return Config::load({}, env({{QStringLiteral("FP_OIDC_APPLE_JWKS_URL"), url}}));
        };
        QVERIFY(std::holds_alternative<Config>(load(QStringLiteral("https://keys.example/k"))));
        QVERIFY(std::holds_alternative<Config>(load(QStringLiteral("http://127.0.0.1:9/k"))));
        const auto plain = load(QStringLiteral("http://keys.example/k"));
        QVERIFY(std::holds_alternative<QString>(plain));
        QVERIFY(std::get<QString>(plain).startsWith(QStringLiteral("FP_OIDC_APPLE_JWKS_URL")));
        auto ids = Config::load(
            {}, env({{QStringLiteral("FP_OIDC_GOOGLE_CLIENT_IDS"), QStringLiteral(" a , b,")}}));
        QCOMPARE(std::get<Config>(ids).oidcGoogle.clientIds,
                 QStringList({QStringLiteral("a"), QStringLiteral("b")}));
    }

    void missingIniFile()
    {
        auto loaded = Config::load(QStringLiteral("/nonexistent/friendship.ini"), env({}));
        QVERIFY(std::holds_alternative<QString>(loaded));
        QVERIFY(std::get<QString>(loaded).contains(QStringLiteral("--config")));
    }

    void helpListsEverySetting()
    {
        const QString help = Config::describeSettings();
        for (const char *name : {"FP_HTTP_ADDRESS",
                                 "FP_HTTP_PORT",
                                 "FP_DB_HOST",
                                 "FP_DB_PORT",
                                 "FP_DB_SOCKET",
                                 "FP_DB_NAME",
                                 "FP_DB_USER",
                                 "FP_DB_PASSWORD",
                                 "FP_REDIS_HOST",
                                 "FP_REDIS_PORT",
                                 "FP_JWT_SECRET",
                                 "FP_ADMIN_EMAIL",
                                 "FP_ADMIN_PASSWORD",
                                 "FP_GATE_INTERVAL_SECONDS",
                                 "FP_MATCH_TICK_MS",
                                 "FP_LOG_FORMAT",
                                 "FP_EVENT_LOOP",
                                 "FP_MESSAGE_RETENTION_DAYS",
                                 "FP_RETENTION_SWEEP_SECONDS",
                                 "FP_HTTP_HEADER_TIMEOUT_MS",
                                 "FP_HTTP_IDLE_TIMEOUT_MS",
                                 "FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS"})
            QVERIFY2(help.contains(QLatin1String(name)), name);
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_base_config.moc"
