#include "server/identity/JwksCache.h"

#include "server/base/Log.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace fp {

JwksCache::JwksCache(QUrl url, qint64 minRefreshMs, Fetch fetch, Clock clock, qint64 maxAgeMs)
    : m_url(std::move(url)), m_minRefreshMs(minRefreshMs), m_maxAgeMs(maxAgeMs),
      m_fetch(std::move(fetch)), m_clock(std::move(clock))
{
    if (!m_clock) {
        m_clock = [] {
            static QElapsedTimer started = [] {
                QElapsedTimer t;
                t.start();
                return t;
            }();
            return started.elapsed();
        };
    }
}

int JwksCache::fetches() const
{
    const QMutexLocker lock(&m_mutex);
    return m_fetches;
}

Result<std::shared_ptr<const oidc::KeySet>> JwksCache::keysFor(const QString &kid)
{
    // One fetch at a time: whoever waited here sees the set the fetch before it brought.
    const QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock();
    const bool stale = !m_keys || now - m_fetchedAt >= m_maxAgeMs || !m_keys->find(kid);
    const bool mayFetch = !m_attempted || now - m_attemptedAt >= m_minRefreshMs;
    if (stale && mayFetch) {
        m_attempted = true;
        m_attemptedAt = now;
        ++m_fetches;
        const Result<QByteArray> body = m_fetch(m_url);
        std::optional<oidc::KeySet> parsed;
        if (body)
            parsed = oidc::KeySet::fromJwks(*body);
        if (parsed) {
            m_keys = std::make_shared<const oidc::KeySet>(std::move(*parsed));
            m_fetchedAt = now;
        } else {
            log::warning(QStringLiteral("jwks_fetch_failed"),
                         {{QStringLiteral("url"), m_url.toString()},
                          {QStringLiteral("error"),
                           body ? QStringLiteral("not a JWKS document") : body.error().message}});
        }
    }
    if (!m_keys)
        return AppError::unavailable(
            QStringLiteral("The sign-in provider's keys cannot be fetched, try again shortly"), 5);
    return m_keys;
}

bool JwksCache::acceptableUrl(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return false;
    if (url.scheme() == QLatin1String("https"))
        return true;
    if (url.scheme() != QLatin1String("http"))
        return false;
    const QHostAddress address(url.host());
    return url.host() == QLatin1String("localhost") || (!address.isNull() && address.isLoopback());
}

Result<QByteArray> JwksCache::httpGet(const QUrl &url, int timeoutMs, qint64 maxBytes)
{
    if (!acceptableUrl(url))
        return AppError::unavailable(QStringLiteral("JWKS URL must be https (or http on loopback)"),
                                     5);
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = network.get(request);
    QEventLoop loop;
    bool tooLarge = false;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::downloadProgress, &loop, [&](qint64 received, qint64) {
        if (received > maxBytes) {
            tooLarge = true;
            reply->abort();
        }
    });
    QTimer::singleShot(timeoutMs, &loop, [reply] { reply->abort(); });
    if (!reply->isFinished())
        loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QString error = reply->errorString();
    const bool failed = reply->error() != QNetworkReply::NoError;
    delete reply;
    if (tooLarge || body.size() > maxBytes)
        return AppError::unavailable(QStringLiteral("JWKS document too large"), 5);
    if (failed || status != 200)
        return AppError::unavailable(
            QStringLiteral("JWKS fetch failed: HTTP %1 %2").arg(status).arg(error), 5);
    return body;
}

} // namespace fp
