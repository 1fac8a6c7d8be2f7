// Analytics against the real server. POST /api/events: batches stored with one insert,
// duplicates by event_id dropped and not counted, every bad field named at once, batch size and
// auth limits. The staff's time series (/api/admin/analytics/timeseries): every metric by day
// and by hour answers buckets of the range, and bad queries are named. Its numbers are read from
// the rollups, and tst_analytics_rollups::theLegacyTimeSeriesReadsTheRollups checks them exactly
// after people went through the product.

#include "common/Time.h"
#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>

using namespace fp::test;

namespace {

QString wire(const QDateTime &t)
{
    return fp::toWireTime(t);
}

QJsonObject makeEvent(const QString &id,
                      const QString &name = QStringLiteral("onboarding.step_done"))
{
    return QJsonObject {
        {QStringLiteral("event_id"), id},
        {QStringLiteral("event_name"), name},
        {QStringLiteral("occurred_at"), wire(QDateTime::currentDateTimeUtc().addSecs(-60))},
        {QStringLiteral("session_id"), QStringLiteral("s-1")},
        {QStringLiteral("properties"), QJsonObject {{QStringLiteral("step"), 2}}}};
}

QJsonObject batch(const QJsonArray &events)
{
    return QJsonObject {{QStringLiteral("events"), events}};
}

} // namespace

class TestAnalytics : public StaffApiTest
{
    Q_OBJECT

public:
    TestAnalytics() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private Q_SLOTS:
    void needsAToken()
    {
        HttpClient anonymous(port());
        const HttpResult r =
            anonymous.post(QStringLiteral("/api/events"), batch({makeEvent(newId())}));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
    }

    void acceptsAndDropsDuplicates()
    {
        const TestAccount a = signUp();
        auto client = clientFor(port(), a);
        const QString first = newId();
        const QString second = newId();
        HttpResult r = client->post(QStringLiteral("/api/events"),
                                    batch({makeEvent(first), makeEvent(second)}));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 2);

