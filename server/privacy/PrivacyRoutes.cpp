#include "server/privacy/PrivacyRoutes.h"

#include "common/Time.h"
#include "server/http/Router.h"
#include "server/privacy/PrivacyService.h"
#include "server/privacy/PrivacyValidation.h"

namespace fp {

void registerPrivacyRoutes(Router &router, const PrivacyService &privacy)
{
    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/me/export"),
        .access = Access::User,
        .rate = RateClass::Export,
        .handler = [&privacy](RequestContext &ctx) -> HttpResponse {
            Result<QJsonObject> document = privacy.exportData(ctx.caller->userId);
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
        .handler = [&privacy](RequestContext &ctx) -> HttpResponse {
            Result<QString> password = PrivacyValidation::parseDeletion(ctx.json);
            if (!password)
                return password.error();
            Result<QDateTime> requested =
                privacy.deleteAccount(*ctx.caller, *password, ctx.clientAddress.toString());
            if (!requested)
                return requested.error();
            return HttpResponse::json(
                202,
                QJsonObject {{QStringLiteral("status"), QStringLiteral("deletion_scheduled")},
                             {QStringLiteral("requested_at"), toWireTime(*requested)}});
        }});
}

} // namespace fp
