#include "server/admin/AdminRoutes.h"

#include "server/admin/AdminService.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"

namespace fp {

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
            filter.targetId = queryText(ctx, "target_id");
            filter.action = queryText(ctx, "action");
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
