// The ID-token verifier and the JWKS cache: tokens signed here by OpenSSL with RSA and EC keys
// pass; every forgery the issue names fails with its own reason; the cache refetches on an
// unknown kid, but at most once per minimum interval.

#include "server/identity/JwksCache.h"
#include "server/identity/OidcVerifier.h"
#include "tests/support/OidcTestProvider.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace fp;
using namespace fp::test;

namespace {

const QString kIssuer = QStringLiteral("https://accounts.example");
const QString kClient = QStringLiteral("client-1.apps.example");
const QString kNonce = QStringLiteral("n-0123456789abcdef");

QByteArray jwks(const QList<OidcTestKey> &keys)
{
    QJsonArray list;
    for (const OidcTestKey &k : keys)
        list.append(k.jwk());
    return QJsonDocument(QJsonObject {{QStringLiteral("keys"), list}}).toJson();
}

oidc::Rules rules()
{
    oidc::Rules r;
    r.issuers = {kIssuer};
    r.audiences = {kClient};
    r.nonce = kNonce;
    r.nowSeconds = QDateTime::currentSecsSinceEpoch();
    return r;
}

QJsonObject claims()
{
    return idClaims(kIssuer, kClient, QStringLiteral("1234567890"),
                    QStringLiteral("person@example.org"), kNonce);
}

} // namespace

class TestIdentityOidcVerifier : public QObject
{
    Q_OBJECT

    OidcTestKey m_rsa = OidcTestKey::rsa(QStringLiteral("rsa-1"));
    OidcTestKey m_ec = OidcTestKey::ec(QStringLiteral("ec-1"));
    OidcTestKey m_stranger = OidcTestKey::rsa(QStringLiteral("rsa-1")); // same kid, other key
    oidc::KeySet m_keys = *oidc::KeySet::fromJwks(jwks({m_rsa, m_ec}));

    std::variant<oidc::Claims, oidc::Failure> check(const QByteArray &token,
                                                    const oidc::Rules &r = rules()) const
    {
        return oidc::verify(token, m_keys, r);
    }
    void expectFailure(const QByteArray &token, oidc::Failure failure,
                       const oidc::Rules &r = rules())
    {
        const auto result = check(token, r);
        QVERIFY2(std::holds_alternative<oidc::Failure>(result), token.constData());
        QCOMPARE(oidc::failureName(std::get<oidc::Failure>(result)), oidc::failureName(failure));
    }

private Q_SLOTS:
    void keySetKeepsOnlyUsableKeys()
    {
        QCOMPARE(m_keys.size(), 2);
        QVERIFY(!oidc::KeySet::fromJwks("not json"));
        QVERIFY(!oidc::KeySet::fromJwks("{\"nokeys\":[]}"));
        // A key that names another alg, an encryption key, a short RSA key, an HMAC key.
        QJsonObject wrongAlg = m_rsa.jwk();
        wrongAlg.insert(QStringLiteral("alg"), QStringLiteral("HS256"));
        QJsonObject enc = m_ec.jwk();
        enc.insert(QStringLiteral("use"), QStringLiteral("enc"));
        const QJsonObject shortRsa = OidcTestKey::rsa(QStringLiteral("short"), 1024).jwk();
        const QJsonObject oct {{QStringLiteral("kty"), QStringLiteral("oct")},
                               {QStringLiteral("kid"), QStringLiteral("oct")},
                               {QStringLiteral("k"), QStringLiteral("c2VjcmV0")}};
        QJsonObject offCurve = m_ec.jwk();
        offCurve.insert(QStringLiteral("y"), offCurve.value(QStringLiteral("x")));
        const QByteArray doc =
            QJsonDocument(QJsonObject {{QStringLiteral("keys"),
                                        QJsonArray {wrongAlg, enc, shortRsa, oct, offCurve}}})
                .toJson();
        QCOMPARE(oidc::KeySet::fromJwks(doc)->size(), 0);
    }

