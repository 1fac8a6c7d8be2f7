#include "server/admin/AdminRoutes.h"

#include "common/Time.h"
#include "server/admin/AdminService.h"
#include "server/core/Config.h"
#include "server/core/Router.h"

namespace fp {

namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

/// limit and cursor of a list route; problems go to `problems`.
struct Paging
{
    int limit = kDefaultPageSize;
    int offset = 0;
};

Paging paging(const RequestContext &ctx, QJsonObject *problems)
{
    Paging p;
    if (ctx.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        p.limit = ctx.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || p.limit < 1 || p.limit > kMaxPageSize)
            problems->insert(QStringLiteral("query.limit"), QStringLiteral("an integer 1-200"));
    }
    if (ctx.query.hasQueryItem(QStringLiteral("cursor"))) {
        const std::optional<int> offset =
            decodeOffsetCursor(ctx.query.queryItemValue(QStringLiteral("cursor")));
        if (offset)
            p.offset = *offset;
        else
            problems->insert(QStringLiteral("query.cursor"),
                             QStringLiteral("is not a cursor this server issued"));
    }
    return p;
}

QString queryText(const RequestContext &ctx, const char *name)
{
    return ctx.query.queryItemValue(QLatin1String(name), QUrl::FullyDecoded);
}

/// An optional integer query parameter in [min, max]; `fallback` when absent.
int queryInt(const RequestContext &ctx, const char *name, int fallback, int min, int max,
             QJsonObject *problems)
{
    if (!ctx.query.hasQueryItem(QLatin1String(name)))
        return fallback;
    bool ok = false;
    const int value = queryText(ctx, name).toInt(&ok);
    if (!ok || value < min || value > max)
        problems->insert(QStringLiteral("query.") + QLatin1String(name),
                         QStringLiteral("an integer %1-%2").arg(min).arg(max));
    return value;
}

QDateTime queryTime(const RequestContext &ctx, const char *name, QJsonObject *problems)
{
    if (!ctx.query.hasQueryItem(QLatin1String(name)))
        return {};
    const QDateTime t = fromWireTime(queryText(ctx, name));
    if (!t.isValid())
        problems->insert(QStringLiteral("query.") + QLatin1String(name),
                         QStringLiteral("an RFC 3339 timestamp"));
    return t;
}

template<typename T> HttpResponse reply(const Result<T> &result)
{
    if (!result)
        return result.error();
    return HttpResponse::json(200, result->toJson());
}

} // namespace

