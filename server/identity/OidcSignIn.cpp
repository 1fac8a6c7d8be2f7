#include "server/identity/OidcSignIn.h"

#include "server/base/Log.h"

#include <QDateTime>

namespace fp {

OidcSignIn::OidcSignIn(const QList<OidcProviderSettings> &providers, int minRefreshSeconds,
                       JwksCache::Fetch fetch)
{
    if (!fetch)
        fetch = [](const QUrl &url) {
            return JwksCache::httpGet(url);
        };
    for (const OidcProviderSettings &settings : providers) {
        if (settings.clientIds.isEmpty())
            continue;
        m_providers.push_back(
            {settings,
             std::make_unique<JwksCache>(QUrl(settings.jwksUrl), qint64(minRefreshSeconds) * 1000,
                                         fetch)});
    }
}

OidcSignIn::~OidcSignIn() = default;

QStringList OidcSignIn::knownProviders()
{
    return {QStringLiteral("google"), QStringLiteral("apple")};
}

bool OidcSignIn::enabled(const QString &provider) const
{
    for (const Provider &p : m_providers) {
        if (p.settings.name == provider)
            return true;
    }
    return false;
}

Result<oidc::Claims> OidcSignIn::verify(const QString &provider, const QByteArray &idToken,
                                        const QString &nonce) const
{
    const Provider *found = nullptr;
    for (const Provider &p : m_providers) {
        if (p.settings.name == provider)
            found = &p;
    }
    if (!found)
        return AppError::notFound(QStringLiteral("No such sign-in provider"));

    auto refused = [&provider](oidc::Failure failure) -> AppError {
        log::info(QStringLiteral("oidc_token_refused"),
                  {{QStringLiteral("provider"), provider},
                   {QStringLiteral("reason"), oidc::failureName(failure)}});
        AppError error = AppError::unauthorized(QStringLiteral("The ID token is not valid"));
        error.details =
            QJsonObject {{QStringLiteral("reason"), QStringLiteral("invalid_id_token")}};
        return error;
    };
    const std::variant<oidc::Header, oidc::Failure> header = oidc::readHeader(idToken);
    if (const oidc::Failure *failed = std::get_if<oidc::Failure>(&header))
        return refused(*failed);
    Result<std::shared_ptr<const oidc::KeySet>> keys =
        found->keys->keysFor(std::get<oidc::Header>(header).kid);
    if (!keys)
        return keys.error();
    oidc::Rules rules;
    rules.issuers = found->settings.issuers;
    rules.audiences = found->settings.clientIds;
    rules.nonce = nonce;
    rules.nowSeconds = QDateTime::currentSecsSinceEpoch();
    std::variant<oidc::Claims, oidc::Failure> verified = oidc::verify(idToken, **keys, rules);
    if (const oidc::Failure *failed = std::get_if<oidc::Failure>(&verified))
        return refused(*failed);
    return std::get<oidc::Claims>(std::move(verified));
}

} // namespace fp
