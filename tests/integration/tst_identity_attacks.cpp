// Attacks on identity against the real server: forged and tampered access tokens, secret
// rotation, tokens used in the wrong place, stolen refresh tokens (reuse however many rotations
// back, on two instances), racing and repeated refreshes, password guessing (account lock, in
// parallel too, through login, password change and account deletion; address budgets, IPv6 by
// /64), a registration flood next to logins, and Redis going away in the middle.

#include "server/identity/IdentityService.h"
#include "server/identity/Jwt.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"

#include <QDateTime>
#include <QEventLoop>
#include <QJsonArray>
#include <QNetworkReply>
#include <QTest>
#include <QTimer>
#include <QUuid>

using namespace fp::test;

namespace {

const QString kPreviousSecret = QStringLiteral("previous-secret-still-accepted-0123456789abcdef");

TestServer::Options options(std::initializer_list<QPair<QString, QString>> extra)
{
    TestServer::Options o;
    o.withoutRateLimits();
    for (const auto &[k, v] : extra)
        o.with(k, v);
    return o;
}

QJsonObject decodePart(const QString &token, int index)
{
    const auto bytes = fp::Jwt::fromBase64Url(token.toLatin1().split('.').value(index));
    return QJsonDocument::fromJson(bytes.value_or(QByteArray())).object();
}

QJsonObject headerFor(const QByteArray &secret)
{
    return {{QStringLiteral("alg"), QStringLiteral("HS256")},
            {QStringLiteral("typ"), QStringLiteral("JWT")},
            {QStringLiteral("kid"), QString::fromLatin1(fp::Jwt::keyId(secret))}};
}

QByteArray part(const QJsonObject &object)
{
    return fp::Jwt::base64Url(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

struct ConcurrentRequest
{
    QByteArray method = "POST";
    QString path;
    QJsonObject body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

struct ConcurrentAnswer
{
    int status = 0;
    QJsonObject json;
};

/// Fires all requests at once, each on its own connection, and waits for every answer.
QList<ConcurrentAnswer> concurrently(quint16 port, const QList<ConcurrentRequest> &requests)
{
    std::vector<std::unique_ptr<QNetworkAccessManager>> managers;
    QList<QNetworkReply *> replies;
    for (const ConcurrentRequest &r : requests) {
        managers.push_back(std::make_unique<QNetworkAccessManager>());
        QNetworkRequest request(
            QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(r.path)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
        for (const auto &[name, value] : r.headers)
            request.setRawHeader(name, value);
        replies << managers.back()->sendCustomRequest(
            request, r.method, QJsonDocument(r.body).toJson(QJsonDocument::Compact));
    }
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(60000);
    for (QNetworkReply *reply : replies) {
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&] {
            if (std::all_of(replies.begin(), replies.end(),
                            [](QNetworkReply *r) { return r->isFinished(); }))
                loop.quit();
        });
    }
    if (!std::all_of(replies.begin(), replies.end(),
                     [](QNetworkReply *r) { return r->isFinished(); }))
        loop.exec();
    QList<ConcurrentAnswer> answers;
    for (QNetworkReply *reply : replies) {
        answers << ConcurrentAnswer {
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
            QJsonDocument::fromJson(reply->readAll()).object()};
        reply->deleteLater();
    }
    return answers;
}

QList<int> statusesOf(const QList<ConcurrentAnswer> &answers)
{
    QList<int> statuses;
    for (const ConcurrentAnswer &a : answers)
        statuses << a.status;
    return statuses;
}

QJsonObject withoutRequestId(QJsonObject json)
{
    json.remove(QStringLiteral("request_id"));
    return json;
}

} // namespace

class TestIdentityAttacks : public IntegrationTest
{
    Q_OBJECT

public:
    TestIdentityAttacks()
        : IntegrationTest(
              options({{QStringLiteral("FP_JWT_PREVIOUS_SECRET"), kPreviousSecret},
                       {QStringLiteral("FP_LOGIN_FAILURE_LIMIT"), QStringLiteral("3")},
                       {QStringLiteral("FP_LOGIN_LOCK_INCREMENT_SECONDS"), QStringLiteral("2")},
                       {QStringLiteral("FP_LOGIN_LOCK_MAX_SECONDS"), QStringLiteral("4")},
                       {QStringLiteral("FP_LOGIN_ADDRESS_FAILURE_LIMIT"), QStringLiteral("100000")},
                       // An operator's grace window, for the tests of it (the default has none).
                       {QStringLiteral("FP_REFRESH_REUSE_GRACE_SECONDS"), QStringLiteral("10")}}))
    { }

private:
    TestAccount newAccount(quint16 onPort = 0)
    {
        const TestAccount a = fp::test::signUp(onPort ? onPort : port(), QStringLiteral("target"));
        m_secrets << a.password << a.accessToken << a.refreshToken;
        return a;
    }

    static HttpResult sessionsWith(quint16 port, const QString &accessToken)
    {
        HttpClient client(port);
        client.setBearer(accessToken);
        return client.get(QStringLiteral("/api/auth/sessions"));
    }

    static HttpResult refreshWith(quint16 port, const QString &refreshToken)
    {
        HttpClient client(port);
        return client.post(QStringLiteral("/api/auth/refresh"),
                           QJsonObject({{QStringLiteral("refresh_token"), refreshToken}}));
    }

    static HttpResult loginWith(quint16 port, const QString &email, const QString &password)
    {
        HttpClient client(port);
        return client.post(QStringLiteral("/api/auth/login"),
                           QJsonObject({{QStringLiteral("email"), email},
                                        {QStringLiteral("password"), password}}));
    }

    QString remember(const HttpResult &r)
    {
        m_secrets << r.json()[QStringLiteral("access_token")].toString()
                  << r.json()[QStringLiteral("refresh_token")].toString();
        return r.json()[QStringLiteral("refresh_token")].toString();
    }

    QVariant scalar(const QString &sql) { return db()->scalar(sql); }

    QString revokedReason(const QString &userId)
    {
        return scalar(QStringLiteral("SELECT revoked_reason FROM user_sessions WHERE user_id = "
                                     "'%1'")
                          .arg(userId))
            .toString();
    }

    /// Moves the session's last rotation an hour into the past: what the grace window sees
    /// once it has passed, without the test waiting for it.
    void ageLastRotation(const QString &userId)
    {
        exec(QStringLiteral("UPDATE user_sessions SET refresh_rotated_at = refresh_rotated_at - "
                            "INTERVAL 1 HOUR WHERE user_id = '%1'")
                 .arg(userId));
    }

    /// A second instance on the same database and Redis, with the same signing secret (as in a
    /// deployment of several), started on first use.
    TestServer &secondInstance()
    {
        if (!m_second) {
            TestServer::Options o = options({});
            o.alongside(server());
            m_second = &addServer(o);
            if (!m_second->start())
                qFatal("the second instance did not start: %s", m_second->output().constData());
        }
        return *m_second;
    }

    TestServer *m_second = nullptr;

    void verifyLogs() override
    {
        const QByteArray logs = server().output();
        QVERIFY(!logs.contains(kPreviousSecret.toUtf8()));
        QVERIFY(!logs.contains("\"status\":500"));
    }

private Q_SLOTS:
    void forgedAccessTokens_data()
    {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<int>("status");
        QTest::newRow("genuine (control)") << "none" << 200;
        QTest::newRow("re-signed with the known secret (control)") << "resign" << 200;
        QTest::newRow("signed with the previous secret") << "previous" << 200;
        QTest::newRow("alg none, no signature") << "alg-none" << 401;
        QTest::newRow("alg none, old signature") << "alg-none-signed" << 401;
        QTest::newRow("HS256 with another key") << "other-key" << 401;
        QTest::newRow("HS256 with another key under our kid") << "other-key-our-kid" << 401;
        QTest::newRow("payload edited to admin") << "edit-role" << 401;
        QTest::newRow("payload edited to another user") << "edit-sub" << 401;
        QTest::newRow("expired") << "expired" << 401;
        QTest::newRow("issued in the future") << "future" << 401;
        QTest::newRow("wrong issuer") << "iss" << 401;
        QTest::newRow("wrong audience") << "aud" << 401;
        QTest::newRow("typ refresh") << "typ" << 401;
        QTest::newRow("session that does not exist") << "unknown-sid" << 401;
        QTest::newRow("someone else's session") << "foreign-sid" << 401;
        QTest::newRow("the refresh token as bearer") << "refresh-as-access" << 401;
        QTest::newRow("garbage") << "garbage" << 401;
    }

    void forgedAccessTokens()
    {
        QFETCH(QString, mutation);
        QFETCH(int, status);
        const TestAccount a = newAccount();
        const TestAccount b = newAccount();
        const QByteArray secret = server().jwtSecret().toUtf8();
        const QByteArray other = "an-attacker-chosen-secret-0123456789abcdef";
        const QList<QByteArray> parts = a.accessToken.toLatin1().split('.');
        const QJsonObject header = decodePart(a.accessToken, 0);
        QJsonObject claims = decodePart(a.accessToken, 1);
        QCOMPARE(claims[QStringLiteral("iss")].toString(), QStringLiteral("friendship-platform"));
        QCOMPARE(claims[QStringLiteral("aud")].toString(), QStringLiteral("friendship-api"));
        QCOMPARE(claims[QStringLiteral("typ")].toString(), QStringLiteral("access"));
        QCOMPARE(claims[QStringLiteral("sub")].toString(), a.userId);
        QVERIFY(!claims[QStringLiteral("jti")].toString().isEmpty());
        QCOMPARE(claims[QStringLiteral("exp")].toInteger() -
                     claims[QStringLiteral("iat")].toInteger(),
                 900);
        QCOMPARE(header[QStringLiteral("kid")].toString(),
                 QString::fromLatin1(fp::Jwt::keyId(secret)));
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const auto sign = [&](const QJsonObject &c, const QByteArray &key = QByteArray()) {
            return QString::fromLatin1(fp::Jwt::encode(headerFor(key.isEmpty() ? secret : key), c,
                                                       key.isEmpty() ? secret : key));
        };

        QString token;
        if (mutation == QLatin1String("none")) {
            token = a.accessToken;
        } else if (mutation == QLatin1String("resign")) {
            token = sign(claims);
        } else if (mutation == QLatin1String("previous")) {
            token = sign(claims, kPreviousSecret.toUtf8());
        } else if (mutation == QLatin1String("alg-none")) {
            QJsonObject h = header;
            h[QStringLiteral("alg")] = QStringLiteral("none");
            token = QString::fromLatin1(part(h) + '.' + parts[1] + '.');
        } else if (mutation == QLatin1String("alg-none-signed")) {
            QJsonObject h = header;
            h[QStringLiteral("alg")] = QStringLiteral("none");
            token = QString::fromLatin1(part(h) + '.' + parts[1] + '.' + parts[2]);
        } else if (mutation == QLatin1String("other-key")) {
            token = sign(claims, other);
        } else if (mutation == QLatin1String("other-key-our-kid")) {
            token = QString::fromLatin1(fp::Jwt::encode(headerFor(secret), claims, other));
        } else if (mutation == QLatin1String("edit-role")) {
            claims[QStringLiteral("role")] = QStringLiteral("admin");
            token = QString::fromLatin1(parts[0] + '.' + part(claims) + '.' + parts[2]);
        } else if (mutation == QLatin1String("edit-sub")) {
            claims[QStringLiteral("sub")] = b.userId;
            token = QString::fromLatin1(parts[0] + '.' + part(claims) + '.' + parts[2]);
        } else if (mutation == QLatin1String("expired")) {
            claims[QStringLiteral("iat")] = double(now - 1000);
            claims[QStringLiteral("exp")] = double(now - 100);
            token = sign(claims);
        } else if (mutation == QLatin1String("future")) {
            claims[QStringLiteral("iat")] = double(now + 300);
            claims[QStringLiteral("exp")] = double(now + 900);
            token = sign(claims);
        } else if (mutation == QLatin1String("iss")) {
            claims[QStringLiteral("iss")] = QStringLiteral("someone-else");
            token = sign(claims);
        } else if (mutation == QLatin1String("aud")) {
            claims[QStringLiteral("aud")] = QStringLiteral("another-api");
            token = sign(claims);
        } else if (mutation == QLatin1String("typ")) {
            claims[QStringLiteral("typ")] = QStringLiteral("refresh");
            token = sign(claims);
        } else if (mutation == QLatin1String("unknown-sid")) {
            claims[QStringLiteral("sid")] = QUuid::createUuid().toString(QUuid::WithoutBraces);
            token = sign(claims);
        } else if (mutation == QLatin1String("foreign-sid")) {
            // A correctly signed token pairing one user with another user's session.
            claims[QStringLiteral("sid")] = decodePart(b.accessToken, 1)[QStringLiteral("sid")];
            token = sign(claims);
        } else if (mutation == QLatin1String("refresh-as-access")) {
            token = a.refreshToken;
        } else {
            token = QStringLiteral("not.a.token");
        }
        const HttpResult r = sessionsWith(port(), token);
        QCOMPARE(r.status, status);
        if (status == 401) {
            QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        } else {
            QCOMPARE(r.json()[QStringLiteral("items")][0][QStringLiteral("current")].toBool(),
                     true);
        }
    }

    void developmentModeSignsWithASecretOfItsOwn()
    {
        // Without FP_JWT_SECRET, development mode used to sign with a secret written in the
        // source: anyone could mint a token for any account.
        TestServer::Options o;
        o.withoutRateLimits()
            .with(QStringLiteral("FP_ENV"), QStringLiteral("development"))
            .with(QStringLiteral("FP_JWT_SECRET"), QString());
        TestServer development(o);
        QVERIFY(development.start());
        const TestAccount a = newAccount(development.port());
        QCOMPARE(sessionsWith(development.port(), a.accessToken).status, 200);
        const QByteArray published = "development-only-secret-not-for-production-use";
        const QString minted = QString::fromLatin1(
            fp::Jwt::encode(headerFor(published), decodePart(a.accessToken, 1), published));
        QCOMPARE(sessionsWith(development.port(), minted).status, 401);

        // A second process on the same database does not accept the first one's tokens.
        TestServer::Options same = o;
        same.databaseName = development.databaseName();
        TestServer another(same);
        QVERIFY(another.start());
        QCOMPARE(sessionsWith(another.port(), a.accessToken).status, 401);
    }

    // RFC 6750: every 401 names the scheme, and says when a token was sent and refused.
    void refusalsSayHowToAuthenticate()
    {
        const TestAccount a = newAccount();
        const HttpResult none = HttpClient(port()).get(QStringLiteral("/api/auth/sessions"));
        QCOMPARE(none.status, 401);
        QCOMPARE(none.header("WWW-Authenticate"), QByteArray("Bearer"));
        const HttpResult refused = sessionsWith(port(), a.refreshToken);
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.header("WWW-Authenticate"), QByteArray("Bearer error=\"invalid_token\""));
        QVERIFY(sessionsWith(port(), a.accessToken).header("WWW-Authenticate").isEmpty());
    }

    void tokensInTheWrongPlace()
    {
        const TestAccount a = newAccount();
        // An access token is not a refresh token, and refreshing with it changes nothing.
        QCOMPARE(refreshWith(port(), a.accessToken).status, 401);
        QCOMPARE(sessionsWith(port(), a.refreshToken).status, 401);
        HttpClient client(port());
        client.setBearer(a.accessToken);
        QCOMPARE(client
                     .get(QStringLiteral("/api/auth/sessions"),
                          {{"Authorization", "Basic " + a.accessToken.toLatin1()}})
                     .status,
                 401);
        QCOMPARE(refreshWith(port(), a.refreshToken).status, 200);
    }

    void refreshReuseRevokesTheSession()
    {
        const TestAccount a = newAccount();
        const HttpResult first = refreshWith(port(), a.refreshToken);
        QCOMPARE(first.status, 200);
        const QString rotated = remember(first);
        const QString freshAccess = first.json()[QStringLiteral("access_token")].toString();
        QCOMPARE(sessionsWith(port(), freshAccess).status, 200);
        ageLastRotation(a.userId); // past the grace window for a repeated refresh

        // The thief (or the victim) presents the token that was already used.
        const HttpResult reuse = refreshWith(port(), a.refreshToken);
        QCOMPARE(reuse.status, 401);
        QCOMPARE(reuse.errorCode(), QStringLiteral("unauthorized"));
        // The whole session is dead: its newest refresh token and its access tokens.
        QCOMPARE(refreshWith(port(), rotated).status, 401);
        QCOMPARE(sessionsWith(port(), freshAccess).status, 401);
        QCOMPARE(sessionsWith(port(), a.accessToken).status, 401);
        QCOMPARE(revokedReason(a.userId), QStringLiteral("token_reuse"));
        QTRY_VERIFY(server().output().contains("refresh_token_reuse"));
        // Another device of the same account is not affected.
        const TestAccount b = logIn(a);
        remember(loginWith(port(), a.email, a.password));
        QCOMPARE(sessionsWith(port(), b.accessToken).status, 200);
        m_secrets << b.accessToken << b.refreshToken;
    }

    void reuseOfAnyEarlierTokenRevokesTheSession_data()
    {
        QTest::addColumn<int>("rotations");
        QTest::newRow("two rotations back") << 2;
        QTest::newRow("five rotations back") << 5;
    }

    void reuseOfAnyEarlierTokenRevokesTheSession()
    {
        // A thief who rotates a stolen token twice (or five times) used to keep the session:
        // only the token just before the current one was remembered, so the victim's stale one
        // got a plain 401 and the thief's tokens went on working.
        QFETCH(int, rotations);
        const TestAccount victim = newAccount();
        TestServer &other = secondInstance();
        QString current = victim.refreshToken;
        QString thiefAccess;
        for (int i = 0; i < rotations; ++i) {
            const HttpResult r = refreshWith(port(), current);
            QCOMPARE(r.status, 200);
            current = remember(r);
            thiefAccess = r.json()[QStringLiteral("access_token")].toString();
        }
        // Both instances accept the thief's access token (and remember that they did).
        QCOMPARE(sessionsWith(port(), thiefAccess).status, 200);
        QCOMPARE(sessionsWith(other.port(), thiefAccess).status, 200);

        // The victim's token, superseded long ago, comes back.
        const HttpResult stale = refreshWith(port(), victim.refreshToken);
        QCOMPARE(stale.status, 401);
        QCOMPARE(revokedReason(victim.userId), QStringLiteral("token_reuse"));
        // Everything of the session stops: its newest refresh token, and its access tokens
        // here at once and on the other instance within seconds.
        QCOMPARE(refreshWith(port(), current).status, 401);
        QCOMPARE(sessionsWith(port(), thiefAccess).status, 401);
        QTRY_COMPARE_WITH_TIMEOUT(sessionsWith(other.port(), thiefAccess).status, 401, 5000);
        QCOMPARE(sessionsWith(other.port(), victim.accessToken).status, 401);
        QCOMPARE(number(QStringLiteral("SELECT refresh_generation FROM user_sessions WHERE "
                                       "user_id = '%1'")
                            .arg(victim.userId)),
                 rotations);
    }

    void repeatedRefreshWithinTheGraceWindowGetsTheSamePair()
    {
        // A lost response or a second tab: the same token again, just after it was rotated.
        const TestAccount a = newAccount();
        const HttpResult first = refreshWith(port(), a.refreshToken);
        QCOMPARE(first.status, 200);
        const QString next = remember(first);
        const HttpResult again = refreshWith(port(), a.refreshToken);
        QCOMPARE(again.status, 200);
        QCOMPARE(remember(again), next);
        QCOMPARE(again.json()[QStringLiteral("user")], first.json()[QStringLiteral("user")]);
        const QString againAccess = again.json()[QStringLiteral("access_token")].toString();
        QCOMPARE(sessionsWith(port(), againAccess).status, 200);
        QCOMPARE(revokedReason(a.userId), QString());
        QCOMPARE(number(QStringLiteral("SELECT refresh_generation FROM user_sessions WHERE "
                                       "user_id = '%1'")
                            .arg(a.userId)),
                 1);

        // The pair goes on as usual...
        const HttpResult second = refreshWith(port(), next);
        QCOMPARE(second.status, 200);
        const QString afterNext = remember(second);
        // ...and the first token, now two rotations back, is reuse even within seconds.
        QCOMPARE(refreshWith(port(), a.refreshToken).status, 401);
        QCOMPARE(revokedReason(a.userId), QStringLiteral("token_reuse"));
        QCOMPARE(refreshWith(port(), afterNext).status, 401);
        QCOMPARE(sessionsWith(port(), againAccess).status, 401);
    }

    void graceWindowEndsAndIsOffByDefault()
    {
        // Past the window the repeated token is reuse.
        const TestAccount a = newAccount();
        const HttpResult first = refreshWith(port(), a.refreshToken);
        QCOMPARE(first.status, 200);
        remember(first);
        ageLastRotation(a.userId);
        QCOMPARE(refreshWith(port(), a.refreshToken).status, 401);
        QCOMPARE(revokedReason(a.userId), QStringLiteral("token_reuse"));

        // Without FP_REFRESH_REUSE_GRACE_SECONDS (API_SPEC's rule) there is no window at all.
        TestServer strict(options({}));
        QVERIFY(strict.start());
        const TestAccount b = newAccount(strict.port());
        const HttpResult r = refreshWith(strict.port(), b.refreshToken);
        QCOMPARE(r.status, 200);
        const QString rotated = remember(r);
        QCOMPARE(refreshWith(strict.port(), b.refreshToken).status, 401);
        QCOMPARE(refreshWith(strict.port(), rotated).status, 401);
        QCOMPARE(strict.stop(), 0);
    }

    void concurrentRefreshesGetOnePair()
    {
        for (int count : {2, 5, 8}) {
            const TestAccount a = newAccount();
            QList<ConcurrentRequest> requests;
            for (int i = 0; i < count; ++i)
                requests << ConcurrentRequest {
                    "POST",
                    QStringLiteral("/api/auth/refresh"),
                    QJsonObject({{QStringLiteral("refresh_token"), a.refreshToken}}),
                    {}};
            const QList<ConcurrentAnswer> answers = concurrently(port(), requests);
            qInfo() << count << "concurrent refreshes answered" << statusesOf(answers);
            // One of them rotated the token; the others came within the grace window of that
            // rotation and got the very same new token: nobody is logged out.
            QCOMPARE(statusesOf(answers).count(200), count);
            const QString next = answers.first().json[QStringLiteral("refresh_token")].toString();
            m_secrets << next;
            for (const ConcurrentAnswer &answer : answers) {
                QCOMPARE(answer.json[QStringLiteral("refresh_token")].toString(), next);
                m_secrets << answer.json[QStringLiteral("access_token")].toString();
            }
            QCOMPARE(number(QStringLiteral("SELECT refresh_generation FROM user_sessions WHERE "
                                           "user_id = '%1'")
                                .arg(a.userId)),
                     1);
            QCOMPARE(revokedReason(a.userId), QString());
            const HttpResult after = refreshWith(port(), next);
            QCOMPARE(after.status, 200);
            remember(after);
        }
    }

    void accountLocksAfterRepeatedFailures()
    {
        // This server: locked from the 3rd failure, +2 s per failure, at most 4 s.
        const TestAccount a = newAccount();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(loginWith(port(), a.email, QStringLiteral("wrong password %1").arg(i)).status,
                     401);
        HttpResult locked = loginWith(port(), a.email, a.password); // right password, but locked
        QCOMPARE(locked.status, 429);
        QCOMPARE(locked.errorCode(), QStringLiteral("rate_limited"));
        const int retryAfter = locked.header("Retry-After").toInt();
        QVERIFY2(retryAfter >= 1 && retryAfter <= 2, locked.header("Retry-After").constData());
        QCOMPARE(
            locked.json()[QStringLiteral("details")][QStringLiteral("retry_after_seconds")].toInt(),
            retryAfter);
        // A wrong password gets the very same answer: the lock reveals nothing.
        const HttpResult lockedWrong = loginWith(port(), a.email, QStringLiteral("wrong again!"));
        QCOMPARE(lockedWrong.status, 429);
        QCOMPARE(lockedWrong.json()[QStringLiteral("message")],
                 locked.json()[QStringLiteral("message")]);

        // The lock expires (a locked account is refused before the password is looked at, so
        // the attempts while it lasts count for nothing); the next failure locks longer.
        HttpResult attempt;
        QVERIFY(pollUntil(
            [&] {
                attempt = loginWith(port(), a.email, QStringLiteral("wrong password 4"));
                return attempt.status != 429;
            },
            retryAfter * 1000 + 1000, 100));
        QCOMPARE(attempt.status, 401);
        locked = loginWith(port(), a.email, a.password);
        QCOMPARE(locked.status, 429);
        const int longer = locked.header("Retry-After").toInt();
        QVERIFY2(longer >= 3 && longer <= 4, locked.header("Retry-After").constData());

        // After it, the right password works and forgets the failures.
        HttpResult ok;
        QVERIFY(pollUntil(
            [&] {
                ok = loginWith(port(), a.email, a.password);
                return ok.status != 429;
            },
            longer * 1000 + 1000, 100));
        QCOMPARE(ok.status, 200);
        remember(ok);
        QCOMPARE(loginWith(port(), a.email, QStringLiteral("wrong password 5")).status, 401);
        QCOMPARE(loginWith(port(), a.email, QStringLiteral("wrong password 6")).status, 401);
        QCOMPARE(loginWith(port(), a.email, a.password).status, 200);

        // Unknown emails lock the same way: a lock does not tell whether an account exists.
        const QString nobody = uniqueEmail();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(loginWith(port(), nobody, QStringLiteral("guess number %1").arg(i)).status,
                     401);
        QCOMPARE(loginWith(port(), nobody, QStringLiteral("guess number 4")).status, 429);
    }

    void passwordChangeGuessingCountsToo()
    {
        const TestAccount a = newAccount();
        HttpClient client(port());
        client.setBearer(a.accessToken);
        for (int i = 0; i < 3; ++i) {
            const HttpResult r = client.put(
                QStringLiteral("/api/auth/password"),
                QJsonObject(
                    {{QStringLiteral("current_password"), QStringLiteral("guess %1 guess").arg(i)},
                     {QStringLiteral("new_password"), QStringLiteral("new passphrase 2026 ok")}}));
            QCOMPARE(r.status, 403);
        }
        const HttpResult locked =
            client.put(QStringLiteral("/api/auth/password"),
                       QJsonObject({{QStringLiteral("current_password"), a.password},
                                    {QStringLiteral("new_password"),
                                     QStringLiteral("new passphrase 2026 ok")}}));
        QCOMPARE(locked.status, 429);
        QVERIFY(locked.header("Retry-After").toInt() >= 1);
    }

    void parallelGuessesCannotOutrunTheLock()
    {
        // This server locks an account from its 3rd failure. Guesses fired all at once used to
        // pass the lock check together, before any of them had been counted as a failure.
        const TestAccount a = newAccount();
        QList<ConcurrentRequest> requests;
        for (int i = 0; i < 12; ++i)
            requests << ConcurrentRequest {
                "POST",
                QStringLiteral("/api/auth/login"),
                QJsonObject(
                    {{QStringLiteral("email"), a.email},
                     {QStringLiteral("password"), QStringLiteral("parallel guess %1").arg(i)}}),
                {}};
        const QList<int> statuses = statusesOf(concurrently(port(), requests));
        qInfo() << "12 parallel guesses answered" << statuses;
        QVERIFY2(statuses.count(401) >= 1 && statuses.count(401) <= 3,
                 "at most the failure limit may reach the password");
        QCOMPARE(statuses.count(401) + statuses.count(429), 12);
        // The account is locked: even the right password waits.
        QCOMPARE(loginWith(port(), a.email, a.password).status, 429);
    }

    void accountDeletionGuessingCountsToo()
    {
        // DELETE /api/me checks the password: with a stolen access token it must not be a way to
        // guess the password without the account locking as a login would.
        const TestAccount a = newAccount();
        HttpClient client(port());
        client.setBearer(a.accessToken);
        const auto deleteWith = [&](const QString &password) {
            return client.send(
                "DELETE", QStringLiteral("/api/me"),
                QJsonDocument(QJsonObject({{QStringLiteral("password"), password}})).toJson(),
                {{"Content-Type", "application/json"}});
        };
        for (int i = 0; i < 3; ++i) {
            const HttpResult r = deleteWith(QStringLiteral("guess %1 guess").arg(i));
            QCOMPARE(r.status, 403);
            QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("fields")]
                             [QStringLiteral("password")]
                                 .toString(),
                     QStringLiteral("is not your password"));
        }
        const HttpResult locked = deleteWith(a.password);
        QCOMPARE(locked.status, 429);
        QCOMPARE(locked.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(locked.header("Retry-After").toInt() >= 1);
        QCOMPARE(sessionsWith(port(), a.accessToken).status, 200); // not deleted
        // One budget for every check of this account's password: a login waits as well.
        QCOMPARE(loginWith(port(), a.email, a.password).status, 429);
    }

