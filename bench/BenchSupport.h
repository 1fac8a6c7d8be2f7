#pragma once

// What the benchmarks that drive the real server share (ws_bench, http_bench, events_bench):
// finding the services and starting the server, printing, percentiles, serving the main thread's
// events while the server talks through its pipe, plain keep-alive HTTP/1.1 on non-blocking
// sockets, MariaDB's and Redis's work counters, and accounts seeded straight into the server's
// database with tokens minted by its secret.

#include "tests/support/RawRedis.h"
#include "tests/support/TestServer.h"

#include <QString>
#include <functional>
#include <string>
#include <vector>

namespace fp::bench {

void say(const QString &line);
/// The p-th percentile (0-100) of `v`; 0 when empty.
double percentile(std::vector<double> v, double p);
QString newId();
/// "1.23x" of `value` over `reference`, or "n/a" without a reference.
QString ratioText(double value, double reference);
/// How the server binary was built, from its build folder's CMakeCache.txt ("unknown" if none).
QString buildType(const QString &serverBinary);

/// A benchmark's command line: switches ("--smoke") and options with a value ("--rate 5000"),
/// each bound to the variable it sets; a number below its minimum is raised to it.
class Arguments
{
public:
    Arguments &flag(const char *name, bool *value);
    Arguments &text(const char *name, QString *value);
    Arguments &number(const char *name, double *value, double minimum);
    Arguments &integer(const char *name, int *value, int minimum);
    /// Sets what `arguments` (the program's, its name first) name; false on anything else.
    bool parse(const QStringList &arguments) const;

private:
    struct Option
    {
        QString name;
        std::function<void(const QString &)> set; // empty for a switch
        bool *flag = nullptr;
    };
    std::vector<Option> m_options;
};

/// The private services and the server binary (`serverBinary`, else FP_SERVER_BINARY) into
/// `environment`; when any is missing, says so (prefixed with `bench`) and returns false.
bool findEnvironment(const QString &bench, const QString &serverBinary,
                     fp::test::TestEnvironment *environment);
/// friendship-server as a load benchmark runs it: rate limits lifted, a deep worker queue, no
/// cap on connections per address, only the last 64 KiB of its output kept.
fp::test::TestServer::Options loadServerOptions();
/// Starts it; when it does not start, says so with the end of its log and returns false.
bool startServer(fp::test::TestServer &server);

/// Serves this (main) thread's events until `done()`: the server's output comes to us through
/// QProcess, and a server whose pipe is full blocks on its next log line.
void serveEventsUntil(const std::function<bool()> &done);
void serveEventsFor(double seconds);

/// A non-blocking TCP connection to 127.0.0.1:port with TCP_NODELAY; -1 on failure.
int connectTo(quint16 port);
/// How much of `in` one complete HTTP/1.1 answer takes (0: not complete yet, -1: not an answer
/// we can read, e.g. chunked), and its status.
qsizetype completeAnswer(const std::string &in, int *status);
/// One HTTP/1.1 request; a body (or a PUT or POST without one) goes as JSON.
std::string request(const char *method, const QString &path, const QString &token = {},
                    const QByteArray &body = {});

/// MariaDB's statement count and Redis's command count, read together.
struct WorkCounters
{
    qint64 statements = 0;
    qint64 redisCommands = 0;
};

/// Reads MariaDB's global `Questions` (as root over the socket) and Redis's
/// `total_commands_processed`.
class WorkProbe
{
public:
    WorkProbe(const QString &socket, quint16 redisPort);
    bool ok() const { return m_ok; }
    WorkCounters read();
    /// What two readings in a row count themselves (statements, commands).
    WorkCounters ownCost();
    /// The probe's root connection (QSqlDatabase::database(name)), no database selected.
    static QString connectionName() { return QStringLiteral("bench-probe"); }

private:
    fp::test::RawRedis m_redis;
    bool m_ok = false;
};

/// A user with a session and an access token for it (valid for 10 minutes, the longest allowed).
struct Account
{
    QString userId;
    QString sessionId;
    QString token;
};

/// Runs `head` followed by `row(i)` for every i < count, joined by commas, 500 rows at a time.
bool insertBatched(fp::test::TestDatabase &db, qsizetype count, const QString &head,
                   const std::function<QString(qsizetype)> &row, QString *error);
/// `count` active users (email <id>@<emailDomain>) and their sessions, as signing up and signing
/// in would have left them; tokens signed with `secret`.
bool seedAccounts(fp::test::TestDatabase &db, qsizetype count, const QByteArray &secret,
                  const QString &emailDomain, std::vector<Account> *accounts, QString *error);

} // namespace fp::bench
