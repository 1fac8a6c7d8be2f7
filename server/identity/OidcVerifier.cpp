#include "server/identity/OidcVerifier.h"

#include "server/identity/Jwt.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace fp::oidc {

namespace {

struct BnFree
{
    void operator()(BIGNUM *b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

struct Freer
{
    void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
    void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
};
template<typename T> using Owned = std::unique_ptr<T, Freer>;

Bn bignum(const QByteArray &bytes)
{
    return Bn(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()),
                        int(bytes.size()), nullptr));
}

std::optional<QByteArray> b64(const QJsonValue &value)
{
    if (!value.isString())
        return std::nullopt;
    std::optional<QByteArray> bytes = Jwt::fromBase64Url(value.toString().toLatin1());
    if (!bytes || bytes->isEmpty())
        return std::nullopt;
    return bytes;
}

std::shared_ptr<EVP_PKEY> fromParams(const char *type, OSSL_PARAM_BLD *builder)
{
    Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
        return {};
    EVP_PKEY *made = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &made, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return {};
    std::shared_ptr<EVP_PKEY> key(made, EVP_PKEY_free);
    // The point must be on the curve (and the RSA numbers sane) before it verifies anything.
    Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, made, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        return {};
    return key;
}

std::shared_ptr<EVP_PKEY> rsaKey(const QJsonObject &jwk)
{
    const std::optional<QByteArray> n = b64(jwk.value(QLatin1String("n")));
    const std::optional<QByteArray> e = b64(jwk.value(QLatin1String("e")));
    if (!n || !e || n->size() < 256 || n->size() > 1024 || e->size() > 8)
        return {}; // fewer than 2048 bits, or absurd
    Bn bn(bignum(*n)), be(bignum(*e));
    Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!bn || !be || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, be.get()) != 1)
        return {};
    std::shared_ptr<EVP_PKEY> key = fromParams("RSA", builder.get());
    if (key && EVP_PKEY_get_bits(key.get()) < 2048)
        return {};
    return key;
}

std::shared_ptr<EVP_PKEY> ecKey(const QJsonObject &jwk)
{
    if (jwk.value(QLatin1String("crv")).toString() != QLatin1String("P-256"))
        return {};
    const std::optional<QByteArray> x = b64(jwk.value(QLatin1String("x")));
    const std::optional<QByteArray> y = b64(jwk.value(QLatin1String("y")));
    if (!x || !y || x->size() != 32 || y->size() != 32)
        return {};
    QByteArray point = QByteArray(1, '\x04') + *x + *y; // uncompressed
    char group[] = "prime256v1";
    Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         size_t(point.size())) != 1)
        return {};
    return fromParams("EC", builder.get());
}

// A JWS ES256 signature is r||s, 32 bytes each; OpenSSL wants it DER-encoded.
std::optional<QByteArray> derFromRaw(const QByteArray &raw)
{
    if (raw.size() != 64)
        return std::nullopt;
    Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
    Bn r(bignum(raw.left(32))), s(bignum(raw.mid(32)));
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1)
        return std::nullopt;
    (void)r.release(); // owned by sig now
    (void)s.release();
    unsigned char *der = nullptr;
    const int length = i2d_ECDSA_SIG(sig.get(), &der);
    if (length <= 0)
        return std::nullopt;
    QByteArray out(reinterpret_cast<const char *>(der), length);
    OPENSSL_free(der);
    return out;
}

bool signatureValid(const PublicKey &key, const QByteArray &signingInput,
                    const QByteArray &signature)
{
    QByteArray sig = signature;
    if (key.alg == QLatin1String("ES256")) {
        const std::optional<QByteArray> der = derFromRaw(signature);
        if (!der)
            return false;
        sig = *der;
    }
    Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
    if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) != 1)
        return false;
    return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char *>(sig.constData()),
                            size_t(sig.size()),
                            reinterpret_cast<const unsigned char *>(signingInput.constData()),
                            size_t(signingInput.size())) == 1;
}

bool audienceAllowed(const QJsonValue &aud, const QStringList &allowed)
{
    if (aud.isString())
        return allowed.contains(aud.toString());
    if (!aud.isArray() || aud.toArray().isEmpty())
        return false;
    // Every audience must be ours: a token also meant for another party is not for us alone.
    for (const QJsonValue &v : aud.toArray()) {
        if (!v.isString() || !allowed.contains(v.toString()))
            return false;
    }
    return true;
}

// email_verified is a boolean (Google) or the string "true"/"false" (Apple, at times).
bool isTrue(const QJsonValue &value)
{
    return value.isBool() ? value.toBool() : value.toString() == QLatin1String("true");
}

} // namespace

std::optional<KeySet> KeySet::fromJwks(const QByteArray &json)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject() ||
        !document.object().value(QLatin1String("keys")).isArray())
        return std::nullopt;
    KeySet set;
    for (const QJsonValue &entry : document.object().value(QLatin1String("keys")).toArray()) {
        const QJsonObject jwk = entry.toObject();
        const QString kid = jwk.value(QLatin1String("kid")).toString();
        const QString kty = jwk.value(QLatin1String("kty")).toString();
        const QString use = jwk.value(QLatin1String("use")).toString(QStringLiteral("sig"));
        if (kid.isEmpty() || use != QLatin1String("sig") || set.find(kid))
            continue;
        PublicKey key;
        key.kid = kid;
        if (kty == QLatin1String("RSA")) {
            key.alg = QStringLiteral("RS256");
            key.key = rsaKey(jwk);
        } else if (kty == QLatin1String("EC")) {
            key.alg = QStringLiteral("ES256");
            key.key = ecKey(jwk);
        }
        const QJsonValue alg = jwk.value(QLatin1String("alg"));
        if (!key.key || (!alg.isUndefined() && alg.toString() != key.alg))
            continue;
        set.m_keys.append(key);
    }
    return set;
}

