#include "server/media/SigV4.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <algorithm>

namespace fp::sigv4 {

namespace {

QByteArray hmac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

/// Trimmed, with runs of spaces inside collapsed to one, as the canonical headers want.
QByteArray canonicalValue(const QByteArray &value)
{
    return value.simplified();
}

QList<QPair<QByteArray, QByteArray>> sortedHeaders(const Request &request)
{
    // Headers of the same name are joined with commas, in the order they were given.
    QList<QPair<QByteArray, QByteArray>> merged;
    for (const auto &[name, value] : request.headers) {
        const QByteArray lower = name.toLower().trimmed();
        auto same = std::find_if(merged.begin(), merged.end(),
                                 [&lower](const auto &h) { return h.first == lower; });
        if (same == merged.end())
            merged.append({lower, canonicalValue(value)});
        else
            same->second += ',' + canonicalValue(value);
    }
    std::sort(merged.begin(), merged.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    return merged;
}

} // namespace

QByteArray uriEncode(const QByteArray &text, bool keepSlash)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved || (keepSlash && c == '/')) {
            out += char(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray signedHeaders(const Request &request)
{
    QByteArrayList names;
    for (const auto &header : sortedHeaders(request))
        names << header.first;
    return names.join(';');
}

QByteArray canonicalRequest(const Request &request)
{
    QList<QPair<QByteArray, QByteArray>> query;
    for (const auto &[name, value] : request.query)
        query.append({uriEncode(name, false), uriEncode(value, false)});
    std::sort(query.begin(), query.end());
    QByteArrayList queryParts;
    for (const auto &[name, value] : query)
        queryParts << name + '=' + value;

    QByteArray headers;
    for (const auto &[name, value] : sortedHeaders(request))
        headers += name + ':' + value + '\n';

    return request.method + '\n' + (request.path.isEmpty() ? QByteArray("/") : request.path) +
        '\n' + queryParts.join('&') + '\n' + headers + '\n' + signedHeaders(request) + '\n' +
        request.payloadHash;
}

QByteArray credentialScope(const Credentials &credentials, const QByteArray &amzDate)
{
    return amzDate.left(8) + '/' + credentials.region + '/' + credentials.service + "/aws4_request";
}

QByteArray stringToSign(const Credentials &credentials, const QByteArray &amzDate,
                        const QByteArray &canonical)
{
    return "AWS4-HMAC-SHA256\n" + amzDate + '\n' + credentialScope(credentials, amzDate) + '\n' +
        sha256Hex(canonical);
}

QByteArray signingKey(const Credentials &credentials, const QByteArray &date)
{
    const QByteArray dateKey = hmac("AWS4" + credentials.secretAccessKey, date);
    const QByteArray regionKey = hmac(dateKey, credentials.region);
    const QByteArray serviceKey = hmac(regionKey, credentials.service);
    return hmac(serviceKey, "aws4_request");
}

QByteArray signature(const Credentials &credentials, const Request &request,
                     const QByteArray &amzDate)
{
    return hmac(signingKey(credentials, amzDate.left(8)),
                stringToSign(credentials, amzDate, canonicalRequest(request)))
        .toHex();
}

QByteArray authorization(const Credentials &credentials, const Request &request,
                         const QByteArray &amzDate)
{
    return "AWS4-HMAC-SHA256 Credential=" + credentials.accessKeyId + '/' +
        credentialScope(credentials, amzDate) + ", SignedHeaders=" + signedHeaders(request) +
        ", Signature=" + signature(credentials, request, amzDate);
}

} // namespace fp::sigv4
