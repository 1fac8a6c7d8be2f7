// The staff side of identity against the real server (/api/admin/users...): finding people by
// email or id, an account's detail, who may restrict, ban, unban and change roles (moderators
// restrict plain users only; staff accounts are an admin's, never one's own).

#include "common/Time.h"
#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTest>
#include <QUrlQuery>

using namespace fp::test;

class TestIdentityStaff : public StaffApiTest
{
    Q_OBJECT

public:
    TestIdentityStaff() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        const QString id = newId();
        staffRoutes({{"users", "GET", QStringLiteral("/api/admin/users?q=a")},
                     {"user", "GET", QStringLiteral("/api/admin/users/") + id},
                     {"status", "PUT", QStringLiteral("/api/admin/users/%1/status").arg(id)},
                     {"role", "PUT", QStringLiteral("/api/admin/users/%1/role").arg(id)}});
    }

    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    void searchAndDetail()
    {
        const TestAccount someone = signUp(QStringLiteral("Findme"));
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("q"), someone.email.left(8));
        HttpResult r =
            as(m_moderator)
                ->get(QStringLiteral("/api/admin/users?") + q.toString(QUrl::FullyEncoded));
        QCOMPARE(r.status, 200);
        bool found = false;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            found = found || v.toObject().value(QStringLiteral("id")).toString() == someone.userId;
        QVERIFY(found);
        r = as(m_moderator)->get(QStringLiteral("/api/admin/users?q=") + someone.userId);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 1);
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/users?q=")).status, 400);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/users/") + someone.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("email")).toString(), someone.email);
        QCOMPARE(r.json().value(QStringLiteral("active_sessions")).toInt(), 1);
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/users/") + newId()).status, 404);
    }

    void whoMayDoWhat()
    {
        TestAccount target = signUp(QStringLiteral("Target"));
        const QString path = QStringLiteral("/api/admin/users/%1/status").arg(target.userId);
        const QJsonObject ban {{QStringLiteral("status"), QStringLiteral("banned")},
                               {QStringLiteral("note"), QStringLiteral("spam")}};
        const QJsonObject restrict {{QStringLiteral("status"), QStringLiteral("restricted")},
                                    {QStringLiteral("note"), QStringLiteral("cool down")},
                                    {QStringLiteral("restricted_until"),
                                     fp::toWireTime(QDateTime::currentDateTimeUtc().addDays(1))}};
        QCOMPARE(as(m_moderator)->put(path, ban).status, 403);
        HttpResult r = as(m_moderator)->put(path, restrict);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("restricted"));
        QVERIFY(!r.json().value(QStringLiteral("restricted_until")).isNull());
        QCOMPARE(as(m_moderator)
                     ->put(path, {{QStringLiteral("status"), QStringLiteral("restricted")}})
                     .status,
                 400);
        r = as(m_admin)->put(path, ban);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("banned"));

        // Staff accounts: moderators cannot touch them, nobody changes their own.
        QCOMPARE(
            as(m_moderator)
                ->put(QStringLiteral("/api/admin/users/%1/status").arg(m_admin.userId), restrict)
                .status,
            403);
        QCOMPARE(
            as(m_admin)
                ->put(QStringLiteral("/api/admin/users/%1/status").arg(m_admin.userId), restrict)
                .status,
            403);

        // Roles: admins only.
        const TestAccount promoted = signUp(QStringLiteral("Promoted"));
        const QString rolePath = QStringLiteral("/api/admin/users/%1/role").arg(promoted.userId);
        const QJsonObject toModerator {{QStringLiteral("role"), QStringLiteral("moderator")},
                                       {QStringLiteral("note"), QStringLiteral("new hire")}};
        QCOMPARE(as(m_moderator)->put(rolePath, toModerator).status, 403);
        r = as(m_admin)->put(rolePath, toModerator);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("role")).toString(), QStringLiteral("moderator"));
        const TestAccount again = logIn(promoted);
        QCOMPARE(as(again)->get(QStringLiteral("/api/admin/reports")).status, 200);
    }

    // Staff request bodies are as strict as every other body: an unknown member or a member of
    // the wrong type is named in a 400, never dropped (a restriction "until tomorrow" used to
    // restrict for ever).
    void staffBodiesAreStrict_data()
    {
        QTest::addColumn<QString>("route");
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QString>("field");
        const QJsonObject restrict {{QStringLiteral("status"), QStringLiteral("restricted")},
                                    {QStringLiteral("note"), QStringLiteral("cool down")}};
        const auto with = [](QJsonObject body, const QString &key, const QJsonValue &value) {
            body.insert(key, value);
            return body;
        };
        const QString until = QStringLiteral("restricted_until");
        QTest::newRow("status: unknown member")
            << "status" << with(restrict, QStringLiteral("everyone"), true)
            << QStringLiteral("everyone");
        QTest::newRow("status: until in words")
            << "status" << with(restrict, until, QStringLiteral("tomorrow")) << until;
        QTest::newRow("status: until without its offset")
            << "status" << with(restrict, until, QStringLiteral("2030-01-01T10:00:00")) << until;
        QTest::newRow("status: until null")
            << "status" << with(restrict, until, QJsonValue()) << until;
        QTest::newRow("status: until a number")
            << "status" << with(restrict, until, 1893456000) << until;
        QTest::newRow("status: note a number")
            << "status" << with(restrict, QStringLiteral("note"), 7) << QStringLiteral("note");
        QTest::newRow("status: status null")
            << "status" << with(restrict, QStringLiteral("status"), QJsonValue())
            << QStringLiteral("status");
        const QJsonObject promote {{QStringLiteral("role"), QStringLiteral("moderator")},
                                   {QStringLiteral("note"), QStringLiteral("new hire")}};
        QTest::newRow("role: unknown member")
            << "role" << with(promote, QStringLiteral("scope"), QStringLiteral("all"))
            << QStringLiteral("scope");
        QTest::newRow("role: role an array")
            << "role" << with(promote, QStringLiteral("role"), QJsonArray {QStringLiteral("admin")})
            << QStringLiteral("role");
    }

    void staffBodiesAreStrict()
    {
        QFETCH(QString, route);
        QFETCH(QJsonObject, body);
        QFETCH(QString, field);
        const TestAccount target = signUp(QStringLiteral("Strict"));
        const HttpResult r = as(m_admin)->put(
            QStringLiteral("/api/admin/users/%1/%2").arg(target.userId, route), body);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json()[QStringLiteral("code")].toString(), QStringLiteral("validation_failed"));
        QVERIFY2(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
                     field),
                 r.body.constData());
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = '%1' AND status = "
                                       "'active' AND role = 'user'")
                            .arg(target.userId)),
                 1);
    }
};

QTEST_GUILESS_MAIN(TestIdentityStaff)
#include "tst_identity_staff.moc"
