// The identity routes against the real server: registration and its validation, login, token
// refresh, logout, the session list, revoking one session or all others, password changes, and
// accounts that are deleted, banned or restricted. Forged tokens, refresh-token theft, races and
// brute force are in tst_identity_attacks.

#include "server/identity/IdentityRules.h"
#include "server/identity/IdentityService.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QUuid>
#include <algorithm>
#include <utility>

using namespace fp::test;

namespace {

/// Generous pipeline budgets: these tests are about identity, not the rate limiter.
TestServer::Options quietOptions()
{
    TestServer::Options options;
    options.withoutRateLimits();
    // The shared test Redis counts every run's failed logins from 127.0.0.1.
    options.with(QStringLiteral("FP_LOGIN_ADDRESS_FAILURE_LIMIT"), QStringLiteral("100000"));
    return options;
}

QJsonObject withoutRequestId(QJsonObject error)
{
    error.remove(QStringLiteral("request_id"));
    return error;
}

} // namespace

class TestIdentity : public IntegrationTest
{
    Q_OBJECT

public:
    TestIdentity() : IntegrationTest(quietOptions()) { }

private:
    TestAccount newAccount()
    {
        const TestAccount a = signUp();
        m_secrets << a.password << a.accessToken << a.refreshToken;
        return a;
    }

    TestAccount secondDevice(const TestAccount &a, const QString &label = {})
    {
        const TestAccount b = logIn(a, label);
        m_secrets << b.accessToken << b.refreshToken;
        return b;
    }

    HttpResult sessions(const QString &accessToken, const QString &query = {})
    {
        HttpClient client(port());
        client.setBearer(accessToken);
        return client.get(QStringLiteral("/api/auth/sessions") + query);
    }

    HttpResult refresh(const QString &refreshToken)
    {
        HttpClient client(port());
        return client.post(QStringLiteral("/api/auth/refresh"),
                           QJsonObject({{QStringLiteral("refresh_token"), refreshToken}}));
    }

    HttpResult login(const QString &email, const QString &password)
    {
        HttpClient client(port());
        return client.post(QStringLiteral("/api/auth/login"),
                           QJsonObject({{QStringLiteral("email"), email},
                                        {QStringLiteral("password"), password}}));
    }

    QVariant scalar(const QString &sql) { return db()->scalar(sql); }

