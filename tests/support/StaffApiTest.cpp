#include "tests/support/StaffApiTest.h"

#include <QTest>

namespace fp::test {

void StaffApiTest::prepare()
{
    m_admin = logInAsAdmin();
    m_moderator = signUpAs(QStringLiteral("moderator"), QStringLiteral("Moddy"));
    m_user = signUp(QStringLiteral("Plainuser"));
}

void StaffApiTest::staffRoutes(std::initializer_list<StaffRoute> routes)
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    for (const StaffRoute &route : routes)
        QTest::newRow(route.name) << QByteArray(route.method) << route.path;
}

void StaffApiTest::verifyStaffOnly()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const QByteArray body = method == "GET" ? QByteArray() : QByteArray("{}");
    const QList<QPair<QByteArray, QByteArray>> headers {{"Content-Type", "application/json"}};
    HttpClient anonymous(port());
    HttpResult r = anonymous.send(method, path, body, headers);
    QCOMPARE(r.status, 401);
    QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
    r = as(m_user)->send(method, path, body, headers);
    QCOMPARE(r.status, 403);
    QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
    // Staff get past the role check (a 2xx, or the route's own 400/404/409).
    r = as(m_admin)->send(method, path, body, headers);
    QVERIFY2(r.status != 401 && r.status != 403 && r.status != 500, r.body.constData());
}

} // namespace fp::test
