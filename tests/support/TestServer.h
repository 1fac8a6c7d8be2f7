#pragma once

// Runs the real friendship-server binary for integration tests, on a free port, against the
// private MariaDB and Redis that scripts/test started (FP_TEST_DB_SOCKET, FP_TEST_REDIS_PORT).
// Each TestServer gets its own fresh database unless told to share one, so tests never see
// each other's rows. Also what ws_bench starts its servers with.

#include <QByteArray>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <memory>

namespace fp::test {

/// The environment scripts/test provides: its private services, and from ctest the server.
struct TestEnvironment
{
    QString dbSocket; // root access, no password
    quint16 redisPort = 0;
    QString serverBinary;
    QString sourceDir;

    static TestEnvironment fromProcess();
    /// The variables that are not set here.
    QStringList missing() const;
    /// Why a test that needs the services cannot run here (empty when it can).
    QString problem() const;
};

/// Fails the current test when scripts/test did not provide the services: a test that cannot
/// check anything must not count as passed.
#define FP_REQUIRE_TEST_ENVIRONMENT()                                                              \
    do {                                                                                           \
        const QString fpProblem = fp::test::TestEnvironment::fromProcess().problem();              \
        if (!fpProblem.isEmpty())                                                                  \
            QFAIL(qPrintable(fpProblem));                                                          \
    } while (false)

/// Creates (and drops) a database on the private MariaDB, or on another one's socket.
class TestDatabase
{
public:
    explicit TestDatabase(const QString &prefix, const QString &socket = {});
    ~TestDatabase();
    QString name() const { return m_name; }
    /// Runs SQL as root on this database (fixtures, assertions on stored state).
    bool exec(const QString &sql, QString *error = nullptr);
    /// First column of the first row, or an invalid QVariant.
    QVariant scalar(const QString &sql);
    /// A connection of the test's own to this database, as root, named `connectionName` (one
    /// of that name is replaced): to hold a transaction while the server works, or to see the
    /// server's defaults only. QSqlDatabase::removeDatabase() it when done.
    QSqlDatabase openConnection(const QString &connectionName) const;

private:
    QString m_name;
    QString m_socket;
    QString m_connection;
};

/// A Redis of the test's own, which the test may stop and restart (readiness, fallbacks).
class PrivateRedis
{
public:
    PrivateRedis();
    ~PrivateRedis();
    bool start();
    void stop();
    /// SIGKILL; start() again brings up an empty Redis on the same port (no persistence).
    void kill();
    quint16 port() const { return m_port; }

private:
    quint16 m_port = 0;
    QString m_dir;
    std::unique_ptr<QProcess> m_process;
};

/// A MariaDB of the test's own (a few seconds to set up), which the test may stop and start
/// again: for outages. Root, no password, on a unix socket only.
class PrivateMariaDb
{
public:
    PrivateMariaDb();
    ~PrivateMariaDb();
    bool start();
    void stop();
    QString socketPath() const;

private:
    QString m_dir;
    std::unique_ptr<QProcess> m_process;
};

/// A child process that says it listens with the line {"event":"listening","port":N}, as
/// friendship-server does (and ws_bench's plain relay): started, waited for, its output kept.
class ListeningProcess
{
public:
    ~ListeningProcess();
    /// Starts it and waits until it listens. False (with the output kept) on failure.
    bool start(const QString &program, const QStringList &arguments,
               const QProcessEnvironment &environment, int timeoutMs = 60000);
    /// SIGTERM, then waits for the process; returns its exit code (-1 if it had to be killed).
    int stop(int timeoutMs = 30000);
    /// SIGKILL: a crash, nothing gets to finish.
    void kill();
    /// Keep only the last `bytes` of what it prints (0: all of it).
    void keepOutputTail(qsizetype bytes) { m_keepTail = bytes; }

