#pragma once

// All SQL of the admin domain: the staff audit log (admin_audit_log). Append-only: there is no
// update or delete here, and triggers (sql/0007_admin.sql) refuse them in the database too.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/admin/AdminTypes.h"

#include <QJsonObject>
#include <QList>
#include <optional>

namespace fp {

class AdminRepository
{
public:
    /// `actor` nullopt: the system (actor_user_id and actor_role NULL).
    Status insertEntry(const std::optional<Caller> &actor, const QString &action,
                       const QString &targetType, const QString &targetId, const QString &note,
                       const QJsonObject &metadata, const QDateTime &at) const;
    /// Newest first; `offset` rows skipped, at most `limit` read.
    Result<QList<admin::AuditEntry>> entries(const AuditFilter &filter, int limit,
                                             int offset) const;
};

} // namespace fp