    void registrationFloodLeavesLoginsAlone()
    {
        // Registrations from many addresses at once (no request budgets on this server, and
        // more worker threads than the hasher has slots) next to people logging in. Logins
        // used to wait behind the flood for a hashing slot and answer 503; and an unknown email
        // answered 401 where a known one answered 503.
        TestServer::Options o =
            options({{QStringLiteral("FP_WORKER_THREADS"), QStringLiteral("96")},
                     {QStringLiteral("FP_LOGIN_FAILURE_LIMIT"), QStringLiteral("1000")}});
        TestServer flooded(o);
        QVERIFY(flooded.start());
        const TestAccount known = newAccount(flooded.port());
        constexpr int kRegistrations = 120;
        constexpr int kLoginRounds = 6;
        QList<ConcurrentRequest> requests;
        for (int i = 0; i < kRegistrations; ++i)
            requests << ConcurrentRequest {
                "POST",
                QStringLiteral("/api/auth/register"),
                QJsonObject({{QStringLiteral("email"), uniqueEmail()},
                             {QStringLiteral("password"),
                              QStringLiteral("flooding passphrase %1 zq").arg(i)},
                             {QStringLiteral("nickname"), QStringLiteral("Flood")}}),
                {}};
        const auto login = [](const QString &email, const QString &password) {
            return ConcurrentRequest {"POST",
                                      QStringLiteral("/api/auth/login"),
                                      QJsonObject({{QStringLiteral("email"), email},
                                                   {QStringLiteral("password"), password}}),
                                      {}};
        };
        for (int i = 0; i < kLoginRounds; ++i) {
            requests << login(known.email, known.password)
                     << login(known.email, QStringLiteral("not the password %1").arg(i))
                     << login(uniqueEmail(), QStringLiteral("not the password %1").arg(i));
        }
        const QList<ConcurrentAnswer> answers = concurrently(flooded.port(), requests);
        const QList<int> registrations = statusesOf(answers.mid(0, kRegistrations));
        qInfo() << "registrations:" << registrations.count(201) << "created,"
                << registrations.count(503) << "told to retry";
        QCOMPARE(registrations.count(201) + registrations.count(503), kRegistrations);
        QVERIFY(registrations.count(201) >= 1);
        for (int i = 0; i < kLoginRounds; ++i) {
            const ConcurrentAnswer &right = answers[kRegistrations + 3 * i];
            const ConcurrentAnswer &wrong = answers[kRegistrations + 3 * i + 1];
            const ConcurrentAnswer &unknown = answers[kRegistrations + 3 * i + 2];
            QCOMPARE(right.status, 200);
            m_secrets << right.json[QStringLiteral("access_token")].toString()
                      << right.json[QStringLiteral("refresh_token")].toString();
            QCOMPARE(wrong.status, 401);
            QCOMPARE(unknown.status, 401);
            QCOMPARE(withoutRequestId(unknown.json), withoutRequestId(wrong.json));
        }
        QCOMPARE(flooded.stop(), 0);
    }

