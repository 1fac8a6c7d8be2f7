#include "tests/support/IntegrationTest.h"

#include <QTest>

namespace fp::test {

IntegrationTest::IntegrationTest(TestServer::Options options) : m_options(std::move(options)) { }

IntegrationTest::IntegrationTest(OwnServers) { }

TestServer &IntegrationTest::addServer(TestServer::Options options)
{
    m_servers.push_back(std::make_unique<TestServer>(std::move(options)));
    return *m_servers.back();
}

TestAccount IntegrationTest::signUpAs(const QString &role, const QString &nickname,
                                      std::source_location where)
{
    const TestAccount account = signUp(nickname, where);
    seed().role(account, role, where);
    return logIn(account, {}, where);
}

void IntegrationTest::exec(const QString &sql, std::source_location where)
{
    QString error;
    if (!db()->exec(sql, &error))
        QTest::qFail(qPrintable(QStringLiteral("%1\n   in: %2").arg(error, sql)), where.file_name(),
                     int(where.line()));
}

void IntegrationTest::initTestCase()
{
    FP_REQUIRE_TEST_ENVIRONMENT();
    if (m_options) {
        TestServer &shared = addServer(*m_options);
        QVERIFY2(shared.start(), shared.output().constData());
        m_seed = std::make_unique<Seed>(shared.database());
    }
    m_prepared = true;
    prepare();
}

void IntegrationTest::cleanupTestCase()
{
    // The shared server last: the others may use its database.
    for (auto it = m_servers.rbegin(); it != m_servers.rend(); ++it) {
        if ((*it)->started())
            QCOMPARE((*it)->stop(), 0);
    }
    if (!m_prepared)
        return;
    for (const auto &server : m_servers) {
        const QByteArray logs = server->output();
        for (const QString &secret : std::as_const(m_secrets)) {
            if (!secret.isEmpty())
                QVERIFY2(!logs.contains(secret.toUtf8()), "a password or token reached the log");
        }
    }
    verifyLogs();
}

} // namespace fp::test
