#pragma once

// All SQL of the admin domain: the staff audit log (admin_audit_log). Append-only: there is no
// update or delete here, and triggers (sql/0007_admin.sql) refuse them in the database too.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/admin/AdminTypes.h"

#include <QJsonObject>
#include <QList>

namespace fp {

class AdminRepository
{
public:
    Status insertEntry(const Caller &actor, const QString &action, const QString &targetType,
                       const QString &targetId, const QString &note, const QJsonObject &metadata,
                       const QDateTime &at) const;
    /// Newest first; `offset` rows skipped, at most `limit` read.
    Result<QList<admin::AuditEntry>> entries(const AuditFilter &filter, int limit,
                                             int offset) const;
};

} // namespace fp
