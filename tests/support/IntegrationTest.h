#pragma once

// What every integration test class shares. Before its first test function: the environment
// scripts/test provides (without it the test fails and says what is missing) and the server the
// test functions talk to; after the last one: every server stopped, each with exit code 0. In
// between: signing people up and in, and seeding what other domains would have stored.
//
//   class TestFriendship : public IntegrationTest
//   {
//       Q_OBJECT
//   public:
//       TestFriendship() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }
//   private Q_SLOTS:
//       void somethingFriendsDo() { const TestAccount me = signUp(); ... }
//   };
//
// A derived class declares no initTestCase(), cleanupTestCase() or cleanup(): it overrides
// prepare() and verifyLogs() instead. After a test function fails, cleanup() prints what the
// servers logged last, so that a failure seen once (in CI, under load) can still be explained.

#include "tests/support/Accounts.h"
#include "tests/support/HttpClient.h"
#include "tests/support/Seed.h"
#include "tests/support/TestServer.h"

#include <QObject>
#include <QStringList>
#include <memory>
#include <optional>
#include <source_location>
#include <vector>

namespace fp::test {

class IntegrationTest : public QObject
{
    Q_OBJECT

protected:
    /// The test functions share one server, started with these options.
    explicit IntegrationTest(TestServer::Options options = {});
    /// Each test function starts the servers it needs.
    struct OwnServers
    {
    };
    explicit IntegrationTest(OwnServers);

    /// Set-up once the environment is there and the shared server runs (staff accounts,
    /// in-process database access).
    virtual void prepare() { }
    /// Checks of what the servers printed, once all of them have stopped.
    virtual void verifyLogs() { }

    /// The shared server.
    TestServer &server() { return *m_servers.front(); }
    quint16 port() const { return m_servers.front()->port(); }
    TestDatabase *db() { return server().database(); }
    /// Seeds the shared server's database.
    Seed &seed() { return *m_seed; }
    /// Another server kept for the whole test (a second instance, other settings): the caller
    /// starts it; it is stopped before the shared one, and must exit with 0 too.
    TestServer &addServer(TestServer::Options options);

    TestAccount signUp(const QString &nickname = QStringLiteral("tester"),
                       std::source_location where = std::source_location::current())
    {
        return test::signUp(port(), nickname, where);
    }
    TestAccount logIn(const TestAccount &account, const QString &deviceLabel = {},
                      std::source_location where = std::source_location::current())
    {
        return test::logIn(port(), account, deviceLabel, where);
    }
    /// The first admin, whom every test server creates, signed in.
    TestAccount logInAsAdmin(std::source_location where = std::source_location::current())
    {
        return test::logIn(port(), TestServer::adminEmail(), TestServer::adminPassword(), where);
    }
    /// A new account with a staff role, signed in again so its session carries the role.
    TestAccount signUpAs(const QString &role, const QString &nickname,
                         std::source_location where = std::source_location::current());
    std::unique_ptr<HttpClient> as(const TestAccount &account) const
    {
        return clientFor(port(), account);
    }

    /// The first column of the first row, from the shared server's database.
    int number(const QString &sql) { return db()->scalar(sql).toInt(); }
    QString text(const QString &sql) { return db()->scalar(sql).toString(); }
    /// SQL on the shared server's database; a failure fails the calling test.
    void exec(const QString &sql, std::source_location where = std::source_location::current());

    /// Passwords and tokens the test used: none may appear in what its servers printed (checked
    /// once they have stopped, before verifyLogs()).
    QStringList m_secrets;

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

private:
    std::optional<TestServer::Options> m_options;
    std::vector<std::unique_ptr<TestServer>> m_servers;
    std::unique_ptr<Seed> m_seed;
    bool m_prepared = false;
};

} // namespace fp::test
