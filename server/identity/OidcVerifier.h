#pragma once

// ID tokens from an OpenID Connect provider (Google, Apple): the provider's public keys (a JWKS
// document, RFC 7517) and the complete check of a token against them (RFC 7515/7519, OpenID
// Connect Core 3.1.3.7). Pure code, no I/O: the keys come from JwksCache. Signatures are
// checked by OpenSSL's libcrypto (EVP_DigestVerify), never by hand.
//
// Only RS256 and ES256 (P-256) are accepted; the header's `alg` must be the one its key implies
// (an RSA key verifies RS256 only, an EC key ES256 only, and a key that names another `alg` is
// never used), which stops `alg: none`, HS256 signed with a public key and every other
// algorithm confusion.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <variant>

using EVP_PKEY = struct evp_pkey_st;

namespace fp::oidc {

/// Tokens longer than this are refused before any parsing.
inline constexpr qsizetype kMaxTokenBytes = 8192;
/// Tolerated clock difference with the provider for exp, iat and nbf.
inline constexpr qint64 kClockSkewSeconds = 60;
/// Longest lifetime (exp - iat) a token may claim; providers issue one-hour tokens.
inline constexpr qint64 kMaxLifetimeSeconds = 24 * 3600;

struct PublicKey
{
    QString kid;
    QString alg; // RS256 or ES256, implied by the key type
    std::shared_ptr<EVP_PKEY> key;
};

/// The usable signing keys of a JWKS document: RSA keys (at least 2048 bits) and EC P-256 keys
/// whose `use` (when given) is `sig` and whose `alg` (when given) matches their type; every
/// other key is left out.
class KeySet
{
public:
    /// nullopt when `json` is not a JWKS document ({"keys": [...]}).
    static std::optional<KeySet> fromJwks(const QByteArray &json);

    const PublicKey *find(const QString &kid) const;
    qsizetype size() const { return m_keys.size(); }

private:
    QList<PublicKey> m_keys;
};

/// What a token must satisfy besides its signature.
struct Rules
{
    QStringList issuers; // any of these (Google has two spellings)
    QStringList audiences; // the configured client ids
    QString nonce; // the raw nonce the client sent along
    qint64 nowSeconds = 0;
};

struct Claims
{
    QString issuer;
    QString subject; // sub: the person at this provider, stable
    QString email; // empty when the token carries none
    bool emailVerified = false;
    QString nonce; // the claim as the token carries it (the raw value or its SHA-256)
    QString name; // name, or given_name; may be empty
    qint64 issuedAt = 0;
    qint64 expiresAt = 0;
};

enum class Failure {
    Malformed, // not three base64url parts of JSON objects, too long, `crit`, no kid
    Algorithm, // alg other than RS256/ES256 (none, HS256, ...)
    UnknownKey, // no key of the set has this kid
    KeyMismatch, // the key with this kid is for another algorithm
    Signature,
    Expired,
    NotYetValid, // iat or nbf in the future
    Issuer,
    Audience,
    Nonce, // missing or not the one the client sent
    EmailUnverified, // an email whose email_verified is not true
    Claims, // a required claim missing or of the wrong type
};
QString failureName(Failure failure);

struct Header
{
    QString alg;
    QString kid;
};

/// The header alone (to find the key); Malformed or Algorithm.
std::variant<Header, Failure> readHeader(const QByteArray &token);

/// The claims of a token signed by a key of `keys` and satisfying `rules`, or the first check
/// that failed.
std::variant<Claims, Failure> verify(const QByteArray &token, const KeySet &keys,
                                     const Rules &rules);

/// Whether the token's nonce claim stands for `raw`: equal to it, or to the lowercase hex
/// SHA-256 of it (a frontend that hands the provider the hash and keeps the raw value, as Sign
/// in with Apple's guides do).
bool nonceMatches(const QString &claim, const QString &raw);

} // namespace fp::oidc