    void rs256AndEs256TokensPass()
    {
        for (const OidcTestKey &key : {m_rsa, m_ec}) {
            const auto result = check(key.token(claims()));
            QVERIFY2(std::holds_alternative<oidc::Claims>(result), qPrintable(key.alg()));
            const oidc::Claims &c = std::get<oidc::Claims>(result);
            QCOMPARE(c.subject, QStringLiteral("1234567890"));
            QCOMPARE(c.email, QStringLiteral("person@example.org"));
            QVERIFY(c.emailVerified);
            QCOMPARE(c.issuer, kIssuer);
        }
    }

    void badSignatureIsRefused()
    {
        expectFailure(m_stranger.token(claims()), oidc::Failure::Signature);
        // A valid signature over other claims.
        QByteArray token = m_rsa.token(claims());
        QJsonObject other = claims();
        other.insert(QStringLiteral("sub"), QStringLiteral("victim"));
        const QByteArray forged = m_rsa.token(other);
        token = forged.left(forged.lastIndexOf('.')) + token.mid(token.lastIndexOf('.'));
        expectFailure(token, oidc::Failure::Signature);
        // An ES256 signature of the wrong length.
        const QByteArray ec = m_ec.token(claims());
        const QByteArray raw =
            QByteArray::fromBase64(ec.mid(ec.lastIndexOf('.') + 1), QByteArray::Base64UrlEncoding);
        QCOMPARE(raw.size(), 64);
        expectFailure(ec.left(ec.lastIndexOf('.') + 1) +
                          raw.left(60).toBase64(QByteArray::Base64UrlEncoding |
                                                QByteArray::OmitTrailingEquals),
                      oidc::Failure::Signature);
    }

    void algNoneIsRefused()
    {
        expectFailure(unsignedToken({{QStringLiteral("alg"), QStringLiteral("none")},
                                     {QStringLiteral("kid"), m_rsa.kid()}},
                                    claims()),
                      oidc::Failure::Algorithm);
        // Claiming RS256 with no signature at all.
        expectFailure(unsignedToken({{QStringLiteral("alg"), QStringLiteral("RS256")},
                                     {QStringLiteral("kid"), m_rsa.kid()}},
                                    claims()),
                      oidc::Failure::Signature);
    }

    void hs256WithThePublicKeyIsRefused()
    {
        for (const OidcTestKey &key : {m_rsa, m_ec}) {
            const QJsonObject header {{QStringLiteral("alg"), QStringLiteral("HS256")},
                                      {QStringLiteral("kid"), key.kid()}};
            expectFailure(hs256Token(header, claims(), key.publicPem()), oidc::Failure::Algorithm);
            expectFailure(hs256Token(header, claims(),
                                     QJsonDocument(key.jwk()).toJson(QJsonDocument::Compact)),
                          oidc::Failure::Algorithm);
        }
    }

    void algorithmMustMatchTheKey()
    {
        // An EC key's kid with RS256, an RSA key's with ES256.
        expectFailure(m_rsa.sign({{QStringLiteral("alg"), QStringLiteral("RS256")},
                                  {QStringLiteral("kid"), m_ec.kid()}},
                                 claims()),
                      oidc::Failure::KeyMismatch);
        expectFailure(m_ec.sign({{QStringLiteral("alg"), QStringLiteral("ES256")},
                                 {QStringLiteral("kid"), m_rsa.kid()}},
                                claims()),
                      oidc::Failure::KeyMismatch);
        expectFailure(m_rsa.sign({{QStringLiteral("alg"), QStringLiteral("RS384")},
                                  {QStringLiteral("kid"), m_rsa.kid()}},
                                 claims()),
                      oidc::Failure::Algorithm);
        expectFailure(m_rsa.sign({{QStringLiteral("alg"), QStringLiteral("RS256")},
                                  {QStringLiteral("kid"), QStringLiteral("unknown")}},
                                 claims()),
                      oidc::Failure::UnknownKey);
        expectFailure(m_rsa.sign({{QStringLiteral("alg"), QStringLiteral("RS256")},
                                  {QStringLiteral("kid"), m_rsa.kid()},
                                  {QStringLiteral("crit"), QJsonArray {QStringLiteral("b64")}}},
                                 claims()),
                      oidc::Failure::Malformed);
    }

