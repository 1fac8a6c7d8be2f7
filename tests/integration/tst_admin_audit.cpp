// The staff audit log against the real server (/api/admin/audit-log): what staff did, newest
// first and paged, with the actor's role; rows nobody can delete or change, not even root.

#include "tests/support/StaffApiTest.h"

#include <QJsonArray>
#include <QTest>

using namespace fp::test;

class TestAdminAudit : public StaffApiTest
{
    Q_OBJECT

public:
    TestAdminAudit() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        staffRoutes({{"audit log", "GET", QStringLiteral("/api/admin/audit-log")}});
    }

    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    void auditLogIsAppendOnly()
    {
        // Three things a moderator did: read a report, read its conversation, claim it.
        const TestAccount reporter = signUp(QStringLiteral("Reporter"));
        const TestAccount reported = signUp(QStringLiteral("Reported"));
        const QString conversation =
            seed().match(reporter, reported, Seed::Match {.messages = 3}).conversationId;
        const QString report =
            seed().report(reporter, reported, Seed::Report {.conversationId = conversation});
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + report).status, 200);
        QCOMPARE(as(m_moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(report), {})
                     .status,
                 200);

        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/audit-log?limit=2"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 2);
        QVERIFY(!r.json().value(QStringLiteral("next_cursor")).toString().isEmpty());
        const QJsonObject newest =
            r.json().value(QStringLiteral("items")).toArray().first().toObject();
        QVERIFY(newest.contains(QStringLiteral("actor_role")));
        QCOMPARE(newest.value(QStringLiteral("action")).toString(), QStringLiteral("report.claim"));
        QCOMPARE(newest.value(QStringLiteral("actor_role")).toString(),
                 QStringLiteral("moderator"));
        QVERIFY(!db()->exec(QStringLiteral("DELETE FROM admin_audit_log")));
        QVERIFY(!db()->exec(QStringLiteral("UPDATE admin_audit_log SET note = 'x'")));

        // The filters find what they name.
        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/audit-log?action=report.claim&target_id=%1&"
                                     "actor_user_id=%2")
                          .arg(report, m_moderator.userId));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 1);
    }

    // A filter that can name nothing is a mistake worth hearing about, not an empty list.
    void badFiltersAreNamed_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("actor not an id") << "actor_user_id=bob"
                                         << "query.actor_user_id";
        QTest::newRow("actor empty") << "actor_user_id="
                                     << "query.actor_user_id";
        QTest::newRow("action too long")
            << QStringLiteral("action=") + QString(65, QLatin1Char('a')) << "query.action";
        QTest::newRow("action not ASCII") << "action=r%C3%A9port.claim"
                                          << "query.action";
        QTest::newRow("target empty") << "target_id="
                                      << "query.target_id";
        QTest::newRow("target not ASCII") << "target_id=%E2%80%AE"
                                          << "query.target_id";
    }

    void badFiltersAreNamed()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/audit-log?") + query);
        QCOMPARE(r.status, 400);
        QVERIFY2(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
                     field),
                 r.body.constData());
    }
};

QTEST_GUILESS_MAIN(TestAdminAudit)
#include "tst_admin_audit.moc"
