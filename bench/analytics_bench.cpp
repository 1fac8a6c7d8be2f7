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
// The history is generated into a fresh database set-based, in batches of people (INSERT ...
// SELECT over MariaDB's SEQUENCE engine, never row by row): per person about 20 events in the
// outbox (signing up, onboarding for 4 in 5, queue joins, matches with another person, a
// reflection for some, and app opens spread over the time since signing up, fewer as weeks
// pass). The rollups the three queries read are then made from those events set-based, as the
// analytics consumer would have made them (docs/analytics.md), and the funnel's cells by the
// consumer's own code (AnalyticsRollups::countFunnelOfPeopleBefore). With --through-consumer
// the history is instead friendship-server's demo-data (server/app/DemoData.h), recorded in the
// outbox and applied by the analytics consumer's code event by event (about 300 events/s here:
// for small sizes). With --verify (always in --smoke), the generated rollups are compared with
// what the consumer's code makes of the same events (AnalyticsService::rebuild), table by
// table, and a difference fails the run. Each query runs R times (the raw scans --raw-runs times,
// default R); the p50 and p95 are printed, and the ratio raw / rollups of the p95s. The numbers of
// both ways are compared, and a difference fails the run (--smoke: 300 people over 28 days, 3 runs;
// never fails on speed). The scale is --users 1000000 (20 million events).
//
//   analytics_bench [--users N] [--days D] [--runs R] [--raw-runs R] [--through-consumer]
//                   [--verify] [--smoke]
//
// Needs the private MariaDB (FP_TEST_DB_SOCKET, root) that scripts/test starts and the server
// binary (FP_SERVER_BINARY) to create and migrate its database.

#include "bench/BenchSupport.h"
#include "server/analytics/AnalyticsConsumer.h"
#include "server/analytics/AnalyticsRollups.h"
#include "server/analytics/AnalyticsService.h"
#include "server/app/DemoData.h"
#include "server/events/EventConsumers.h"
#include "server/storage/Database.h"
#include "tests/support/InProcessDatabase.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
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

qint64 scalar(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery r(db);
    return r.exec(sql) && r.next() ? r.value(0).toLongLong() : -1;
}

/// A connection of the bench's own to the bench database, without the server's read timeout:
/// generating the history and scanning the raw events take longer than a request may.
QSqlDatabase openRawConnection(const QString &socket, const QString &database)
{
    QSqlDatabase db =
        QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), QStringLiteral("analytics-bench-raw"));
    db.setUserName(QStringLiteral("root"));
    db.setDatabaseName(database);
    db.setConnectOptions(QStringLiteral("UNIX_SOCKET=%1").arg(socket));
    if (!db.open())
        say(QStringLiteral("cannot connect to the bench database: %1").arg(db.lastError().text()));
    return db;
}

bool run(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    say(QStringLiteral("statement failed: %1\n%2").arg(q.lastError().text(), sql.left(400)));
    return false;
}

// Generating the history. Person n (1..N) has the id b0000000-0000-4000-8000-<n in hex>, and
// every random choice about them is a hash of n and what is chosen: the same N and days give
// the same history.
QString personId(const QString &n)
{
    return QStringLiteral("CONCAT('b0000000-0000-4000-8000-', LPAD(HEX(%1), 12, '0'))").arg(n);
}

/// A number in [0, 1) drawn for person `n` and `what`.
QString draw(const QString &n, const char *what)
{
    return QStringLiteral("(CRC32(CONCAT(%1, '%2')) / 4294967296)").arg(n, QLatin1String(what));
}

/// An event id: the kind of event, the person, and the event's number among theirs.
QString eventId(int kind, const QString &n, const QString &k)
{
    return QStringLiteral("CONCAT('%1', '-', LPAD(HEX(%2), 4, '0'), '-4000-8000-', "
                          "LPAD(HEX(%3), 12, '0'))")
        .arg(kind, 8, 16, QLatin1Char('0'))
        .arg(k, n);
}

/// What is drawn for person `n` (an SQL expression), as SQL expressions.
struct DrawnPerson
{
    QString id;
    QString signedUp; // when: spread over the days, at a whole second
    QString onboarded; // whether (4 in 5)
    QString onboardedAt;
    QString joins; // how many times they join the queue: 0 to 4 for people who onboarded
    QString firstJoinAt; // an hour or so after onboarding
};

