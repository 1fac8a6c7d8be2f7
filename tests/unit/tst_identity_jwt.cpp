// Access tokens (server/identity/Jwt): what is signed verifies, and every forged, tampered,
// expired or foreign token is refused for the right reason. Also the other pure parts of the
// identity domain: password, email and nickname rules, and the login lock schedule.

#include "server/identity/IdentityRules.h"
#include "server/identity/Jwt.h"
#include "server/identity/LoginThrottle.h"
#include "server/identity/TokenVerifier.h"
#include "server/profile/ProfileRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryFile>
#include <QTest>
#include <sodium.h>

using namespace fp;

namespace {

constexpr qint64 kNow = 1800000000;
const QByteArray kSecret = "unit-test-secret-0123456789abcdef-current";
const QByteArray kPrevious = "unit-test-secret-0123456789abcdef-previous";
const QByteArray kOther = "some-other-secret-nobody-configured-0123456789";

QJsonObject header(const QByteArray &secret = kSecret)
{
    return {{QStringLiteral("alg"), QStringLiteral("HS256")},
            {QStringLiteral("typ"), QStringLiteral("JWT")},
            {QStringLiteral("kid"), QString::fromLatin1(Jwt::keyId(secret))}};
}

QJsonObject payload()
{
    return {{QStringLiteral("iss"), QStringLiteral("friendship-platform")},
            {QStringLiteral("aud"), QStringLiteral("friendship-api")},
            {QStringLiteral("typ"), QStringLiteral("access")},
            {QStringLiteral("sub"), QStringLiteral("6f1c2b3a-8d4e-4f5a-9b6c-1d2e3f4a5b6c")},
            {QStringLiteral("sid"), QStringLiteral("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f")},
            {QStringLiteral("role"), QStringLiteral("user")},
            {QStringLiteral("iat"), double(kNow - 10)},
            {QStringLiteral("exp"), double(kNow + 890)},
            {QStringLiteral("jti"), QStringLiteral("0123456789abcdef0123456789abcdef")}};
}

QJsonObject with(QJsonObject object, const QString &key, const QJsonValue &value)
{
    if (value.isUndefined())
        object.remove(key);
    else
        object.insert(key, value);
    return object;
}

QByteArray part(const QJsonObject &object)
{
    return Jwt::base64Url(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QByteArray signature(const QByteArray &signingInput, const QByteArray &secret)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(secret.data()),
                                size_t(secret.size()));
    crypto_auth_hmacsha256_update(&state,
                                  reinterpret_cast<const unsigned char *>(signingInput.data()),
                                  quint64(signingInput.size()));
    crypto_auth_hmacsha256_final(&state, mac);
    return Jwt::base64Url(QByteArray(reinterpret_cast<const char *>(mac), sizeof mac));
}

constexpr int kValid = -1;

} // namespace

