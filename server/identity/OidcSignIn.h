#pragma once

// The configured OpenID Connect providers (Google, Apple) and the check of an ID token one of
// them issued: its keys from a JwksCache per provider, the rules (issuers, client ids, the
// client's nonce) from the settings, the verification by oidc::verify. A provider without
// client ids is off.

#include "common/Result.h"
#include "server/identity/JwksCache.h"
#include "server/identity/OidcVerifier.h"

#include <QStringList>
#include <memory>
#include <vector>

namespace fp {

struct OidcProviderSettings
{
    QString name; // google, apple
    QStringList clientIds; // empty: off
    QStringList issuers;
    QString jwksUrl;
};

class OidcSignIn
{
public:
    OidcSignIn(const QList<OidcProviderSettings> &providers, int minRefreshSeconds,
               JwksCache::Fetch fetch = {});
    ~OidcSignIn();

    /// The names of every provider this server knows (google, apple), on or off.
    static QStringList knownProviders();
    bool enabled(const QString &provider) const;

    /// The claims of a valid ID token of `provider` bound to `nonce`; 401 for any token that
    /// fails a check (which one is logged, not told), 503 when the provider's keys cannot be
    /// fetched, 404 for a provider that is off.
    Result<oidc::Claims> verify(const QString &provider, const QByteArray &idToken,
                                const QString &nonce) const;

private:
    struct Provider
    {
        OidcProviderSettings settings;
        std::unique_ptr<JwksCache> keys;
    };
    std::vector<Provider> m_providers;
};

} // namespace fp
