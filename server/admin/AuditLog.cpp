#include "server/admin/AuditLog.h"

#include "server/identity/Jwt.h"
#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

Status AuditLog::record(const Caller &actor, const QString &action, const QString &targetType,
                        const QString &targetId, const QString &note, const QJsonObject &metadata)
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO admin_audit_log (id, actor_user_id, actor_role, action, "
                       "target_type, target_id, note, metadata_json, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        {Sql::newId(), actor.userId, Jwt::roleName(actor.role), action, targetType,
         Sql::nullableText(targetId), Sql::nullableText(note),
         QString::fromUtf8(QJsonDocument(metadata).toJson(QJsonDocument::Compact)),
         Sql::time(QDateTime::currentDateTimeUtc())});
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

Result<QList<admin::AuditEntry>> AuditLog::list(const AuditFilter &filter, int limit, int offset)
{
    QStringList where;
    QVariantList bindings;
    if (!filter.actorUserId.isEmpty()) {
        where << QStringLiteral("actor_user_id = ?");
        bindings << filter.actorUserId;
    }
    if (!filter.targetId.isEmpty()) {
        where << QStringLiteral("target_id = ?");
        bindings << filter.targetId;
    }
    if (!filter.action.isEmpty()) {
        where << QStringLiteral("action = ?");
        bindings << filter.action;
    }
    if (filter.from.isValid()) {
        where << QStringLiteral("created_at >= ?");
        bindings << Sql::time(filter.from);
    }
    if (filter.to.isValid()) {
        where << QStringLiteral("created_at < ?");
        bindings << Sql::time(filter.to);
    }
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