DrawnPerson drawnPerson(const QString &n, int days, const QString &now)
{
    DrawnPerson p;
    p.id = personId(n);
    p.signedUp = QStringLiteral("(%1 - INTERVAL FLOOR(%2 * %3) SECOND)")
                     .arg(now, draw(n, "signup"))
                     .arg(qint64(days) * 86400 - 3600);
    p.onboarded = QStringLiteral("%1 < 0.8").arg(draw(n, "onboarded"));
    p.onboardedAt = QStringLiteral("(%1 + INTERVAL 120 + FLOOR(%2 * 3000) SECOND)")
                        .arg(p.signedUp, draw(n, "ob"));
    p.joins = QStringLiteral("IF(%1, FLOOR(%2 * 5), 0)").arg(p.onboarded, draw(n, "joins"));
    p.firstJoinAt = QStringLiteral("(%1 + INTERVAL 600 + FLOOR(%2 * 3600) SECOND)")
                        .arg(p.onboardedAt, draw(n, "join1"));
    return p;
}

/// Adds people [from, to] (`from` odd, `to` even but for the last batch) and their events to
/// the outbox. `now` is a SQL DATETIME literal.
bool generatePeople(QSqlDatabase &db, qint64 from, qint64 to, int days, const QString &now)
{
    const QString seq = QStringLiteral("seq_%1_to_%2").arg(from).arg(to);
    const QString n = QStringLiteral("p.seq");
    const DrawnPerson me = drawnPerson(n, days, now);
    const QString id = me.id;
    const QString signedUp = me.signedUp;
    const QString onboarded = me.onboarded;
    const QString onboardedAt = me.onboardedAt;
    const QString joins = me.joins;
    const QString firstJoinAt = me.firstJoinAt;
    const QString insert = QStringLiteral(
        "INSERT INTO event_outbox (event_id, event_type, event_version, occurred_at, "
        "actor_user_id, subject_type, subject_id, payload_json, relayed_at) ");
    // Signing up.
    if (!run(db,
             insert +
                 QStringLiteral("SELECT %1, 'account.created', 1, %2, %3, 'user', %3, "
                                "'{\"role\":\"user\"}', %4 FROM %5 p")
                     .arg(eventId(1, n, QStringLiteral("0")), signedUp, id, now, seq)))
        return false;
    // Onboarding, with the breakdowns (some leave their country or age out).
    if (!run(db,
             insert +
                 QStringLiteral("SELECT %1, 'profile.onboarding_completed', 1, %2, %3, 'user', %3, "
                                "JSON_OBJECT('country', IF(%4 < 0.1, NULL, ELT(1 + FLOOR(%5 * 6), "
                                "'DE', 'FR', 'GB', 'US', 'NL', 'ES')), 'age_range', IF(%6 < 0.15, "
                                "NULL, ELT(1 + FLOOR(%7 * 4), '18-24', '25-34', '35-44', '45+')), "
                                "'friendship_intention', ELT(1 + FLOOR(%8 * 3), 'long_term', "
                                "'open_ended', 'activity_buddies')), %9 FROM %10 p WHERE %11")
                     .arg(eventId(2, n, QStringLiteral("0")), onboardedAt, id, draw(n, "nocountry"),
                          draw(n, "country"), draw(n, "noage"), draw(n, "age"),
                          draw(n, "intention"), now)
                     .arg(seq, onboarded)))
        return false;
    // 18 more events each: the queue joins first, a reflection after them for some, and app
    // opens; each after the one before, later ones rarer as weeks pass (squared draws).
    const QString k = QStringLiteral("k.seq");
    const QString since =
        QStringLiteral("GREATEST(0, TIMESTAMPDIFF(SECOND, %1, %2))").arg(firstJoinAt, now);
    const QString at =
        QStringLiteral("LEAST(%1, IF(%2 = 1, %3, %3 + INTERVAL FLOOR(POW(%4, 2) * %5) SECOND))")
            .arg(now, k, firstJoinAt,
                 QStringLiteral("(CRC32(CONCAT(%1, '-', %2)) / 4294967296)").arg(n, k), since);
    const QString kind =
        QStringLiteral("IF(%1 <= %2, 'queue.joined', IF(%1 = %2 + 1 AND %3 AND %4 < 0.3, "
                       "'reflection.submitted', 'client.event'))")
            .arg(k, joins, onboarded, draw(n, "reflects"));
    if (!run(db,
             insert +
                 QStringLiteral(
                     "SELECT %1, e.kind, 1, e.at, e.person, IF(e.kind = 'client.event', "
                     "'user', IF(e.kind = 'queue.joined', 'queue_entry', 'reflection')), "
                     "IF(e.kind = 'client.event', e.person, %1), IF(e.kind = "
                     "'client.event', JSON_OBJECT('name', 'app.open', 'properties', "
                     "JSON_OBJECT('platform', IF(MOD(e.seq, 3) = 0, 'android', 'ios'))), "
                     "IF(e.kind = 'reflection.submitted', JSON_OBJECT('vibe_score', 1 + "
                     "MOD(e.seq, 5)), '{}')), %3 FROM (SELECT %2 AS seq, %4 AS k, %5 AS kind, "
                     "%6 AS at, %7 AS person FROM %8 p JOIN seq_1_to_18 k) e")
                     .arg(eventId(3, QStringLiteral("e.seq"), QStringLiteral("e.k")), n, now, k,
                          kind, at, id, seq)))
        return false;
    // Matches: people pair off (n odd with n + 1); three pairs in four where both joined are
    // matched when the second of them first joined. Each person is in one match at most, so
    // the first the consumer applies is the earliest.
    const DrawnPerson partner = drawnPerson(QStringLiteral("(p.seq + 1)"), days, now);
    const QString matchedAt = QStringLiteral("LEAST(%1, GREATEST(%2, %3) + INTERVAL 20 SECOND)")
                                  .arg(now, me.firstJoinAt, partner.firstJoinAt);
    return run(
        db,
        insert +
            QStringLiteral("SELECT %1, 'match.made', 1, m.at, NULL, 'match', %1, JSON_OBJECT("
                           "'match_id', %1, 'conversation_id', %2, 'user_a_id', %3, 'user_b_id', "
                           "%4, 'wait_seconds_a', TIMESTAMPDIFF(SECOND, LEAST(%5, %6), m.at), "
                           "'wait_seconds_b', TIMESTAMPDIFF(SECOND, LEAST(%5, %7), m.at)), %5 "
                           "FROM (SELECT p.seq, %8 AS at FROM %9 p WHERE MOD(p.seq, 2) = 1 AND "
                           "p.seq < %10 AND %11 >= 1 AND %12 >= 1 AND %13 < 0.75) AS m")
                .arg(eventId(4, QStringLiteral("m.seq"), QStringLiteral("0")),
                     eventId(5, QStringLiteral("m.seq"), QStringLiteral("0")),
                     personId(QStringLiteral("m.seq")), personId(QStringLiteral("(m.seq + 1)")),
                     now, drawnPerson(QStringLiteral("m.seq"), days, now).firstJoinAt,
                     drawnPerson(QStringLiteral("(m.seq + 1)"), days, now).firstJoinAt, matchedAt,
                     seq)
                .arg(QString::number(to), me.joins, partner.joins, draw(n, "matched")));
}

