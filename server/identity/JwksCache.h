#pragma once

// A provider's signing keys (its JWKS document), fetched when first needed and kept. A token
// naming a key the cached set does not know makes the cache fetch the document again (the
// provider rotated its keys), but never sooner than the minimum interval after the last
// attempt: a flood of tokens with made-up key ids costs the provider at most one fetch per
// interval. A set older than its maximum age is fetched again on the next use; when that fetch
// fails the old set is kept.

#include "common/Result.h"
#include "server/identity/OidcVerifier.h"

#include <QMutex>
#include <QUrl>
#include <functional>
#include <memory>

namespace fp {

class JwksCache
{
public:
    /// The body of a successful GET of the URL, or an error.
    using Fetch = std::function<Result<QByteArray>(const QUrl &)>;
    /// Milliseconds on a monotonic clock.
    using Clock = std::function<qint64()>;

    JwksCache(QUrl url, qint64 minRefreshMs, Fetch fetch, Clock clock = {},
              qint64 maxAgeMs = 3600 * 1000);

    /// The key set to verify a token whose header names `kid` with: the cached one, fetched
    /// again first when it does not know `kid` (or is too old) and the last attempt is at least
    /// the minimum interval ago. 503 when there is no set at all and the fetch fails.
    Result<std::shared_ptr<const oidc::KeySet>> keysFor(const QString &kid);

    /// How many times the document was fetched (attempts, failed ones included).
    int fetches() const;

    /// A blocking GET on the calling thread (a worker): https only, except http to a loopback
    /// host (tests); at most `maxBytes`, within `timeoutMs`.
    static Result<QByteArray> httpGet(const QUrl &url, int timeoutMs = 5000,
                                      qint64 maxBytes = 256 * 1024);
    /// Whether a JWKS URL may be fetched: https, or http to a loopback address.
    static bool acceptableUrl(const QUrl &url);

private:
    const QUrl m_url;
    const qint64 m_minRefreshMs;
    const qint64 m_maxAgeMs;
    Fetch m_fetch;
    Clock m_clock;
    mutable QMutex m_mutex;
    std::shared_ptr<const oidc::KeySet> m_keys;
    qint64 m_fetchedAt = 0; // of m_keys
    qint64 m_attemptedAt = 0;
    bool m_attempted = false;
    int m_fetches = 0;
};

} // namespace fp