    void addressBudgetsCountAnIpv6ClientByItsPrefix()
    {
        // One IPv6 client usually holds a whole /64 and can take a fresh address for every
        // request. Behind a trusted proxy (loopback here) the client is X-Forwarded-For's.
        TestServer::Options o;
        o.with(QStringLiteral("FP_TRUSTED_PROXIES"), QStringLiteral("127.0.0.1"))
            .with(QStringLiteral("FP_RATE_AUTH_PER_MINUTE"), QStringLiteral("3"));
        TestServer proxied(o);
        QVERIFY(proxied.start());
        const auto refreshFrom = [&](const QString &address) {
            HttpClient client(proxied.port());
            return client
                .post(QStringLiteral("/api/auth/refresh"),
                      QJsonObject({{QStringLiteral("refresh_token"), QStringLiteral("rt_none")}}),
                      {{"X-Forwarded-For", address.toLatin1()}})
                .status;
        };
        QList<int> statuses;
        for (int i = 1; i <= 4; ++i)
            statuses << refreshFrom(QStringLiteral("2001:db8:aa:bb::%1").arg(i * 4099, 0, 16));
        QCOMPARE(statuses, (QList<int> {401, 401, 401, 429}));
        // Another /64 has a budget of its own; IPv4 clients are still counted one by one.
        QCOMPARE(refreshFrom(QStringLiteral("2001:db8:aa:bc::1")), 401);
        QCOMPARE(refreshFrom(QStringLiteral("203.0.113.9")), 401);
        QCOMPARE(refreshFrom(QStringLiteral("203.0.113.10")), 401);
        QCOMPARE(proxied.stop(), 0);
    }

