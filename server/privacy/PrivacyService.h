#pragma once

// The privacy domain (backend-proposal §13.H): a person's data export, gathered from every
// domain that holds data about them (PrivacyPorts), and account deletion, which every such
// domain carries out in one transaction after the password is confirmed. No HTTP and no SQL.

#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/privacy/PrivacyPorts.h"
#include "server/privacy/PrivacyRepository.h"

namespace fp {

class IdentityService;

class PrivacyService
{
public:
    PrivacyService(const PrivacyRepository &repository, const IdentityService &identity)
        : m_repository(repository), m_identity(identity)
    { }
    void connect(PrivacyPorts ports) { m_ports = std::move(ports); }

    /// {format_version, exported_at, user_id, tables:{<storage table>: [rows]}}, every table
    /// read from the same consistent snapshot.
    Result<QJsonObject> exportData(const QString &userId) const;
    /// Confirms the password and deletes the caller's account in one transaction: a wrong
    /// password is 403. Returns when the deletion was requested.
    Result<QDateTime> deleteAccount(const Caller &caller, const QString &password,
                                    const QString &clientAddress) const;

private:
    const PrivacyRepository &m_repository;
    const IdentityService &m_identity;
    PrivacyPorts m_ports;
};

} // namespace fp
