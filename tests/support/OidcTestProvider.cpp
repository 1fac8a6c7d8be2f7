#include "tests/support/OidcTestProvider.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace fp::test {

namespace {

QByteArray b64url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray part(const QJsonObject &object)
{
    return b64url(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QByteArray bnParam(EVP_PKEY *key, const char *name, int pad = 0)
{
    BIGNUM *bn = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
        qFatal("cannot read key parameter %s", name);
    QByteArray out(pad ? pad : BN_num_bytes(bn), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), int(out.size()));
    BN_free(bn);
    return out;
}

} // namespace

OidcTestKey OidcTestKey::rsa(const QString &kid, int bits)
{
    OidcTestKey k;
    k.m_kid = kid;
    k.m_alg = QStringLiteral("RS256");
    k.m_key.reset(EVP_RSA_gen(unsigned(bits)), EVP_PKEY_free);
    if (!k.m_key)
        qFatal("cannot make an RSA key");
    return k;
}

OidcTestKey OidcTestKey::ec(const QString &kid)
{
    OidcTestKey k;
    k.m_kid = kid;
    k.m_alg = QStringLiteral("ES256");
    k.m_key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
    if (!k.m_key)
        qFatal("cannot make an EC key");
    return k;
}

QJsonObject OidcTestKey::jwk() const
{
    QJsonObject j {{QStringLiteral("kid"), m_kid},
                   {QStringLiteral("use"), QStringLiteral("sig")},
                   {QStringLiteral("alg"), m_alg}};
    if (m_alg == QLatin1String("RS256")) {
        j.insert(QStringLiteral("kty"), QStringLiteral("RSA"));
        j.insert(QStringLiteral("n"),
                 QString::fromLatin1(b64url(bnParam(m_key.get(), OSSL_PKEY_PARAM_RSA_N))));
        j.insert(QStringLiteral("e"),
                 QString::fromLatin1(b64url(bnParam(m_key.get(), OSSL_PKEY_PARAM_RSA_E))));
    } else {
        j.insert(QStringLiteral("kty"), QStringLiteral("EC"));
        j.insert(QStringLiteral("crv"), QStringLiteral("P-256"));
        j.insert(QStringLiteral("x"),
                 QString::fromLatin1(b64url(bnParam(m_key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))));
        j.insert(QStringLiteral("y"),
                 QString::fromLatin1(b64url(bnParam(m_key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))));
    }
    return j;
}

QByteArray OidcTestKey::publicPem() const
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, m_key.get());
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, int(size));
    BIO_free(bio);
    return pem;
}

QByteArray OidcTestKey::sign(const QJsonObject &header, const QJsonObject &payload) const
{
    const QByteArray input = part(header) + '.' + part(payload);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, m_key.get());
    EVP_DigestSign(md, nullptr, &length, reinterpret_cast<const unsigned char *>(input.constData()),
                   size_t(input.size()));
    QByteArray signature(qsizetype(length), '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(input.constData()),
                   size_t(input.size()));
    EVP_MD_CTX_free(md);
    signature.resize(qsizetype(length));
    if (m_alg == QLatin1String("ES256")) {
        // DER to the r||s form of JWS.
        const unsigned char *der = reinterpret_cast<const unsigned char *>(signature.constData());
        ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &der, long(signature.size()));
        QByteArray raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char *>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char *>(raw.data()) + 32, 32);
        ECDSA_SIG_free(sig);
        signature = raw;
    }
    return input + '.' + b64url(signature);
}

QByteArray OidcTestKey::token(const QJsonObject &claims) const
{
    return sign({{QStringLiteral("alg"), m_alg},
                 {QStringLiteral("kid"), m_kid},
                 {QStringLiteral("typ"), QStringLiteral("JWT")}},
                claims);
}

QByteArray unsignedToken(const QJsonObject &header, const QJsonObject &payload)
{
    return part(header) + '.' + part(payload) + '.';
}

QByteArray hs256Token(const QJsonObject &header, const QJsonObject &payload,
                      const QByteArray &secret)
{
    const QByteArray input = part(header) + '.' + part(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.constData(), int(secret.size()),
         reinterpret_cast<const unsigned char *>(input.constData()), size_t(input.size()), mac,
         &length);
    return input + '.' + b64url(QByteArray(reinterpret_cast<const char *>(mac), int(length)));
}

QJsonObject idClaims(const QString &issuer, const QString &audience, const QString &subject,
                     const QString &email, const QString &nonce)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject claims {{QStringLiteral("iss"), issuer},  {QStringLiteral("aud"), audience},
                        {QStringLiteral("sub"), subject}, {QStringLiteral("nonce"), nonce},
                        {QStringLiteral("iat"), now},     {QStringLiteral("exp"), now + 3600}};
    if (!email.isEmpty()) {
        claims.insert(QStringLiteral("email"), email);
        claims.insert(QStringLiteral("email_verified"), true);
    }
    return claims;
}

OidcTestProvider::OidcTestProvider() : m_server(std::make_unique<QTcpServer>())
{
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        qFatal("the test OIDC provider cannot listen");
    QObject::connect(m_server.get(), &QTcpServer::newConnection, m_server.get(), [this] {
        while (QTcpSocket *socket = m_server->nextPendingConnection()) {
            QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                const QByteArray seen = socket->property("seen").toByteArray() + socket->readAll();
                socket->setProperty("seen", seen);
                if (!seen.contains("\r\n\r\n"))
                    return;
                ++m_fetches;
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Connection: close\r\nContent-Length: " +
                              QByteArray::number(m_body.size()) + "\r\n\r\n" + m_body);
                socket->disconnectFromHost();
            });
        }
    });
}

OidcTestProvider::~OidcTestProvider() = default;

void OidcTestProvider::publish(const QList<OidcTestKey> &keys)
{
    QJsonArray list;
    for (const OidcTestKey &k : keys)
        list.append(k.jwk());
    m_body = QJsonDocument(QJsonObject {{QStringLiteral("keys"), list}}).toJson();
}

QString OidcTestProvider::jwksUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1/keys").arg(m_server->serverPort());
}

} // namespace fp::test
