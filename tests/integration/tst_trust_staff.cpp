// The staff side of trust against the real server (/api/admin/users/{id}/trust-...): an
// account's ledger newest first with the score after each row, paged; its score over time
// replayed from the ledger; its current score with the components.

#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTest>

using namespace fp::test;

class TestTrustStaff : public StaffApiTest
{
    Q_OBJECT

public:
    TestTrustStaff() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        const QString id = newId();
        staffRoutes(
            {{"trust score", "GET", QStringLiteral("/api/admin/users/%1/trust-score").arg(id)},
             {"trust events", "GET", QStringLiteral("/api/admin/users/%1/trust-events").arg(id)},
             {"trust history", "GET",
              QStringLiteral("/api/admin/users/%1/trust-history").arg(id)}});
    }

    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    void ledgerHistoryAndScore()
    {
        const TestAccount someone = signUp(QStringLiteral("Findme"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        seed().trustEvent(someone, -4, QStringLiteral("r1"), now.addDays(-2));
        seed().trustEvent(someone, 2, QStringLiteral("r2"), now.addDays(-1));
        HttpResult r =
            as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-events").arg(someone.userId));
        QCOMPARE(r.status, 200);
        const QJsonArray events = r.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).toObject().value(QStringLiteral("delta")).toInt(), 2);
        QCOMPARE(events.at(0).toObject().value(QStringLiteral("score_after")).toInt(), 48);
        r = as(m_moderator)
                ->get(
                    QStringLiteral("/api/admin/users/%1/trust-events?limit=1").arg(someone.userId));
        QVERIFY(!r.json().value(QStringLiteral("next_cursor")).toString().isEmpty());

        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-history").arg(someone.userId));
        QCOMPARE(r.status, 200);
        const QJsonArray points = r.json().value(QStringLiteral("points")).toArray();
        QCOMPARE(points.size(), 3);
        QCOMPARE(points.at(0).toObject().value(QStringLiteral("value")).toDouble(), 50.0);
        QCOMPARE(points.at(1).toObject().value(QStringLiteral("value")).toDouble(), 46.0);
        QCOMPARE(points.at(2).toObject().value(QStringLiteral("value")).toDouble(), 48.0);
        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-score").arg(someone.userId));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().contains(QStringLiteral("components")));
    }
};

QTEST_GUILESS_MAIN(TestTrustStaff)
#include "tst_trust_staff.moc"
