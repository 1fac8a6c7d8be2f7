#include "server/identity/Jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <cmath>
#include <sodium.h>

namespace fp::Jwt {

namespace {

QByteArray hmacSha256(const QByteArray &key, const QByteArray &message)
{
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char *>(key.constData()),
                                size_t(key.size()));
    crypto_auth_hmacsha256_update(&state,
                                  reinterpret_cast<const unsigned char *>(message.constData()),
                                  quint64(message.size()));
    QByteArray out(crypto_auth_hmacsha256_BYTES, Qt::Uninitialized);
    crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char *>(out.data()));
    sodium_memzero(&state, sizeof state);
    return out;
}

bool audienceMatches(const QJsonValue &aud)
{
    const QString expected = QString::fromLatin1(kAudience);
    if (aud.isString())
        return aud.toString() == expected;
    if (aud.isArray()) {
        const QJsonArray list = aud.toArray();
        for (const QJsonValue &v : list) {
            if (v.isString() && v.toString() == expected)
                return true;
        }
    }
    return false;
}

bool sane(const QString &id)
{
    return !id.isEmpty() && id.size() <= 64;
}

} // namespace

std::optional<QJsonObject> decodePart(const QByteArray &part)
{
    const std::optional<QByteArray> bytes = fromBase64Url(part);
    if (!bytes)
        return std::nullopt;
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

std::optional<qint64> epochSeconds(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (!std::isfinite(d) || d < 0 || d > 1e11 || std::floor(d) != d)
        return std::nullopt;
    return qint64(d);
}

QString failureName(Failure failure)
{
    switch (failure) {
    case Failure::Malformed:
        return QStringLiteral("malformed");
    case Failure::Algorithm:
        return QStringLiteral("algorithm");
    case Failure::Header:
        return QStringLiteral("header");
    case Failure::UnknownKey:
        return QStringLiteral("unknown_key");
    case Failure::Signature:
        return QStringLiteral("signature");
    case Failure::Expired:
        return QStringLiteral("expired");
    case Failure::NotYetValid:
        return QStringLiteral("not_yet_valid");
    case Failure::Issuer:
        return QStringLiteral("issuer");
    case Failure::Audience:
        return QStringLiteral("audience");
    case Failure::Type:
        return QStringLiteral("type");
    case Failure::Claims:
        return QStringLiteral("claims");
    }
    return QStringLiteral("unknown");
}

QByteArray keyId(const QByteArray &secret)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char *>(secret.constData()),
                       quint64(secret.size()));
    return QByteArray(reinterpret_cast<const char *>(digest), 4).toHex();
}

QByteArray base64Url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64Url(const QByteArray &text)
{
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return std::nullopt;
    }
    auto decoded = QByteArray::fromBase64Encoding(text,
                                                  QByteArray::Base64UrlEncoding |
                                                      QByteArray::OmitTrailingEquals |
                                                      QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    // Exactly one encoding per value: no ignored trailing bits, no impossible lengths.
    if (base64Url(*decoded) != text)
        return std::nullopt;
    return *decoded;
}

QByteArray encode(const QJsonObject &header, const QJsonObject &payload, const QByteArray &secret)
{
    const QByteArray signingInput =
        base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
        base64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return signingInput + '.' + base64Url(hmacSha256(secret, signingInput));
}

QByteArray sign(const AccessClaims &claims, const QByteArray &secret)
{
    const QJsonObject header {{QStringLiteral("alg"), QStringLiteral("HS256")},
                              {QStringLiteral("typ"), QStringLiteral("JWT")},
                              {QStringLiteral("kid"), QString::fromLatin1(keyId(secret))}};
    const QJsonObject payload {
        {QStringLiteral("iss"), QString::fromLatin1(kIssuer)},
        {QStringLiteral("aud"), QString::fromLatin1(kAudience)},
        {QStringLiteral("typ"), QString::fromLatin1(kAccessType)},
        {QStringLiteral("sub"), claims.userId},
        {QStringLiteral("sid"), claims.sessionId},
        {QStringLiteral("role"), roleName(claims.role)},
        {QStringLiteral("iat"), double(claims.issuedAt)},
        {QStringLiteral("exp"), double(claims.expiresAt)},
        {QStringLiteral("jti"), claims.tokenId},
    };
    return encode(header, payload, secret);
}

