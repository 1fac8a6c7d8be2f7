// The staff side of matching against the real server (/api/admin/queue/metrics...): the queue's
// current figures (waiting, waits, success rate, matches per minute, live conversations) and
// their history minute by minute, from seeded queue entries and a match.

#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTest>

using namespace fp::test;

class TestMatchingStaff : public StaffApiTest
{
    Q_OBJECT

public:
    TestMatchingStaff() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        staffRoutes({{"queue metrics", "GET", QStringLiteral("/api/admin/queue/metrics")},
                     {"queue history", "GET", QStringLiteral("/api/admin/queue/metrics/history")}});
    }

    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    void queueMetrics()
    {
        const TestAccount a = signUp(QStringLiteral("Queuer"));
        const TestAccount b = signUp(QStringLiteral("Queuer"));
        const TestAccount c = signUp(QStringLiteral("Queuer"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto entry = [&](const TestAccount &who, const QString &status, int enqueuedSecsAgo,
                               int waitSecs) {
            const QDateTime enqueued = now.addSecs(-enqueuedSecsAgo);
            seed().queueEntry(who, status, enqueued,
                              status == QLatin1String("active") ? QDateTime()
                                                                : enqueued.addSecs(waitSecs));
        };
        entry(a, QStringLiteral("matched"), 600, 10);
        entry(b, QStringLiteral("matched"), 600, 30);
        entry(c, QStringLiteral("cancelled"), 300, 5);
        entry(a, QStringLiteral("active"), 20, 0);
        entry(b, QStringLiteral("active"), 10, 0);
        seed().match(a, b, Seed::Match {.at = minutesAgo(9)});

        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics"));
        QCOMPARE(r.status, 200);
        const QJsonObject m = r.json();
        QCOMPARE(m.value(QStringLiteral("active_entries")).toInt(), 2);
        QCOMPARE(m.value(QStringLiteral("avg_wait_seconds")).toDouble(), 20.0);
        QCOMPARE(m.value(QStringLiteral("p95_wait_seconds")).toDouble(), 30.0);
        QCOMPARE(m.value(QStringLiteral("match_success_rate")).toDouble(), 2.0 / 3.0);
        QVERIFY(m.value(QStringLiteral("matches_per_minute")).toDouble() > 0);
        QVERIFY(m.value(QStringLiteral("active_conversations")).toInt() >= 1);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics/history?minutes=60"));
        QCOMPARE(r.status, 200);
        const QJsonArray points = r.json().value(QStringLiteral("points")).toArray();
        QCOMPARE(points.size(), 60);
        QCOMPARE(points.last().toObject().value(QStringLiteral("active_entries")).toInt(), 2);
        int matches = 0;
        for (const QJsonValue &p : points)
            matches += p.toObject().value(QStringLiteral("matches")).toInt();
        QVERIFY(matches >= 1);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics?window_minutes=0"));
        QCOMPARE(r.status, 400);
    }
};

QTEST_GUILESS_MAIN(TestMatchingStaff)
#include "tst_matching_staff.moc"
