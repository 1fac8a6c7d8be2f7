// `friendship-server demo-data` against the real server and database (docs/analytics.md, "Seed
// data"): bad arguments are refused with a clear message and write nothing; a small history
// fills the rollups the analytics API answers from (as many sign-ups as people asked for,
// someone at every funnel step up to a second friend, cohorts, client events); and a rebuild
// from the events afterwards gives the same rollups, row for row.

#include "common/Time.h"
#include "tests/support/AnalyticsRollups.h"
#include "tests/support/IntegrationTest.h"

#include <QJsonArray>
#include <QTest>
#include <QUrlQuery>

using namespace fp::test;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

// Enough people that every funnel step has someone at any time of day (the history is drawn
// back from the moment it runs: with 120 people a second friendship happened only some hours).
constexpr int kUsers = 400;
constexpr int kDays = 60;
constexpr int kRunMs = 180000;

} // namespace

class TestAnalyticsDemoData : public IntegrationTest
{
    Q_OBJECT

public:
    TestAnalyticsDemoData()
        : IntegrationTest(
              TestServer::Options().withoutRateLimits().with(s("FP_ANALYTICS_MIN_CELL"), s("1")))
    { }

private:
    TestAccount m_admin;

    void prepare() override
    {
        // The first admin reads the analytics: signing them in makes no sign-up.
        m_admin = logInAsAdmin();
    }

    QJsonObject get(const QString &path, const QUrlQuery &query)
    {
        const HttpResult r =
            as(m_admin)->get(path + QLatin1Char('?') + query.toString(QUrl::FullyEncoded));
        if (r.status != 200)
            qWarning("GET %s: %d %s", qPrintable(path), r.status, r.body.constData());
        return r.status == 200 ? r.json() : QJsonObject();
    }

    /// What the demo history and its rollups wrote, in numbers: the outbox and every rollup.
    QString written()
    {
        QStringList counts;
        for (const char *table :
             {"event_outbox", "analytics_counters", "analytics_active_days",
              "analytics_active_weeks", "analytics_people", "analytics_cohort_activity",
              "analytics_funnel_cells", "analytics_conversations"})
            counts << QString::number(
                number(s("SELECT COUNT(*) FROM %1").arg(QLatin1String(table))));
        return counts.join(QLatin1Char(' '));
    }

    /// The sign-up days the demo history can fall on, as the API takes them.
    static QUrlQuery days()
    {
        const QDate today = QDateTime::currentDateTimeUtc().date();
        QUrlQuery q;
        q.addQueryItem(s("from"), today.addDays(-kDays - 1).toString(Qt::ISODate));
        q.addQueryItem(s("to"), today.addDays(1).toString(Qt::ISODate));
        return q;
    }

private Q_SLOTS:
    void badArgumentsAreRefusedAndWriteNothing()
    {
        const QString before = written();
        const QList<QPair<QStringList, QByteArray>> cases {
            {{s("--users"), s("0")}, "--users"},       {{s("--users"), s("abc")}, "--users"},
            {{s("--users"), s("2000001")}, "--users"}, {{s("--days"), s("-1")}, "--days"},
            {{s("--days"), s("0")}, "--days"},         {{s("--days"), s("731")}, "--days"},
            {{s("--days"), s("7x")}, "--days"},
        };
        for (const auto &[arguments, named] : cases) {
            QByteArray output;
            const int code =
                server().runToCompletion(QStringList {s("demo-data")} + arguments, &output, kRunMs);
            const QByteArray shown = arguments.join(QLatin1Char(' ')).toUtf8();
            QVERIFY2(code == 2, (shown + " exited with " + QByteArray::number(code)).constData());
            // The message names the option, what it takes and what it was given.
            QVERIFY2(output.contains("demo-data: " + named), (shown + ": " + output).constData());
            QVERIFY2(output.contains("'" + arguments.last().toUtf8() + "'"),
                     (shown + ": " + output).constData());
            QVERIFY2(!output.contains("demo_data_recorded"), output.constData());
        }
        QCOMPARE(written(), before);
    }