    void addressBudgetLimitsGuessingAcrossAccounts()
    {
        // A Redis of its own: the shared one counts every test's failures from 127.0.0.1.
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer::Options o =
            options({{QStringLiteral("FP_LOGIN_ADDRESS_FAILURE_LIMIT"), QStringLiteral("4")}});
        o.redisPort = redis.port();
        TestServer server(o);
        QVERIFY(server.start());
        for (int i = 0; i < 4; ++i)
            QCOMPARE(
                loginWith(server.port(), uniqueEmail(), QStringLiteral("spray password 1")).status,
                401);
        const HttpResult r = loginWith(server.port(), uniqueEmail(), QStringLiteral("spray 2 2 2"));
        QCOMPARE(r.status, 429);
        const int retryAfter = r.header("Retry-After").toInt();
        QVERIFY(retryAfter > 800 && retryAfter <= 900); // the 15-minute window
        QCOMPARE(server.stop(), 0);
    }

    void redisOutageKeepsIdentityWorking()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer::Options o =
            options({{QStringLiteral("FP_LOGIN_FAILURE_LIMIT"), QStringLiteral("3")},
                     {QStringLiteral("FP_LOGIN_LOCK_INCREMENT_SECONDS"), QStringLiteral("30")},
                     {QStringLiteral("FP_LOGIN_LOCK_MAX_SECONDS"), QStringLiteral("60")},
                     {QStringLiteral("FP_REFRESH_REUSE_GRACE_SECONDS"), QStringLiteral("0")}});
        o.redisPort = redis.port();
        TestServer server(o);
        QVERIFY(server.start());
        const TestAccount before = newAccount(server.port());
        QCOMPARE(sessionsWith(server.port(), before.accessToken).status, 200);

