// Sign in with Google and Apple against a stand-in provider started by this test (its own RSA
// and EC keys, a JWKS endpoint on loopback that counts its fetches): sign-up and sign-in, every
// forged token refused, a token used once, key rotation and the refetch floor, the takeover of
// a password account by its email refused, linking, unlinking, and the last way in kept.

#include "tests/support/IntegrationTest.h"
#include "tests/support/OidcTestProvider.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTest>
#include <functional>

using namespace fp;
using namespace fp::test;

namespace {

const QString kGoogleIssuer = QStringLiteral("https://accounts.google.test");
const QString kGoogleClient = QStringLiteral("web-client.apps.googleusercontent.test");
const QString kAppleIssuer = QStringLiteral("https://appleid.apple.test");
const QString kAppleClient = QStringLiteral("test.friendship.web");

QString freshNonce()
{
    return QStringLiteral("nonce-%1-%2")
        .arg(QRandomGenerator::system()->generate64(), 0, 16)
        .arg(QRandomGenerator::system()->generate64(), 0, 16);
}

QString freshSubject()
{
    return QString::number(QRandomGenerator::system()->generate64());
}

QStringList providersIn(const HttpResult &list)
{
    QStringList out;
    for (const QJsonValue &item : list.json().value(QStringLiteral("items")).toArray())
        out << item.toObject().value(QStringLiteral("provider")).toString();
    return out;
}

} // namespace

class TestIdentityOidc : public IntegrationTest
{
    Q_OBJECT

public:
    TestIdentityOidc() : IntegrationTest(OwnServers {}) { }

private:
    OidcTestProvider m_googleKeys;
    OidcTestProvider m_appleKeys;
    OidcTestKey m_googleRsa = OidcTestKey::rsa(QStringLiteral("g-rsa-1"));
    OidcTestKey m_googleEc = OidcTestKey::ec(QStringLiteral("g-ec-1"));
    OidcTestKey m_appleEc = OidcTestKey::ec(QStringLiteral("a-ec-1"));

    void prepare() override
    {
        m_googleKeys.publish({m_googleRsa, m_googleEc});
        m_appleKeys.publish({m_appleEc});
        TestServer &shared = addServer(
            TestServer::Options()
                .withoutRateLimits()
                .with(QStringLiteral("FP_OIDC_GOOGLE_CLIENT_IDS"),
                      QStringLiteral("other-client,") + kGoogleClient)
                .with(QStringLiteral("FP_OIDC_GOOGLE_ISSUER"), kGoogleIssuer)
                .with(QStringLiteral("FP_OIDC_GOOGLE_JWKS_URL"), m_googleKeys.jwksUrl())
                .with(QStringLiteral("FP_OIDC_APPLE_CLIENT_IDS"), kAppleClient)
                .with(QStringLiteral("FP_OIDC_APPLE_ISSUER"), kAppleIssuer)
                .with(QStringLiteral("FP_OIDC_APPLE_JWKS_URL"), m_appleKeys.jwksUrl())
                .with(QStringLiteral("FP_OIDC_JWKS_MIN_REFRESH_SECONDS"), QStringLiteral("2")));
        QVERIFY2(shared.start(), shared.output().constData());
    }

    QJsonObject googleClaims(const QString &subject, const QString &email, const QString &nonce)
    {
        return idClaims(kGoogleIssuer, kGoogleClient, subject, email, nonce);
    }

    HttpResult signIn(const QString &provider, const QByteArray &token, const QString &nonce,
                      const QJsonObject &extra = {})
    {
        m_secrets << QString::fromLatin1(token); // no ID token may reach the server's log
        QJsonObject body = extra;
        body.insert(QStringLiteral("id_token"), QString::fromLatin1(token));
        body.insert(QStringLiteral("nonce"), nonce);
        HttpClient client(port());
        return client.post(QStringLiteral("/api/auth/oidc/") + provider, body);
    }

