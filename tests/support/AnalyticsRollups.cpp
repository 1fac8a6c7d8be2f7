#include "tests/support/AnalyticsRollups.h"

#include "tests/support/TestServer.h"

#include <QStringList>

namespace fp::test {

namespace {

// What each person went through, in the funnel's order.
const char *const kPersonSteps =
    "signed_up_at, cohort_week, IFNULL(region, '-'), IFNULL(age_range, '-'), "
    "IFNULL(intention, '-'), IFNULL(onboarded_at, '-'), IFNULL(first_queue_at, '-'), "
    "IFNULL(first_match_at, '-'), IFNULL(first_gate_at, '-'), IFNULL(first_reveal_at, '-'), "
    "IFNULL(first_friendship_at, '-'), IFNULL(first_reflection_at, '-'), "
    "IFNULL(second_friendship_at, '-')";

} // namespace

QString rollupsText(TestDatabase &database, RollupIds ids)
{
    const auto text = [&](const QString &sql) {
        return database.scalar(sql).toString();
    };
    QStringList parts;
    parts << text(QStringLiteral(
        "SELECT GROUP_CONCAT(CONCAT_WS('|', metric, grain, HEX(dimension), bucket_start, value) "
        "ORDER BY metric, grain, dimension, bucket_start SEPARATOR '\\n') FROM "
        "analytics_counters"));
    parts << text(QStringLiteral(
        "SELECT GROUP_CONCAT(CONCAT_WS('|', cohort_week, period, offset_n, people) ORDER BY "
        "cohort_week, period, offset_n SEPARATOR '\\n') FROM analytics_cohort_activity"));
    parts << text(QStringLiteral(
        "SELECT GROUP_CONCAT(CONCAT_WS('|', breakdown, signup_day, value, step, gap_bin, people) "
        "ORDER BY breakdown, signup_day, value, step, gap_bin SEPARATOR '\\n') FROM "
        "analytics_funnel_cells"));
    if (ids == RollupIds::Shown) {
        parts << text(QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', day, person) ORDER BY "
                                     "day, person SEPARATOR '\\n') FROM analytics_active_days"));
        parts << text(QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', week, person) ORDER BY "
                                     "week, person SEPARATOR '\\n') FROM analytics_active_weeks"));
        parts << text(QStringLiteral("SELECT GROUP_CONCAT(CONCAT_WS('|', person, %1) ORDER BY "
                                     "person SEPARATOR '\\n') FROM analytics_people")
                          .arg(QLatin1String(kPersonSteps)));
        parts << text(QStringLiteral(
            "SELECT GROUP_CONCAT(CONCAT_WS('|', conversation_id, person_a, person_b, started_at, "
            "reached_gate, ended) ORDER BY conversation_id SEPARATOR '\\n') FROM "
            "analytics_conversations"));
    } else {
        parts << text(QStringLiteral("SELECT CONCAT_WS('|', COUNT(*), COUNT(DISTINCT person)) "
                                     "FROM analytics_active_days"));
        parts << text(QStringLiteral("SELECT CONCAT_WS('|', COUNT(*), COUNT(DISTINCT person)) "
                                     "FROM analytics_active_weeks"));
        // Everyone's whole funnel, a deleted account's too.
        parts << text(QStringLiteral("SELECT GROUP_CONCAT(line ORDER BY line SEPARATOR '\\n') "
                                     "FROM (SELECT CONCAT_WS('|', %1) AS line FROM "
                                     "analytics_people) people")
                          .arg(QLatin1String(kPersonSteps)));
        parts << text(QStringLiteral(
            "SELECT GROUP_CONCAT(CONCAT_WS('|', conversation_id, started_at, reached_gate, ended) "
            "ORDER BY conversation_id SEPARATOR '\\n') FROM analytics_conversations"));
    }
    return parts.join(QStringLiteral("\n--\n"));
}

} // namespace fp::test
