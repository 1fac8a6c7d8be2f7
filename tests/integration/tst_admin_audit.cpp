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
    }
};

QTEST_GUILESS_MAIN(TestAdminAudit)
#include "tst_admin_audit.moc"
