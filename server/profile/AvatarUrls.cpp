#include "server/profile/AvatarUrls.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>

namespace fp {

AvatarUrls::AvatarUrls(const QByteArray &serverSecret, int ttlSeconds)
    : m_key(signingKey(serverSecret)), m_ttlSeconds(qMax(1, ttlSeconds))
{ }

QByteArray AvatarUrls::signingKey(const QByteArray &serverSecret)
{
    return QMessageAuthenticationCode::hash("friendship avatar urls v1", serverSecret,
                                            QCryptographicHash::Sha256);
}

QString AvatarUrls::signature(const QByteArray &key, const QString &storageKey, qint64 expires)
{
    const QByteArray message = storageKey.toLatin1() + '\n' + QByteArray::number(expires);
    return QString::fromLatin1(
        QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString AvatarUrls::urlFor(const QString &storageKey, int size, qint64 expires) const
{
    return QStringLiteral("/api/avatars/%1?size=%2&expires=%3&sig=%4")
        .arg(storageKey)
        .arg(size)
        .arg(expires)
        .arg(signature(m_key, storageKey, expires));
}

AvatarLinks AvatarUrls::linksFor(const QString &storageKey, const QDateTime &now) const
{
    const qint64 window = now.toSecsSinceEpoch() / m_ttlSeconds;
    const qint64 expires = (window + 2) * m_ttlSeconds;
    return AvatarLinks {urlFor(storageKey, kLargeSize, expires),
                        urlFor(storageKey, kSmallSize, expires),
                        QDateTime::fromSecsSinceEpoch(expires, Qt::UTC)};
}

bool AvatarUrls::verify(const QString &storageKey, qint64 expires, const QString &given,
                        const QDateTime &now) const
{
    if (expires <= now.toSecsSinceEpoch())
        return false;
    const QByteArray expected = signature(m_key, storageKey, expires).toLatin1();
    const QByteArray actual = given.toLatin1();
    if (expected.size() != actual.size())
        return false;
    // Every byte compared whatever the first difference: the time says nothing of how close a
    // forged signature came.
    char difference = 0;
    for (qsizetype i = 0; i < expected.size(); ++i)
        difference |= char(expected[i] ^ actual[i]);
    return difference == 0;
}

} // namespace fp
