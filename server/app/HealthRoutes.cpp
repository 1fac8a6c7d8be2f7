#include "server/app/HealthRoutes.h"

#include "server/base/Metrics.h"
#include "server/http/Router.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QMutex>
#include <sodium.h>

namespace fp {

namespace {

bool databaseAnswers()
{
    SqlResult result = Sql::exec(QStringLiteral("SELECT 1"));
    return result.ok() && result.next() && result.value(0).toInt() == 1;
}

struct Readiness
{
    bool mysql = false;
    bool redis = false;
};

// Both stores are asked at most once a second whatever the number of probes: a flood of
// /readyz must not become a flood of connections to MariaDB and Redis.
Readiness currentReadiness()
{
    static QMutex mutex;
    static Readiness last;
    static QElapsedTimer age;
    QMutexLocker lock(&mutex);
    if (!age.isValid() || age.elapsed() >= 1000) {
        last = Readiness {databaseAnswers(), Redis::ping()};
        age.start();
    }
    return last;
}

// The scraper's bearer token, compared in constant time; without a configured token only a
// client on loopback (after trusted-proxy resolution) may read the metrics.
bool mayReadMetrics(const RequestContext &ctx, const QByteArray &token)
{
    if (token.isEmpty())
        return ctx.clientAddress.isLoopback();
    const QByteArray expected = "Bearer " + token;
    const QByteArray given = ctx.header("authorization");
    return given.size() == expected.size() &&
        sodium_memcmp(given.constData(), expected.constData(), size_t(given.size())) == 0;
}

QByteArray loadContract()
{
    QFile file(QStringLiteral(":/resources/openapi.yaml"));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void registerHealthRoutes(Router &router, Metrics &metrics, const QString &metricsToken)
{
    // The liveness probe costs nothing and touches nothing: never rate limited.
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
        .rate = RateClass::Read, // per address, like any read
        .handler = [](RequestContext &) {
            const auto [mysql, redis] = currentReadiness();
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
                      .rate = RateClass::Read,
                      .handler = [&metrics, token = metricsToken.toUtf8()](RequestContext &ctx) {
                          if (!mayReadMetrics(ctx, token))
                              return HttpResponse(AppError::forbidden(QStringLiteral(
                                  "The metrics need the scraper's token (FP_METRICS_TOKEN)")));
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
