#pragma once

// The admin domain: the staff audit log every domain writes to. Every staff read of private
// content and every staff action is recorded in the same transaction as the action (record()
// joins the caller's transaction), and staff read the log back (GET /api/admin/audit-log).
// The rules of who may act on whom are in AdminRules.h.

#include "common/AdminTypes.h"
#include "server/admin/AdminRepository.h"
#include "server/base/Paging.h"

namespace fp {

class AdminService
{
public:
    explicit AdminService(const AdminRepository &repository) : m_repository(repository) { }

    /// Appends one entry by `actor`.
    Status record(const Caller &actor, const QString &action, const QString &targetType,
                  const QString &targetId, const QString &note = {},
                  const QJsonObject &metadata = {}) const;
    /// Appends one entry of what the server did by itself (a timer), with no actor: the log
    /// shows it as `actor_kind: "system"`.
    Status recordBySystem(const QString &action, const QString &targetType, const QString &targetId,
                          const QJsonObject &metadata = {}) const;
    Result<Page<admin::AuditEntry, int>> auditLog(const AuditFilter &filter,
                                                  const PageRequest<int> &page) const;

private:
    const AdminRepository &m_repository;
};

} // namespace fp
