#pragma once

// What browsers need from the API (issue "Ready for the web frontend"): CORS for an explicit
// allow-list of origins, the same list for WebSocket handshakes, security headers, and the
// real client address when the server sits behind trusted proxies. Pure logic, unit-tested.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace fp {

class BrowserPolicy
{
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    /// `origins`: exact origins ("https://app.example.com"); empty means same-origin only.
    /// `trustedProxies`: addresses or CIDR ranges whose X-Forwarded-For is believed (both as
    /// Config reads them: settings::parseOrigins, settings::parseAddressRanges).
    BrowserPolicy(QStringList origins, QStringList trustedProxies, bool tls);

    bool originAllowed(const QByteArray &origin) const;
    /// Headers for an actual (non-preflight) response to a request from `origin`.
    Headers corsHeaders(const QByteArray &origin) const;
    /// Headers of a successful preflight for a path served with `methods`.
    Headers preflightHeaders(const QByteArray &origin, const QList<QByteArray> &methods) const;
    /// Headers every API response carries; `authenticated` adds Cache-Control: no-store.
    Headers securityHeaders(bool authenticated) const;
    /// The client's address: the peer, or, when the peer is a trusted proxy, the right-most
    /// X-Forwarded-For entry that is not itself a trusted proxy.
    QHostAddress clientAddress(const QHostAddress &peer, const QByteArray &forwardedFor) const;

    /// Whether `address` is one of the trusted proxies (IPv4-mapped IPv6 counts as IPv4).
    bool isTrustedProxy(const QHostAddress &address) const;

    static constexpr int kPreflightMaxAgeSeconds = 600;

private:
    QStringList m_origins;
    QList<QPair<QHostAddress, int>> m_proxies;
    bool m_tls;
    // Every response carries one of these: made once, shared by each response.
    Headers m_securityHeaders;
    Headers m_authenticatedSecurityHeaders;
};

} // namespace fp