    bool started() const { return m_process != nullptr; }
    bool running() const { return m_process && m_process->state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }
    QByteArray output() const; // everything it printed so far (stdout + stderr)

private:
    void collect();

    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    qsizetype m_keepTail = 0;
    quint16 m_port = 0;
};

class TestServer
{
public:
    struct Options
    {
        QString databaseName; // empty: a fresh database of its own
        QString dbSocket; // empty: the shared private MariaDB of scripts/test
        quint16 redisPort = 0; // 0: the shared private Redis
        QString redisKeyPrefix; // empty: one of its own (set the same for cooperating servers)
        QProcessEnvironment extraEnvironment;
        QStringList arguments;
        qsizetype keepOutputTail = 0; // 0: keep all it prints (tests read their server's log)

        /// One setting (an FP_* variable) for this server.
        Options &with(const QString &name, const QString &value)
        {
            extraEnvironment.insert(name, value);
            return *this;
        }
        /// A Redis of the test's own (a PrivateRedis it may stop and start).
        Options &onRedis(quint16 port)
        {
            redisPort = port;
            return *this;
        }
        /// Another instance of the same deployment as `first` (started): its database, its
        /// Redis key prefix and its token signing secret.
        Options &alongside(const TestServer &first);
        /// alongside(first), but with a Redis key prefix of its own: nothing either announces
        /// through Redis reaches the other (a notice lost), and they share only MariaDB.
        Options &onTheSameDatabaseAs(const TestServer &first);
        /// Every request of a test comes from 127.0.0.1 and a handful of accounts: lifts the
        /// per-address and per-account request budgets (tests of the limits leave them on).
        Options &withoutRateLimits()
        {
            for (const char *name : {"FP_RATE_AUTH_PER_MINUTE", "FP_RATE_MUTATIONS_PER_MINUTE",
                                     "FP_RATE_READS_PER_MINUTE", "FP_RATE_EXPORTS_PER_MINUTE"})
                with(QLatin1String(name), QStringLiteral("100000"));
            return *this;
        }
    };

    TestServer();
    explicit TestServer(Options options);
    ~TestServer();

    /// The first admin every test server creates.
    static QString adminEmail() { return QStringLiteral("admin@test.local"); }
    static QString adminPassword() { return QStringLiteral("admin-password-for-tests"); }

    /// Starts the server and waits until it listens. False (with the log kept) on failure.
    bool start(int timeoutMs = 60000);
    /// SIGTERM, then waits for the process; returns its exit code (-1 if it had to be killed).
    int stop(int timeoutMs = 30000) { return m_process.stop(timeoutMs); }
    /// SIGKILL: the server crashes where it is.
    void kill() { m_process.kill(); }
    /// Runs the binary to completion with these arguments (e.g. "migrate"); returns exit code.
    int runToCompletion(const QStringList &arguments, QByteArray *output = nullptr,
                        int timeoutMs = 60000);

    quint16 port() const { return m_process.port(); }
    QByteArray output() const { return m_process.output(); }
    /// The server's log line for the request that answered with this X-Request-Id (waiting up
    /// to 5 s for it to arrive); empty if none came. It counts the request's work:
    /// sql_statements, redis_round_trips, redis_commands.
    QJsonObject requestLogLine(const QByteArray &requestId) const;
    /// An unlabelled metric's value in the server's /metrics (asked from loopback), or -1 when
    /// it has none.
    double metric(const QByteArray &name) const;
    QString databaseName() const;
    TestDatabase *database() { return m_ownDatabase.get(); }
    QString jwtSecret() const { return m_jwtSecret; }
    QString redisKeyPrefix() const { return m_redisPrefix; }
    qint64 pid() const { return m_process.pid(); }
    /// The server process's resident memory (VmRSS in /proc/<pid>/status), or -1.
    qint64 residentBytes() const;
    bool started() const { return m_process.started(); }
    bool running() const { return m_process.running(); }

private:
    QProcessEnvironment environment() const;

    Options m_options;
    std::unique_ptr<TestDatabase> m_ownDatabase;
    ListeningProcess m_process;
    QString m_jwtSecret;
    QString m_redisPrefix;
};

} // namespace fp::test