/// The rollups the bench's queries read, made from the outbox as the analytics consumer makes
/// them from the same events (docs/analytics.md): the people and their funnel steps, the
/// counters per metric and minute/hour/day, who was active on which day and in which week, and
/// the cohorts' activity.
bool rollUp(QSqlDatabase &db, const QString &now)
{
    const QStringList statements {
        QStringLiteral("INSERT INTO analytics_people (person, signed_up_at, cohort_week) SELECT "
                       "subject_id, occurred_at, DATE(occurred_at) - INTERVAL WEEKDAY(occurred_at) "
                       "DAY FROM event_outbox WHERE event_type = 'account.created' AND "
                       "JSON_VALUE(payload_json, '$.role') = 'user'"),
        QStringLiteral("UPDATE analytics_people p JOIN event_outbox e ON e.subject_id = p.person "
                       "AND e.event_type = 'profile.onboarding_completed' SET p.onboarded_at = "
                       "e.occurred_at, p.region = JSON_VALUE(e.payload_json, '$.country'), "
                       "p.age_range = JSON_VALUE(e.payload_json, '$.age_range'), p.intention = "
                       "JSON_VALUE(e.payload_json, '$.friendship_intention')"),
        // Each person's first queue join, match and reflection, through a keyed table (a join
        // with a grouped derived table has no key to use).
        QStringLiteral("CREATE TEMPORARY TABLE bench_firsts (step VARCHAR(32) NOT NULL, person "
                       "CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, at DATETIME(3) "
                       "NOT NULL, PRIMARY KEY (step, person))"),
        QStringLiteral("INSERT INTO bench_firsts SELECT 'first_queue_at', actor_user_id, "
                       "occurred_at FROM event_outbox WHERE event_type = 'queue.joined' ON "
                       "DUPLICATE KEY UPDATE at = LEAST(at, VALUES(at))"),
        QStringLiteral("INSERT INTO bench_firsts SELECT 'first_reflection_at', actor_user_id, "
                       "occurred_at FROM event_outbox WHERE event_type = 'reflection.submitted' "
                       "ON DUPLICATE KEY UPDATE at = LEAST(at, VALUES(at))"),
        QStringLiteral("INSERT INTO bench_firsts SELECT 'first_match_at', JSON_VALUE(payload_json, "
                       "'$.user_a_id'), occurred_at FROM event_outbox WHERE event_type = "
                       "'match.made' ON DUPLICATE KEY UPDATE at = LEAST(at, VALUES(at))"),
        QStringLiteral("INSERT INTO bench_firsts SELECT 'first_match_at', JSON_VALUE(payload_json, "
                       "'$.user_b_id'), occurred_at FROM event_outbox WHERE event_type = "
                       "'match.made' ON DUPLICATE KEY UPDATE at = LEAST(at, VALUES(at))"),
        QStringLiteral("UPDATE analytics_people p JOIN bench_firsts f ON f.step = "
                       "'first_queue_at' AND f.person = p.person SET p.first_queue_at = f.at"),
        QStringLiteral("UPDATE analytics_people p JOIN bench_firsts f ON f.step = "
                       "'first_match_at' AND f.person = p.person SET p.first_match_at = f.at"),
        QStringLiteral("UPDATE analytics_people p JOIN bench_firsts f ON f.step = "
                       "'first_reflection_at' AND f.person = p.person SET p.first_reflection_at "
                       "= f.at"),
        QStringLiteral("DROP TEMPORARY TABLE bench_firsts"),
        // Counters: what each event type counts, per minute (2 days), hour (90 days) and day.
        QStringLiteral(
            "INSERT INTO analytics_counters (metric, grain, dimension, bucket_start, value) "
            "SELECT metric, g.grain, dimension, CASE g.grain WHEN 'minute' THEN "
            "DATE_FORMAT(at, '%Y-%m-%d %H:%i:00') WHEN 'hour' THEN DATE_FORMAT(at, '%Y-%m-%d "
            "%H:00:00') ELSE DATE(at) END AS b, COUNT(*) FROM (SELECT CASE event_type WHEN "
            "'account.created' THEN IF(JSON_VALUE(payload_json, '$.role') = 'user', 'signups', "
            "NULL) WHEN 'profile.onboarding_completed' THEN 'onboarding_completed' WHEN "
            "'queue.joined' THEN 'queue_joins' WHEN 'match.made' THEN 'matches' WHEN "
            "'reflection.submitted' THEN 'reflections' WHEN 'client.event' THEN 'client_events' "
            "END AS metric, IF(event_type = 'client.event', JSON_VALUE(payload_json, '$.name'), "
            "'') AS dimension, occurred_at AS at FROM event_outbox) e JOIN (SELECT 'minute' AS "
            "grain, 2 AS keep UNION ALL SELECT 'hour', 90 UNION ALL SELECT 'day', 36500) g ON "
            "e.metric IS NOT NULL AND e.at >= %1 - INTERVAL g.keep DAY GROUP BY metric, g.grain, "
            "dimension, b")
            .arg(now),
        // Who acted, of the people who signed up (staff seeded at start do not count).
        QStringLiteral("INSERT IGNORE INTO analytics_active_days (day, person) SELECT "
                       "DATE(e.occurred_at), e.actor_user_id FROM event_outbox e JOIN "
                       "analytics_people p ON p.person = e.actor_user_id"),
        QStringLiteral("INSERT IGNORE INTO analytics_active_weeks (week, person) SELECT day - "
                       "INTERVAL WEEKDAY(day) DAY, person FROM analytics_active_days"),
        QStringLiteral("INSERT INTO analytics_cohort_activity (cohort_week, period, offset_n, "
                       "people) SELECT cohort_week, 'size', 0, COUNT(*) FROM analytics_people "
                       "GROUP BY cohort_week"),
        QStringLiteral("INSERT INTO analytics_cohort_activity (cohort_week, period, offset_n, "
                       "people) SELECT p.cohort_week, 'day', DATEDIFF(a.day, "
                       "DATE(p.signed_up_at)) AS o, COUNT(*) FROM analytics_active_days a JOIN "
                       "analytics_people p ON p.person = a.person GROUP BY p.cohort_week, o "
                       "HAVING o BETWEEN 1 AND 90"),
        QStringLiteral("INSERT INTO analytics_cohort_activity (cohort_week, period, offset_n, "
                       "people) SELECT p.cohort_week, 'week', DATEDIFF(a.week, p.cohort_week) "
                       "DIV 7 AS o, COUNT(*) FROM analytics_active_weeks a JOIN analytics_people "
                       "p ON p.person = a.person GROUP BY p.cohort_week, o HAVING o BETWEEN 0 AND "
                       "52"),
    };
    for (const QString &sql : statements) {
        QElapsedTimer t;
        t.start();
        if (!run(db, sql))
            return false;
        say(QStringLiteral("  %1 s: %2")
                .arg(double(t.elapsed()) / 1000.0, 6, 'f', 1)
                .arg(sql.left(72)));
    }
    return true;
}

