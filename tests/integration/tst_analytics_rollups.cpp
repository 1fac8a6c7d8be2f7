// Product analytics against the real server (docs/analytics.md): people driven through the
// product (sign-up, onboarding, queue, match, a decision gate, reveal, reflection, a panic exit
// with its report and block, the daily prompt, the weekly intent, client events), the analytics
// consumer waited for, and every metric, the funnel (with a breakdown) and the cohort asserted
// to the exact number; the rollups equal a rebuild from scratch (`friendship-server
// analytics-rebuild`); an event delivered twice is counted once; a deleted account leaves no
// trace of its id in the rollups and changes no count; the retention job drops old minutes and
// hours; small cells are suppressed.

#include "common/Time.h"
#include "tests/support/AnalyticsRollups.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>
#include <algorithm>

using namespace fp::test;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

constexpr int kGateIntervalSeconds = 3;

QJsonObject clientEvent(const QString &name, const QJsonObject &properties)
{
    return {{s("event_id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
            {s("event_name"), name},
            {s("occurred_at"), fp::toWireTime(QDateTime::currentDateTimeUtc())},
            {s("properties"), properties}};
}

/// The upper bound of the queue-wait bin `seconds` falls in (docs/analytics.md).
double waitBound(qint64 seconds)
{
    for (int bound : {1,   2,   3,   5,   10,  15,  20,  30,   45,   60,   90,
                      120, 180, 240, 300, 450, 600, 900, 1200, 1800, 2700, 3600}) {
        if (seconds <= bound)
            return bound;
    }
    return 3600;
}

} // namespace

class TestAnalyticsRollups : public IntegrationTest
{
    Q_OBJECT

public:
    TestAnalyticsRollups() : IntegrationTest(options()) { }

private:
    static TestServer::Options options()
    {
        TestServer::Options o;
        o.withoutRateLimits()
            .with(s("FP_MATCH_TICK_MS"), s("150"))
            .with(s("FP_GATE_INTERVAL_SECONDS"), QString::number(kGateIntervalSeconds))
            .with(s("FP_ANALYTICS_MIN_CELL"), s("1"));
        return o;
    }

    TestAccount m_analyst;
    TestAccount m_ann, m_ben, m_cat, m_dan, m_eve;
    QString m_annBenConversation;
    QString m_catEveConversation;

    TestAccount onboarded(const QString &nickname, const QString &country,
                          const QString &ageRange = {})
    {
        const TestAccount made = signUp(nickname);
        QJsonObject profile = completeProfile(nickname);
        if (!country.isEmpty())
            profile.insert(s("location_country"), country);
        if (!ageRange.isEmpty())
            profile.insert(s("age_range"), ageRange);
        const HttpResult r = as(made)->put(s("/api/profile"), profile);
        if (r.status != 200 || !r.json().value(s("onboarding_complete")).toBool())
            qWarning("onboarding of %s failed: %d %s", qPrintable(nickname), r.status,
                     r.body.constData());
        return made;
    }

    /// The pair's match: {id, conversation id}.
    QStringList matchOf(const TestAccount &one, const TestAccount &two)
    {
        return text(QStringLiteral("SELECT CONCAT_WS('|', id, conversation_id) FROM match_sessions "
                                   "WHERE (user_a_id = '%1' AND user_b_id = '%2') OR (user_a_id = "
                                   "'%2' AND user_b_id = '%1')")
                        .arg(one.userId, two.userId))
            .split(QLatin1Char('|'), Qt::SkipEmptyParts);
    }

    /// Every outbox event applied by the analytics consumer.
    bool consumerCaughtUp()
    {
        return number(s("SELECT COUNT(*) FROM event_outbox o WHERE NOT EXISTS (SELECT 1 FROM "
                        "event_consumer_marks m WHERE m.consumer_group = 'analytics' AND "
                        "m.event_id = o.event_id)")) == 0;
    }

    QJsonObject adminGet(const QString &path, const QUrlQuery &query, int expectedStatus = 200)
    {
        const HttpResult r =
            as(m_analyst)->get(path + QLatin1Char('?') + query.toString(QUrl::FullyEncoded));
        if (r.status != expectedStatus)
            qWarning("GET %s: %d %s", qPrintable(path), r.status, r.body.constData());
        return r.status == expectedStatus ? r.json() : QJsonObject();
    }

    /// The series of `metric` over the last day by hour (or by `bucket`), split when asked.
    QJsonObject series(const QString &metric, const QString &bucket = s("hour"), bool split = false)
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QUrlQuery q;
        q.addQueryItem(s("metric"), metric);
        q.addQueryItem(s("bucket"), bucket);
        const QDateTime from = bucket == QLatin1String("month")
            ? QDateTime(QDate(now.date().year(), now.date().month(), 1), QTime(0, 0), Qt::UTC)
            : now.addDays(-1);
        q.addQueryItem(s("from"), fp::toWireTime(from));
        q.addQueryItem(s("to"), fp::toWireTime(now.addSecs(3600)));
        if (split)
            q.addQueryItem(s("split"), s("true"));
        return adminGet(s("/api/admin/analytics/series"), q);
    }

    /// The sum of a count metric's points over the last day (of one dimension when given).
    double total(const QString &metric, const QString &dimension = {})
    {
        const QJsonObject got = series(metric, s("hour"), !dimension.isEmpty());
        double sum = 0;
        for (const QJsonValue &one : got.value(s("series")).toArray()) {
            if (!dimension.isEmpty() && one[s("dimension")].toString() != dimension)
                continue;
            for (const QJsonValue &p : one[s("points")].toArray())
                sum += p[s("value")].toDouble();
        }
        return sum;
    }

    /// A metric's value in the current bucket (day, week or month) it falls in.
    QJsonValue latest(const QString &metric, const QString &bucket = s("month"))
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDate today = now.date();
        const QDate start = bucket == QLatin1String("month") ? QDate(today.year(), today.month(), 1)
            : bucket == QLatin1String("week")                ? today.addDays(1 - today.dayOfWeek())
                                                             : today;
        QUrlQuery q;
        q.addQueryItem(s("metric"), metric);
        q.addQueryItem(s("bucket"), bucket);
        q.addQueryItem(s("from"), fp::toWireTime(QDateTime(start, QTime(0, 0), Qt::UTC)));
        q.addQueryItem(s("to"), fp::toWireTime(now.addSecs(60)));
        const QJsonArray series =
            adminGet(s("/api/admin/analytics/series"), q).value(s("series")).toArray();
        if (series.isEmpty())
            return QJsonValue(QJsonValue::Undefined);
        const QJsonArray points = series.first()[s("points")].toArray();
        return points.isEmpty() ? QJsonValue(QJsonValue::Undefined) : points.last()[s("value")];
    }

    void prepare() override
    {
        m_analyst = signUpAs(s("analyst"), s("Analyst"));
        m_ann = onboarded(s("Ann"), s("DE"), s("25-34"));
        m_ben = onboarded(s("Ben"), s("DE"), s("25-34"));
        m_cat = onboarded(s("Cat"), s("FR"));
        m_eve = onboarded(s("Eve"), s("FR"));
        m_dan = signUp(s("Dan")); // never onboards
    }

