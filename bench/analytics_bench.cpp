// Analytics benchmark: the product analytics the console asks for, answered from the rollups the
// analytics consumer keeps (docs/analytics.md) and, in the same run, by scanning the raw events
// they are made from, with the ratio:
//
//   funnel       people who signed up in the last 4 weeks: how many signed up, onboarded,
//                joined the queue, were matched, reflected
//                rollups: AnalyticsService::funnel (analytics_people, one cohort range)
//                raw:     event_outbox, per person the first event of each step (one pass)
//   timeseries   matches per day over 90 days
//                rollups: AnalyticsService::series (analytics_counters, day rows)
//                raw:     event_outbox, match.made grouped by day
//   cohorts      the weekly retention triangle of the last 12 sign-up weeks
//                rollups: AnalyticsService::retention (analytics_cohort_activity)
//                raw:     event_outbox, sign-ups joined to every later event of theirs
//
//   analytics_bench [--users N] [--days D] [--runs R] [--smoke]
//
// The history is friendship-server's demo-data (server/app/DemoData.h: N people over D days,
// tens of events each), recorded in the outbox of a fresh database and applied by the analytics
// consumer's own code, in chunks of people so memory stays flat. Each query runs R times; the
// p50 and p95 are printed, and the ratio raw / rollups of the p95s. The numbers of both ways
// are compared, and a difference fails the run (--smoke: 300 people over 28 days, 3 runs; never
// fails on speed). The full run is --users 1000000 (about 20 million events; recording and
// applying them takes a long while).
//
// Needs the private MariaDB (FP_TEST_DB_SOCKET, root) that scripts/test starts and the server
// binary (FP_SERVER_BINARY) to create and migrate its database.

#include "bench/BenchSupport.h"
#include "server/analytics/AnalyticsConsumer.h"
#include "server/analytics/AnalyticsService.h"
#include "server/app/DemoData.h"
#include "server/events/EventConsumers.h"
#include "server/storage/Database.h"
#include "tests/support/InProcessDatabase.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <functional>
#include <vector>

