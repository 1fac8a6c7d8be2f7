#include "server/admin/AdminRepository.h"

#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

Status AdminRepository::insertEntry(const std::optional<Caller> &actor, const QString &action,
                                    const QString &targetType, const QString &targetId,
                                    const QString &note, const QJsonObject &metadata,
                                    const QDateTime &at) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO admin_audit_log (id, actor_user_id, actor_role, action, "
                       "target_type, target_id, note, metadata_json, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {Sql::newId(), actor ? Sql::nullableText(actor->userId) : Sql::nullableText({}),
         actor ? Sql::nullableText(roleName(actor->role)) : Sql::nullableText({}), action,
         targetType, Sql::nullableText(targetId), Sql::nullableText(note),
         QString::fromUtf8(QJsonDocument(metadata).toJson(QJsonDocument::Compact)),
         Sql::time(at)}));
}

Result<QList<admin::AuditEntry>> AdminRepository::entries(const AuditFilter &filter, int limit,
                                                          int offset) const
{
    QStringList where;
    QVariantList bindings;
    const auto filterBy = [&](bool present, const char *condition, const QVariant &value) {
        if (!present)
            return;
        where << QLatin1String(condition);
        bindings << value;
    };
    filterBy(!filter.actorUserId.isEmpty(), "actor_user_id = ?", filter.actorUserId);
    filterBy(!filter.targetId.isEmpty(), "target_id = ?", filter.targetId);
    filterBy(!filter.action.isEmpty(), "action = ?", filter.action);
    filterBy(filter.from.isValid(), "created_at >= ?", Sql::time(filter.from));
    filterBy(filter.to.isValid(), "created_at < ?", Sql::time(filter.to));
    bindings << limit << offset;
    SqlResult r = Sql::exec(
        QStringLiteral(
            "SELECT id, actor_user_id, actor_role, action, target_type, target_id, note, "
            "metadata_json, created_at FROM admin_audit_log %1 "
            "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?")
            .arg(where.isEmpty() ? QString()
                                 : QStringLiteral("WHERE ") + where.join(QStringLiteral(" AND "))),
        bindings);
    if (!r.ok())
        return r.toAppError();
    QList<admin::AuditEntry> entries;
    while (r.next()) {
        admin::AuditEntry e;
        e.id = r.value(0).toString();
        e.actorUserId = r.value(1).toString();
        // Staff accounts are never deleted (the log's foreign key): no actor is the system.
        e.actorKind = r.value(1).isNull() ? QStringLiteral("system") : QStringLiteral("staff");
        e.actorRole = r.value(2).toString();
        e.action = r.value(3).toString();
        e.targetType = r.value(4).toString();
        e.targetId = r.value(5).toString();
        e.note = r.value(6).toString();
        e.metadata = QJsonDocument::fromJson(r.value(7).toByteArray()).object();
        e.createdAt = Sql::toTime(r.value(8));
        entries.append(e);
    }
    return entries;
}

} // namespace fp
