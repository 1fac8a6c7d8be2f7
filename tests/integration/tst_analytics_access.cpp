// The analyst role against the real server: an admin gives it (audited); the analyst's token
// says so; an analyst sees product analytics and the aggregated queue metrics and gets 403 on
// every other staff route, enumerated from the contract the server serves (resources/
// openapi.yaml), so a staff route added later is covered without an edit here. Moderators and
// admins see analytics too; plain users do not.

#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>
#include <QUuid>

using namespace fp::test;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

struct Operation
{
    QByteArray method;
    QString path; // the contract's template, {params} filled with a random id
    QString pattern;
};

/// Every operation under /api/admin in the served contract.
QList<Operation> adminOperations(const QByteArray &spec)
{
    static const QRegularExpression pathLine(QStringLiteral("^  (/api/admin[^:\\s]*):\\s*$"));
    static const QRegularExpression methodLine(
        QStringLiteral("^    (get|post|put|patch|delete):\\s*$"));
    static const QRegularExpression param(QStringLiteral("\\{[^}]+\\}"));
    QList<Operation> operations;
    QString current;
    for (const QString &line : QString::fromUtf8(spec).split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1String("  /"))) {
            const QRegularExpressionMatch m = pathLine.match(line);
            current = m.hasMatch() ? m.captured(1) : QString();
            continue;
        }
        if (current.isEmpty())
            continue;
        const QRegularExpressionMatch m = methodLine.match(line);
        if (!m.hasMatch())
            continue;
        QString path = current;
        path.replace(param, QUuid::createUuid().toString(QUuid::WithoutBraces));
        operations.append({m.captured(1).toUpper().toLatin1(), path, current});
    }
    return operations;
}

bool analyticsRoute(const QString &pattern)
{
    return pattern.startsWith(QLatin1String("/api/admin/analytics/")) ||
        pattern.startsWith(QLatin1String("/api/admin/queue/metrics"));
}

} // namespace

class TestAnalyticsAccess : public StaffApiTest
{
    Q_OBJECT

public:
    TestAnalyticsAccess() : StaffApiTest(TestServer::Options().withoutRateLimits()) { }

private:
    TestAccount m_analyst;

    void prepare() override
    {
        StaffApiTest::prepare();
        const TestAccount person = signUp(s("Product"));
        const HttpResult r =
            as(m_admin)->put(s("/api/admin/users/%1/role").arg(person.userId),
                             {{s("role"), s("analyst")}, {s("note"), s("product team")}});
        if (r.status != 200)
            qWarning("giving the analyst role failed: %d %s", r.status, r.body.constData());
        m_analyst = logIn(person);
    }

private Q_SLOTS:
    void anAdminGivesTheAnalystRoleAudited()
    {
        QCOMPARE(text(s("SELECT role FROM users WHERE id = '%1'").arg(m_analyst.userId)),
                 s("analyst"));
        QCOMPARE(number(s("SELECT COUNT(*) FROM admin_audit_log WHERE action = 'user.role' AND "
                          "target_id = '%1' AND actor_user_id = '%2'")
                            .arg(m_analyst.userId, m_admin.userId)),
                 1);
        // The token says so.
        const QList<QString> parts = m_analyst.accessToken.split(QLatin1Char('.'));
        QCOMPARE(parts.size(), 3);
        const QJsonObject claims =
            QJsonDocument::fromJson(
                QByteArray::fromBase64(parts.at(1).toLatin1(), QByteArray::Base64UrlEncoding))
                .object();
        QCOMPARE(claims.value(s("role")).toString(), s("analyst"));
        // Only an admin may give it, and only a known role.
        const TestAccount other = signUp(s("Other"));
        const QString path = s("/api/admin/users/%1/role").arg(other.userId);
        QCOMPARE(
            as(m_moderator)->put(path, {{s("role"), s("analyst")}, {s("note"), s("x")}}).status,
            403);
        QCOMPARE(as(m_analyst)->put(path, {{s("role"), s("analyst")}, {s("note"), s("x")}}).status,
                 403);
        const HttpResult bad =
            as(m_admin)->put(path, {{s("role"), s("owner")}, {s("note"), s("x")}});
        QCOMPARE(bad.status, 400);
        QCOMPARE(fieldsOf(bad), QStringList {s("role")});
    }

    void anAnalystGets403OnEveryOtherStaffRoute()
    {
        HttpClient anonymous(port());
        const HttpResult spec = anonymous.get(s("/api/openapi.yaml"));
        QCOMPARE(spec.status, 200);
        const QList<Operation> operations = adminOperations(spec.body);
        QVERIFY2(operations.size() >= 20, qPrintable(QString::number(operations.size())));
        int refused = 0, allowed = 0;
        const QList<QPair<QByteArray, QByteArray>> headers {{"Content-Type", "application/json"}};
        for (const Operation &op : operations) {
            const QByteArray body = op.method == "GET" ? QByteArray() : QByteArray("{}");
            const HttpResult r = as(m_analyst)->send(op.method, op.path, body, headers);
            const QString where = QString::fromLatin1(op.method) + QLatin1Char(' ') + op.pattern +
                QStringLiteral(": ") + QString::number(r.status) + QLatin1Char(' ') +
                QString::fromUtf8(r.body);
            if (analyticsRoute(op.pattern)) {
                QVERIFY2(r.status != 401 && r.status != 403 && r.status < 500, qPrintable(where));
                ++allowed;
            } else {
                QVERIFY2(r.status == 403, qPrintable(where));
                QCOMPARE(r.errorCode(), s("forbidden"));
                ++refused;
            }
        }
        // The analytics routes and the queue metrics; reports, users, audit, events...
        QVERIFY(allowed >= 7);
        QVERIFY(refused >= 12);
    }

    void analyticsRoutesAreForAnalystsAndStaff_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("metrics") << s("/api/admin/analytics/metrics");
        QTest::newRow("funnel") << s("/api/admin/analytics/funnel?cohort_week=2026-01-05");
        QTest::newRow("retention") << s("/api/admin/analytics/retention");
        QTest::newRow("series") << s(
            "/api/admin/analytics/series?metric=signups&from=2026-01-01T00:00:00Z&to="
            "2026-01-08T00:00:00Z");
        QTest::newRow("client events")
            << s("/api/admin/analytics/client-events?from=2026-01-01T00:00:00Z&to="
                 "2026-01-08T00:00:00Z");
        QTest::newRow("queue metrics") << s("/api/admin/queue/metrics");
    }

    void analyticsRoutesAreForAnalystsAndStaff()
    {
        QFETCH(QString, path);
        for (const TestAccount &who : {m_analyst, m_moderator, m_admin}) {
            const HttpResult r = as(who)->get(path);
            QVERIFY2(r.status == 200, r.body.constData());
        }
        QCOMPARE(as(m_user)->get(path).status, 403);
        HttpClient anonymous(port());
        QCOMPARE(anonymous.get(path).status, 401);
    }

    void anAnalystCannotTakePartInStaffWork()
    {
        // Not staff: the moderation queue, a user's detail, the audit log.
        QCOMPARE(as(m_analyst)->get(s("/api/admin/reports")).status, 403);
        QCOMPARE(as(m_analyst)->get(s("/api/admin/users?q=a")).status, 403);
        QCOMPARE(as(m_analyst)->get(s("/api/admin/audit-log")).status, 403);
        // Still a person of the product otherwise.
        QCOMPARE(as(m_analyst)->get(s("/api/profile")).status < 500, true);
    }
};

QTEST_MAIN(TestAnalyticsAccess)
#include "tst_analytics_access.moc"
