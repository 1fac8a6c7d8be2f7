#pragma once

// The staff audit log (admin_audit_log): every staff read of private content and every staff
// action, appended in the same transaction as the action. Append-only: there is no update or
// delete here, and triggers (sql/0007_admin.sql) refuse them in the database too.

#include "common/AdminTypes.h"
#include "common/Result.h"
#include "server/core/Http.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace fp {

struct AuditFilter
{
    QString actorUserId;
    QString targetId;
    QString action;
    QDateTime from; // inclusive; invalid = open
    QDateTime to; // exclusive; invalid = open
};

class AuditLog
{
public:
    /// Appends one entry by `actor` (joins the caller's transaction when one is open).
    static Status record(const Caller &actor, const QString &action, const QString &targetType,
                         const QString &targetId, const QString &note = {},
                         const QJsonObject &metadata = {});
    /// Newest first; `offset` rows skipped, at most `limit` + 1 read (the caller pages).
    static Result<QList<admin::AuditEntry>> list(const AuditFilter &filter, int limit, int offset);
};

} // namespace fp
