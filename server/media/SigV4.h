#pragma once

// AWS Signature Version 4 (docs.aws.amazon.com, "Signing AWS API requests"), written once for
// the S3 object store. Pure: tested against AWS's published vectors (tests/unit/tst_media_sigv4).

#include <QByteArray>
#include <QList>
#include <QPair>

namespace fp::sigv4 {

struct Credentials
{
    QByteArray accessKeyId;
    QByteArray secretAccessKey;
    QByteArray region; // us-east-1
    QByteArray service; // s3
};

struct Request
{
    QByteArray method; // GET
    /// The path as sent, already percent-encoded (S3 signs it as it is, without normalising).
    QByteArray path;
    /// Query parameters, not encoded: they are encoded and sorted when signed.
    QList<QPair<QByteArray, QByteArray>> query;
    /// Every header to sign (host and x-amz-date among them), any case, any order.
    QList<QPair<QByteArray, QByteArray>> headers;
    /// Lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
    QByteArray payloadHash;
};

/// RFC 3986 percent-encoding as SigV4 asks: unreserved characters kept, '/' kept only when
/// `keepSlash`, everything else %XX with upper-case hex.
QByteArray uriEncode(const QByteArray &text, bool keepSlash);
QByteArray sha256Hex(const QByteArray &bytes);

QByteArray canonicalRequest(const Request &request);
/// "host;x-amz-date": the names of the signed headers, lower-case, sorted.
QByteArray signedHeaders(const Request &request);
/// "20150830/us-east-1/service/aws4_request" for amzDate "20150830T123600Z".
QByteArray credentialScope(const Credentials &credentials, const QByteArray &amzDate);
QByteArray stringToSign(const Credentials &credentials, const QByteArray &amzDate,
                        const QByteArray &canonicalRequest);
/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
QByteArray signingKey(const Credentials &credentials, const QByteArray &date);
/// Lower-case hex signature of `request` at `amzDate` (yyyyMMddTHHmmssZ).
QByteArray signature(const Credentials &credentials, const Request &request,
                     const QByteArray &amzDate);
/// The Authorization header's value.
QByteArray authorization(const Credentials &credentials, const Request &request,
                         const QByteArray &amzDate);

} // namespace fp::sigv4
