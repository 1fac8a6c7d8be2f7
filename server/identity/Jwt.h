#pragma once

// Access tokens: compact JWS (RFC 7515/7519) signed with HMAC-SHA256. Pure code, no I/O.
// The header carries a `kid` (first 8 hex digits of SHA-256 of the secret) so a secret can be
// rotated: tokens signed with the previous secret stay valid until they expire. Verification
// pins the algorithm to HS256, compares signatures in constant time and checks every claim
// (iss, aud, typ, exp, iat/nbf with a small clock skew, lifetime).

#include "server/http/Http.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>
#include <variant>

namespace fp {

/// The claims of an access token this server issues.
struct AccessClaims
{
    QString userId; // sub
    QString sessionId; // sid
    Role role = Role::User;
    qint64 issuedAt = 0; // iat, seconds since the epoch
    qint64 expiresAt = 0; // exp
    QString tokenId; // jti
};

namespace Jwt {

inline constexpr const char *kIssuer = "friendship-platform";
inline constexpr const char *kAudience = "friendship-api";
inline constexpr const char *kAccessType = "access";
inline constexpr qint64 kAccessLifetimeSeconds = 15 * 60;
/// Tolerated clock difference between instances for iat/nbf in the future.
inline constexpr qint64 kClockSkewSeconds = 30;
/// Tokens longer than this are refused before any parsing.
inline constexpr qsizetype kMaxTokenBytes = 4096;

enum class Failure {
    Malformed, // not three base64url parts of JSON objects
    Algorithm, // alg is not HS256
    Header, // typ other than JWT, a crit or any parameter this server does not issue
    UnknownKey, // no configured secret has this kid
    Signature,
    Expired,
    NotYetValid, // iat or nbf too far in the future
    Issuer,
    Audience,
    Type, // typ is not "access"
    Claims, // a required claim is missing or has the wrong type
};
QString failureName(Failure failure);

/// "user", "moderator", "admin" and back.

/// The key id of a secret: the first 8 hex digits of its SHA-256.
QByteArray keyId(const QByteArray &secret);

/// base64url without padding (RFC 7515 section 2).
QByteArray base64Url(const QByteArray &bytes);
/// Strict decoding: nullopt for padding, characters outside the alphabet, or a non-canonical form.
std::optional<QByteArray> fromBase64Url(const QByteArray &text);

/// One base64url part of a JWS decoded as a JSON object; nullopt for anything else.
std::optional<QJsonObject> decodePart(const QByteArray &part);
/// An integral JSON number within a sane range of epoch seconds (exp, iat, nbf).
std::optional<qint64> epochSeconds(const QJsonValue &value);

/// Signs any header and payload with HS256. For tests that forge tokens; the server uses sign().
QByteArray encode(const QJsonObject &header, const QJsonObject &payload, const QByteArray &secret);
/// An access token for these claims, signed with `secret` and naming its kid.
QByteArray sign(const AccessClaims &claims, const QByteArray &secret);

/// The claims of a valid token signed with one of `secrets` (current first, then previous).
std::variant<AccessClaims, Failure> verify(const QByteArray &token,
                                           const QList<QByteArray> &secrets, qint64 nowSeconds);

/// 128 random bits as 32 hex digits (jti).
QString randomTokenId();

} // namespace Jwt
} // namespace fp