/// Whether the rollups rollUp() made from the generated events are what the analytics
/// consumer's own code makes of the same events: marks them applied, keeps the rollups' tables
/// as text, runs the rebuild (AnalyticsService::rebuild, event by event through
/// AnalyticsRollups) and compares. Counters by day, of the metrics the bench fills.
bool sameAsTheConsumer(QSqlDatabase &db)
{
    const QStringList tables {
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', person, signed_up_at, cohort_week, "
                       "IFNULL(region, '-'), IFNULL(age_range, '-'), IFNULL(intention, '-'), "
                       "IFNULL(onboarded_at, '-'), IFNULL(first_queue_at, '-'), "
                       "IFNULL(first_match_at, '-'), IFNULL(first_reflection_at, '-')) ORDER BY "
                       "person SEPARATOR '\\n') FROM analytics_people"),
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', breakdown, signup_day, value, step, "
                       "gap_bin, people) ORDER BY breakdown, signup_day, value, step, gap_bin "
                       "SEPARATOR '\\n') FROM analytics_funnel_cells"),
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', metric, dimension, bucket_start, value) "
                       "ORDER BY metric, dimension, bucket_start SEPARATOR '\\n') FROM "
                       "analytics_counters WHERE grain = 'day' AND metric IN ('signups', "
                       "'onboarding_completed', 'queue_joins', 'matches', 'reflections', "
                       "'client_events')"),
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', day, person) ORDER BY day, person "
                       "SEPARATOR '\\n') FROM analytics_active_days"),
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', week, person) ORDER BY week, person "
                       "SEPARATOR '\\n') FROM analytics_active_weeks"),
        QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', cohort_week, period, offset_n, people) "
                       "ORDER BY cohort_week, period, offset_n SEPARATOR '\\n') FROM "
                       "analytics_cohort_activity"),
    };
    if (!run(db, QStringLiteral("SET SESSION group_concat_max_len = 1073741824")))
        return false;
    const auto dump = [&] {
        QStringList texts;
        for (const QString &sql : tables) {
            QSqlQuery q(db);
            texts << (q.exec(sql) && q.next() ? q.value(0).toString() : QStringLiteral("?"));
        }
        return texts;
    };
    const QStringList generated = dump();
    if (!run(db,
             QStringLiteral("INSERT IGNORE INTO event_consumer_marks (consumer_group, "
                            "event_id) SELECT 'analytics', event_id FROM event_outbox")))
        return false;
    const AnalyticsRepository repository;
    const AnalyticsService analytics(repository, 1);
    if (Result<qint64> replayed = analytics.rebuild(); !replayed) {
        say(QStringLiteral("the rebuild failed: %1").arg(replayed.error().message));
        return false;
    }
    const QStringList applied = dump();
    bool same = true;
    for (qsizetype i = 0; i < tables.size(); ++i) {
        if (generated.at(i) == applied.at(i))
            continue;
        same = false;
        const QStringList a = generated.at(i).split(QLatin1Char('\n'));
        const QStringList b = applied.at(i).split(QLatin1Char('\n'));
        qsizetype row = 0;
        while (row < std::min(a.size(), b.size()) && a.at(row) == b.at(row))
            ++row;
        say(QStringLiteral("generated rollups differ from the consumer's (%1), row %2:\n  "
                           "generated %3\n  consumer  %4")
                .arg(tables.at(i).mid(tables.at(i).lastIndexOf(QLatin1String("FROM ")) + 5, 30))
                .arg(row)
                .arg(a.value(row), b.value(row)));
    }
    return same;
}

} // namespace

