#include "tests/support/IntegrationTest.h"

#include <QTest>

#include <algorithm>
#include <cstdio>

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

void IntegrationTest::cleanup()
{
    if (!QTest::currentTestFailed())
        return;
    // The warnings and errors first (a failed pass or statement may be minutes old), then the
    // newest lines, whatever their level.
    constexpr qsizetype kShown = 20;
    QTest::qWait(300); // what the servers are still writing about the failed moment
    for (const auto &server : m_servers) {
        if (!server->started())
            continue;
        QByteArrayList lines = server->output().split('\n');
        lines.removeAll(QByteArray());
        QByteArrayList trouble;
        for (const QByteArray &line : std::as_const(lines)) {
            if (line.contains("\"level\":\"warning\"") || line.contains("\"level\":\"error\""))
                trouble << line;
        }
        if (trouble.isEmpty())
            trouble << "(none)";
        std::fprintf(
            stderr,
            "--- the server on port %u: its last %lld warnings and errors ---\n%s\n"
            "--- its last %lld lines ---\n%s\n",
            unsigned(server->port()), qlonglong(kShown),
            trouble.mid(std::max<qsizetype>(0, trouble.size() - kShown)).join('\n').constData(),
            qlonglong(kShown),
            lines.mid(std::max<qsizetype>(0, lines.size() - kShown)).join('\n').constData());
    }
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