private Q_SLOTS:
    void peopleGoThroughTheProduct()
    {
        const QString join = s("/api/matching/queue/join");
        // Ann and Ben are matched.
        QCOMPARE(as(m_ann)->post(join, {}).status, 202);
        QCOMPARE(as(m_ben)->post(join, {}).status, 202);
        QVERIFY(pollUntil([&] { return matchOf(m_ann, m_ben).size() == 2; }, 20000, 100));
        m_annBenConversation = matchOf(m_ann, m_ben).at(1);
        // Cat waits alone and leaves.
        QCOMPARE(as(m_cat)->post(join, {}).status, 202);
        QCOMPARE(as(m_cat)->post(s("/api/matching/queue/leave"), {}).status, 200);

        // Ann and Ben both reveal at the first gate, as soon as it opens.
        const QString gate = s("/api/conversations/%1/decision-gate").arg(m_annBenConversation);
        const QJsonObject reveal {{s("gate_minute"), 10}, {s("decision"), s("reveal_yes")}};
        int decided = 0;
        QVERIFY(pollUntil(
            [&] {
                decided = as(m_ann)->post(gate, reveal).status;
                return decided != 409;
            },
            20000, 200));
        QCOMPARE(decided, 200);
        QCOMPARE(as(m_ben)->post(gate, reveal).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(text(s("SELECT state FROM conversation_sessions WHERE id = '%1'")
                                           .arg(m_annBenConversation)),
                                  s("revealed"), 10000);
        // Ann reflects on the meeting.
        HttpResult r = as(m_ann)->post(s("/api/meet_reflections"),
                                       {{s("match_session_id"), matchOf(m_ann, m_ben).at(0)},
                                        {s("vibe_score"), 4},
                                        {s("meet_outcome"), s("again")},
                                        {s("feedback_tags"), QJsonArray {s("kind")}}});
        QCOMPARE(r.status, 201);

        // Cat and Eve are matched; Cat leaves with the panic exit (a report and a block).
        QCOMPARE(as(m_cat)->post(join, {}).status, 202);
        QCOMPARE(as(m_eve)->post(join, {}).status, 202);
        QVERIFY(pollUntil([&] { return matchOf(m_cat, m_eve).size() == 2; }, 20000, 100));
        m_catEveConversation = matchOf(m_cat, m_eve).at(1);
        r = as(m_cat)->post(s("/api/conversations/%1/panic-exit").arg(m_catEveConversation),
                            {{s("reason_code"), s("threats")}, {s("details_text"), s("scary")}});
        QCOMPARE(r.status, 200);

        // Dan answers the daily prompt and sets a weekly intent.
        const QString prompt =
            as(m_dan)->get(s("/api/daily_prompts/today")).json()[s("prompt")][s("id")].toString();
        QVERIFY(!prompt.isEmpty());
        QCOMPARE(as(m_dan)
                     ->post(s("/api/daily_prompts/answers"),
                            {{s("prompt_id"), prompt}, {s("answer"), s("tea")}})
                     .status,
                 201);
        QCOMPARE(as(m_dan)->post(s("/api/weekly_intent"), {{s("intent"), s("walks")}}).status, 200);

        // Ann's app sends client events.
        r = as(m_ann)->post(
            s("/api/events"),
            {{s("events"),
              QJsonArray {clientEvent(s("screen.view"), {{s("screen"), s("home")}}),
                          clientEvent(s("screen.view"), {{s("screen"), s("home")}}),
                          clientEvent(s("screen.view"), {{s("screen"), s("queue")}}),
                          clientEvent(s("button.tap"), {{s("button"), s("join")}})}}});
        QCOMPARE(r.status, 202);

        QVERIFY(pollUntil([&] { return consumerCaughtUp(); }, 30000, 100));
    }

    void everyMetricHasItsExactNumber()
    {
        // Six people signed up (the analyst too: they registered as a person); the first admin
        // is staff seeded at start, not a sign-up.
        QCOMPARE(total(s("signups")), 6.0);
        QCOMPARE(total(s("onboarding_completed")), 4.0);
        QCOMPARE(latest(s("dau"), s("day")).toDouble(), 6.0);
        QCOMPARE(latest(s("wau"), s("week")).toDouble(), 6.0);
        QCOMPARE(latest(s("mau")).toDouble(), 6.0);
        QCOMPARE(total(s("queue_joins")), 5.0);
        QCOMPARE(total(s("matches")), 2.0);
        QCOMPARE(total(s("conversations_started")), 2.0);
        // Four queue entries ended in a match, one was left: 4 / 5.
        QCOMPARE(latest(s("match_rate")).toDouble(), 0.8);

        // Queue waits: the percentiles of the four matched waits the matcher recorded.
        QList<qint64> waits;
        const QString recorded = text(
            s("SELECT GROUP_CONCAT(CONCAT(JSON_VALUE(payload_json, '$.wait_seconds_a'), ',', "
              "JSON_VALUE(payload_json, '$.wait_seconds_b'))) FROM event_outbox WHERE event_type = "
              "'match.made'"));
        for (const QString &w : recorded.split(QLatin1Char(',')))
            waits << w.toLongLong();
        QCOMPARE(waits.size(), 4);
        std::sort(waits.begin(), waits.end());
        QCOMPARE(latest(s("queue_wait_p50")).toDouble(), waitBound(waits.at(1)));
        QCOMPARE(latest(s("queue_wait_p95")).toDouble(), waitBound(waits.at(3)));

        // Gate 1 was reached by Ann and Ben's chat (and by Cat and Eve's only if a gate event
        // came before the panic exit on a slow machine).
        const int catEveGated =
            number(s("SELECT COUNT(*) > 0 FROM event_outbox WHERE event_type IN ('gate.decided', "
                     "'gate.timed_out') AND subject_id = '%1'")
                       .arg(m_catEveConversation));
        QCOMPARE(total(s("gate_reached"), s("1")), 1.0 + catEveGated);
        QCOMPARE(total(s("gate_decisions"), s("1:reveal_yes")), 2.0);
        // One chat ended revealed, one closed (the panic exit).
        QCOMPARE(latest(s("reveal_conversion")).toDouble(), 0.5);
        QCOMPARE(total(s("friendships")), 1.0);
        QCOMPARE(total(s("reflections")), 1.0);
        QCOMPARE(total(s("reflection_vibe"), s("4")), 1.0);
        const QJsonArray vibes =
            series(s("reflection_vibe"), s("hour"), true)[s("series")].toArray();
        QCOMPARE(vibes.size(), 1);
        // Trust moved as the outbox says, reason and direction by reason and direction.
        const int trustUps = number(
            s("SELECT COUNT(*) FROM event_outbox WHERE event_type = 'trust.changed' AND "
              "JSON_VALUE(payload_json, '$.reason') = 'reflection' AND JSON_VALUE(payload_json, "
              "'$.delta') >= 0"));
        QVERIFY(number(s("SELECT COUNT(*) FROM event_outbox WHERE event_type = 'trust.changed'")) >
                0);
        QCOMPARE(total(s("trust_changes"), s("reflection:up")), double(trustUps));
        QCOMPARE(total(s("trust_changes")),
                 double(number(s("SELECT COUNT(*) FROM event_outbox WHERE event_type = "
                                 "'trust.changed'"))));
        QCOMPARE(total(s("reports"), s("panic_exit")), 1.0);
        QCOMPARE(total(s("reports")), 1.0);
        // One report about one of the two conversations started: 50 per 100.
        QCOMPARE(latest(s("reports_per_100_conversations")).toDouble(), 50.0);
        QCOMPARE(total(s("blocks"), s("panic_exit")), 1.0);
        QCOMPARE(total(s("panic_exits")), 1.0);
        QCOMPARE(total(s("daily_answers")), 1.0);
        QCOMPARE(total(s("weekly_intents")), 1.0);
        QCOMPARE(total(s("client_events"), s("screen.view")), 3.0);
        QCOMPARE(total(s("client_events"), s("button.tap")), 1.0);
        QCOMPARE(total(s("client_events")), 4.0);
    }

    /// The legacy staff time series (GET /api/admin/analytics/timeseries) over the last two
    /// days by `bucket`: bucket start -> value.
    QMap<QDateTime, double> legacySeries(const QString &metric, const QString &bucket)
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QUrlQuery q;
        q.addQueryItem(s("metric"), metric);
        q.addQueryItem(s("bucket"), bucket);
        q.addQueryItem(s("from"), fp::toWireTime(now.addDays(-2)));
        q.addQueryItem(s("to"), fp::toWireTime(now.addSecs(3600)));
        const QJsonObject got = adminGet(s("/api/admin/analytics/timeseries"), q);
        [&] {
            QCOMPARE(got[s("metric")].toString(), metric);
        }();
        QMap<QDateTime, double> points;
        for (const QJsonValue &p : got[s("points")].toArray())
            points.insert(fp::fromWireTime(p[s("t")].toString()), p[s("value")].toDouble());
        return points;
    }

    void theLegacyTimeSeriesReadsTheRollups()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime today(now.date(), QTime(0, 0), Qt::UTC);
        const QDateTime thisHour(now.date(), QTime(now.time().hour(), 0), Qt::UTC);
        // Every bucket of the range, today's with the numbers everyMetricHasItsExactNumber
        // found.
        const QMap<QDateTime, double> active = legacySeries(s("daily_active_users"), s("day"));
        QCOMPARE(active.size(), int(now.addDays(-2).date().daysTo(now.addSecs(3600).date())) + 1);
        QCOMPARE(active.value(today), 6.0);
        QCOMPARE(active.value(today.addDays(-1)), 0.0);
        // By hour, each hour carries its day's count of people.
        QCOMPARE(legacySeries(s("daily_active_users"), s("hour")).value(thisHour), 6.0);
        QCOMPARE(legacySeries(s("match_success_rate"), s("day")).value(today), 0.8);
        QCOMPARE(legacySeries(s("reveal_conversion"), s("day")).value(today), 0.5);
        QCOMPARE(legacySeries(s("report_rate"), s("day")).value(today), 50.0);
        // The mean of the four waits the matcher recorded.
        const double waited =
            number(s("SELECT SUM(JSON_VALUE(payload_json, '$.wait_seconds_a') + "
                     "JSON_VALUE(payload_json, '$.wait_seconds_b')) FROM event_outbox WHERE "
                     "event_type = 'match.made'"));
        QCOMPARE(legacySeries(s("queue_wait_seconds"), s("day")).value(today), waited / 4);
        QCOMPARE(legacySeries(s("queue_wait_seconds"), s("hour")).value(thisHour), waited / 4);

        // The answer comes from the rollups: two more conversations counted there (and nowhere
        // else) halve the report rate. Taken back after.
        const QString addStarted =
            s("UPDATE analytics_counters SET value = value + %2 WHERE metric = "
              "'conversations_started' AND grain = 'day' AND bucket_start = '%1'")
                .arg(today.toString(s("yyyy-MM-dd 00:00:00")));
        QVERIFY(db()->exec(addStarted.arg(2)));
        const double halved = legacySeries(s("report_rate"), s("day")).value(today);
        QVERIFY(db()->exec(addStarted.arg(-2)));
        QCOMPARE(halved, 25.0);
    }

    void seriesHaveOnePointPerBucketAndTitles()
    {
        const QJsonObject got = series(s("matches"));
        QCOMPARE(got[s("title")].toString(), s("Matches"));
        QCOMPARE(got[s("unit")].toString(), s("matches"));
        const QJsonArray points = got[s("series")].toArray().first()[s("points")].toArray();
        // From 24 h ago (floored to its hour) to an hour ahead.
        QVERIFY2(points.size() == 25 || points.size() == 26,
                 qPrintable(QString::number(points.size())));
        const QJsonArray list =
            adminGet(s("/api/admin/analytics/metrics"), QUrlQuery()).value(s("metrics")).toArray();
        QVERIFY(list.size() >= 25);
        for (const QJsonValue &m : list) {
            QVERIFY(!m[s("title")].toString().isEmpty());
            QVERIFY(!m[s("definition")].toString().isEmpty());
            // Every metric answers.
            const QString key = m[s("key")].toString();
            const QString bucket =
                m[s("bucket")].isString() ? m[s("bucket")].toString() : s("hour");
            QVERIFY2(!series(key, bucket).isEmpty(), qPrintable(key));
        }
    }

    void theFunnelCountsEachStep()
    {
        QUrlQuery q;
        q.addQueryItem(s("cohort_week"),
                       QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate));
        const QJsonObject funnel = adminGet(s("/api/admin/analytics/funnel"), q);
        const QJsonArray groups = funnel[s("groups")].toArray();
        QCOMPARE(groups.size(), 1);
        QVERIFY(groups.first()[s("key")].isNull());
        const QJsonArray steps = groups.first()[s("steps")].toArray();
        const int catEveGated =
            number(s("SELECT COUNT(*) > 0 FROM event_outbox WHERE event_type IN ('gate.decided', "
                     "'gate.timed_out') AND subject_id = '%1'")
                       .arg(m_catEveConversation));
        const QList<int> expected {6, 4, 4, 4, 2 + 2 * catEveGated, 2, 2, 1, 0};
        QCOMPARE(steps.size(), expected.size());
        for (qsizetype i = 0; i < steps.size(); ++i) {
            QCOMPARE(steps.at(i)[s("people")].toInt(), expected.at(i));
            QCOMPARE(steps.at(i)[s("suppressed")].toBool(), false);
        }
        QCOMPARE(steps.at(0)[s("step")].toString(), s("signed_up"));
        QCOMPARE(steps.at(8)[s("step")].toString(), s("second_friendship"));
        QCOMPARE(steps.at(1)[s("conversion")].toDouble(), 4.0 / 6.0);
        QCOMPARE(steps.at(6)[s("from_start")].toDouble(), 2.0 / 6.0);
        QVERIFY(steps.at(0)[s("conversion")].isNull());
        QVERIFY(steps.at(8)[s("conversion")].toDouble() == 0);
        // The median time between steps: never negative, known where both steps were reached.
        for (qsizetype i = 1; i < 8; ++i)
            QVERIFY2(steps.at(i)[s("median_seconds_from_previous")].toDouble(-1) >= 0,
                     qPrintable(steps.at(i)[s("step")].toString()));
        QVERIFY(steps.at(8)[s("median_seconds_from_previous")].isNull());

        // By region: DE (Ann, Ben), FR (Cat, Eve), then those who did not say (Dan, the analyst).
        q.addQueryItem(s("breakdown"), s("region"));
        const QJsonArray byRegion =
            adminGet(s("/api/admin/analytics/funnel"), q)[s("groups")].toArray();
        QCOMPARE(byRegion.size(), 3);
        QCOMPARE(byRegion.at(0)[s("key")].toString(), s("DE"));
        QCOMPARE(byRegion.at(1)[s("key")].toString(), s("FR"));
        QVERIFY(byRegion.at(2)[s("key")].isNull());
        const auto people = [&](int group, int step) {
            return byRegion.at(group)[s("steps")].toArray().at(step)[s("people")].toInt();
        };
        QCOMPARE(people(0, 0), 2);
        QCOMPARE(people(0, 5), 2); // both revealed
        QCOMPARE(people(0, 7), 1); // Ann reflected
        QCOMPARE(people(1, 3), 2);
        QCOMPARE(people(1, 5), 0);
        QCOMPARE(people(2, 0), 2);
        QCOMPARE(people(2, 1), 0);
        // By age range: 25-34 (Ann, Ben) and the rest.
        q.removeAllQueryItems(s("breakdown"));
        q.addQueryItem(s("breakdown"), s("age_range"));
        const QJsonArray byAge =
            adminGet(s("/api/admin/analytics/funnel"), q)[s("groups")].toArray();
        QCOMPARE(byAge.size(), 2);
        QCOMPARE(byAge.at(0)[s("key")].toString(), s("25-34"));
        QCOMPARE(byAge.at(0)[s("steps")].toArray().at(0)[s("people")].toInt(), 2);
        q.removeAllQueryItems(s("breakdown"));
        q.addQueryItem(s("breakdown"), s("intention"));
        const QJsonArray byIntention =
            adminGet(s("/api/admin/analytics/funnel"), q)[s("groups")].toArray();
        QCOMPARE(byIntention.at(0)[s("key")].toString(), s("long_term"));
        QCOMPARE(byIntention.at(0)[s("steps")].toArray().at(0)[s("people")].toInt(), 4);

        // A week with nobody: zeros, not an error.
        QUrlQuery empty;
        empty.addQueryItem(s("from"), s("2020-01-01"));
        empty.addQueryItem(s("to"), s("2020-02-01"));
        const QJsonArray none =
            adminGet(s("/api/admin/analytics/funnel"), empty)[s("groups")].toArray();
        QCOMPARE(none.size(), 1);
        QCOMPARE(none.first()[s("steps")].toArray().first()[s("people")].toInt(), 0);
    }

    void theCohortIsItsSignUpWeek()
    {
        QUrlQuery q;
        const QDate today = QDateTime::currentDateTimeUtc().date();
        q.addQueryItem(s("from"), today.addDays(-7).toString(Qt::ISODate));
        q.addQueryItem(s("to"), today.toString(Qt::ISODate));
        const QJsonArray cohorts =
            adminGet(s("/api/admin/analytics/retention"), q)[s("cohorts")].toArray();
        QCOMPARE(cohorts.size(), 2);
        const QJsonObject last = cohorts.last().toObject();
        QCOMPARE(last[s("week")].toString(),
                 today.addDays(1 - today.dayOfWeek()).toString(Qt::ISODate));
        QCOMPARE(last[s("size")].toInt(), 6);
        const QJsonArray weeks = last[s("weeks")].toArray();
        QCOMPARE(weeks.size(), 1);
        QCOMPARE(weeks.first()[s("people")].toInt(), 6);
        QCOMPARE(weeks.first()[s("share")].toDouble(), 1.0);
        QCOMPARE(last[s("d1")][s("people")].toInt(), 0);
        // The week before: nobody signed up.
        QCOMPARE(cohorts.first()[s("size")].toInt(), 0);
    }

    void clientEventsBreakDownByAProperty()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QUrlQuery q;
        q.addQueryItem(s("bucket"), s("hour"));
        q.addQueryItem(s("from"), fp::toWireTime(now.addDays(-1)));
        q.addQueryItem(s("to"), fp::toWireTime(now.addSecs(3600)));
        QJsonObject got = adminGet(s("/api/admin/analytics/client-events"), q);
        QCOMPARE(got[s("series")].toArray().size(), 2);
        q.addQueryItem(s("name"), s("screen.view"));
        got = adminGet(s("/api/admin/analytics/client-events"), q);
        QCOMPARE(got[s("properties")].toArray(), QJsonArray {s("screen")});
        q.addQueryItem(s("property"), s("screen"));
        got = adminGet(s("/api/admin/analytics/client-events"), q);
        QMap<QString, double> byValue;
        for (const QJsonValue &one : got[s("series")].toArray()) {
            for (const QJsonValue &p : one[s("points")].toArray())
                byValue[one[s("dimension")].toString()] += p[s("value")].toDouble();
        }
        QCOMPARE(byValue.value(s("home")), 2.0);
        QCOMPARE(byValue.value(s("queue")), 1.0);
        QCOMPARE(byValue.size(), 2);
    }

    void badQueriesAreNamed()
    {
        const auto get = [&](const QString &path, const QString &query) {
            return as(m_analyst)->get(path + QLatin1Char('?') + query);
        };
        HttpResult r = get(s("/api/admin/analytics/series"), s("metric=nonsense"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), (QStringList {s("query.from"), s("query.metric"), s("query.to")}));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QUrlQuery recent;
        recent.addQueryItem(s("metric"), s("dau"));
        recent.addQueryItem(s("bucket"), s("hour"));
        recent.addQueryItem(s("from"), fp::toWireTime(now.addDays(-1)));
        recent.addQueryItem(s("to"), fp::toWireTime(now));
        r = get(s("/api/admin/analytics/series"), recent.toString(QUrl::FullyEncoded));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {s("query.bucket")});
        r = get(
            s("/api/admin/analytics/series"),
            s("metric=matches&bucket=minute&from=2020-01-01T00:00:00Z&to=2020-01-01T01:00:00Z"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {s("query.from")});
        r = get(s("/api/admin/analytics/series"),
                s("metric=matches&bucket=day&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"));
        QCOMPARE(fieldsOf(r), QStringList {s("query.to")});
        r = get(s("/api/admin/analytics/series"),
                s("metric=signups&split=true&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"));
        QCOMPARE(fieldsOf(r), QStringList {s("query.split")});
        r = get(s("/api/admin/analytics/funnel"), s("breakdown=email"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), (QStringList {s("query.breakdown"), s("query.from"), s("query.to")}));
        r = get(s("/api/admin/analytics/funnel"), s("from=2026-02-01&to=2026-01-01"));
        QCOMPARE(fieldsOf(r), QStringList {s("query.to")});
        r = get(s("/api/admin/analytics/retention"), s("from=yesterday"));
        QCOMPARE(fieldsOf(r), QStringList {s("query.from")});
        r = get(s("/api/admin/analytics/client-events"),
                s("property=x&bucket=week&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"));
        QCOMPARE(fieldsOf(r), (QStringList {s("query.bucket"), s("query.property")}));
        // A plain user: 403.
        QCOMPARE(as(m_dan)->get(s("/api/admin/analytics/metrics")).status, 403);
    }

    void anEventDeliveredTwiceIsCountedOnce()
    {
        // Copies of two applied events go on the stream again, as a relay retry would put them.
        const QByteArray stream = server().redisKeyPrefix().toLatin1() + "events";
        for (const char *type : {"match.made", "client.event"}) {
            const QStringList row =
                text(s("SELECT CONCAT_WS('\\t', event_id, event_type, event_version, "
                       "CONCAT(DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%s.'), "
                       "LPAD(FLOOR(MICROSECOND(occurred_at) / 1000), 3, '0'), 'Z'), "
                       "IFNULL(actor_user_id, ''), subject_type, subject_id, payload_json, seq) "
                       "FROM event_outbox WHERE event_type = '%1' ORDER BY seq LIMIT 1")
                         .arg(QLatin1String(type)))
                    .split(QLatin1Char('\t'));
            QCOMPARE(row.size(), 9);
            RawRedis redis(TestEnvironment::fromProcess().redisPort);
            const QByteArray reply = redis.command({"XADD",
                                                    stream,
                                                    "*",
                                                    "id",
                                                    row.at(0).toLatin1(),
                                                    "type",
                                                    row.at(1).toLatin1(),
                                                    "v",
                                                    row.at(2).toLatin1(),
                                                    "at",
                                                    row.at(3).toLatin1(),
                                                    "actor",
                                                    row.at(4).toLatin1(),
                                                    "subject_type",
                                                    row.at(5).toLatin1(),
                                                    "subject_id",
                                                    row.at(6).toLatin1(),
                                                    "payload",
                                                    row.at(7).toUtf8(),
                                                    "seq",
                                                    row.at(8).toLatin1()});
            QVERIFY2(reply.startsWith('$'), reply.constData());
        }
        // A new event after them: once it is counted, the copies have been read.
        QCOMPARE(as(m_dan)
                     ->post(s("/api/events"),
                            {{s("events"), QJsonArray {clientEvent(s("sentinel"), {})}}})
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(total(s("client_events"), s("sentinel")), 1.0, 20000);
        QCOMPARE(total(s("matches")), 2.0);
        QCOMPARE(total(s("client_events"), s("screen.view")), 3.0);
        QCOMPARE(total(s("queue_joins")), 5.0);
    }

    void rollupsEqualARebuildFromScratch()
    {
        QVERIFY(pollUntil([&] { return consumerCaughtUp(); }, 30000, 100));
        const QString live = rollupsText(*db());
        QVERIFY(live.contains(QLatin1String("matches")));
        QByteArray output;
        QCOMPARE(server().runToCompletion({s("analytics-rebuild")}, &output), 0);
        QVERIFY2(output.contains("analytics_rebuilt"), output.constData());
        QCOMPARE(rollupsText(*db()), live);
        // The funnel's cells count each person's row once per breakdown: per step, as many as
        // analytics_people has reached it.
        const QStringList columns {
            s("signed_up_at"),        s("onboarded_at"),        s("first_queue_at"),
            s("first_match_at"),      s("first_gate_at"),       s("first_reveal_at"),
            s("first_friendship_at"), s("first_reflection_at"), s("second_friendship_at")};
        for (qsizetype step = 0; step < columns.size(); ++step)
            QCOMPARE(number(s("SELECT COALESCE(SUM(people), 0) FROM analytics_funnel_cells WHERE "
                              "step = %1")
                                .arg(step)),
                     4 * number(s("SELECT COUNT(%1) FROM analytics_people").arg(columns.at(step))));
        // The live consumer goes on from there, once per event.
        QCOMPARE(as(m_dan)
                     ->post(s("/api/events"),
                            {{s("events"), QJsonArray {clientEvent(s("sentinel"), {})}}})
                     .status,
                 202);
        QTRY_COMPARE_WITH_TIMEOUT(total(s("client_events"), s("sentinel")), 2.0, 20000);
        QCOMPARE(total(s("signups")), 6.0);
    }

    void aDeletedAccountLeavesNoIdInTheRollups()
    {
        QVERIFY(pollUntil([&] { return consumerCaughtUp(); }, 30000, 100));
        const double dauBefore = latest(s("dau"), s("day")).toDouble();
        // Dan only answered a prompt; Ann went the whole way (queue, match, reveal, reflection).
        for (const TestAccount *leaving : {&m_dan, &m_ann}) {
            const HttpResult r = as(*leaving)->send(
                "DELETE", s("/api/me"),
                QJsonDocument(QJsonObject {{s("password"), leaving->password}}).toJson(),
                {{"Content-Type", "application/json"}});
            QVERIFY2(r.status == 202 || r.status == 200, r.body.constData());
        }
        QVERIFY(pollUntil([&] { return consumerCaughtUp(); }, 30000, 100));
        const auto noIdOf = [&](const TestAccount &gone) {
            for (const char *sql :
                 {"SELECT COUNT(*) FROM analytics_people WHERE person = '%1'",
                  "SELECT COUNT(*) FROM analytics_active_days WHERE person = '%1'",
                  "SELECT COUNT(*) FROM analytics_active_weeks WHERE person = '%1'",
                  "SELECT COUNT(*) FROM analytics_conversations WHERE '%1' IN (person_a, "
                  "person_b)"})
                if (number(QString::fromLatin1(sql).arg(gone.userId)) != 0)
                    return false;
            return true;
        };
        QVERIFY(noIdOf(m_dan));
        QVERIFY(noIdOf(m_ann));
        QCOMPARE(latest(s("dau"), s("day")).toDouble(), dauBefore);
        QCOMPARE(total(s("signups")), 6.0);
        QCOMPARE(total(s("daily_answers")), 1.0);
        // A rebuild gives every number the same, Ann's whole funnel included (her queue join and
        // reflection are known only as what she did), and no id of theirs either.
        const QString live = rollupsText(*db(), RollupIds::LeftOut);
        QCOMPARE(server().runToCompletion({s("analytics-rebuild")}), 0);
        QCOMPARE(rollupsText(*db(), RollupIds::LeftOut), live);
        QCOMPARE(number(s("SELECT COUNT(*) FROM analytics_people WHERE first_reflection_at IS NOT "
                          "NULL AND first_queue_at IS NOT NULL")),
                 1);
        QVERIFY(noIdOf(m_dan));
        QVERIFY(noIdOf(m_ann));
    }

    void theRetentionJobDropsOldMinutesAndHours()
    {
        // Rows past their grain's retention (minutes 2 days, hours 90 days), and a day row that
        // is kept forever however old.
        exec(s("INSERT INTO analytics_counters (metric, grain, dimension, bucket_start, value) "
               "VALUES ('matches', 'minute', '', NOW() - INTERVAL 3 DAY, 1), ('matches', 'hour', "
               "'', NOW() - INTERVAL 100 DAY, 1), ('matches', 'day', '', NOW() - INTERVAL 800 "
               "DAY, 1), ('matches', 'minute', 'kept', NOW() - INTERVAL 1 DAY, 1)"));
        exec(s("UPDATE background_jobs SET next_run_at = NOW(3) WHERE name = "
               "'analytics_retention'"));
        QTRY_COMPARE_WITH_TIMEOUT(
            number(s("SELECT COUNT(*) FROM analytics_counters WHERE (grain = 'minute' AND "
                     "bucket_start < NOW() - INTERVAL 2 DAY) OR (grain = 'hour' AND bucket_start "
                     "< NOW() - INTERVAL 90 DAY)")),
            0, 30000);
        QCOMPARE(number(s("SELECT COUNT(*) FROM analytics_counters WHERE grain = 'day' AND "
                          "bucket_start < NOW() - INTERVAL 799 DAY")),
                 1);
        QCOMPARE(number(s("SELECT COUNT(*) FROM analytics_counters WHERE dimension = 'kept'")), 1);
    }

    void smallCellsAreSuppressed()
    {
        // A server of its own with the default minimum of 5.
        TestServer::Options o;
        o.withoutRateLimits();
        TestServer strict(o);
        QVERIFY(strict.start());
        QList<TestAccount> people;
        for (int i = 0; i < 2; ++i)
            people << fp::test::signUp(strict.port(), s("Few%1").arg(i));
        const TestAccount analyst = fp::test::signUp(strict.port(), s("Looker"));
        Seed(strict.database()).role(analyst, s("analyst"));
        const TestAccount signedIn = fp::test::logIn(strict.port(), analyst);
        auto client = clientFor(strict.port(), signedIn);
        const auto signups = [&]() {
            QUrlQuery q;
            q.addQueryItem(s("metric"), s("signups"));
            q.addQueryItem(s("bucket"), s("month"));
            const QDate today = QDateTime::currentDateTimeUtc().date();
            q.addQueryItem(s("from"),
                           fp::toWireTime(QDateTime(QDate(today.year(), today.month(), 1),
                                                    QTime(0, 0), Qt::UTC)));
            q.addQueryItem(s("to"), fp::toWireTime(QDateTime::currentDateTimeUtc().addSecs(60)));
            const HttpResult r =
                client->get(s("/api/admin/analytics/series?") + q.toString(QUrl::FullyEncoded));
            const QJsonArray series = r.json()[s("series")].toArray();
            if (series.isEmpty())
                return QJsonObject();
            const QJsonArray points = series.first()[s("points")].toArray();
            return points.isEmpty() ? QJsonObject() : points.last().toObject();
        };
        // Three people signed up: fewer than five, so nobody sees how many.
        QTRY_VERIFY_WITH_TIMEOUT(signups()[s("suppressed")].toBool(), 20000);
        QVERIFY(signups()[s("value")].isNull());
        QUrlQuery week;
        week.addQueryItem(s("cohort_week"),
                          QDateTime::currentDateTimeUtc().date().toString(Qt::ISODate));
        const QJsonObject first =
            client->get(s("/api/admin/analytics/funnel?") + week.toString(QUrl::FullyEncoded))
                .json()[s("groups")]
                .toArray()
                .first()[s("steps")]
                .toArray()
                .first()
                .toObject();
        QVERIFY(first[s("people")].isNull());
        QVERIFY(first[s("suppressed")].toBool());
        // Two more: five, shown.
        for (int i = 2; i < 4; ++i)
            people << fp::test::signUp(strict.port(), s("Few%1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(signups()[s("value")].toInt(), 5, 20000);
        QCOMPARE(signups()[s("suppressed")].toBool(), false);
    }
};

QTEST_MAIN(TestAnalyticsRollups)
#include "tst_analytics_rollups.moc"