int main(int argc, char *argv[])
{
    qputenv("TZ", "UTC");
    QCoreApplication app(argc, argv);
    int users = 20000;
    int days = 90;
    int runs = 20;
    int rawRuns = 0;
    bool throughConsumer = false;
    bool verify = false;
    bool smoke = false;
    if (!Arguments()
             .integer("--users", &users, 10)
             .integer("--days", &days, 14)
             .integer("--runs", &runs, 1)
             .integer("--raw-runs", &rawRuns, 1)
             .flag("--through-consumer", &throughConsumer)
             .flag("--verify", &verify)
             .flag("--smoke", &smoke)
             .parse(app.arguments())) {
        say(QStringLiteral("usage: analytics_bench [--users N] [--days D] [--runs R] [--raw-runs "
                           "R] [--through-consumer] [--verify] [--smoke]"));
        return 2;
    }
    if (smoke) {
        users = 300;
        days = 28;
        runs = 3;
        rawRuns = 3;
    }
    if (rawRuns == 0)
        rawRuns = runs;
    fp::test::TestEnvironment environment;
    if (!findEnvironment(QStringLiteral("analytics_bench"), {}, &environment))
        return 1;
    // A server makes and migrates a database of its own; the bench then works in it alone.
    fp::test::TestServer server(loadServerOptions());
    if (!startServer(server))
        return 1;
    server.stop();
    fp::test::useDatabaseInProcess(server.databaseName());
    QSqlDatabase raw = openRawConnection(environment.dbSocket, server.databaseName());
    if (!raw.isOpen())
        return 1;

    say(QStringLiteral("analytics_bench: %1 people over %2 days, %3 (%4)")
            .arg(users)
            .arg(days)
            .arg(throughConsumer ? QStringLiteral("demo-data through the analytics consumer")
                                 : QStringLiteral("generated set-based"))
            .arg(smoke ? QStringLiteral("smoke") : QStringLiteral("full")));
    QElapsedTimer loading;
    loading.start();
    if (throughConsumer) {
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
    } else {
        const QString now = QStringLiteral("TIMESTAMP'%1'")
                                .arg(QDateTime::currentDateTimeUtc().toString(
                                    QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        constexpr int kBatch = 20000;
        for (qint64 from = 1; from <= users; from += kBatch) {
            const qint64 to = std::min<qint64>(users, from + kBatch - 1);
            if (!generatePeople(raw, from, to, days, now))
                return 1;
            if (to % 200000 == 0 || to == users)
                say(QStringLiteral("  %1 people, %2 s")
                        .arg(to)
                        .arg(double(loading.elapsed()) / 1000.0, 0, 'f', 1));
        }
        say(QStringLiteral("generated %1 events in %2 s")
                .arg(scalar(raw, QStringLiteral("SELECT COUNT(*) FROM event_outbox")))
                .arg(double(loading.elapsed()) / 1000.0, 0, 'f', 1));
        loading.restart();
        if (!rollUp(raw, now))
            return 1;
        const AnalyticsRepository repository;
        const AnalyticsRollups rollups(repository);
        Transaction tx;
        if (!tx.begin() ||
            !rollups.countFunnelOfPeopleBefore(QDateTime::currentDateTimeUtc().addYears(1)) ||
            !tx.commit()) {
            say(QStringLiteral("counting the funnel's cells failed"));
            return 1;
        }
        say(QStringLiteral("made the rollups in %1 s")
                .arg(double(loading.elapsed()) / 1000.0, 0, 'f', 1));
        if (smoke || verify) {
            if (!sameAsTheConsumer(raw)) {
                say(QStringLiteral("FAILED: the generated rollups are not the consumer's"));
                return 1;
            }
            say(QStringLiteral("the generated rollups equal the consumer's rebuild of the same "
                               "events"));
        }
    }
    // Fresh statistics for the optimizer, as a database that has been running would have.
    for (const char *table : {"event_outbox", "analytics_people", "analytics_counters",
                              "analytics_funnel_cells", "analytics_cohort_activity"})
        run(raw, QStringLiteral("ANALYZE TABLE %1").arg(QLatin1String(table)));

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
    const Timing funnelRaw = measure(rawRuns, [&] {
        QSqlQuery r(raw);
        r.prepare(rawFunnel);
        r.addBindValue(funnel.from.startOfDay(Qt::UTC));
        r.addBindValue(funnel.to.startOfDay(Qt::UTC));
        scanned.clear();
        if (r.exec() && r.next())
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
    const Timing seriesRaw = measure(rawRuns, [&] {
        QSqlQuery r(raw);
        r.prepare(QStringLiteral("SELECT DATE(occurred_at) AS d, COUNT(*) FROM event_outbox WHERE "
                                 "event_type = 'match.made' AND occurred_at >= ? AND "
                                 "occurred_at < ? GROUP BY d"));
        r.addBindValue(series.from);
        r.addBindValue(series.to);
        seriesScanned = 0;
        r.exec();
        while (r.next())
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
    const Timing cohortRaw = measure(rawRuns, [&] {
        QSqlQuery r(raw);
        r.prepare(QStringLiteral(
            "SELECT c.week, FLOOR(DATEDIFF(DATE(a.occurred_at), c.week) / 7) AS offset_n, "
            "COUNT(DISTINCT a.actor_user_id) FROM (SELECT subject_id, DATE(occurred_at) - "
            "INTERVAL WEEKDAY(occurred_at) DAY AS week FROM event_outbox WHERE event_type = "
            "'account.created' AND JSON_VALUE(payload_json, '$.role') = 'user' AND "
            "occurred_at >= ? AND occurred_at < ?) c JOIN event_outbox a ON a.actor_user_id = "
            "c.subject_id GROUP BY c.week, offset_n"));
        r.addBindValue(QDateTime(cohorts.fromWeek, QTime(0, 0), Qt::UTC));
        r.addBindValue(QDateTime(cohorts.toWeek.addDays(7), QTime(0, 0), Qt::UTC));
        cohortScanned = 0;
        r.exec();
        while (r.next())
            cohortScanned += r.value(2).toLongLong();
    });
    if (cohortRolled != cohortScanned) {
        same = false;
        say(QStringLiteral("cohorts differ: rollups %1, raw %2")
                .arg(cohortRolled)
                .arg(cohortScanned));
    }

    say(QStringLiteral("%1 events in the outbox; %2 counter rows, %3 people")
            .arg(scalar(raw, QStringLiteral("SELECT COUNT(*) FROM event_outbox")))
            .arg(scalar(raw, QStringLiteral("SELECT COUNT(*) FROM analytics_counters")))
            .arg(scalar(raw, QStringLiteral("SELECT COUNT(*) FROM analytics_people"))));
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
