#pragma once

// A stand-in OpenID Connect provider for tests: its own RSA and EC signing keys (made by
// OpenSSL), ID tokens signed with them (or forged any way a test wants), and a JWKS endpoint on
// loopback that counts how often it is fetched. Served from the test's thread: it answers while
// the test waits on an HttpClient call.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QTcpServer>
#include <memory>

using EVP_PKEY = struct evp_pkey_st;

namespace fp::test {

class OidcTestKey
{
public:
    static OidcTestKey rsa(const QString &kid, int bits = 2048);
    static OidcTestKey ec(const QString &kid);

    QString kid() const { return m_kid; }
    QString alg() const { return m_alg; }
    /// The public key as a JWK (with kid, use and alg).
    QJsonObject jwk() const;
    /// The public key as PEM (SubjectPublicKeyInfo), as an attacker would find it.
    QByteArray publicPem() const;
    /// header.payload signed with this key by its algorithm, whatever the header says.
    QByteArray sign(const QJsonObject &header, const QJsonObject &payload) const;
    /// A token with the usual header {alg, kid, typ}.
    QByteArray token(const QJsonObject &claims) const;

private:
    QString m_kid;
    QString m_alg;
    std::shared_ptr<EVP_PKEY> m_key;
};

/// An unsigned token (`alg: none`), or one signed with HMAC-SHA256 under `secret`.
QByteArray unsignedToken(const QJsonObject &header, const QJsonObject &payload);
QByteArray hs256Token(const QJsonObject &header, const QJsonObject &payload,
                      const QByteArray &secret);

/// The claims of a fresh ID token: iss, aud, sub, email (verified), nonce, iat, exp.
QJsonObject idClaims(const QString &issuer, const QString &audience, const QString &subject,
                     const QString &email, const QString &nonce);

class OidcTestProvider
{
public:
    OidcTestProvider();
    ~OidcTestProvider();
    /// The keys the JWKS endpoint serves from now on.
    void publish(const QList<OidcTestKey> &keys);
    QString jwksUrl() const;
    int fetches() const { return m_fetches; }

private:
    std::unique_ptr<QTcpServer> m_server;
    QByteArray m_body;
    int m_fetches = 0;
};

} // namespace fp::test