    void claimsAreChecked()
    {
        auto with = [](const QString &name, const QJsonValue &value) {
            QJsonObject c = claims();
            if (value.isUndefined())
                c.remove(name);
            else
                c.insert(name, value);
            return c;
        };
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        expectFailure(m_rsa.token(with(QStringLiteral("iss"), QStringLiteral("https://evil"))),
                      oidc::Failure::Issuer);
        expectFailure(m_rsa.token(with(QStringLiteral("aud"), QStringLiteral("other-client"))),
                      oidc::Failure::Audience);
        expectFailure(
            m_rsa.token(with(QStringLiteral("aud"), QJsonArray {kClient, QStringLiteral("x")})),
            oidc::Failure::Audience);
        QVERIFY(std::holds_alternative<oidc::Claims>(
            check(m_rsa.token(with(QStringLiteral("aud"), QJsonArray {kClient})))));
        QJsonObject expired = claims();
        expired.insert(QStringLiteral("iat"), now - 7200);
        expired.insert(QStringLiteral("exp"), now - 3600);
        expectFailure(m_rsa.token(expired), oidc::Failure::Expired);
        // Within the skew still passes; beyond it does not.
        expired.insert(QStringLiteral("exp"), now - 30);
        QVERIFY(std::holds_alternative<oidc::Claims>(check(m_rsa.token(expired))));
        QJsonObject future = claims();
        future.insert(QStringLiteral("iat"), now + 600);
        future.insert(QStringLiteral("exp"), now + 4200);
        expectFailure(m_rsa.token(future), oidc::Failure::NotYetValid);
        expectFailure(m_rsa.token(with(QStringLiteral("nbf"), now + 600)),
                      oidc::Failure::NotYetValid);
        QJsonObject forever = claims();
        forever.insert(QStringLiteral("exp"), now + 10 * 86400);
        expectFailure(m_rsa.token(forever), oidc::Failure::Claims);
        expectFailure(m_rsa.token(with(QStringLiteral("sub"), QJsonValue::Undefined)),
                      oidc::Failure::Claims);
        expectFailure(m_rsa.token(with(QStringLiteral("exp"), QStringLiteral("soon"))),
                      oidc::Failure::Claims);
    }

    void nonceMustBeTheOneSent()
    {
        expectFailure(m_rsa.token(idClaims(kIssuer, kClient, QStringLiteral("s"), {},
                                           QStringLiteral("another-nonce"))),
                      oidc::Failure::Nonce);
        QJsonObject none = claims();
        none.remove(QStringLiteral("nonce"));
        expectFailure(m_rsa.token(none), oidc::Failure::Nonce);
        oidc::Rules noRaw = rules();
        noRaw.nonce.clear();
        expectFailure(m_rsa.token(claims()), oidc::Failure::Nonce, noRaw);
        // The SHA-256 of the raw nonce (hex) stands for it.
        const QString hashed = QString::fromLatin1(
            QCryptographicHash::hash(kNonce.toUtf8(), QCryptographicHash::Sha256).toHex());
        QVERIFY(std::holds_alternative<oidc::Claims>(
            check(m_ec.token(idClaims(kIssuer, kClient, QStringLiteral("s"), {}, hashed)))));
        QVERIFY(oidc::nonceMatches(hashed, kNonce));
        QVERIFY(!oidc::nonceMatches(kNonce, hashed));
    }

    void emailMustBeVerified()
    {
        QJsonObject c = claims();
        c.insert(QStringLiteral("email_verified"), false);
        expectFailure(m_rsa.token(c), oidc::Failure::EmailUnverified);
        c.insert(QStringLiteral("email_verified"), QStringLiteral("false"));
        expectFailure(m_rsa.token(c), oidc::Failure::EmailUnverified);
        c.remove(QStringLiteral("email_verified"));
        expectFailure(m_rsa.token(c), oidc::Failure::EmailUnverified);
        c.insert(QStringLiteral("email_verified"), QStringLiteral("true")); // Apple's spelling
        QVERIFY(std::holds_alternative<oidc::Claims>(check(m_rsa.token(c))));
        // No email at all: nothing to verify (the account rules decide what that allows).
        QVERIFY(std::holds_alternative<oidc::Claims>(
            check(m_rsa.token(idClaims(kIssuer, kClient, QStringLiteral("s"), {}, kNonce)))));
    }