        redis.stop();
        QList<int> statuses;

        // Everything still works without Redis.
        const TestAccount a = newAccount(server.port());
        QVERIFY(!a.accessToken.isEmpty());
        HttpResult r = loginWith(server.port(), before.email, before.password);
        statuses << r.status;
        QCOMPARE(r.status, 200);
        remember(r);
        r = refreshWith(server.port(), before.refreshToken);
        statuses << r.status;
        QCOMPARE(r.status, 200);
        const QString rotated = remember(r);
        QCOMPARE(
            sessionsWith(server.port(), r.json()[QStringLiteral("access_token")].toString()).status,
            200);

        // Reuse detection and revocation rely on the database, not on Redis.
        r = refreshWith(server.port(), before.refreshToken);
        statuses << r.status;
        QCOMPARE(r.status, 401);
        QCOMPARE(refreshWith(server.port(), rotated).status, 401);
        HttpClient client(server.port());
        r = client.post(QStringLiteral("/api/auth/logout"),
                        QJsonObject({{QStringLiteral("refresh_token"), a.refreshToken}}));
        statuses << r.status;
        QCOMPARE(r.status, 204);
        QCOMPARE(sessionsWith(server.port(), a.accessToken).status, 401);

        // Guessing is still counted, in process.
        for (int i = 0; i < 3; ++i) {
            r = loginWith(server.port(), a.email, QStringLiteral("wrong password %1").arg(i));
            statuses << r.status;
            QCOMPARE(r.status, 401);
        }
        r = loginWith(server.port(), a.email, a.password);
        QCOMPARE(r.status, 429);
        QVERIFY(r.header("Retry-After").toInt() >= 1);

        QVERIFY(!statuses.contains(500));
        QCOMPARE(server.stop(), 0);
        const QByteArray logs = server.output();
        QVERIFY(!logs.contains("\"status\":500"));
        QVERIFY(logs.contains("login_throttle_fallback"));
        QVERIFY(!logs.contains(a.password.toUtf8()));
        QVERIFY(!logs.contains(before.refreshToken.toUtf8()));
    }
};

QTEST_GUILESS_MAIN(TestIdentityAttacks)
#include "tst_identity_attacks.moc"
