#include "server/http/BrowserPolicy.h"

#include <QUrl>

namespace fp {

BrowserPolicy::BrowserPolicy(QStringList origins, QStringList trustedProxies, bool tls)
    : m_origins(std::move(origins)), m_tls(tls)
{
    m_securityHeaders = {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}};
    if (m_tls)
        m_securityHeaders.append(
            qMakePair(QByteArray("Strict-Transport-Security"), QByteArray("max-age=31536000")));
    m_authenticatedSecurityHeaders = m_securityHeaders;
    m_authenticatedSecurityHeaders.append(
        qMakePair(QByteArray("Cache-Control"), QByteArray("no-store")));
    for (const QString &proxy : trustedProxies) {
        if (proxy.contains(QLatin1Char('/'))) {
            m_proxies.append(QHostAddress::parseSubnet(proxy));
        } else {
            const QHostAddress address(proxy);
            m_proxies.append(
                {address, address.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32});
        }
    }
}

bool BrowserPolicy::originAllowed(const QByteArray &origin) const
{
    return !origin.isEmpty() && m_origins.contains(QString::fromLatin1(origin));
}

BrowserPolicy::Headers BrowserPolicy::corsHeaders(const QByteArray &origin) const
{
    if (!originAllowed(origin))
        return {};
    // Bearer tokens, not cookies: no Allow-Credentials, and the exact origin, never "*".
    return {{"Access-Control-Allow-Origin", origin},
            {"Vary", "Origin"},
            {"Access-Control-Expose-Headers", "X-Request-Id, Retry-After, Idempotent-Replayed"}};
}

BrowserPolicy::Headers BrowserPolicy::preflightHeaders(const QByteArray &origin,
                                                       const QList<QByteArray> &methods) const
{
    QList<QByteArray> allowed = methods;
    if (!allowed.contains("OPTIONS"))
        allowed.append("OPTIONS");
    return {{"Access-Control-Allow-Origin", origin},
            {"Vary", "Origin"},
            {"Access-Control-Allow-Methods", allowed.join(", ")},
            {"Access-Control-Allow-Headers",
             "Authorization, Content-Type, Idempotency-Key, X-Request-Id"},
            {"Access-Control-Max-Age", QByteArray::number(kPreflightMaxAgeSeconds)}};
}

BrowserPolicy::Headers BrowserPolicy::securityHeaders(bool authenticated) const
{
    return authenticated ? m_authenticatedSecurityHeaders : m_securityHeaders;
}

bool BrowserPolicy::isTrustedProxy(const QHostAddress &address) const
{
    QHostAddress plain = address;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        plain = QHostAddress(v4); // ::ffff:1.2.3.4 is 1.2.3.4
    for (const auto &[network, prefix] : m_proxies) {
        if (plain.isInSubnet(network, prefix))
            return true;
    }
    return false;
}

QHostAddress BrowserPolicy::clientAddress(const QHostAddress &peer,
                                          const QByteArray &forwardedFor) const
{
    if (forwardedFor.isEmpty() || !isTrustedProxy(peer))
        return peer; // anyone can write the header: only a trusted proxy's word counts
    const QList<QByteArray> hops = forwardedFor.split(',');
    for (qsizetype i = hops.size() - 1; i >= 0; --i) {
        const QHostAddress hop(QString::fromLatin1(hops[i].trimmed()));
        if (hop.isNull())
            return peer; // a garbled chain: fall back to what we know
        if (!isTrustedProxy(hop))
            return hop;
    }
    return peer;
}

} // namespace fp