    void garbageIsMalformed()
    {
        expectFailure("", oidc::Failure::Malformed);
        expectFailure("a.b", oidc::Failure::Malformed);
        expectFailure("a.b.c", oidc::Failure::Malformed);
        expectFailure(QByteArray(9000, 'a') + ".b.c", oidc::Failure::Malformed);
    }

    void cacheRefetchesUnknownKidsAtMostOncePerInterval()
    {
        qint64 now = 0;
        QByteArray served = jwks({m_rsa});
        int fetched = 0;
        JwksCache cache(
            QUrl(QStringLiteral("https://keys.example/jwks")), 60'000,
            [&](const QUrl &) -> Result<QByteArray> {
                ++fetched;
                return served;
            },
            [&] { return now; });
        QVERIFY(cache.keysFor(m_rsa.kid()));
        QCOMPARE(fetched, 1);
        QVERIFY(cache.keysFor(m_rsa.kid()));
        QCOMPARE(fetched, 1); // known: no fetch
        // The provider rotates; a flood of unknown kids right after the first fetch waits.
        served = jwks({m_rsa, m_ec});
        for (int i = 0; i < 100; ++i)
            QVERIFY(!(*cache.keysFor(QStringLiteral("made-up-%1").arg(i)))->find(m_ec.kid()));
        QCOMPARE(fetched, 1);
        now += 60'000;
        QVERIFY((*cache.keysFor(m_ec.kid()))->find(m_ec.kid()));
        QCOMPARE(fetched, 2);
        for (int i = 0; i < 100; ++i)
            (void)cache.keysFor(QStringLiteral("flood-%1").arg(i));
        QCOMPARE(fetched, 2);
        now += 60'000;
        (void)cache.keysFor(QStringLiteral("flood-again"));
        QCOMPARE(fetched, 3);
        // A failing provider: the keys fetched before stay in use.
        served = "garbage";
        now += 3600 * 1000;
        QVERIFY((*cache.keysFor(m_rsa.kid()))->find(m_rsa.kid()));
        QCOMPARE(fetched, 4);
    }

    void cacheWithoutKeysIsUnavailable()
    {
        int fetched = 0;
        JwksCache cache(QUrl(QStringLiteral("https://keys.example/jwks")), 60'000,
                        [&](const QUrl &) -> Result<QByteArray> {
                            ++fetched;
                            return AppError::unavailable(QStringLiteral("down"));
                        });
        QVERIFY(!cache.keysFor(QStringLiteral("k")));
        QVERIFY(!cache.keysFor(QStringLiteral("k")));
        QCOMPARE(fetched, 1);
    }

    void onlyHttpsOrLoopbackUrls()
    {
        QVERIFY(
            JwksCache::acceptableUrl(QUrl(QStringLiteral("https://appleid.apple.com/auth/keys"))));
        QVERIFY(JwksCache::acceptableUrl(QUrl(QStringLiteral("http://127.0.0.1:8000/keys"))));
        QVERIFY(JwksCache::acceptableUrl(QUrl(QStringLiteral("http://[::1]:8000/keys"))));
        QVERIFY(!JwksCache::acceptableUrl(QUrl(QStringLiteral("http://www.googleapis.com/x"))));
        QVERIFY(!JwksCache::acceptableUrl(QUrl(QStringLiteral("ftp://127.0.0.1/keys"))));
        QVERIFY(!JwksCache::acceptableUrl(QUrl(QStringLiteral("http://10.0.0.1/keys"))));
    }

    void fetchesOverLoopback()
    {
        OidcTestProvider provider;
        provider.publish({m_rsa, m_ec});
        const Result<QByteArray> body = JwksCache::httpGet(QUrl(provider.jwksUrl()), 5000);
        QVERIFY2(body, body ? "" : qPrintable(body.error().message));
        QCOMPARE(oidc::KeySet::fromJwks(*body)->size(), 2);
        QCOMPARE(provider.fetches(), 1);
    }
};

QTEST_GUILESS_MAIN(TestIdentityOidcVerifier)
#include "tst_identity_oidc_verifier.moc"