namespace {

using namespace fp;
using namespace fp::bench;

struct Timing
{
    double p50 = 0;
    double p95 = 0;
};

Timing measure(int runs, const std::function<void()> &query)
{
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        query();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return {percentile(ms, 50), percentile(ms, 95)};
}

qint64 scalar(const QString &sql, const QVariantList &bindings = {})
{
    SqlResult r = Sql::exec(sql, bindings);
    return r.ok() && r.next() ? r.value(0).toLongLong() : -1;
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("TZ", "UTC");
    QCoreApplication app(argc, argv);
    int users = 20000;
    int days = 90;
    int runs = 20;
    bool smoke = false;
    if (!Arguments()
             .integer("--users", &users, 10)
             .integer("--days", &days, 14)
             .integer("--runs", &runs, 1)
             .flag("--smoke", &smoke)
             .parse(app.arguments())) {
        say(QStringLiteral("usage: analytics_bench [--users N] [--days D] [--runs R] [--smoke]"));
        return 2;
    }
    if (smoke) {
        users = 300;
        days = 28;
        runs = 3;
    }
    fp::test::TestEnvironment environment;
    if (!findEnvironment(QStringLiteral("analytics_bench"), {}, &environment))
        return 1;
    // A server makes and migrates a database of its own; the bench then works in it alone.
    fp::test::TestServer server(loadServerOptions());
    if (!startServer(server))
        return 1;
    server.stop();
    fp::test::useDatabaseInProcess(server.databaseName());

    say(QStringLiteral("analytics_bench: %1 people over %2 days (%3)")
            .arg(users)
            .arg(days)
            .arg(smoke ? QStringLiteral("smoke") : QStringLiteral("full")));
    QElapsedTimer loading;
    loading.start();
    qint64 events = 0;
    constexpr int kChunk = 5000;
    for (int done = 0; done < users; done += kChunk) {
        DemoDataOptions chunk;
        chunk.users = std::min(kChunk, users - done);
        chunk.days = days;
        chunk.seed = quint32(42 + done);
        Result<qint64> recorded = recordDemoData(chunk);
        if (!recorded) {
            say(QStringLiteral("recording failed: %1").arg(recorded.error().message));
            return 1;
        }
        events += *recorded;
    }
    say(QStringLiteral("recorded and applied %1 events in %2 s")
            .arg(events)
            .arg(double(loading.elapsed()) / 1000.0, 0, 'f', 1));

    const AnalyticsRepository repository;
    const AnalyticsService analytics(repository, 1);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDate today = now.date();
    bool same = true;

    // Funnel.
    FunnelQuery funnel {today.addDays(-28), today.addDays(1), {}};
    QList<qint64> rolled;
    const Timing funnelRollups = measure(runs, [&] {
        Result<FunnelResult> r = analytics.funnel(funnel);
        rolled.clear();
        if (r && !r->groups.isEmpty())
            for (int step : {0, 1, 2, 3, 7})
                rolled << r->groups.first().steps.at(step).people.value_or(-1);
    });
    QList<qint64> scanned;
    // One pass over the events: per person the first of each step.
    const QString rawFunnel = QStringLiteral(
        "SELECT COUNT(*), COUNT(onboarded), COUNT(queued), COUNT(matched), COUNT(reflected) FROM "
        "(SELECT person, MIN(IF(kind = 's', at, NULL)) AS signed, MIN(IF(kind = 'o', at, NULL)) "
        "AS onboarded, MIN(IF(kind = 'q', at, NULL)) AS queued, MIN(IF(kind = 'm', at, NULL)) AS "
        "matched, MIN(IF(kind = 'r', at, NULL)) AS reflected FROM ("
        "SELECT subject_id AS person, 's' AS kind, occurred_at AS at FROM event_outbox WHERE "
        "event_type = 'account.created' AND JSON_VALUE(payload_json, '$.role') = 'user' "
        "UNION ALL SELECT subject_id, 'o', occurred_at FROM event_outbox WHERE event_type = "
        "'profile.onboarding_completed' "
        "UNION ALL SELECT actor_user_id, 'q', occurred_at FROM event_outbox WHERE event_type = "
        "'queue.joined' "
        "UNION ALL SELECT JSON_VALUE(payload_json, '$.user_a_id'), 'm', occurred_at FROM "
        "event_outbox WHERE event_type = 'match.made' "
        "UNION ALL SELECT JSON_VALUE(payload_json, '$.user_b_id'), 'm', occurred_at FROM "
        "event_outbox WHERE event_type = 'match.made' "
        "UNION ALL SELECT actor_user_id, 'r', occurred_at FROM event_outbox WHERE event_type = "
        "'reflection.submitted') e GROUP BY person) p WHERE signed >= ? AND signed < ?");
    const Timing funnelRaw = measure(runs, [&] {
        SqlResult r = Sql::exec(
            rawFunnel,
            {Sql::time(funnel.from.startOfDay(Qt::UTC)), Sql::time(funnel.to.startOfDay(Qt::UTC))});
        scanned.clear();
        if (r.ok() && r.next())
            for (int i = 0; i < 5; ++i)
                scanned << r.value(i).toLongLong();
    });
    if (rolled != scanned) {
        same = false;
        say(QStringLiteral("funnel differs: rollups %1, raw %2")
                .arg(QString::number(rolled.value(0)), QString::number(scanned.value(0))));
    }

    // 90-day timeseries.
    SeriesQuery series {QStringLiteral("matches"),
                        QStringLiteral("day"),
                        QDateTime(today.addDays(-89), QTime(0, 0), Qt::UTC),
                        QDateTime(today.addDays(1), QTime(0, 0), Qt::UTC),
                        false,
                        {}};
    qint64 seriesRolled = 0, seriesScanned = 0;
    const Timing seriesRollups = measure(runs, [&] {
        Result<SeriesResult> r = analytics.series(series);
        seriesRolled = 0;
        if (r)
            for (const SeriesPoint &p : r->series.first().points)
                seriesRolled += qint64(p.value.value_or(0));
    });
    const Timing seriesRaw = measure(runs, [&] {
        SqlResult r = Sql::exec(
            QStringLiteral("SELECT DATE(occurred_at) AS d, COUNT(*) FROM event_outbox WHERE "
                           "event_type = 'match.made' AND occurred_at >= ? AND occurred_at < ? "
                           "GROUP BY d"),
            {Sql::time(series.from), Sql::time(series.to)});
        seriesScanned = 0;
        while (r.ok() && r.next())
            seriesScanned += r.value(1).toLongLong();
    });
    if (seriesRolled != seriesScanned) {
        same = false;
        say(QStringLiteral("timeseries differs: rollups %1, raw %2")
                .arg(seriesRolled)
                .arg(seriesScanned));
    }

    // Cohort triangle.
    RetentionQuery cohorts {today.addDays(1 - today.dayOfWeek()).addDays(-77),
                            today.addDays(1 - today.dayOfWeek())};
    qint64 cohortRolled = 0, cohortScanned = 0;
    const Timing cohortRollups = measure(runs, [&] {
        Result<RetentionResult> r = analytics.retention(cohorts);
        cohortRolled = 0;
        if (r)
            for (const CohortRow &row : r->cohorts)
                for (const CohortCell &cell : row.weeks)
                    cohortRolled += cell.people.value_or(0);
    });
    const Timing cohortRaw = measure(runs, [&] {
        SqlResult r = Sql::exec(
            QStringLiteral(
                "SELECT c.week, FLOOR(DATEDIFF(DATE(a.occurred_at), c.week) / 7) AS offset_n, "
                "COUNT(DISTINCT a.actor_user_id) FROM (SELECT subject_id, DATE(occurred_at) - "
                "INTERVAL WEEKDAY(occurred_at) DAY AS week FROM event_outbox WHERE event_type = "
                "'account.created' AND JSON_VALUE(payload_json, '$.role') = 'user' AND "
                "occurred_at >= ? AND occurred_at < ?) c JOIN event_outbox a ON a.actor_user_id = "
                "c.subject_id GROUP BY c.week, offset_n"),
            {Sql::time(QDateTime(cohorts.fromWeek, QTime(0, 0), Qt::UTC)),
             Sql::time(QDateTime(cohorts.toWeek.addDays(7), QTime(0, 0), Qt::UTC))});
        cohortScanned = 0;
        while (r.ok() && r.next())
            cohortScanned += r.value(2).toLongLong();
    });
    if (cohortRolled != cohortScanned) {
        same = false;
        say(QStringLiteral("cohorts differ: rollups %1, raw %2")
                .arg(cohortRolled)
                .arg(cohortScanned));
    }

    say(QStringLiteral("%1 events in the outbox; %2 counter rows, %3 people")
            .arg(scalar(QStringLiteral("SELECT COUNT(*) FROM event_outbox")))
            .arg(scalar(QStringLiteral("SELECT COUNT(*) FROM analytics_counters")))
            .arg(scalar(QStringLiteral("SELECT COUNT(*) FROM analytics_people"))));
    say(QStringLiteral("%1 %2 %3 %4 %5 %6")
            .arg(QStringLiteral("query"), -12)
            .arg(QStringLiteral("rollups p50"), 12)
            .arg(QStringLiteral("rollups p95"), 12)
            .arg(QStringLiteral("raw p50"), 12)
            .arg(QStringLiteral("raw p95"), 12)
            .arg(QStringLiteral("raw/rollups"), 12));
    const auto row = [](const char *name, const Timing &rollups, const Timing &raw) {
        say(QStringLiteral("%1 %2 %3 %4 %5 %6")
                .arg(QLatin1String(name), -12)
                .arg(QStringLiteral("%1 ms").arg(rollups.p50, 0, 'f', 2), 12)
                .arg(QStringLiteral("%1 ms").arg(rollups.p95, 0, 'f', 2), 12)
                .arg(QStringLiteral("%1 ms").arg(raw.p50, 0, 'f', 2), 12)
                .arg(QStringLiteral("%1 ms").arg(raw.p95, 0, 'f', 2), 12)
                .arg(ratioText(raw.p95, rollups.p95), 12));
    };
    row("funnel", funnelRollups, funnelRaw);
    row("timeseries", seriesRollups, seriesRaw);
    row("cohorts", cohortRollups, cohortRaw);
    if (!same) {
        say(QStringLiteral("FAILED: the rollups and the raw events disagree"));
        return 1;
    }
    say(QStringLiteral("the rollups and the raw events agree"));
    return 0;
}
