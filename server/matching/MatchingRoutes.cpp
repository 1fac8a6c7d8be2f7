#include "server/matching/MatchingRoutes.h"

#include "common/Time.h"
#include "server/core/Router.h"
#include "server/matching/MatchingService.h"

#include <QRegularExpression>

namespace fp {

namespace {

HttpResponse join(MatchingService &service, RequestContext &ctx)
{
    QString region = QStringLiteral("global");
    if (!ctx.json.isUndefined() && !ctx.json.isNull()) {
        if (!ctx.json.isObject())
            return AppError::validation(
                {{QStringLiteral("body"), QStringLiteral("must be a JSON object")}});
        const QJsonObject body = ctx.jsonObject();
        QJsonObject problems;
        for (auto it = body.begin(); it != body.end(); ++it) {
            if (it.key() != QLatin1String("region_key"))
                problems.insert(it.key(), QStringLiteral("is not a field of this request"));
        }
        if (body.contains(QStringLiteral("region_key"))) {
            static const QRegularExpression key(QStringLiteral("^[a-z0-9_-]{1,64}$"));
            const QJsonValue v = body.value(QStringLiteral("region_key"));
            if (!v.isString() || !key.match(v.toString()).hasMatch())
                problems.insert(QStringLiteral("region_key"),
                                QStringLiteral("must be 1-64 of a-z, 0-9, _ and -"));
            else
                region = v.toString();
        }
        if (!problems.isEmpty())
            return AppError::validation(problems);
    }
    const Result<QueueEntry> entry = service.join(*ctx.caller, region);
    if (!entry)
        return entry.error();
    return HttpResponse::json(
        202,
        QJsonObject {{QStringLiteral("queue_entry_id"), entry->id},
                     {QStringLiteral("status"), QStringLiteral("active")},
                     {QStringLiteral("enqueued_at"), toWireTime(entry->enqueuedAt)}});
}

} // namespace

void registerMatchingRoutes(Router &router, MatchingService &service)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/matching/queue/join"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&service](RequestContext &ctx) {
                          return join(service, ctx);
                      }});
    router.add(Route {
        .method = "POST",
        .pattern = QStringLiteral("/api/matching/queue/leave"),
        .access = Access::User,
        .handler = [&service](RequestContext &ctx) {
            const Result<bool> left = service.leave(ctx.caller->userId);
            if (!left)
                return HttpResponse(left.error());
            if (!*left)
                return HttpResponse(AppError::notFound(QStringLiteral("You are not in the queue")));
            return HttpResponse::json(
                200, QJsonObject {{QStringLiteral("status"), QStringLiteral("cancelled")}});
        }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/matching/queue/status"),
                      .access = Access::User,
                      .handler = [&service](RequestContext &ctx) {
                          const Result<QJsonObject> status = service.status(ctx.caller->userId);
                          return status ? HttpResponse::json(200, *status)
                                        : HttpResponse(status.error());
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/matching/session/{id}"),
                      .access = Access::User,
                      .handler = [&service](RequestContext &ctx) {
                          const Result<QJsonObject> session =
                              service.session(*ctx.caller, ctx.param(QStringLiteral("id")));
                          return session ? HttpResponse::json(200, *session)
                                         : HttpResponse(session.error());
                      }});
}

} // namespace fp