    void aSmallHistoryFillsTheRollups()
    {
        QByteArray output;
        const int code =
            server().runToCompletion({s("demo-data"), s("--users"), QString::number(kUsers),
                                      s("--days"), QString::number(kDays)},
                                     &output, kRunMs);
        QVERIFY2(code == 0, output.constData());
        QVERIFY2(output.contains("demo_data_recorded"), output.constData());

        // As many sign-ups as people asked for, on the days asked for.
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QUrlQuery series;
        series.addQueryItem(s("metric"), s("signups"));
        series.addQueryItem(s("bucket"), s("day"));
        series.addQueryItem(s("from"), fp::toWireTime(now.addDays(-kDays - 1)));
        series.addQueryItem(s("to"), fp::toWireTime(now.addSecs(3600)));
        double signups = 0;
        for (const QJsonValue &one :
             get(s("/api/admin/analytics/series"), series)[s("series")].toArray()) {
            for (const QJsonValue &p : one[s("points")].toArray())
                signups += p[s("value")].toDouble();
        }
        QCOMPARE(signups, double(kUsers));
        QCOMPARE(number(s("SELECT COUNT(*) FROM analytics_people")), kUsers);

        // Someone at every step of the funnel. (A step counts who reached it whenever they
        // did, not only through the step before: more may have reflected than made a friend.)
        const QJsonObject funnel = get(s("/api/admin/analytics/funnel"), days());
        const QJsonArray groups = funnel[s("groups")].toArray();
        QCOMPARE(groups.size(), 1);
        const QJsonArray steps = groups.first()[s("steps")].toArray();
        QCOMPARE(steps.size(), 9);
        QCOMPARE(steps.first()[s("people")].toInteger(), qint64(kUsers));
        QCOMPARE(steps.last()[s("step")].toString(), s("second_friendship"));
        for (const QJsonValue &step : steps) {
            const qint64 people = step[s("people")].toInteger();
            QVERIFY2(people > 0 && people <= kUsers,
                     qPrintable(step[s("step")].toString() + s(": ") + QString::number(people)));
            QVERIFY(!step[s("suppressed")].toBool());
        }
        // A breakdown splits the same people.
        QUrlQuery byRegion = days();
        byRegion.addQueryItem(s("breakdown"), s("region"));
        qint64 split = 0;
        for (const QJsonValue &g :
             get(s("/api/admin/analytics/funnel"), byRegion)[s("groups")].toArray())
            split += g[s("steps")].toArray().first()[s("people")].toInteger();
        QCOMPARE(split, qint64(kUsers));

        // Cohorts: every person in one, and some of them back a week later.
        QUrlQuery weeks;
        weeks.addQueryItem(s("from"), now.date().addDays(-kDays - 7).toString(Qt::ISODate));
        weeks.addQueryItem(s("to"), now.date().toString(Qt::ISODate));
        qint64 cohortPeople = 0, backAWeekLater = 0;
        for (const QJsonValue &c :
             get(s("/api/admin/analytics/retention"), weeks)[s("cohorts")].toArray()) {
            cohortPeople += c[s("size")].toInteger();
            const QJsonArray activity = c[s("weeks")].toArray();
            if (activity.size() > 1)
                backAWeekLater += activity.at(1)[s("people")].toInteger();
        }
        QCOMPARE(cohortPeople, qint64(kUsers));
        QVERIFY(backAWeekLater > 0);

        // Client events by name.
        QUrlQuery events;
        events.addQueryItem(s("bucket"), s("day"));
        events.addQueryItem(s("from"), fp::toWireTime(now.addDays(-kDays - 1)));
        events.addQueryItem(s("to"), fp::toWireTime(now.addSecs(3600)));
        QMap<QString, double> byName;
        for (const QJsonValue &one :
             get(s("/api/admin/analytics/client-events"), events)[s("series")].toArray()) {
            for (const QJsonValue &p : one[s("points")].toArray())
                byName[one[s("dimension")].toString()] += p[s("value")].toDouble();
        }
        QVERIFY2(byName.value(s("app.open")) >= kUsers, qPrintable(QString::number(byName.size())));
        QVERIFY(byName.value(s("screen.view")) >= kUsers);
    }

    void aRebuildAfterwardsGivesTheSameRollups()
    {
        // The server relays the demo events and its consumer passes over those demo-data
        // applied (their marks): wait until every event is applied, so nothing changes meanwhile.
        QVERIFY(QTest::qWaitFor(
            [this] {
                return number(s("SELECT COUNT(*) FROM event_outbox o WHERE relayed_at IS NULL OR "
                                "NOT EXISTS (SELECT 1 FROM event_consumer_marks m WHERE "
                                "m.consumer_group = 'analytics' AND m.event_id = o.event_id)")) ==
                    0;
            },
            60000));
        // Minute buckets are kept two days (older events are not counted in them): a bucket on
        // that edge when the live rollups were written can be past it when the rebuild runs,
        // minutes later. Both sides are compared without the minute buckets within ten minutes
        // of the edge, as the retention job would have dropped them.
        const QString edge =
            text(s("SELECT CAST(UTC_TIMESTAMP(3) - INTERVAL 2 DAY + INTERVAL 10 MINUTE AS CHAR)"));
        const auto withoutTheEdge = [&] {
            QVERIFY(db()->exec(s("DELETE FROM analytics_counters WHERE grain = 'minute' AND "
                                 "bucket_start < '%1'")
                                   .arg(edge)));
        };
        withoutTheEdge();
        const QString live = rollupsText(*db());
        QVERIFY(number(s("SELECT COUNT(*) FROM analytics_people WHERE second_friendship_at IS "
                         "NOT NULL")) > 0);
        QByteArray output;
        QCOMPARE(server().runToCompletion({s("analytics-rebuild")}, &output, kRunMs), 0);
        QVERIFY2(output.contains("analytics_rebuilt"), output.constData());
        withoutTheEdge();
        const QString rebuilt = rollupsText(*db());
        if (rebuilt != live) {
            // The first differing line, rather than two walls of text.
            const QStringList a = live.split(QLatin1Char('\n'));
            const QStringList b = rebuilt.split(QLatin1Char('\n'));
            for (qsizetype i = 0; i < std::min(a.size(), b.size()); ++i) {
                if (a.at(i) != b.at(i))
                    QFAIL(qPrintable(
                        s("line %1: live '%2', rebuilt '%3'").arg(i).arg(a.at(i), b.at(i))));
            }
            QFAIL(qPrintable(s("live has %1 lines, the rebuild %2").arg(a.size()).arg(b.size())));
        }
    }
};

QTEST_MAIN(TestAnalyticsDemoData)
#include "tst_analytics_demo_data.moc"
