#include "server/health/HealthRoutes.h"

#include "server/core/Metrics.h"
#include "server/core/Router.h"
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
    router.add(
        "GET", "/healthz", Access::Public,
        [](RequestContext &) {
            return HttpResponse::json(
                200, QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")}});
        },
        Execution::Inline);

    router.add("GET", "/readyz", Access::Public, [](RequestContext &) {
        const bool mysql = databaseAnswers();
        const bool redis = Redis::ping();
        const QJsonObject checks {
            {QStringLiteral("mysql"), mysql ? QStringLiteral("ok") : QStringLiteral("down")},
            {QStringLiteral("redis"), redis ? QStringLiteral("ok") : QStringLiteral("down")}};
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
    });

    router.add(
        "GET", "/metrics", Access::Public,
        [&metrics](RequestContext &) {
            return HttpResponse::raw(200, "text/plain; version=0.0.4; charset=utf-8",
                                     metrics.render());
        },
        Execution::Inline);

    router.add(
        "GET", "/api/openapi.yaml", Access::Public,
        [](RequestContext &) {
            static const QByteArray contract = loadContract();
            if (contract.isEmpty())
                return HttpResponse(AppError::internal());
            return HttpResponse::raw(200, "application/yaml; charset=utf-8", contract);
        },
        Execution::Inline);
}

} // namespace fp
