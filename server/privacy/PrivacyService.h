#pragma once

// The privacy rules (backend-proposal §13.H): the data export and account deletion. No HTTP,
// no SQL text: the repository holds the SQL, sessions and conversations are ended through the
// identity and conversation domains.

#include "common/Result.h"
#include "server/core/Http.h"
#include "server/privacy/PrivacyRepository.h"

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>

namespace fp {

class PrivacyService
{
public:
    /// {format_version, exported_at, user_id, tables:{<storage table>: [rows]}}.
    Result<QJsonObject> exportData(const QString &userId) const;

    /// Checks `{password}` and deletes the caller's account in one transaction: wrong password
    /// is 403, a missing one 400. Returns when the deletion was requested.
    Result<QDateTime> deleteAccount(const Caller &caller, const QJsonValue &body) const;

private:
    PrivacyRepository m_repository;
};

} // namespace fp
