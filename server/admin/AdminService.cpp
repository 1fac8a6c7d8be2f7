#include "server/admin/AdminService.h"

namespace fp {

Status AdminService::record(const Caller &actor, const QString &action, const QString &targetType,
                            const QString &targetId, const QString &note,
                            const QJsonObject &metadata) const
{
    return m_repository.insertEntry(actor, action, targetType, targetId, note, metadata,
                                    QDateTime::currentDateTimeUtc());
}

Status AdminService::recordBySystem(const QString &action, const QString &targetType,
                                    const QString &targetId, const QJsonObject &metadata) const
{
    return m_repository.insertEntry(std::nullopt, action, targetType, targetId, {}, metadata,
                                    QDateTime::currentDateTimeUtc());
}

Result<Page<admin::AuditEntry, int>> AdminService::auditLog(const AuditFilter &filter,
                                                            const PageRequest<int> &page) const
{
    const int offset = page.after.value_or(0);
    Result<QList<admin::AuditEntry>> entries = m_repository.entries(filter, page.limit + 1, offset);
    if (!entries)
        return entries.error();
    return paging::offsetPage(std::move(*entries), page.limit, offset);
}

} // namespace fp