void registerAdminRoutes(Router &router, const Config &config)
{
    const AdminSettings settings {config.reportEscalationMinutes, config.reportClaimMinutes};
    const auto route = [&router](const char *method, const char *pattern, Access access,
                                 Handler handler) {
        router.add(Route {.method = method,
                          .pattern = QString::fromLatin1(pattern),
                          .access = access,
                          .handler = std::move(handler)});
    };

    route("GET", "/api/admin/queue/metrics", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const int window = queryInt(ctx, "window_minutes", 60, 1, 24 * 60, &problems);
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(AdminService(settings).queueMetrics(window));
          });

    route("GET", "/api/admin/queue/metrics/history", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const int minutes = queryInt(ctx, "minutes", 60, 1, 24 * 60, &problems);
              const int step = queryInt(ctx, "step_minutes", 1, 1, 60, &problems);
              if (problems.isEmpty() && minutes / step > 1440)
                  problems.insert(QStringLiteral("query.step_minutes"),
                                  QStringLiteral("at most 1440 steps"));
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(AdminService(settings).queueHistory(minutes, step));
          });

    route(
        "GET", "/api/admin/reports", Access::Moderator,
        [settings](RequestContext &ctx) -> HttpResponse {
            QJsonObject problems;
            const Paging p = paging(ctx, &problems);
            ReportFilter filter;
            filter.status = queryText(ctx, "status");
            static const QStringList statuses {QStringLiteral("open"), QStringLiteral("triaged"),
                                               QStringLiteral("actioned"),
                                               QStringLiteral("dismissed"), QStringLiteral("all")};
            if (!filter.status.isEmpty() && !statuses.contains(filter.status))
                problems.insert(QStringLiteral("query.status"),
                                QStringLiteral("open, triaged, actioned, dismissed or all"));
            filter.severity = queryText(ctx, "severity");
            static const QStringList severities {QStringLiteral("low"), QStringLiteral("medium"),
                                                 QStringLiteral("high"),
                                                 QStringLiteral("critical")};
            if (!filter.severity.isEmpty() && !severities.contains(filter.severity))
                problems.insert(QStringLiteral("query.severity"),
                                QStringLiteral("low, medium, high or critical"));
            filter.minAgeMinutes = queryInt(ctx, "min_age_minutes", 0, 0, 365 * 24 * 60, &problems);
            const QString escalated = queryText(ctx, "escalated");
            if (!escalated.isEmpty() && escalated != QLatin1String("true") &&
                escalated != QLatin1String("false"))
                problems.insert(QStringLiteral("query.escalated"), QStringLiteral("true or false"));
            filter.escalatedOnly = escalated == QLatin1String("true");
            if (!problems.isEmpty())
                return AppError::validation(problems);
            return reply(AdminService(settings).reports(filter, p.limit, p.offset));
        });

    route("GET", "/api/admin/reports/{id}", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(
                  AdminService(settings).report(*ctx.caller, ctx.param(QStringLiteral("id"))));
          });

    route("POST", "/api/admin/reports/{id}/claim", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(
                  AdminService(settings).claim(*ctx.caller, ctx.param(QStringLiteral("id"))));
          });

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/admin/reports/{id}/action"),
                      .access = Access::Moderator,
                      .idempotent = true,
                      .handler = [settings](RequestContext &ctx) -> HttpResponse {
                          return reply(AdminService(settings).act(
                              *ctx.caller, ctx.param(QStringLiteral("id")),
                              admin::ReportActionRequest::fromJson(ctx.jsonObject())));
                      }});

    route("GET", "/api/admin/users", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const Paging p = paging(ctx, &problems);
              const QString q = queryText(ctx, "q").trimmed();
              if (q.isEmpty() || q.size() > 254)
                  problems.insert(QStringLiteral("query.q"),
                                  QStringLiteral("an id, or the start of an email or nickname"));
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(AdminService(settings).searchUsers(*ctx.caller, q, p.limit, p.offset));
          });

    route("GET", "/api/admin/users/{id}", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(
                  AdminService(settings).user(*ctx.caller, ctx.param(QStringLiteral("id"))));
          });

    route("PUT", "/api/admin/users/{id}/status", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(AdminService(settings).changeStatus(
                  *ctx.caller, ctx.param(QStringLiteral("id")),
                  admin::StatusChange::fromJson(ctx.jsonObject())));
          });

    route("PUT", "/api/admin/users/{id}/role", Access::Admin,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(
                  AdminService(settings).changeRole(*ctx.caller, ctx.param(QStringLiteral("id")),
                                                    admin::RoleChange::fromJson(ctx.jsonObject())));
          });

    route("GET", "/api/admin/users/{id}/trust-score", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              return reply(
                  AdminService(settings).trustScore(*ctx.caller, ctx.param(QStringLiteral("id"))));
          });

    route("GET", "/api/admin/users/{id}/trust-events", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const Paging p = paging(ctx, &problems);
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(AdminService(settings).trustEvents(ctx.param(QStringLiteral("id")),
                                                              p.limit, p.offset));
          });

    route("GET", "/api/admin/users/{id}/trust-history", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const QDateTime now = QDateTime::currentDateTimeUtc();
              QDateTime from = queryTime(ctx, "from", &problems);
              QDateTime to = queryTime(ctx, "to", &problems);
              if (!to.isValid())
                  to = now;
              if (!from.isValid())
                  from = to.addDays(-90);
              if (problems.isEmpty() && from >= to)
                  problems.insert(QStringLiteral("query.to"), QStringLiteral("must be after from"));
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(
                  AdminService(settings).trustHistory(ctx.param(QStringLiteral("id")), from, to));
          });

    route("GET", "/api/admin/analytics/timeseries", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const QDateTime from = queryTime(ctx, "from", &problems);
              const QDateTime to = queryTime(ctx, "to", &problems);
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              QString bucket = queryText(ctx, "bucket");
              if (bucket.isEmpty())
                  bucket = QStringLiteral("day");
              return reply(
                  AdminService(settings).analytics(queryText(ctx, "metric"), bucket, from, to));
          });

    route("GET", "/api/admin/audit-log", Access::Moderator,
          [settings](RequestContext &ctx) -> HttpResponse {
              QJsonObject problems;
              const Paging p = paging(ctx, &problems);
              AuditFilter filter;
              filter.actorUserId = queryText(ctx, "actor_user_id");
              filter.targetId = queryText(ctx, "target_id");
              filter.action = queryText(ctx, "action");
              filter.from = queryTime(ctx, "from", &problems);
              filter.to = queryTime(ctx, "to", &problems);
              if (!problems.isEmpty())
                  return AppError::validation(problems);
              return reply(AdminService(settings).auditLog(filter, p.limit, p.offset));
          });
}

} // namespace fp