    /// A new Google account (sign-up through the provider), as a signed-in TestAccount.
    TestAccount googleAccount(const QString &subject, const QString &email)
    {
        const QString nonce = freshNonce();
        const HttpResult r = signIn(QStringLiteral("google"),
                                    m_googleRsa.token(googleClaims(subject, email, nonce)), nonce);
        if (r.status != 201)
            qWarning("google sign-up: %d %s", r.status, r.body.constData());
        TestAccount a;
        a.userId = r.json()[QStringLiteral("user")][QStringLiteral("id")].toString();
        a.email = email;
        a.accessToken = r.json()[QStringLiteral("access_token")].toString();
        a.refreshToken = r.json()[QStringLiteral("refresh_token")].toString();
        return a;
    }

    HttpResult link(const TestAccount &account, const QString &provider, const QByteArray &token,
                    const QString &nonce)
    {
        m_secrets << QString::fromLatin1(token);
        return as(account)->post(QStringLiteral("/api/auth/identities/") + provider,
                                 {{QStringLiteral("id_token"), QString::fromLatin1(token)},
                                  {QStringLiteral("nonce"), nonce}});
    }

private Q_SLOTS:
    void signUpThenSignInWithGoogle()
    {
        const QString subject = freshSubject();
        const QString email = uniqueEmail();
        QString nonce = freshNonce();
        HttpResult first =
            signIn(QStringLiteral("google"), m_googleRsa.token(googleClaims(subject, email, nonce)),
                   nonce, {{QStringLiteral("nickname"), QStringLiteral("Otter")}});
        QCOMPARE(first.status, 201);
        const QString userId =
            first.json()[QStringLiteral("user")][QStringLiteral("id")].toString();
        QCOMPARE(first.json()[QStringLiteral("user")][QStringLiteral("email")].toString(),
                 email.toLower());
        QCOMPARE(first.json()[QStringLiteral("user")][QStringLiteral("nickname")].toString(),
                 QStringLiteral("Otter"));
        QCOMPARE(first.json()[QStringLiteral("token_type")].toString(), QStringLiteral("Bearer"));
        QCOMPARE(first.header("cache-control"), QByteArray("no-store"));
        // A social-only account: no password stored, the provider linked, both events recorded.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = '%1' AND "
                                       "password_hash IS NULL")
                            .arg(userId)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE subject_id = '%1' "
                                       "AND event_type IN ('account.created', "
                                       "'account.identity_linked')")
                            .arg(userId)),
                 2);

        // Again, with the EC key and a new token: the same account.
        nonce = freshNonce();
        HttpResult again = signIn(QStringLiteral("google"),
                                  m_googleEc.token(googleClaims(subject, email, nonce)), nonce);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json()[QStringLiteral("user")][QStringLiteral("id")].toString(), userId);
        // The access token works, and lists the provider as the only way in.
        HttpClient client(port());
        client.setBearer(again.json()[QStringLiteral("access_token")].toString());
        const HttpResult list = client.get(QStringLiteral("/api/auth/identities"));
        QCOMPARE(list.status, 200);
        QCOMPARE(providersIn(list), QStringList {QStringLiteral("google")});
        // The refresh token rotates like any other.
        const HttpResult refreshed = HttpClient(port()).post(
            QStringLiteral("/api/auth/refresh"),
            {{QStringLiteral("refresh_token"), again.json()[QStringLiteral("refresh_token")]}});
        QCOMPARE(refreshed.status, 200);
        // There is no password to change.
        const HttpResult change = client.put(
            QStringLiteral("/api/auth/password"),
            {{QStringLiteral("current_password"), QStringLiteral("anything-at-all-1")},
             {QStringLiteral("new_password"), QStringLiteral("Another long passphrase 9")}});
        QCOMPARE(change.status, 409);
        QCOMPARE(change.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("no_password"));
        // A password login of that email finds no password.
        const HttpResult login = HttpClient(port()).post(
            QStringLiteral("/api/auth/login"),
            {{QStringLiteral("email"), email},
             {QStringLiteral("password"), QStringLiteral("anything-at-all-1")}});
        QCOMPARE(login.status, 401);
    }

    void signUpWithAppleEs256AndAHashedNonce()
    {
        const QString raw = freshNonce();
        const QString hashed = QString::fromLatin1(
            QCryptographicHash::hash(raw.toUtf8(), QCryptographicHash::Sha256).toHex());
        QJsonObject claims =
            idClaims(kAppleIssuer, kAppleClient, freshSubject(), uniqueEmail(), hashed);
        claims.insert(QStringLiteral("email_verified"), QStringLiteral("true"));
        const HttpResult r = signIn(QStringLiteral("apple"), m_appleEc.token(claims), raw);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("user")][QStringLiteral("nickname")].toString(),
                 QStringLiteral("Friend"));
    }

    void forgedTokensAreRefused()
    {
        const OidcTestKey stranger = OidcTestKey::rsa(m_googleRsa.kid());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        struct Case
        {
            const char *name;
            std::function<QByteArray(const QJsonObject &)> make;
        };
        auto claimsWith = [](QJsonObject c, const QString &key, const QJsonValue &value) {
            c.insert(key, value);
            return c;
        };
        const QList<Case> cases {
            {"bad signature",
             [&](const QJsonObject &c) {
                 return stranger.token(c);
             }},
            {"alg none",
             [&](const QJsonObject &c) {
                 return unsignedToken({{QStringLiteral("alg"), QStringLiteral("none")},
                                       {QStringLiteral("kid"), m_googleRsa.kid()}},
                                      c);
             }},
            {"HS256 with the public key",
             [&](const QJsonObject &c) {
                 return hs256Token({{QStringLiteral("alg"), QStringLiteral("HS256")},
                                    {QStringLiteral("kid"), m_googleRsa.kid()}},
                                   c, m_googleRsa.publicPem());
             }},
            {"ES256 header on the RSA key",
             [&](const QJsonObject &c) {
                 return m_googleEc.sign({{QStringLiteral("alg"), QStringLiteral("ES256")},
                                         {QStringLiteral("kid"), m_googleRsa.kid()}},
                                        c);
             }},
            {"wrong issuer",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(
                     claimsWith(c, QStringLiteral("iss"), QStringLiteral("https://evil.test")));
             }},
            {"the other provider's issuer",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(claimsWith(c, QStringLiteral("iss"), kAppleIssuer));
             }},
            {"wrong audience",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(
                     claimsWith(c, QStringLiteral("aud"), QStringLiteral("someone-else")));
             }},
            {"expired",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(
                     claimsWith(claimsWith(c, QStringLiteral("iat"), now - 7200),
                                QStringLiteral("exp"), now - 3600));
             }},
            {"issued in the future",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(
                     claimsWith(claimsWith(c, QStringLiteral("iat"), now + 900),
                                QStringLiteral("exp"), now + 4500));
             }},
            {"other nonce",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(
                     claimsWith(c, QStringLiteral("nonce"), QStringLiteral("someone-elses-nonce")));
             }},
            {"unverified email",
             [&](const QJsonObject &c) {
                 return m_googleRsa.token(claimsWith(c, QStringLiteral("email_verified"), false));
             }},
            {"signed by the Apple key",
             [&](const QJsonObject &c) {
                 return m_appleEc.sign({{QStringLiteral("alg"), QStringLiteral("ES256")},
                                        {QStringLiteral("kid"), m_googleEc.kid()}},
                                       c);
             }},
        };
        for (const Case &test : cases) {
            const QString email = uniqueEmail();
            const QString nonce = freshNonce();
            const HttpResult r =
                signIn(QStringLiteral("google"),
                       test.make(googleClaims(freshSubject(), email, nonce)), nonce);
            QVERIFY2(r.status == 401, test.name);
            QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
            QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                     QStringLiteral("invalid_id_token"));
            QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM users WHERE email = '%1'")
                                .arg(email.toLower())),
                     0);
        }
        // Each was refused for its own reason (logged, never told to the client).
        const QByteArray logs = server().output();
        for (const char *reason : {"signature", "algorithm", "key_mismatch", "issuer", "audience",
                                   "expired", "not_yet_valid", "nonce", "email_unverified"})
            QVERIFY2(logs.contains(QByteArray("\"reason\":\"") + reason + '"'), reason);
        // A Google token at the Apple route.
        const QString nonce = freshNonce();
        QCOMPARE(signIn(QStringLiteral("apple"),
                        m_googleRsa.token(googleClaims(freshSubject(), uniqueEmail(), nonce)),
                        nonce)
                     .status,
                 401);
    }

    void aTokenIsAcceptedOnce()
    {
        const QString nonce = freshNonce();
        const QByteArray token =
            m_googleRsa.token(googleClaims(freshSubject(), uniqueEmail(), nonce));
        QCOMPARE(signIn(QStringLiteral("google"), token, nonce).status, 201);
        const HttpResult replay = signIn(QStringLiteral("google"), token, nonce);
        QCOMPARE(replay.status, 401);
        QCOMPARE(replay.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("invalid_id_token"));
        // Nor can the nonce be spent again in another token of the same person.
        const QString subject = freshSubject();
        const QString email = uniqueEmail();
        QCOMPARE(signIn(QStringLiteral("google"),
                        m_googleEc.token(googleClaims(subject, email, nonce)), nonce)
                     .status,
                 401);
    }

    void keyRotationIsPickedUpAndFloodsWait()
    {
        // Past the refetch floor since whatever fetched last.
        QTest::qWait(2100);
        const OidcTestKey rotated = OidcTestKey::rsa(QStringLiteral("g-rsa-2"));
        m_googleKeys.publish({rotated, m_googleEc});
        const int before = m_googleKeys.fetches();
        QString nonce = freshNonce();
        HttpResult r =
            signIn(QStringLiteral("google"),
                   rotated.token(googleClaims(freshSubject(), uniqueEmail(), nonce)), nonce);
        QCOMPARE(r.status, 201);
        QCOMPARE(m_googleKeys.fetches(), before + 1);
        // The retired key's tokens fail now (its kid is gone from the set).
        QTest::qWait(2100);
        nonce = freshNonce();
        r = signIn(QStringLiteral("google"),
                   m_googleRsa.token(googleClaims(freshSubject(), uniqueEmail(), nonce)), nonce);
        QCOMPARE(r.status, 401);
        // A flood of made-up key ids right after a fetch: not one more fetch within the floor.
        const int afterRotation = m_googleKeys.fetches();
        const OidcTestKey attacker = OidcTestKey::ec(QStringLiteral("unused"));
        for (int i = 0; i < 30; ++i) {
            nonce = freshNonce();
            const QByteArray token =
                attacker.sign({{QStringLiteral("alg"), QStringLiteral("ES256")},
                               {QStringLiteral("kid"), QStringLiteral("made-up-%1").arg(i)}},
                              googleClaims(freshSubject(), uniqueEmail(), nonce));
            QCOMPARE(signIn(QStringLiteral("google"), token, nonce).status, 401);
        }
        QVERIFY2(m_googleKeys.fetches() - afterRotation <= 1,
                 qPrintable(QString::number(m_googleKeys.fetches() - afterRotation)));
        m_googleKeys.publish({m_googleRsa, rotated, m_googleEc});
        QTest::qWait(2100);
    }

    void aPasswordAccountIsNotTakenOverByItsEmail()
    {
        const TestAccount owner = signUp(QStringLiteral("owner"));
        const QString subject = freshSubject();
        QString nonce = freshNonce();
        const HttpResult takeover =
            signIn(QStringLiteral("google"),
                   m_googleRsa.token(googleClaims(subject, owner.email, nonce)), nonce);
        QCOMPARE(takeover.status, 409);
        QCOMPARE(takeover.errorCode(), QStringLiteral("conflict"));
        QCOMPARE(takeover.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("link_required"));
        QCOMPARE(providersIn(as(owner)->get(QStringLiteral("/api/auth/identities"))),
                 QStringList {QStringLiteral("password")});
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM user_auth_identities WHERE "
                                       "provider_subject = '%1'")
                            .arg(subject)),
                 0);

        // The owner signs in with the password and links: from then on Google signs them in.
        nonce = freshNonce();
        const HttpResult linked =
            link(owner, QStringLiteral("google"),
                 m_googleRsa.token(googleClaims(subject, owner.email, nonce)), nonce);
        QCOMPARE(linked.status, 201);
        QCOMPARE(linked.json()[QStringLiteral("provider")].toString(), QStringLiteral("google"));
        nonce = freshNonce();
        const HttpResult in =
            signIn(QStringLiteral("google"),
                   m_googleEc.token(googleClaims(subject, owner.email, nonce)), nonce);
        QCOMPARE(in.status, 200);
        QCOMPARE(in.json()[QStringLiteral("user")][QStringLiteral("id")].toString(), owner.userId);
        QCOMPARE(providersIn(as(owner)->get(QStringLiteral("/api/auth/identities"))),
                 QStringList({QStringLiteral("password"), QStringLiteral("google")}));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE subject_id = '%1' "
                                       "AND event_type = 'account.identity_linked'")
                            .arg(owner.userId)),
                 1);

        // The staff view shows both.
        const TestAccount admin = logInAsAdmin();
        const HttpResult detail =
            as(admin)->get(QStringLiteral("/api/admin/users/") + owner.userId);
        QCOMPARE(detail.status, 200);
        QCOMPARE(detail.json()[QStringLiteral("sign_in_methods")].toArray(),
                 QJsonArray({QStringLiteral("password"), QStringLiteral("google")}));
        // The export names the provider, never a token.
        const HttpResult exported = as(owner)->get(QStringLiteral("/api/me/export"));
        QCOMPARE(exported.status, 200);
        const QJsonArray rows =
            exported.json()[QStringLiteral("tables")][QStringLiteral("user_auth_identities")]
                .toArray();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first()[QStringLiteral("provider")].toString(), QStringLiteral("google"));
        QVERIFY(!exported.body.contains("eyJ"));

        // Unlinking leaves the password; unlinking again finds nothing.
        QCOMPARE(as(owner)->del(QStringLiteral("/api/auth/identities/google")).status, 204);
        QCOMPARE(as(owner)->del(QStringLiteral("/api/auth/identities/google")).status, 404);
        QCOMPARE(as(owner)->del(QStringLiteral("/api/auth/identities/password")).status, 404);
        QCOMPARE(providersIn(as(owner)->get(QStringLiteral("/api/auth/identities"))),
                 QStringList {QStringLiteral("password")});
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE subject_id = '%1' "
                                       "AND event_type = 'account.identity_unlinked'")
                            .arg(owner.userId)),
                 1);
        // Unlinked, the Google sign-in is a stranger whose email is taken: 409 again.
        nonce = freshNonce();
        QCOMPARE(signIn(QStringLiteral("google"),
                        m_googleRsa.token(googleClaims(subject, owner.email, nonce)), nonce)
                     .status,
                 409);
    }

    void linkingRefusesSomeoneElsesSignIn()
    {
        const QString subject = freshSubject();
        const TestAccount social = googleAccount(subject, uniqueEmail());
        QVERIFY(!social.userId.isEmpty());
        const TestAccount other = signUp(QStringLiteral("other"));
        QString nonce = freshNonce();
        HttpResult r = link(other, QStringLiteral("google"),
                            m_googleRsa.token(googleClaims(subject, uniqueEmail(), nonce)), nonce);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("identity_in_use"));
        // A second Google person on one account is refused too.
        nonce = freshNonce();
        r = link(social, QStringLiteral("google"),
                 m_googleRsa.token(googleClaims(freshSubject(), uniqueEmail(), nonce)), nonce);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("provider_already_linked"));
        // A forged token links nothing.
        nonce = freshNonce();
        r = link(other, QStringLiteral("google"),
                 OidcTestKey::rsa(m_googleRsa.kid())
                     .token(googleClaims(freshSubject(), uniqueEmail(), nonce)),
                 nonce);
        QCOMPARE(r.status, 401);
        // Without a session, no linking.
        QCOMPARE(HttpClient(port())
                     .post(QStringLiteral("/api/auth/identities/google"),
                           {{QStringLiteral("id_token"), QStringLiteral("x")},
                            {QStringLiteral("nonce"), freshNonce()}})
                     .status,
                 401);
    }

    void theLastWayToSignInStays()
    {
        const TestAccount social = googleAccount(freshSubject(), uniqueEmail());
        HttpResult r = as(social)->del(QStringLiteral("/api/auth/identities/google"));
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("last_sign_in_method"));
        // With Apple linked, Google may go; then Apple is the last one.
        const QString nonce = freshNonce();
        QCOMPARE(
            link(social, QStringLiteral("apple"),
                 m_appleEc.token(idClaims(kAppleIssuer, kAppleClient, freshSubject(), {}, nonce)),
                 nonce)
                .status,
            201);
        QCOMPARE(providersIn(as(social)->get(QStringLiteral("/api/auth/identities"))),
                 QStringList({QStringLiteral("google"), QStringLiteral("apple")}));
        QCOMPARE(as(social)->del(QStringLiteral("/api/auth/identities/google")).status, 204);
        r = as(social)->del(QStringLiteral("/api/auth/identities/apple"));
        QCOMPARE(r.status, 409);
        QCOMPARE(providersIn(as(social)->get(QStringLiteral("/api/auth/identities"))),
                 QStringList {QStringLiteral("apple")});
    }

    void bannedAccountsStayOut()
    {
        const QString subject = freshSubject();
        const TestAccount social = googleAccount(subject, uniqueEmail());
        exec(QStringLiteral("UPDATE users SET banned_at = UTC_TIMESTAMP(3) WHERE id = '%1'")
                 .arg(social.userId));
        const QString nonce = freshNonce();
        const HttpResult r = signIn(QStringLiteral("google"),
                                    m_googleRsa.token(googleClaims(subject, {}, nonce)), nonce);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("account_banned"));
    }

    void anAccountWithoutPasswordIsDeletedAfterAFreshSignIn()
    {
        const QString subject = freshSubject();
        const QString email = uniqueEmail();
        const TestAccount social = googleAccount(subject, email);
        const QList<QPair<QByteArray, QByteArray>> json {{"Content-Type", "application/json"}};
        // A session opened a while ago does not stand for the person.
        exec(QStringLiteral("UPDATE user_sessions SET created_at = created_at - INTERVAL 20 MINUTE "
                            "WHERE user_id = '%1'")
                 .arg(social.userId));
        HttpResult r = as(social)->send("DELETE", QStringLiteral("/api/me"), "{}", json);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("recent_sign_in_required"));
        // Signed in with the provider just now, it may.
        const QString nonce = freshNonce();
        const HttpResult in = signIn(QStringLiteral("google"),
                                     m_googleRsa.token(googleClaims(subject, email, nonce)), nonce);
        QCOMPARE(in.status, 200);
        HttpClient fresh(port());
        fresh.setBearer(in.json()[QStringLiteral("access_token")].toString());
        r = fresh.send("DELETE", QStringLiteral("/api/me"), "{}", json);
        QCOMPARE(r.status, 202);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM user_auth_identities WHERE user_id = "
                                       "'%1'")
                            .arg(social.userId)),
                 0);
        // The provider's person is a stranger now: signing in makes a new account.
        const QString again = freshNonce();
        r = signIn(QStringLiteral("google"), m_googleRsa.token(googleClaims(subject, email, again)),
                   again);
        QCOMPARE(r.status, 201);
        QVERIFY(r.json()[QStringLiteral("user")][QStringLiteral("id")].toString() != social.userId);
    }

    void badRequestsAndUnknownProviders()
    {
        HttpClient client(port());
        HttpResult r = client.post(QStringLiteral("/api/auth/oidc/google"),
                                   {{QStringLiteral("id_token"), QStringLiteral("x")}});
        QCOMPARE(r.status, 400);
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
            QStringLiteral("nonce")));
        r = client.post(QStringLiteral("/api/auth/oidc/facebook"),
                        {{QStringLiteral("id_token"), QStringLiteral("x")},
                         {QStringLiteral("nonce"), freshNonce()}});
        QCOMPARE(r.status, 404);
        // No token without an email can make an account.
        const QString nonce = freshNonce();
        r = signIn(QStringLiteral("google"),
                   m_googleRsa.token(googleClaims(freshSubject(), {}, nonce)), nonce);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("email_required"));
    }

    void unconfiguredProvidersDoNotExist()
    {
        TestServer &plain = addServer(TestServer::Options());
        QVERIFY2(plain.start(), plain.output().constData());
        HttpClient client(plain.port());
        for (const char *provider : {"google", "apple"}) {
            const HttpResult r =
                client.post(QStringLiteral("/api/auth/oidc/") + QLatin1String(provider),
                            {{QStringLiteral("id_token"), QStringLiteral("x")},
                             {QStringLiteral("nonce"), freshNonce()}});
            QCOMPARE(r.status, 404);
        }
    }
};

QTEST_GUILESS_MAIN(TestIdentityOidc)
#include "tst_identity_oidc.moc"