const PublicKey *KeySet::find(const QString &kid) const
{
    for (const PublicKey &key : m_keys) {
        if (key.kid == kid)
            return &key;
    }
    return nullptr;
}

QString failureName(Failure failure)
{
    switch (failure) {
    case Failure::Malformed:
        return QStringLiteral("malformed");
    case Failure::Algorithm:
        return QStringLiteral("algorithm");
    case Failure::UnknownKey:
        return QStringLiteral("unknown_key");
    case Failure::KeyMismatch:
        return QStringLiteral("key_mismatch");
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
    case Failure::Nonce:
        return QStringLiteral("nonce");
    case Failure::EmailUnverified:
        return QStringLiteral("email_unverified");
    case Failure::Claims:
        return QStringLiteral("claims");
    }
    return QStringLiteral("unknown");
}

std::variant<Header, Failure> readHeader(const QByteArray &token)
{
    if (token.size() > kMaxTokenBytes || token.count('.') != 2)
        return Failure::Malformed;
    const std::optional<QJsonObject> header = Jwt::decodePart(token.left(token.indexOf('.')));
    if (!header || header->contains(QLatin1String("crit")))
        return Failure::Malformed;
    Header h;
    h.alg = header->value(QLatin1String("alg")).toString();
    h.kid = header->value(QLatin1String("kid")).toString();
    if (h.alg != QLatin1String("RS256") && h.alg != QLatin1String("ES256"))
        return Failure::Algorithm;
    if (h.kid.isEmpty() || h.kid.size() > 256)
        return Failure::Malformed;
    return h;
}

std::variant<Claims, Failure> verify(const QByteArray &token, const KeySet &keys,
                                     const Rules &rules)
{
    const std::variant<Header, Failure> header = readHeader(token);
    if (const Failure *failed = std::get_if<Failure>(&header))
        return *failed;
    const Header &h = std::get<Header>(header);
    const PublicKey *key = keys.find(h.kid);
    if (!key)
        return Failure::UnknownKey;
    if (key->alg != h.alg)
        return Failure::KeyMismatch;

    const qsizetype lastDot = token.lastIndexOf('.');
    const std::optional<QByteArray> signature = Jwt::fromBase64Url(token.mid(lastDot + 1));
    if (!signature)
        return Failure::Malformed;
    if (!signatureValid(*key, token.left(lastDot), *signature))
        return Failure::Signature;

    const qsizetype firstDot = token.indexOf('.');
    const std::optional<QJsonObject> payload =
        Jwt::decodePart(token.mid(firstDot + 1, lastDot - firstDot - 1));
    if (!payload)
        return Failure::Malformed;
    const QJsonObject &p = *payload;

    Claims c;
    c.issuer = p.value(QLatin1String("iss")).toString();
    c.subject = p.value(QLatin1String("sub")).toString();
    const std::optional<qint64> exp = Jwt::epochSeconds(p.value(QLatin1String("exp")));
    const std::optional<qint64> iat = Jwt::epochSeconds(p.value(QLatin1String("iat")));
    if (c.subject.isEmpty() || c.subject.size() > 255 || !exp || !iat)
        return Failure::Claims;
    c.expiresAt = *exp;
    c.issuedAt = *iat;
    if (!rules.issuers.contains(c.issuer))
        return Failure::Issuer;
    if (!audienceAllowed(p.value(QLatin1String("aud")), rules.audiences))
        return Failure::Audience;
    if (c.expiresAt <= rules.nowSeconds - kClockSkewSeconds)
        return Failure::Expired;
    if (c.issuedAt > rules.nowSeconds + kClockSkewSeconds)
        return Failure::NotYetValid;
    if (const QJsonValue nbf = p.value(QLatin1String("nbf")); !nbf.isUndefined()) {
        const std::optional<qint64> notBefore = Jwt::epochSeconds(nbf);
        if (!notBefore)
            return Failure::Claims;
        if (*notBefore > rules.nowSeconds + kClockSkewSeconds)
            return Failure::NotYetValid;
    }
    if (c.expiresAt <= c.issuedAt || c.expiresAt - c.issuedAt > kMaxLifetimeSeconds)
        return Failure::Claims;

    c.nonce = p.value(QLatin1String("nonce")).toString();
    if (c.nonce.isEmpty() || !nonceMatches(c.nonce, rules.nonce))
        return Failure::Nonce;

    const QJsonValue email = p.value(QLatin1String("email"));
    if (!email.isUndefined() && !email.isNull()) {
        if (!email.isString() || email.toString().isEmpty() || email.toString().size() > 254)
            return Failure::Claims;
        c.email = email.toString();
        c.emailVerified = isTrue(p.value(QLatin1String("email_verified")));
        if (!c.emailVerified)
            return Failure::EmailUnverified;
    }
    c.name = p.value(QLatin1String("name")).toString();
    if (c.name.isEmpty())
        c.name = p.value(QLatin1String("given_name")).toString();
    return c;
}

bool nonceMatches(const QString &claim, const QString &raw)
{
    if (raw.isEmpty() || claim.isEmpty())
        return false;
    if (claim == raw)
        return true;
    const QByteArray hashed =
        QCryptographicHash::hash(raw.toUtf8(), QCryptographicHash::Sha256).toHex();
    return claim == QString::fromLatin1(hashed);
}

} // namespace fp::oidc
