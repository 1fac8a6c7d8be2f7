#include "server/privacy/PrivacyRoutes.h"

#include "common/Time.h"
#include "server/analytics/AnalyticsRoutes.h"
#include "server/core/Router.h"
#include "server/privacy/PrivacyService.h"

namespace fp {

void registerPrivacyRoutes(Router &router)
{
    // API_SPEC groups "Analytics and privacy": one registration for both.
    registerAnalyticsRoutes(router);

    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/me/export"),
        .access = Access::User,
        .rate = RateClass::Read,
        .handler = [](RequestContext &ctx) -> HttpResponse {
            Result<QJsonObject> document = PrivacyService().exportData(ctx.caller->userId);
            if (!document)
                return document.error();
            const QString day =
                QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd"));
            return HttpResponse::json(200, *document)
                .withHeader("Content-Disposition",
                            QStringLiteral("attachment; filename=\"friendship-export-%1.json\"")
                                .arg(day)
                                .toLatin1())
                .withHeader("Cache-Control", "no-store");
        }});

    // DELETE with a body: the password confirms it, so the pipeline parses JSON here too.
    router.add(Route {
        .method = "DELETE",
        .pattern = QStringLiteral("/api/me"),
        .access = Access::User,
        .rate = RateClass::Mutation,
        .takesJson = true,
        .handler = [](RequestContext &ctx) -> HttpResponse {
            Result<QDateTime> requested = PrivacyService().deleteAccount(*ctx.caller, ctx.json);
            if (!requested)
                return requested.error();
            return HttpResponse::json(
                202,
                QJsonObject {{QStringLiteral("status"), QStringLiteral("deletion_scheduled")},
                             {QStringLiteral("requested_at"), toWireTime(*requested)}});
        }});
}

} // namespace fp