class TestJwt : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(sodium_init() >= 0);
        // The list the server loads at start (built into the binary).
        Result<CommonPasswords> list = CommonPasswords::fromFile(CommonPasswords::builtInPath());
        QVERIFY2(list, qPrintable(list ? QString() : list.error().message));
        QVERIFY(list->size() >= 10000);
        IdentityRules::useCommonPasswords(std::move(list).value());
    }

    void signedTokensVerify()
    {
        AccessClaims claims;
        claims.userId = QStringLiteral("6f1c2b3a-8d4e-4f5a-9b6c-1d2e3f4a5b6c");
        claims.sessionId = QStringLiteral("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
        claims.role = Role::Moderator;
        claims.issuedAt = kNow;
        claims.expiresAt = kNow + Jwt::kAccessLifetimeSeconds;
        claims.tokenId = Jwt::randomTokenId();
        const QByteArray token = Jwt::sign(claims, kSecret);

        const auto result = Jwt::verify(token, {kSecret, kPrevious}, kNow + 1);
        QVERIFY(std::holds_alternative<AccessClaims>(result));
        const AccessClaims &back = std::get<AccessClaims>(result);
        QCOMPARE(back.userId, claims.userId);
        QCOMPARE(back.sessionId, claims.sessionId);
        QCOMPARE(back.role, Role::Moderator);
        QCOMPARE(back.issuedAt, claims.issuedAt);
        QCOMPARE(back.expiresAt, claims.expiresAt);
        QCOMPARE(back.tokenId, claims.tokenId);

        // The header names the key (so secrets can rotate) and the pinned algorithm.
        const QJsonObject h =
            QJsonDocument::fromJson(*Jwt::fromBase64Url(token.split('.').first())).object();
        QCOMPARE(h.value(QStringLiteral("alg")).toString(), QStringLiteral("HS256"));
        QCOMPARE(h.value(QStringLiteral("kid")).toString(),
                 QString::fromLatin1(Jwt::keyId(kSecret)));
        QCOMPARE(Jwt::keyId(kSecret).size(), 8);
        QVERIFY(Jwt::keyId(kSecret) != Jwt::keyId(kPrevious));
        QCOMPARE(Jwt::randomTokenId().size(), 32);
        QVERIFY(Jwt::randomTokenId() != Jwt::randomTokenId());
    }

    void verification_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("expected");

        const auto valid = [](const QJsonObject &h, const QJsonObject &p,
                              const QByteArray &secret = kSecret) {
            return Jwt::encode(h, p, secret);
        };
        const QByteArray good = valid(header(), payload());
        const QList<QByteArray> goodParts = good.split('.');

        QTest::newRow("valid") << good << kValid;
        QTest::newRow("previous secret still accepted")
            << valid(header(kPrevious), payload(), kPrevious) << kValid;
        QTest::newRow("audience in a list")
            << valid(header(),
                     with(payload(), QStringLiteral("aud"),
                          QJsonArray {QStringLiteral("other"), QStringLiteral("friendship-api")}))
            << kValid;
        QTest::newRow("iat within clock skew")
            << valid(header(),
                     with(with(payload(), QStringLiteral("iat"), double(kNow + 20)),
                          QStringLiteral("exp"), double(kNow + 900)))
            << kValid;

        // Algorithm confusion and unsigned tokens.
        const QJsonObject none = with(header(), QStringLiteral("alg"), QStringLiteral("none"));
        QTest::newRow("alg none, no signature")
            << part(none) + '.' + part(payload()) + '.' << int(Jwt::Failure::Malformed);
        QTest::newRow("alg none, with a signature") << part(none) + '.' + part(payload()) + '.' +
                goodParts[2] << int(Jwt::Failure::Algorithm);
        QTest::newRow("alg None") << part(with(header(), QStringLiteral("alg"),
                                               QStringLiteral("None"))) +
                '.' + part(payload()) + '.' +
                goodParts[2] << int(Jwt::Failure::Algorithm);
        QTest::newRow("alg HS512")
            << valid(with(header(), QStringLiteral("alg"), QStringLiteral("HS512")), payload())
            << int(Jwt::Failure::Algorithm);
        QTest::newRow("alg RS256")
            << valid(with(header(), QStringLiteral("alg"), QStringLiteral("RS256")), payload())
            << int(Jwt::Failure::Algorithm);
        QTest::newRow("alg lowercase")
            << valid(with(header(), QStringLiteral("alg"), QStringLiteral("hs256")), payload())
            << int(Jwt::Failure::Algorithm);
        QTest::newRow("alg missing")
            << valid(with(header(), QStringLiteral("alg"), QJsonValue::Undefined), payload())
            << int(Jwt::Failure::Algorithm);
        QTest::newRow("crit header")
            << valid(with(header(), QStringLiteral("crit"), QJsonArray {QStringLiteral("exp")}),
                     payload())
            << int(Jwt::Failure::Header);
        QTest::newRow("jku header")
            << valid(with(header(), QStringLiteral("jku"), QStringLiteral("https://evil/keys")),
                     payload())
            << int(Jwt::Failure::Header);
        QTest::newRow("typ header not JWT")
            << valid(with(header(), QStringLiteral("typ"), QStringLiteral("refresh")), payload())
            << int(Jwt::Failure::Header);

        // Keys.
        QTest::newRow("another key, its own kid")
            << valid(header(kOther), payload(), kOther) << int(Jwt::Failure::UnknownKey);
        QTest::newRow("another key, our kid")
            << valid(header(), payload(), kOther) << int(Jwt::Failure::Signature);
        QTest::newRow("kid missing")
            << valid(with(header(), QStringLiteral("kid"), QJsonValue::Undefined), payload())
            << int(Jwt::Failure::UnknownKey);
        QTest::newRow("kid not a string")
            << valid(with(header(), QStringLiteral("kid"), 7), payload())
            << int(Jwt::Failure::UnknownKey);

        // Tampering.
        QTest::newRow("payload edited to admin") << goodParts[0] + '.' +
                part(with(payload(), QStringLiteral("role"), QStringLiteral("admin"))) + '.' +
                goodParts[2] << int(Jwt::Failure::Signature);
        QTest::newRow("payload edited to another user") << goodParts[0] + '.' +
                part(with(payload(), QStringLiteral("sub"),
                          QStringLiteral("00000000-0000-4000-8000-000000000000"))) +
                '.' + goodParts[2] << int(Jwt::Failure::Signature);
        QTest::newRow("header edited")
            << part(with(header(), QStringLiteral("typ"), QJsonValue::Undefined)) + '.' +
                goodParts[1] + '.' + goodParts[2]
            << int(Jwt::Failure::Signature);
        QTest::newRow("signature truncated") << goodParts[0] + '.' + goodParts[1] + '.' +
                goodParts[2].left(20) << int(Jwt::Failure::Signature);
        QByteArray flipped = goodParts[2];
        flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
        QTest::newRow("signature changed")
            << goodParts[0] + '.' + goodParts[1] + '.' + flipped << int(Jwt::Failure::Signature);
        QTest::newRow("signature of nothing") << goodParts[0] + '.' + goodParts[1] + '.' +
                signature("", kSecret) << int(Jwt::Failure::Signature);

        // Claims.
        QTest::newRow("expired") << valid(header(),
                                          with(with(payload(), QStringLiteral("iat"),
                                                    double(kNow - 1000)),
                                               QStringLiteral("exp"), double(kNow - 100)))
                                 << int(Jwt::Failure::Expired);
        QTest::newRow("expires this second")
            << valid(header(),
                     with(with(payload(), QStringLiteral("iat"), double(kNow - 900)),
                          QStringLiteral("exp"), double(kNow)))
            << int(Jwt::Failure::Expired);
        QTest::newRow("issued in the future")
            << valid(header(),
                     with(with(payload(), QStringLiteral("iat"), double(kNow + 60)),
                          QStringLiteral("exp"), double(kNow + 900)))
            << int(Jwt::Failure::NotYetValid);
        QTest::newRow("not before in the future")
            << valid(header(), with(payload(), QStringLiteral("nbf"), double(kNow + 120)))
            << int(Jwt::Failure::NotYetValid);
        QTest::newRow("lives too long")
            << valid(header(), with(payload(), QStringLiteral("exp"), double(kNow + 86400)))
            << int(Jwt::Failure::Claims);
        QTest::newRow("wrong issuer")
            << valid(header(), with(payload(), QStringLiteral("iss"), QStringLiteral("evil")))
            << int(Jwt::Failure::Issuer);
        QTest::newRow("no issuer")
            << valid(header(), with(payload(), QStringLiteral("iss"), QJsonValue::Undefined))
            << int(Jwt::Failure::Issuer);
        QTest::newRow("wrong audience")
            << valid(header(), with(payload(), QStringLiteral("aud"), QStringLiteral("other-api")))
            << int(Jwt::Failure::Audience);
        QTest::newRow("typ refresh")
            << valid(header(), with(payload(), QStringLiteral("typ"), QStringLiteral("refresh")))
            << int(Jwt::Failure::Type);
        QTest::newRow("typ missing")
            << valid(header(), with(payload(), QStringLiteral("typ"), QJsonValue::Undefined))
            << int(Jwt::Failure::Type);
        QTest::newRow("exp missing")
            << valid(header(), with(payload(), QStringLiteral("exp"), QJsonValue::Undefined))
            << int(Jwt::Failure::Claims);
        QTest::newRow("exp as a string")
            << valid(header(), with(payload(), QStringLiteral("exp"), QStringLiteral("9999999999")))
            << int(Jwt::Failure::Claims);
        QTest::newRow("iat fractional")
            << valid(header(), with(payload(), QStringLiteral("iat"), double(kNow) - 0.5))
            << int(Jwt::Failure::Claims);
        QTest::newRow("sub missing")
            << valid(header(), with(payload(), QStringLiteral("sub"), QJsonValue::Undefined))
            << int(Jwt::Failure::Claims);
        QTest::newRow("sid missing")
            << valid(header(), with(payload(), QStringLiteral("sid"), QJsonValue::Undefined))
            << int(Jwt::Failure::Claims);
        QTest::newRow("unknown role")
            << valid(header(), with(payload(), QStringLiteral("role"), QStringLiteral("root")))
            << int(Jwt::Failure::Claims);

        // Shape.
        QTest::newRow("empty") << QByteArray() << int(Jwt::Failure::Malformed);
        QTest::newRow("two parts")
            << goodParts[0] + '.' + goodParts[1] << int(Jwt::Failure::Malformed);
        QTest::newRow("four parts") << good + ".x" << int(Jwt::Failure::Malformed);
        QTest::newRow("padding") << goodParts[0] + "=." + goodParts[1] + '.' + goodParts[2]
                                 << int(Jwt::Failure::Malformed);
        QTest::newRow("standard base64 alphabet")
            << goodParts[0] + '.' + goodParts[1] + '.' + QByteArray(goodParts[2]).replace('_', '/')
            << (goodParts[2].contains('_') ? int(Jwt::Failure::Signature) : kValid);
        QTest::newRow("header not an object") << Jwt::base64Url("[1,2]") + '.' + goodParts[1] +
                '.' + goodParts[2] << int(Jwt::Failure::Malformed);
        QTest::newRow("header not JSON") << Jwt::base64Url("{alg:HS256}") + '.' + goodParts[1] +
                '.' + goodParts[2] << int(Jwt::Failure::Malformed);
        QTest::newRow("huge") << QByteArray(Jwt::kMaxTokenBytes + 1, 'a')
                              << int(Jwt::Failure::Malformed);
        QTest::newRow("a refresh token")
            << QByteArray("rt_3q2-9hV0cYb8pQ1xZk7uR5tW4sN6mL0aJ2eF8gH1iK")
            << int(Jwt::Failure::Malformed);
    }

    void verification()
    {
        QFETCH(QByteArray, token);
        QFETCH(int, expected);
        const auto result = Jwt::verify(token, {kSecret, kPrevious}, kNow);
        if (expected == kValid) {
            QVERIFY2(std::holds_alternative<AccessClaims>(result),
                     std::holds_alternative<Jwt::Failure>(result)
                         ? qPrintable(Jwt::failureName(std::get<Jwt::Failure>(result)))
                         : "");
            return;
        }
        QVERIFY(std::holds_alternative<Jwt::Failure>(result));
        QCOMPARE(Jwt::failureName(std::get<Jwt::Failure>(result)),
                 Jwt::failureName(Jwt::Failure(expected)));
    }

    void previousSecretOnlyWhileConfigured()
    {
        const QByteArray token = Jwt::encode(header(kPrevious), payload(), kPrevious);
        QVERIFY(
            std::holds_alternative<AccessClaims>(Jwt::verify(token, {kSecret, kPrevious}, kNow)));
        const auto retired = Jwt::verify(token, {kSecret}, kNow);
        QVERIFY(std::holds_alternative<Jwt::Failure>(retired));
        QCOMPARE(std::get<Jwt::Failure>(retired), Jwt::Failure::UnknownKey);
    }

    void base64Url_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("canonical") << Jwt::base64Url("any carnal pleas") << true;
        QTest::newRow("empty") << QByteArray() << true;
        QTest::newRow("padded") << QByteArray("YQ==") << false;
        QTest::newRow("plus") << QByteArray("a+b") << false;
        QTest::newRow("slash") << QByteArray("a/b") << false;
        QTest::newRow("trailing bits set") << QByteArray("YR") << false; // "YQ" is canonical
        QTest::newRow("impossible length") << QByteArray("YWJjZ") << false;
        QTest::newRow("space") << QByteArray("YW Jj") << false;
    }

    void base64Url()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, accepted);
        QCOMPARE(Jwt::fromBase64Url(text).has_value(), accepted);
    }

    void bearerHeader_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("usual") << QByteArray("Bearer abc.def.ghi") << QByteArray("abc.def.ghi");
        QTest::newRow("scheme case") << QByteArray("bearer abc") << QByteArray("abc");
        QTest::newRow("basic") << QByteArray("Basic dXNlcjpwdw==") << QByteArray();
        QTest::newRow("no token") << QByteArray("Bearer ") << QByteArray();
        QTest::newRow("token only") << QByteArray("abc.def.ghi") << QByteArray();
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }

    void bearerHeader()
    {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, token);
        QCOMPARE(TokenVerifier::bearerToken(header).value_or(QByteArray()), token);
    }

    void passwordRules_data()
    {
        QTest::addColumn<QString>("password");
        QTest::addColumn<bool>("accepted");
        const QString emoji = QStringLiteral("\U0001F600"); // one code point, two UTF-16 units
        QTest::newRow("12 ascii") << QStringLiteral("abcdefghijk!") << true;
        QTest::newRow("11 ascii") << QStringLiteral("abcdefghij!") << false;
        QTest::newRow("12 emoji") << emoji.repeated(12) << true;
        QTest::newRow("11 emoji") << emoji.repeated(11) << false;
        QTest::newRow("128 emoji") << emoji.repeated(128) << true;
        QTest::newRow("129 emoji") << emoji.repeated(129) << false;
        QTest::newRow("128 ascii") << QString(128, QLatin1Char('x')) + QString() << true;
        QTest::newRow("129 ascii") << QString(129, QLatin1Char('x')) << false;
        QTest::newRow("lone surrogate")
            << QString(11, QLatin1Char('x')) + QChar(0xD800) + QLatin1Char('y') << false;
    }

    void passwordRules()
    {
        QFETCH(QString, password);
        QFETCH(bool, accepted);
        QCOMPARE(IdentityRules::passwordProblem(password).isEmpty(), accepted);
    }

    void commonPasswords_data()
    {
        QTest::addColumn<QString>("password");
        QTest::addColumn<bool>("common");
        QTest::newRow("the most common") << QStringLiteral("123456") << true;
        QTest::newRow("as written, any case") << QStringLiteral("PassWord") << true;
        QTest::newRow("trailing digits") << QStringLiteral("password123456") << true;
        QTest::newRow("trailing digits and symbols") << QStringLiteral("Password2024!!") << true;
        QTest::newRow("trailing space and digits") << QStringLiteral("sunshine 1234") << true;
        QTest::newRow("trailing emoji") << QStringLiteral("dragon\U0001F600\U0001F600") << true;
        QTest::newRow("keyboard walk + digits") << QStringLiteral("QwertyUiop123") << true;
        QTest::newRow("hand-picked digit run") << QStringLiteral("123456789012") << true;
        // From deep in the zxcvbn list (ranks near 30,000).
        QTest::newRow("deep: geekboy") << QStringLiteral("GeekBoy1987!") << true;
        QTest::newRow("deep: mopar440") << QStringLiteral("mopar440") << true;
        QTest::newRow("deep: leecher") << QStringLiteral("LEECHER") << true;
        QTest::newRow("leading digits are kept")
            << QStringLiteral("123violet tram umbrella") << false;
        QTest::newRow("a passphrase") << QStringLiteral("violet tram 88 umbrella") << false;
        QTest::newRow("a word inside, not at the end")
            << QStringLiteral("password-violet-tram") << false;
        QTest::newRow("digits and symbols only, not listed")
            << QStringLiteral("90817263!!##") << false;
        QTest::newRow("empty") << QString() << false;
    }

    void commonPasswords()
    {
        QFETCH(QString, password);
        QFETCH(bool, common);
        QCOMPARE(IdentityRules::isCommonPassword(password), common);
        if (common && password.size() >= IdentityRules::kPasswordMin)
            QVERIFY(!IdentityRules::passwordProblem(password).isEmpty());
    }

    void commonPasswordMatcher()
    {
        const CommonPasswords list(
            QSet<QString> {QStringLiteral("letmein"), QStringLiteral("1234")});
        QVERIFY(list.contains(QStringLiteral("LetMeIn")));
        QVERIFY(list.contains(QStringLiteral("letmein!!!2026")));
        QVERIFY(list.contains(QStringLiteral("1234"))); // as written, though nothing is left
        QVERIFY(!list.contains(QStringLiteral("12345"))); // stripping leaves nothing to match
        QVERIFY(!list.contains(QStringLiteral("letmeinplease")));
        QVERIFY(!list.contains(QStringLiteral("!letmein")));
        QVERIFY(!CommonPasswords().contains(QStringLiteral("letmein")));
    }

    void commonPasswordListMustLoad()
    {
        QVERIFY(!CommonPasswords::fromFile(QStringLiteral("/nonexistent/common-passwords.txt")));
        QTemporaryFile empty;
        QVERIFY(empty.open());
        empty.write("# only a comment\n\n");
        empty.close();
        QVERIFY(!CommonPasswords::fromFile(empty.fileName()));
    }

    void nicknameAndEmailRules_data()
    {
        QTest::addColumn<QString>("nickname");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("plain") << QStringLiteral("Mira") << true;
        QTest::newRow("accents and marks") << QStringLiteral("Zoë Ångström-Łukasz") << true;
        QTest::newRow("allowed punctuation") << QStringLiteral("mira_k. 2") << true;
        QTest::newRow("one character") << QStringLiteral("M") << false;
        QTest::newRow("32 characters") << QString(32, QLatin1Char('m')) << true;
        QTest::newRow("33 characters") << QString(33, QLatin1Char('m')) << false;
        QTest::newRow("angle brackets") << QStringLiteral("<script>") << false;
        QTest::newRow("emoji") << QStringLiteral("Mira \U0001F600") << false;
        QTest::newRow("punctuation only") << QStringLiteral("..") << false;
        QTest::newRow("newline") << QStringLiteral("Mi\nra") << false;
    }

    void nicknameAndEmailRules()
    {
        QFETCH(QString, nickname);
        QFETCH(bool, accepted);
        QCOMPARE(ProfileRules::nicknameProblem(nickname).isEmpty(), accepted);

        QCOMPARE(IdentityRules::normaliseEmail(QStringLiteral("  Mira@Example.ORG ")),
                 QStringLiteral("mira@example.org"));
        QVERIFY(IdentityRules::emailProblem(QStringLiteral("mira@example.org")).isEmpty());
        QVERIFY(!IdentityRules::emailProblem(QStringLiteral("mira@localhost")).isEmpty());
        QVERIFY(!IdentityRules::emailProblem(QStringLiteral("mira example.org")).isEmpty());
        QVERIFY(!IdentityRules::emailProblem(QStringLiteral("a@b@example.org")).isEmpty());
        QVERIFY(!IdentityRules::emailProblem(QString(250, QLatin1Char('a')) + "@x.io").isEmpty());
    }

    void refreshTokens()
    {
        const QString a = IdentityRules::newRefreshToken();
        const QString b = IdentityRules::newRefreshToken();
        QVERIFY(a != b);
        QVERIFY(a.startsWith(QStringLiteral("rt_")));
        QCOMPARE(a.size(), 3 + 43); // 256 bits in base64url
        QCOMPARE(IdentityRules::hashRefreshToken(a).size(), 64);
        QCOMPARE(IdentityRules::hashRefreshToken(a), IdentityRules::hashRefreshToken(a));
        QVERIFY(IdentityRules::hashRefreshToken(a) != IdentityRules::hashRefreshToken(b));

        // Rotation derives the next token: the same again for the same token and key (a
        // repeated refresh gets what the first got), unrelated under another key.
        const QByteArray key = IdentityRules::refreshRotationKey("a signing secret of 32 bytes..");
        const QByteArray otherKey =
            IdentityRules::refreshRotationKey("another secret of 32 bytes....");
        const QString next = IdentityRules::nextRefreshToken(key, a);
        QVERIFY(next.startsWith(QStringLiteral("rt_")));
        QCOMPARE(next.size(), 3 + 43);
        QCOMPARE(IdentityRules::nextRefreshToken(key, a), next);
        QVERIFY(IdentityRules::nextRefreshToken(key, b) != next);
        QVERIFY(IdentityRules::nextRefreshToken(otherKey, a) != next);
        QVERIFY(IdentityRules::nextRefreshToken(key, next) != next);
    }

    void lockSchedule_data()
    {
        QTest::addColumn<int>("failures");
        QTest::addColumn<int>("lockSeconds");
        // Keycloak's defaults: 30 failures, +60 s per failure, at most 15 minutes.
        QTest::newRow("first") << 1 << 0;
        QTest::newRow("below the limit") << 29 << 0;
        QTest::newRow("at the limit") << 30 << 60;
        QTest::newRow("one more") << 31 << 120;
        QTest::newRow("capped") << 44 << 900;
        QTest::newRow("far beyond") << 1000 << 900;
    }

    void lockSchedule()
    {
        QFETCH(int, failures);
        QFETCH(int, lockSeconds);
        QCOMPARE(LoginThrottle::lockSecondsFor(failures, ThrottleSettings {}), lockSeconds);
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_identity_jwt.moc"
