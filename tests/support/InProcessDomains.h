#pragma once

// The server's domains built in the test process, as the server builds them (server/app/
// Domains), for integration tests that check stored state through a service call: a ledger
// replay, the profile visibility rule. Configure the database (fp::Database::configure) first;
// frames the services would send to sockets go nowhere.

#include "server/app/Domains.h"
#include "server/base/Config.h"
#include "server/base/UserNotifier.h"

#include <memory>

namespace fp::test {

class InProcessDomains
{
public:
    InProcessDomains()
    {
        m_config.jwtSecret = QStringLiteral("in-process-domains-are-never-asked-for-tokens");
        m_config.gateIntervalSeconds = 600;
        m_config.messageRetentionDays = 30;
        m_domains = std::make_unique<Domains>(
            m_config, m_notifier, *Catalog::embedded(),
            *ModerationRules::fromFiles(QStringLiteral(":/resources/moderation/rules.json"),
                                        QStringLiteral(":/resources/catalog/catalog.json")));
    }

    Domains *operator->() { return m_domains.get(); }
    Domains &operator*() { return *m_domains; }

private:
    class Nowhere : public UserNotifier
    {
    public:
        void publishToUser(const QString &, const QJsonObject &) override { }
        void publishDurable(const QString &, const QJsonObject &) override { }
    };

    Config m_config;
    Nowhere m_notifier;
    std::unique_ptr<Domains> m_domains;
};

} // namespace fp::test