std::variant<AccessClaims, Failure> verify(const QByteArray &token,
                                           const QList<QByteArray> &secrets, qint64 nowSeconds)
{
    if (token.isEmpty() || token.size() > kMaxTokenBytes)
        return Failure::Malformed;
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty())
        return Failure::Malformed;

    const std::optional<QJsonObject> header = decodePart(parts[0]);
    if (!header)
        return Failure::Malformed;
    // The algorithm is pinned: never chosen by the token (no "none", no RS/HS confusion).
    if (header->value(QStringLiteral("alg")) != QJsonValue(QStringLiteral("HS256")))
        return Failure::Algorithm;
    for (auto it = header->begin(); it != header->end(); ++it) {
        if (it.key() != QLatin1String("alg") && it.key() != QLatin1String("typ") &&
            it.key() != QLatin1String("kid"))
            return Failure::Header; // crit, jku, jwk, x5u...: nothing this server issues
    }
    if (header->contains(QStringLiteral("typ")) &&
        header->value(QStringLiteral("typ")) != QJsonValue(QStringLiteral("JWT")))
        return Failure::Header;
    const QJsonValue kid = header->value(QStringLiteral("kid"));
    if (!kid.isString())
        return Failure::UnknownKey;

    const std::optional<QByteArray> signature = fromBase64Url(parts[2]);
    if (!signature || signature->size() != crypto_auth_hmacsha256_BYTES)
        return Failure::Signature;
    const QByteArray signingInput = parts[0] + '.' + parts[1];
    bool keyKnown = false;
    bool signatureValid = false;
    for (const QByteArray &secret : secrets) {
        if (secret.isEmpty() || QString::fromLatin1(keyId(secret)) != kid.toString())
            continue;
        keyKnown = true;
        const QByteArray expected = hmacSha256(secret, signingInput);
        if (sodium_memcmp(expected.constData(), signature->constData(), size_t(expected.size())) ==
            0) {
            signatureValid = true;
            break;
        }
    }
    if (!keyKnown)
        return Failure::UnknownKey;
    if (!signatureValid)
        return Failure::Signature;

    const std::optional<QJsonObject> payload = decodePart(parts[1]);
    if (!payload)
        return Failure::Malformed;
    const QJsonObject &p = *payload;
    if (p.value(QStringLiteral("iss")) != QJsonValue(QString::fromLatin1(kIssuer)))
        return Failure::Issuer;
    if (!audienceMatches(p.value(QStringLiteral("aud"))))
        return Failure::Audience;
    if (p.value(QStringLiteral("typ")) != QJsonValue(QString::fromLatin1(kAccessType)))
        return Failure::Type;

    const std::optional<qint64> exp = epochSeconds(p.value(QStringLiteral("exp")));
    const std::optional<qint64> iat = epochSeconds(p.value(QStringLiteral("iat")));
    if (!exp || !iat)
        return Failure::Claims;
    if (nowSeconds >= *exp)
        return Failure::Expired;
    if (*iat > nowSeconds + kClockSkewSeconds)
        return Failure::NotYetValid;
    if (p.contains(QStringLiteral("nbf"))) {
        const std::optional<qint64> nbf = epochSeconds(p.value(QStringLiteral("nbf")));
        if (!nbf)
            return Failure::Claims;
        if (*nbf > nowSeconds + kClockSkewSeconds)
            return Failure::NotYetValid;
    }
    // Even a correctly signed token never lives longer than the server issues them for.
    if (*exp - *iat > kAccessLifetimeSeconds || *exp < *iat)
        return Failure::Claims;

    AccessClaims claims;
    claims.userId = p.value(QStringLiteral("sub")).toString();
    claims.sessionId = p.value(QStringLiteral("sid")).toString();
    claims.tokenId = p.value(QStringLiteral("jti")).toString();
    const std::optional<Role> role = roleFromName(p.value(QStringLiteral("role")).toString());
    if (!sane(claims.userId) || !sane(claims.sessionId) || !sane(claims.tokenId) || !role)
        return Failure::Claims;
    claims.role = *role;
    claims.issuedAt = *iat;
    claims.expiresAt = *exp;
    return claims;
}

QString randomTokenId()
{
    QByteArray bytes(16, Qt::Uninitialized);
    randombytes_buf(bytes.data(), size_t(bytes.size()));
    return QString::fromLatin1(bytes.toHex());
}

} // namespace fp::Jwt
