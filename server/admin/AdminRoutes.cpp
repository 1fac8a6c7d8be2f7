#include "server/admin/AdminRoutes.h"

#include "server/admin/AdminService.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"

#include <algorithm>

namespace fp {

namespace {

// The longest action name or target id the audit log keeps (admin_audit_log's columns).
constexpr qsizetype kMaxKeyLength = 64;

// An action name or a target id to filter by: printable ASCII, as the columns hold (MariaDB
// refuses to compare other text with them).
QString auditKey(const RequestContext &ctx, const char *name, Problems &problems)
{
    const QString key = queryText(ctx, name);
    if (!ctx.query.hasQueryItem(QLatin1String(name)))
        return key;
    const bool printableAscii = std::all_of(
        key.cbegin(), key.cend(), [](QChar c) { return c.unicode() > 0x20 && c.unicode() < 0x7f; });
    if (key.isEmpty() || key.size() > kMaxKeyLength || !printableAscii)
        problems.add(QStringLiteral("query.") + QLatin1String(name),
                     QStringLiteral("1 to %1 printable ASCII characters").arg(kMaxKeyLength));
    return key;
}

} // namespace

void registerAdminRoutes(Router &router, const AdminService &admin)
{
    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/admin/audit-log"),
        .access = Access::Moderator,
        .handler = [&admin](RequestContext &ctx) -> HttpResponse {
            Problems problems;
            const PageRequest<int> page = offsetPageRequest(ctx, problems);
            AuditFilter filter;
            filter.actorUserId = queryText(ctx, "actor_user_id");
            if (ctx.query.hasQueryItem(QStringLiteral("actor_user_id")) &&
                !validation::isUuid(filter.actorUserId))
                problems.add(QStringLiteral("query.actor_user_id"), QStringLiteral("a user id"));
            // A report, user or conversation id, or a stream entry's (a redriven event).
            filter.targetId = auditKey(ctx, "target_id", problems);
            filter.action = auditKey(ctx, "action", problems);
            filter.from = queryTime(ctx, "from", problems);
            filter.to = queryTime(ctx, "to", problems);
            if (!problems.empty())
                return problems.error();
            Result<Page<admin::AuditEntry, int>> entries = admin.auditLog(filter, page);
            if (!entries)
                return entries.error();
            return HttpResponse::json(
                200, pageJson(*entries, [](const admin::AuditEntry &e) { return e.toJson(); }));
        }});
}

} // namespace fp
