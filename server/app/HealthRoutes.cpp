#include "server/app/HealthRoutes.h"

#include "server/base/Metrics.h"
#include "server/http/Router.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"

#include <QFile>

namespace fp {

namespace {

bool databaseAnswers()
{
    SqlResult result = Sql::exec(QStringLiteral("SELECT 1"));
    return result.ok() && result.next() && result.value(0).toInt() == 1;
}

QByteArray loadContract()
{
    QFile file(QStringLiteral(":/resources/openapi.yaml"));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void registerHealthRoutes(Router &router, Metrics &metrics)
{
    // Probes and scrapers call these often and from few addresses: never rate limited.
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/healthz"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      .rate = RateClass::None,
                      .handler = [](RequestContext &) {
                          return HttpResponse::json(
                              200, QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")}});
                      }});

    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/readyz"),
        .access = Access::Public,
        .rate = RateClass::None,
        .handler = [](RequestContext &) {
            const bool mysql = databaseAnswers();
            const bool redis = Redis::ping();
            const auto state = [](bool up) {
                return up ? QStringLiteral("ok") : QStringLiteral("down");
            };
            const QJsonObject checks {{QStringLiteral("mysql"), state(mysql)},
                                      {QStringLiteral("redis"), state(redis)}};
            if (mysql && redis)
                return HttpResponse::json(
                    200,
                    QJsonObject {{QStringLiteral("status"), QStringLiteral("ready")},
                                 {QStringLiteral("checks"), checks}});
            QStringList down;
            if (!mysql)
                down << QStringLiteral("mysql");
            if (!redis)
                down << QStringLiteral("redis");
            AppError error = AppError::unavailable(
                QStringLiteral("Not ready: %1 is down").arg(down.join(QStringLiteral(" and "))), 5);
            error.details = QJsonObject {{QStringLiteral("checks"), checks}};
            return HttpResponse(error);
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/metrics"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      .rate = RateClass::None,
                      .handler = [&metrics](RequestContext &) {
                          return HttpResponse::raw(200, "text/plain; version=0.0.4; charset=utf-8",
                                                   metrics.render());
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/openapi.yaml"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      .rate = RateClass::None,
                      .handler = [](RequestContext &) {
                          static const QByteArray contract = loadContract();
                          if (contract.isEmpty())
                              return HttpResponse(AppError::internal());
                          return HttpResponse::raw(200, "application/yaml; charset=utf-8",
                                                   contract);
                      }});
}

} // namespace fp
