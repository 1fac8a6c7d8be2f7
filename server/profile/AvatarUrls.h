#pragma once

// Short-lived signed URLs of uploaded avatars. An avatar is shown only to people allowed to
// see it (AvatarService decides, when it hands out a URL); the URL itself is the permission:
// GET /api/avatars/{storage_key}?size=..&expires=..&sig=.. needs no token (an <img> sends
// none) and answers only while `expires` has not passed and `sig` is the HMAC-SHA256 of the
// key and the expiry under a key derived from the server's secret. Expiries are rounded up to
// the end of the next TTL window, so one person's URL stays the same for a while and browsers
// reuse what they cached. Pure: no I/O.

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace fp {

struct AvatarLinks
{
    QString large; // 512 px
    QString small; // 128 px
    QDateTime expiresAt;
};

class AvatarUrls
{
public:
    /// `serverSecret` is FP_JWT_SECRET: the signing key is derived from it, never the secret
    /// itself. Links live between `ttlSeconds` and twice that.
    AvatarUrls(const QByteArray &serverSecret, int ttlSeconds);
    /// The shortest time a link given out now stays valid.
    int ttlSeconds() const { return m_ttlSeconds; }

    static constexpr int kLargeSize = 512;
    static constexpr int kSmallSize = 128;

    AvatarLinks linksFor(const QString &storageKey, const QDateTime &now) const;
    /// "/api/avatars/<key>?size=<size>&expires=<unix seconds>&sig=<base64url>".
    QString urlFor(const QString &storageKey, int size, qint64 expires) const;
    /// Whether `signature` signs this key and expiry, and the expiry has not passed.
    bool verify(const QString &storageKey, qint64 expires, const QString &signature,
                const QDateTime &now) const;
    /// HMAC-SHA256(serverSecret, "friendship avatar urls v1"): what signs the URLs.
    static QByteArray signingKey(const QByteArray &serverSecret);
    /// The URL-safe base64 (no padding) HMAC-SHA256 of "<key>\n<expires>" under `signingKey`.
    static QString signature(const QByteArray &signingKey, const QString &storageKey,
                             qint64 expires);

private:
    QByteArray m_key;
    int m_ttlSeconds;
};

} // namespace fp