        // A retry of the same batch plus one new event: only the new one counts.
        const QString third = newId();
        r = client->post(QStringLiteral("/api/events"),
                         batch({makeEvent(first), makeEvent(second), makeEvent(third)}));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 1);

        // The same id twice within one batch is stored once.
        const QString fourth = newId();
        r = client->post(QStringLiteral("/api/events"),
                         batch({makeEvent(fourth), makeEvent(fourth)}));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 1);

        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM analytics_events WHERE "
                                             "user_id = '%1'")
                                  .arg(a.userId))
                     .toInt(),
                 4);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT JSON_VALUE(properties_json, '$.step') FROM "
                                             "analytics_events WHERE event_id = '%1'")
                                  .arg(first))
                     .toInt(),
                 2);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT session_id FROM analytics_events WHERE "
                                             "event_id = '%1'")
                                  .arg(third))
                     .toString(),
                 QStringLiteral("s-1"));
    }

    void sessionIdIsOptional()
    {
        const TestAccount a = signUp();
        auto client = clientFor(port(), a);
        QJsonObject e = makeEvent(newId());
        e.remove(QStringLiteral("session_id"));
        const HttpResult r = client->post(QStringLiteral("/api/events"), batch({e}));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 1);
    }

    void namesEveryBadFieldAtOnce()
    {
        const TestAccount a = signUp();
        auto client = clientFor(port(), a);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QJsonObject bad1 = makeEvent(QString(65, QLatin1Char('x')), QStringLiteral("Bad-Name"));
        bad1.insert(QStringLiteral("occurred_at"), wire(now.addSecs(25 * 3600)));
        QJsonObject bad2 = makeEvent(QStringLiteral("has space"));
        bad2.insert(QStringLiteral("occurred_at"), wire(now.addDays(-31)));
        bad2.insert(QStringLiteral("properties"), QJsonArray {1});
        bad2.insert(QStringLiteral("session_id"), QString(65, QLatin1Char('s')));
        QJsonObject bad3 = makeEvent(newId());
        bad3.insert(QStringLiteral("occurred_at"), QStringLiteral("yesterday"));
        bad3.insert(QStringLiteral("properties"),
                    QJsonObject {{QStringLiteral("blob"), QString(5000, QLatin1Char('a'))}});
        QJsonObject bad4 = makeEvent(newId());
        bad4.remove(QStringLiteral("event_name"));
        const QString goodId = newId();

        const HttpResult r = client->post(QStringLiteral("/api/events"),
                                          batch({makeEvent(goodId), bad1, bad2, bad3, bad4, 7}));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(
            fieldsOf(r),
            (QStringList {
                QStringLiteral("events[1].event_id"), QStringLiteral("events[1].event_name"),
                QStringLiteral("events[1].occurred_at"), QStringLiteral("events[2].event_id"),
                QStringLiteral("events[2].occurred_at"), QStringLiteral("events[2].properties"),
                QStringLiteral("events[2].session_id"), QStringLiteral("events[3].occurred_at"),
                QStringLiteral("events[3].properties"), QStringLiteral("events[4].event_name"),
                QStringLiteral("events[5]")}));
        // The batch is all or nothing: the good event was not stored either.
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM analytics_events WHERE "
                                             "event_id = '%1'")
                                  .arg(goodId))
                     .toInt(),
                 0);
    }

    void refusesEmptyOrOversizedBatches()
    {
        const TestAccount a = signUp();
        auto client = clientFor(port(), a);
        QJsonArray many;
        for (int i = 0; i < 101; ++i)
            many.append(makeEvent(newId()));
        HttpResult r = client->post(QStringLiteral("/api/events"), batch(many));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("events")});
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM analytics_events WHERE "
                                             "user_id = '%1'")
                                  .arg(a.userId))
                     .toInt(),
                 0);

        many.removeLast();
        r = client->post(QStringLiteral("/api/events"), batch(many));
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 100);

        r = client->post(QStringLiteral("/api/events"), batch({}));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("events")});
        r = client->post(QStringLiteral("/api/events"), QJsonObject {});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("events")});
    }

    void timeseriesNeedsStaff_data()
    {
        staffRoutes({{"analytics", "GET",
                      QStringLiteral("/api/admin/analytics/timeseries?metric=report_rate")}});
    }

    void timeseriesNeedsStaff() { verifyStaffOnly(); }

    void staffTimeseries()
    {
        signUp(QStringLiteral("Analysed"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QDateTime from = now.addDays(-2);
        const QDateTime to = now.addSecs(3600);
        const auto series = [&](const QString &metric, const QString &bucket) {
            QUrlQuery q;
            q.addQueryItem(QStringLiteral("metric"), metric);
            q.addQueryItem(QStringLiteral("bucket"), bucket);
            q.addQueryItem(QStringLiteral("from"), wire(from));
            q.addQueryItem(QStringLiteral("to"), wire(to));
            return as(m_moderator)
                ->get(QStringLiteral("/api/admin/analytics/timeseries?") +
                      q.toString(QUrl::FullyEncoded));
        };
        for (const char *metric : {"daily_active_users", "queue_wait_seconds", "match_success_rate",
                                   "reveal_conversion", "report_rate"}) {
            for (const QString &bucket : {QStringLiteral("day"), QStringLiteral("hour")}) {
                const HttpResult r = series(QLatin1String(metric), bucket);
                QVERIFY2(r.status == 200, r.body.constData());
                const QJsonObject got = r.json();
                QCOMPARE(got.value(QStringLiteral("metric")).toString(), QLatin1String(metric));
                QCOMPARE(got.value(QStringLiteral("bucket")).toString(), bucket);
                // Buckets of the range in order, each once, from its floored start; cells under
                // the small-cell minimum (5 here) left out.
                const qint64 width = bucket == QLatin1String("day") ? 86400 : 3600;
                const QDateTime first =
                    QDateTime::fromSecsSinceEpoch(from.toSecsSinceEpoch() / width * width, Qt::UTC);
                QDateTime previous;
                for (const QJsonValue &v : got.value(QStringLiteral("points")).toArray()) {
                    const QDateTime t =
                        fp::fromWireTime(v.toObject().value(QStringLiteral("t")).toString());
                    QVERIFY(t >= first && t < to);
                    QCOMPARE(t.toSecsSinceEpoch() % width, qint64(0));
                    QVERIFY(!previous.isValid() || t > previous);
                    previous = t;
                    QVERIFY(v.toObject().value(QStringLiteral("value")).toDouble(-1) >= 0);
                }
            }
        }
        QCOMPARE(series(QStringLiteral("nonsense"), QStringLiteral("day")).status, 400);
        QCOMPARE(series(QStringLiteral("report_rate"), QStringLiteral("week")).status, 400);
    }
};

QTEST_MAIN(TestAnalytics)
#include "tst_analytics.moc"
