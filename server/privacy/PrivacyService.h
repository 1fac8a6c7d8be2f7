#pragma once

// The privacy rules (backend-proposal §13.H): the data export, account deletion, and the
// retention of chat messages (kept for FP_MESSAGE_RETENTION_DAYS unless their conversation has
// an active safety case, i.e. an open or triaged report). No HTTP,
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

    /// One retention pass: deletes the messages older than `retentionDays` before `now` that no
    /// active safety case holds, a thousand per statement so no lock is held for long.
    /// Returns how many went (logged as messages_expired).
    Result<int> deleteExpiredMessages(const QDateTime &now, int retentionDays) const;

private:
    PrivacyRepository m_repository;
};

} // namespace fp