    void verifyLogs() override
    {
        const QByteArray logs = server().output();
        QVERIFY(!logs.contains("$argon2id$"));
        QVERIFY(!logs.contains(server().jwtSecret().toUtf8()));
    }

private Q_SLOTS:
    void registerCreatesAccountAndSession()
    {
        const QString email = uniqueEmail();
        const QString password = QStringLiteral("violet tram 88 umbrella");
        m_secrets << password;
        HttpClient client(port());
        const HttpResult r = client.post(
            QStringLiteral("/api/auth/register"),
            QJsonObject({{QStringLiteral("email"), QStringLiteral("  ") + email.toUpper() + "  "},
                         {QStringLiteral("password"), password},
                         {QStringLiteral("nickname"), QStringLiteral("  Zoë K.  ")}}));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        const QJsonObject b = r.json();
        QCOMPARE(
            b.keys(),
            (QStringList {"access_token", "expires_in", "refresh_token", "token_type", "user"}));
        QCOMPARE(b[QStringLiteral("token_type")].toString(), QStringLiteral("Bearer"));
        QCOMPARE(b[QStringLiteral("expires_in")].toInt(), 900);
        const QJsonObject user = b[QStringLiteral("user")].toObject();
        QCOMPARE(user.keys(), (QStringList {"created_at", "email", "id", "nickname"}));
        QCOMPARE(user[QStringLiteral("email")].toString(), email); // trimmed, lowercased
        QCOMPARE(user[QStringLiteral("nickname")].toString(), QStringLiteral("Zoë K."));
        QVERIFY(user[QStringLiteral("created_at")].toString().endsWith(QLatin1Char('Z')));
        QVERIFY(!r.body.contains(password.toUtf8()));
        const QString id = user[QStringLiteral("id")].toString();
        const QString refreshToken = b[QStringLiteral("refresh_token")].toString();
        m_secrets << refreshToken << b[QStringLiteral("access_token")].toString();

        // Stored: argon2id hash, the nickname in the profile, the refresh token only as a hash.
        QVERIFY(scalar(QStringLiteral("SELECT password_hash FROM users WHERE id = '%1'").arg(id))
                    .toString()
                    .startsWith(QStringLiteral("$argon2id$")));
        QCOMPARE(
            scalar(
                QStringLiteral("SELECT nickname FROM user_profiles WHERE user_id = '%1'").arg(id))
                .toString(),
            QStringLiteral("Zoë K."));
        QCOMPARE(scalar(QStringLiteral("SELECT refresh_token_hash FROM user_sessions WHERE "
                                       "user_id = '%1'")
                            .arg(id))
                     .toString(),
                 fp::IdentityRules::hashRefreshToken(refreshToken));
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM user_sessions WHERE "
                                       "refresh_token_hash = '%1'")
                            .arg(refreshToken))
                     .toInt(),
                 0);

        // The same address in another case is taken.
        const HttpResult again = client.post(
            QStringLiteral("/api/auth/register"),
            QJsonObject({{QStringLiteral("email"), email.toUpper()},
                         {QStringLiteral("password"), QStringLiteral("another good passphrase")},
                         {QStringLiteral("nickname"), QStringLiteral("Someone")}}));
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));
        QVERIFY(again
                    .json()[QStringLiteral("details")][QStringLiteral("fields")]
                           [QStringLiteral("email")]
                    .isString());
    }

    // What a request logs on its way names the request, so a line found in the log leads to
    // the request's own line and to the X-Request-Id its client saw.
    void linesARequestLogsNameIt()
    {
        HttpClient client(port());
        const QString email = uniqueEmail();
        const QString password = QStringLiteral("amber kettle 41 lantern");
        m_secrets << password;
        const HttpResult r = client.post(QStringLiteral("/api/auth/register"),
                                         {{QStringLiteral("email"), email},
                                          {QStringLiteral("password"), password},
                                          {QStringLiteral("nickname"), QStringLiteral("Traced")}},
                                         {{"X-Request-Id", "trace-register-1"}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.header("X-Request-Id"), QByteArray("trace-register-1"));
        QVERIFY(!server().requestLogLine("trace-register-1").isEmpty());
        const QString userId = r.json()[QStringLiteral("user")][QStringLiteral("id")].toString();
        QJsonObject registered;
        for (const QByteArray &line : server().output().split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(QStringLiteral("event")).toString() ==
                    QLatin1String("account_registered") &&
                object.value(QStringLiteral("user_id")).toString() == userId)
                registered = object;
        }
        QCOMPARE(registered.value(QStringLiteral("request_id")).toString(),
                 QStringLiteral("trace-register-1"));
    }

    void registerValidationNamesEveryField()
    {
        HttpClient client(port());
        const HttpResult r =
            client.post(QStringLiteral("/api/auth/register"),
                        QJsonObject({{QStringLiteral("email"), QStringLiteral("not-an-email")},
                                     {QStringLiteral("password"), QStringLiteral("short")},
                                     {QStringLiteral("nickname"), QStringLiteral("<b>")},
                                     {QStringLiteral("admin"), true}}));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        const QJsonObject fields =
            r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject();
        QCOMPARE(fields.keys(), (QStringList {"admin", "email", "nickname", "password"}));

        const HttpResult missing = client.post(QStringLiteral("/api/auth/register"), {});
        QCOMPARE(missing.status, 400);
        QCOMPARE(
            missing.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().keys(),
            (QStringList {"email", "nickname", "password"}));

        const HttpResult types =
            client.post(QStringLiteral("/api/auth/register"),
                        QJsonObject({{QStringLiteral("email"), 42},
                                     {QStringLiteral("password"), QJsonArray {}},
                                     {QStringLiteral("nickname"), true}}));
        QCOMPARE(types.status, 400);
        QCOMPARE(types
                     .json()[QStringLiteral("details")][QStringLiteral("fields")]
                            [QStringLiteral("email")]
                     .toString(),
                 QStringLiteral("must be a string"));
    }

    void passwordLengthCountsCharactersNotBytes_data()
    {
        QTest::addColumn<QString>("password");
        QTest::addColumn<int>("status");
        const QString emoji = QStringLiteral("\U0001F431"); // 4 bytes in UTF-8, 2 UTF-16 units
        QTest::newRow("12 emoji") << emoji.repeated(12) << 201;
        QTest::newRow("11 emoji") << emoji.repeated(11) << 400;
        QTest::newRow("128 characters") << QStringLiteral("p") + QString(127, QChar(0x00E9)) << 201;
        QTest::newRow("129 characters") << QString(129, QLatin1Char('q')) << 400;
        QTest::newRow("11 characters") << QStringLiteral("abcdefghij!") << 400;
    }

    void passwordLengthCountsCharactersNotBytes()
    {
        QFETCH(QString, password);
        QFETCH(int, status);
        m_secrets << password;
        const QString email = uniqueEmail();
        HttpClient client(port());
        const HttpResult r =
            client.post(QStringLiteral("/api/auth/register"),
                        QJsonObject({{QStringLiteral("email"), email},
                                     {QStringLiteral("password"), password},
                                     {QStringLiteral("nickname"), QStringLiteral("Cat")}}));
        QCOMPARE(r.status, status);
        if (status == 400) {
            QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")]
                            [QStringLiteral("password")]
                                .isString());
            return;
        }
        m_secrets << r.json()[QStringLiteral("refresh_token")].toString()
                  << r.json()[QStringLiteral("access_token")].toString();
        // No truncation: the whole password is what logs in, a prefix is not.
        const HttpResult ok = login(email, password);
        QCOMPARE(ok.status, 200);
        m_secrets << ok.json()[QStringLiteral("refresh_token")].toString()
                  << ok.json()[QStringLiteral("access_token")].toString();
        QCOMPARE(login(email, password.chopped(2)).status, 401);
    }

    void commonPasswordsAreRefused()
    {
        HttpClient client(port());
        // Listed as written, listed once trailing digits and symbols are gone, and from deep in
        // the 30,000-entry list.
        for (const QString &common :
             {QStringLiteral("QwertyUiop123"), QStringLiteral("123456789012"),
              QStringLiteral("password123456"), QStringLiteral("Sunshine2024!!"),
              QStringLiteral("GeekBoy1987!!")}) {
            const HttpResult r =
                client.post(QStringLiteral("/api/auth/register"),
                            QJsonObject({{QStringLiteral("email"), uniqueEmail()},
                                         {QStringLiteral("password"), common},
                                         {QStringLiteral("nickname"), QStringLiteral("Mira")}}));
            QCOMPARE(r.status, 400);
            QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
            QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject(),
                     QJsonObject({{QStringLiteral("password"),
                                   QStringLiteral("is too common and easily guessed, choose "
                                                  "another one")}}));
        }
        // A password change follows the same list.
        const TestAccount a = newAccount();
        client.setBearer(a.accessToken);
        const HttpResult change = client.put(
            QStringLiteral("/api/auth/password"),
            QJsonObject({{QStringLiteral("current_password"), a.password},
                         {QStringLiteral("new_password"), QStringLiteral("Password123456!")}}));
        QCOMPARE(change.status, 400);
        QVERIFY(change
                    .json()[QStringLiteral("details")][QStringLiteral("fields")]
                           [QStringLiteral("new_password")]
                    .toString()
                    .contains(QStringLiteral("common")));
    }

    void noServerWithoutTheCommonPasswordList_data()
    {
        QTest::addColumn<QString>("list");
        QTest::newRow("missing") << QStringLiteral("missing");
        QTest::newRow("empty") << QStringLiteral("empty");
    }

    void noServerWithoutTheCommonPasswordList()
    {
        // A server that cannot load the list would take any common password: it must not start.
        QFETCH(QString, list);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("common-passwords.txt"));
        if (list == QLatin1String("empty")) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("# comments only\n\n");
        }
        TestServer::Options o = quietOptions();
        o.with(QStringLiteral("FP_COMMON_PASSWORDS_FILE"), path);
        TestServer refused(o);
        QVERIFY(!refused.start());
        QVERIFY(!refused.running());
        QVERIFY2(refused.output().contains("startup_failed") &&
                     refused.output().contains("common-password list"),
                 refused.output().constData());
    }

    void jsonPipelineChecks()
    {
        HttpClient client(port());
        const QByteArray json = R"({"email":"a@b.test","password":"whatever-password"})";
        HttpResult r = client.send("POST", QStringLiteral("/api/auth/login"), json,
                                   {{"Content-Type", "text/plain"}});
        QCOMPARE(r.status, 415);
        QCOMPARE(r.errorCode(), QStringLiteral("unsupported_media_type"));

        r = client.send("POST", QStringLiteral("/api/auth/login"), R"({"email":)",
                        {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("malformed_json"));

        r = client.send("POST", QStringLiteral("/api/auth/login"), R"(["a@b.test","pw"])",
                        {{"Content-Type", "application/json; charset=utf-8"}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QVERIFY(
            r.json()[QStringLiteral("details")][QStringLiteral("fields")][QStringLiteral("body")]
                .isString());
    }

    void loginRecordsTheDevice()
    {
        const TestAccount a = newAccount();
        HttpClient client(port());
        const HttpResult r = client.post(
            QStringLiteral("/api/auth/login"),
            QJsonObject({{QStringLiteral("email"), QStringLiteral(" ") + a.email.toUpper()},
                         {QStringLiteral("password"), a.password},
                         {QStringLiteral("device_label"), QStringLiteral("Firefox on Linux")}}),
            {{"User-Agent", "Mozilla/5.0 " + QByteArray(600, 'x') + "\x01"}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        const QString access = r.json()[QStringLiteral("access_token")].toString();
        m_secrets << access << r.json()[QStringLiteral("refresh_token")].toString();
        QCOMPARE(r.json()[QStringLiteral("user")][QStringLiteral("id")].toString(), a.userId);

        const HttpResult list = sessions(access);
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().keys(), (QStringList {"items", "next_cursor"}));
        QVERIFY(list.json()[QStringLiteral("next_cursor")].isNull());
        const QJsonArray items = list.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 2);
        int current = 0;
        for (const QJsonValue &v : items) {
            const QJsonObject s = v.toObject();
            QCOMPARE(s.keys(),
                     (QStringList {"created_at", "current", "device_label", "id", "ip_address",
                                   "last_used_at", "user_agent"}));
            QCOMPARE(s[QStringLiteral("ip_address")].toString(), QStringLiteral("127.0.0.1"));
            if (s[QStringLiteral("current")].toBool()) {
                ++current;
                QCOMPARE(s[QStringLiteral("device_label")].toString(),
                         QStringLiteral("Firefox on Linux"));
                const QString ua = s[QStringLiteral("user_agent")].toString();
                QCOMPARE(ua.size(), 512); // truncated, control characters dropped
                QVERIFY(ua.startsWith(QStringLiteral("Mozilla/5.0 x")));
            } else {
                QVERIFY(s[QStringLiteral("device_label")].isNull());
            }
        }
        QCOMPARE(current, 1);
    }

    void unknownEmailAndWrongPasswordLookTheSame()
    {
        const TestAccount a = newAccount();
        const QString unknown = uniqueEmail();
        const HttpResult wrong = login(a.email, a.password + QStringLiteral("x"));
        const HttpResult nobody = login(unknown, a.password);
        QCOMPARE(wrong.status, 401);
        QCOMPARE(nobody.status, 401);
        QCOMPARE(withoutRequestId(wrong.json()), withoutRequestId(nobody.json()));
        QCOMPARE(wrong.headers.size(), nobody.headers.size());

        // Both pay for a password check (medians, interleaved; a loose bound for a busy machine).
        QList<qint64> wrongMs, unknownMs;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer t;
            t.start();
            login(a.email, QStringLiteral("not the password %1").arg(i));
            wrongMs << t.elapsed();
            t.restart();
            login(unknown, QStringLiteral("not the password %1").arg(i));
            unknownMs << t.elapsed();
        }
        std::sort(wrongMs.begin(), wrongMs.end());
        std::sort(unknownMs.begin(), unknownMs.end());
        qInfo("median login: wrong password %lld ms, unknown email %lld ms", wrongMs[2],
              unknownMs[2]);
        QVERIFY2(unknownMs[2] * 3 >= wrongMs[2] && wrongMs[2] * 3 >= unknownMs[2],
                 "unknown emails must cost about what wrong passwords cost");
    }

    void refreshRotatesThePair()
    {
        const TestAccount a = newAccount();
        // Times are stored to the millisecond: once the clock is past the session's creation,
        // the refresh marks it as used later.
        QTRY_COMPARE(number(QStringLiteral("SELECT UTC_TIMESTAMP(3) > created_at FROM "
                                           "user_sessions WHERE user_id = '%1'")
                                .arg(a.userId)),
                     1);
        const HttpResult r = refresh(a.refreshToken);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Cache-Control"), QByteArray("no-store"));
        const QJsonObject b = r.json();
        const QString access = b[QStringLiteral("access_token")].toString();
        const QString next = b[QStringLiteral("refresh_token")].toString();
        m_secrets << access << next;
        QVERIFY(next != a.refreshToken);
        QVERIFY(access != a.accessToken);
        QCOMPARE(b[QStringLiteral("user")][QStringLiteral("id")].toString(), a.userId);
        QCOMPARE(b[QStringLiteral("user")][QStringLiteral("email")].toString(), a.email);

        // One session, used just now; the new pair works.
        const HttpResult list = sessions(access);
        QCOMPARE(list.status, 200);
        const QJsonObject s = list.json()[QStringLiteral("items")][0].toObject();
        QVERIFY(s[QStringLiteral("last_used_at")].toString() >
                s[QStringLiteral("created_at")].toString());
        QCOMPARE(refresh(QStringLiteral("rt_unknownunknownunknownunknownunknownunknow")).status,
                 401);
        const HttpResult rotated = refresh(next);
        QCOMPARE(rotated.status, 200);
        const QString last = rotated.json()[QStringLiteral("refresh_token")].toString();
        m_secrets << last << rotated.json()[QStringLiteral("access_token")].toString();

        // API_SPEC: the old token is dead; re-using it, even at once, is 401 and ends the
        // session, so the newest pair stops working too.
        QCOMPARE(refresh(next).status, 401);
        QCOMPARE(refresh(last).status, 401);
        QCOMPARE(sessions(access).status, 401);
    }

    void logoutEndsTheSession()
    {
        const TestAccount a = newAccount();
        const TestAccount other = secondDevice(a);
        HttpClient client(port());
        HttpResult r =
            client.post(QStringLiteral("/api/auth/logout"),
                        QJsonObject({{QStringLiteral("refresh_token"), a.refreshToken}}));
        QCOMPARE(r.status, 204);
        QVERIFY(r.body.isEmpty());
        QCOMPARE(refresh(a.refreshToken).status, 401);
        QCOMPARE(sessions(a.accessToken).status, 401); // its access token died with it
        QCOMPARE(sessions(other.accessToken).status, 200); // the other device is untouched
        QCOMPARE(scalar(QStringLiteral("SELECT revoked_reason FROM user_sessions WHERE "
                                       "refresh_token_hash = '%1'")
                            .arg(fp::IdentityRules::hashRefreshToken(a.refreshToken)))
                     .toString(),
                 QStringLiteral("logout"));
        // Recorded for the other instances, whose cached state of it is wrong now.
        const QString sessionId =
            scalar(QStringLiteral("SELECT id FROM user_sessions WHERE "
                                  "refresh_token_hash = '%1'")
                       .arg(fp::IdentityRules::hashRefreshToken(a.refreshToken)))
                .toString();
        const QString recorded =
            QStringLiteral("SELECT COUNT(*) FROM access_changes WHERE session_id = '%1' AND "
                           "user_id = '%2'")
                .arg(sessionId, a.userId);
        QCOMPARE(scalar(recorded).toInt(), 1);

        // Unknown or repeated: still 204, nothing revealed.
        r = client.post(QStringLiteral("/api/auth/logout"),
                        QJsonObject({{QStringLiteral("refresh_token"), a.refreshToken}}));
        QCOMPARE(r.status, 204);
        QCOMPARE(scalar(recorded).toInt(), 1); // nothing changed
        r = client.post(
            QStringLiteral("/api/auth/logout"),
            QJsonObject({{QStringLiteral("refresh_token"), QStringLiteral("nonsense")}}));
        QCOMPARE(r.status, 204);
        r = client.post(QStringLiteral("/api/auth/logout"), QJsonObject({}));
        QCOMPARE(r.status, 400);
    }

    // The hourly purge drops what ended sessions leave behind: their refresh-token hashes a day
    // after they ended, the sessions 90 days after, and access changes a day after; however
    // many ended sessions there are whose hashes went before.
    void theSessionPurgeDropsWhatEndedSessionsLeave()
    {
        const TestAccount a = newAccount();
        HttpClient client(port());
        // A device logged out of; its session's id.
        const auto loggedOut = [&] {
            const TestAccount device = secondDevice(a);
            const int status =
                client
                    .post(QStringLiteral("/api/auth/logout"),
                          QJsonObject({{QStringLiteral("refresh_token"), device.refreshToken}}))
                    .status;
            return status == 204
                ? scalar(QStringLiteral("SELECT id FROM user_sessions WHERE "
                                        "refresh_token_hash = '%1'")
                             .arg(fp::IdentityRules::hashRefreshToken(device.refreshToken)))
                      .toString()
                : QString();
        };
        const QString endedId = loggedOut();
        const QString endedLatelyId = loggedOut();
        QVERIFY(!endedId.isEmpty() && !endedLatelyId.isEmpty());
        QVERIFY(db()->exec(QStringLiteral("UPDATE user_sessions SET revoked_at = "
                                          "UTC_TIMESTAMP(3) - INTERVAL 91 DAY WHERE id = '%1'")
                               .arg(endedId)));
        QVERIFY(db()->exec(QStringLiteral("UPDATE user_sessions SET revoked_at = "
                                          "UTC_TIMESTAMP(3) - INTERVAL 2 DAY WHERE id = '%1'")
                               .arg(endedLatelyId)));
        const QString hashesOf = QStringLiteral(
            "SELECT COUNT(*) FROM user_session_refresh_tokens WHERE session_id = '%1'");
        QVERIFY(scalar(hashesOf.arg(endedLatelyId)).toInt() >= 1);
        // More sessions that ended before it, whose hashes are gone, than a run purges (5,000),
        // with ids that come first.
        QVERIFY(db()->exec(
            QStringLiteral("INSERT INTO user_sessions (id, user_id, refresh_token_hash, "
                           "expires_at, revoked_at, revoked_reason) SELECT CONCAT("
                           "'00000000-0000-4000-8000-', LPAD(seq, 12, '0')), '%1', "
                           "SHA2(CONCAT('%1', seq), 256), UTC_TIMESTAMP(3) + INTERVAL 1 DAY, "
                           "UTC_TIMESTAMP(3) - INTERVAL 3 DAY, 'logout' FROM seq_1_to_5001")
                .arg(a.userId)));
        QVERIFY(db()->exec(QStringLiteral("INSERT INTO access_changes (user_id, changed_at) VALUES "
                                          "('%1', UTC_TIMESTAMP(3) - INTERVAL 2 DAY)")
                               .arg(a.userId)));
        const QString oldChanges = QStringLiteral(
            "SELECT COUNT(*) FROM access_changes WHERE changed_at < UTC_TIMESTAMP(3) - "
            "INTERVAL 1 DAY");
        QVERIFY(scalar(oldChanges).toInt() >= 1);

        QVERIFY(db()->exec(QStringLiteral(
            "UPDATE background_jobs SET next_run_at = NOW(3) WHERE name = 'session_purge'")));
        QTRY_COMPARE_WITH_TIMEOUT(scalar(oldChanges).toInt(), 0, 30000);
        QCOMPARE(
            scalar(
                QStringLiteral("SELECT COUNT(*) FROM user_sessions WHERE id = '%1'").arg(endedId))
                .toInt(),
            0);
        QCOMPARE(scalar(hashesOf.arg(endedId)).toInt(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(scalar(hashesOf.arg(endedLatelyId)).toInt(), 0, 10000);
        // What has not ended, or ended lately, stays.
        QCOMPARE(sessions(a.accessToken).status, 200);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM access_changes WHERE session_id = "
                                       "'%1'")
                            .arg(endedId))
                     .toInt(),
                 1);
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM user_sessions WHERE id = '%1'")
                            .arg(endedLatelyId))
                     .toInt(),
                 1);
    }

    void sessionListPages()
    {
        const TestAccount a = newAccount();
        for (int i = 0; i < 4; ++i)
            secondDevice(a, QStringLiteral("device %1").arg(i));
        HttpResult page = sessions(a.accessToken, QStringLiteral("?limit=2"));
        QCOMPARE(page.status, 200);
        QStringList seen;
        int pages = 0;
        while (true) {
            ++pages;
            const QJsonArray items = page.json()[QStringLiteral("items")].toArray();
            QVERIFY(items.size() <= 2);
            for (const QJsonValue &v : items)
                seen << v[QStringLiteral("id")].toString();
            const QJsonValue next = page.json()[QStringLiteral("next_cursor")];
            if (next.isNull())
                break;
            QVERIFY(pages < 5);
            page = sessions(a.accessToken,
                            QStringLiteral("?limit=2&cursor=") +
                                QString::fromLatin1(QUrl::toPercentEncoding(next.toString())));
            QCOMPARE(page.status, 200);
        }
        QCOMPARE(seen.size(), 5);
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), 5);

        HttpResult bad = sessions(a.accessToken, QStringLiteral("?limit=0&cursor=zzz"));
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().keys(),
                 (QStringList {"query.cursor", "query.limit"}));
        QCOMPARE(sessions(a.accessToken, QStringLiteral("?limit=201")).status, 400);
        QCOMPARE(sessions(QString()).status, 401);
    }

    void revokingOneSession()
    {
        const TestAccount a = newAccount();
        const TestAccount phone = secondDevice(a, QStringLiteral("phone"));
        const TestAccount stranger = newAccount();
        const QString phoneSession =
            scalar(QStringLiteral("SELECT id FROM user_sessions WHERE refresh_token_hash = '%1'")
                       .arg(fp::IdentityRules::hashRefreshToken(phone.refreshToken)))
                .toString();
        QVERIFY(!phoneSession.isEmpty());

        HttpClient mine(port());
        mine.setBearer(a.accessToken);
        HttpClient theirs(port());
        theirs.setBearer(stranger.accessToken);

        // Someone else's session does not exist for you.
        HttpResult r = theirs.del(QStringLiteral("/api/auth/sessions/") + phoneSession);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(mine.del(QStringLiteral("/api/auth/sessions/not-a-uuid")).status, 404);
        QCOMPARE(sessions(phone.accessToken).status, 200);

        r = mine.del(QStringLiteral("/api/auth/sessions/") + phoneSession);
        QCOMPARE(r.status, 204);
        QCOMPARE(sessions(phone.accessToken).status, 401); // at once on this instance
        QCOMPARE(refresh(phone.refreshToken).status, 401);
        QCOMPARE(mine.del(QStringLiteral("/api/auth/sessions/") + phoneSession).status, 404);
        QCOMPARE(sessions(a.accessToken).status, 200);
        QCOMPARE(sessions(a.accessToken).json()[QStringLiteral("items")].toArray().size(), 1);
    }

    void logoutAllKeepsOnlyTheCurrentSession()
    {
        const TestAccount a = newAccount();
        const TestAccount b = secondDevice(a);
        const TestAccount c = secondDevice(a);
        HttpClient client(port());
        client.setBearer(b.accessToken);
        const HttpResult r = client.post(QStringLiteral("/api/auth/logout-all"), {});
        QCOMPARE(r.status, 204);
        QCOMPARE(sessions(a.accessToken).status, 401);
        QCOMPARE(sessions(c.accessToken).status, 401);
        QCOMPARE(refresh(a.refreshToken).status, 401);
        QCOMPARE(refresh(c.refreshToken).status, 401);
        const HttpResult list = sessions(b.accessToken);
        QCOMPARE(list.status, 200);
        const QJsonArray items = list.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 1);
        QVERIFY(items[0][QStringLiteral("current")].toBool());
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM user_sessions WHERE user_id = '%1' "
                                       "AND revoked_reason = 'logout_all'")
                            .arg(a.userId))
                     .toInt(),
                 2);
    }

    void revocationsAreAnnouncedThroughRedis()
    {
        const TestAccount a = newAccount();
        const TestAccount b = secondDevice(a);
        const QString sessionB =
            scalar(QStringLiteral("SELECT id FROM user_sessions WHERE refresh_token_hash = '%1'")
                       .arg(fp::IdentityRules::hashRefreshToken(b.refreshToken)))
                .toString();
        const quint16 redisPort = TestEnvironment::fromProcess().redisPort;
        RawRedis listener(redisPort);
        const QByteArray prefix = server().redisKeyPrefix().toLatin1();
        listener.send({"SUBSCRIBE", prefix + "sessions-revoked"});
        QVERIFY(listener.readUntil(":1\r\n").contains("subscribe"));

        HttpClient client(port());
        client.setBearer(a.accessToken);
        QCOMPARE(client.post(QStringLiteral("/api/auth/logout-all"), {}).status, 204);

        // Every instance hears which sessions are over (the WebSocket gateway closes them).
        const QByteArray notice = listener.readUntil(sessionB.toLatin1());
        QVERIFY2(notice.contains(sessionB.toLatin1()), notice.constData());
        QVERIFY(notice.contains("\"user_id\":\"" + a.userId.toLatin1() + "\""));
        QVERIFY(notice.contains("\"session_ids\":["));
        // And a marker outlives every access token of the session (15 minutes).
        RawRedis kv(redisPort);
        kv.send({"TTL", prefix + "session-revoked:" + sessionB.toLatin1()});
        const QByteArray ttl = kv.readUntil("\r\n");
        QVERIFY2(ttl.startsWith(':'), ttl.constData());
        const int seconds = ttl.mid(1).trimmed().toInt();
        QVERIFY2(seconds > 900 && seconds <= 960, ttl.constData());
    }

    void passwordChangeRevokesOtherSessions()
    {
        const TestAccount a = newAccount();
        const TestAccount other = secondDevice(a);
        HttpClient client(port());
        client.setBearer(a.accessToken);
        const QString next = QStringLiteral("a much longer passphrase 2026");
        m_secrets << next;

        HttpResult r = client.put(QStringLiteral("/api/auth/password"),
                                  QJsonObject({{QStringLiteral("current_password"),
                                                QStringLiteral("not my password at all")},
                                               {QStringLiteral("new_password"), next}}));
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")]
                        [QStringLiteral("current_password")]
                            .isString());

        r = client.put(QStringLiteral("/api/auth/password"),
                       QJsonObject({{QStringLiteral("current_password"), a.password},
                                    {QStringLiteral("new_password"), a.password}}));
        QCOMPARE(r.status, 400);
        r = client.put(
            QStringLiteral("/api/auth/password"),
            QJsonObject({{QStringLiteral("current_password"), a.password},
                         {QStringLiteral("new_password"), QStringLiteral("qwertyuiop123")}}));
        QCOMPARE(r.status, 400);
        r = client.put(QStringLiteral("/api/auth/password"),
                       QJsonObject({{QStringLiteral("current_password"), a.password},
                                    {QStringLiteral("new_password"), a.email}}));
        QCOMPARE(r.status, 400);
        QCOMPARE(sessions(other.accessToken).status, 200); // nothing happened yet

        r = client.put(QStringLiteral("/api/auth/password"),
                       QJsonObject({{QStringLiteral("current_password"), a.password},
                                    {QStringLiteral("new_password"), next}}));
        QCOMPARE(r.status, 204);
        QCOMPARE(sessions(other.accessToken).status, 401);
        QCOMPARE(refresh(other.refreshToken).status, 401);
        QCOMPARE(sessions(a.accessToken).status, 200); // the current session stays
        QCOMPARE(login(a.email, a.password).status, 401);
        const HttpResult fresh = login(a.email, next);
        QCOMPARE(fresh.status, 200);
        m_secrets << fresh.json()[QStringLiteral("access_token")].toString()
                  << fresh.json()[QStringLiteral("refresh_token")].toString();
    }

    void deletedAccountIsLockedOutWithinSeconds()
    {
        const TestAccount a = newAccount();
        QCOMPARE(sessions(a.accessToken).status, 200); // now cached as valid
        seed().changeAccount(a.userId,
                             QStringLiteral("status = 'deleted', deleted_at = UTC_TIMESTAMP(3)"));
        QElapsedTimer t;
        t.start();
        QTRY_COMPARE_WITH_TIMEOUT(sessions(a.accessToken).status, 401, 6000);
        qInfo("deleted account refused after %lld ms", t.elapsed());
        QCOMPARE(refresh(a.refreshToken).status, 401);

        // Its login answers exactly what a wrong password answers.
        const HttpResult deleted = login(a.email, a.password);
        const HttpResult wrong = login(uniqueEmail(), a.password);
        QCOMPARE(deleted.status, 401);
        QCOMPARE(withoutRequestId(deleted.json()), withoutRequestId(wrong.json()));
    }

    void bannedAccountIsLockedOut()
    {
        const TestAccount a = newAccount();
        QCOMPARE(sessions(a.accessToken).status, 200);
        seed().changeAccount(a.userId,
                             QStringLiteral("status = 'restricted', banned_at = UTC_TIMESTAMP(3)"));
        QTRY_COMPARE_WITH_TIMEOUT(sessions(a.accessToken).status, 401, 6000);
        QCOMPARE(refresh(a.refreshToken).status, 401);
        const HttpResult right = login(a.email, a.password);
        QCOMPARE(right.status, 403);
        QCOMPARE(right.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("account_banned"));
        QCOMPARE(login(a.email, a.password + QStringLiteral("!")).status, 401); // no oracle
    }

    // A role taken away on an instance whose Redis notices never reach this one is refused here
    // within seconds, although the moderator keeps using their session (whose state would
    // otherwise be trusted here for a minute): the change is read from access_changes.
    void aRoleTakenAwayOnAnotherInstanceIsRefusedHere()
    {
        TestServer &first = addServer(TestServer::Options {}.withoutRateLimits());
        QVERIFY(first.start());
        TestServer &second =
            addServer(TestServer::Options {}.onTheSameDatabaseAs(first).withoutRateLimits());
        QVERIFY(second.start());
        const TestAccount person = fp::test::signUp(first.port(), QStringLiteral("steppingdown"));
        Seed(first.database()).role(person, QStringLiteral("moderator"));
        // Its record read here first: the role taken away below must be the change heard of.
        QTRY_VERIFY_WITH_TIMEOUT(first.metric("fp_access_changes_applied_total") >= 1, 10000);
        const TestAccount moderator = fp::test::logIn(first.port(), person);
        const auto here = fp::test::clientFor(first.port(), moderator);
        QCOMPARE(here->get(QStringLiteral("/api/admin/reports")).status, 200);

        const TestAccount admin =
            fp::test::logIn(second.port(), TestServer::adminEmail(), TestServer::adminPassword());
        QCOMPARE(fp::test::clientFor(second.port(), admin)
                     ->put(QStringLiteral("/api/admin/users/%1/role").arg(person.userId),
                           {{QStringLiteral("role"), QStringLiteral("user")},
                            {QStringLiteral("note"), QStringLiteral("stepped down")}})
                     .status,
                 200);
        int status = 200;
        QElapsedTimer since;
        since.start();
        while (status == 200 && since.elapsed() < 6000) {
            status = here->get(QStringLiteral("/api/admin/reports")).status;
            if (status == 200)
                QTest::qWait(200);
        }
        QCOMPARE(status, 403);
    }

    void restrictedAccountMayStillLogInAndRead()
    {
        const TestAccount a = newAccount();
        QVERIFY(db()->exec(QStringLiteral("UPDATE users SET status = 'restricted' WHERE id = '%1'")
                               .arg(a.userId)));
        const HttpResult r = login(a.email, a.password);
        QCOMPARE(r.status, 200);
        m_secrets << r.json()[QStringLiteral("access_token")].toString()
                  << r.json()[QStringLiteral("refresh_token")].toString();
        QCOMPARE(sessions(r.json()[QStringLiteral("access_token")].toString()).status, 200);
        QCOMPARE(sessions(a.accessToken).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestIdentity)
#include "tst_identity.moc"
