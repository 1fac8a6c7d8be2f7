// HTTP API benchmark: throughput, latency and the work behind each request for five routes of
// one friendship-server, each measured next to a reference taken in the same run:
//
//   GET /healthz                  the reference for the reads: the same server, no work
//   GET /api/trust_score/{id}     a matched partner's score            (ratio to /healthz)
//   GET /api/profile              the caller's own profile             (ratio to /healthz)
//   PUT /api/profile (an edit)    three sliders, the bio and a preference changed each time
//   PUT /api/profile (everything) every section changed each time, keys added and removed
//                                 (each a ratio to MariaDB alone committing the same statements)
//
//   http_bench [--server PATH] [--connections N] [--seconds D] [--warmup S] [--users U]
//              [--client-threads T] [--smoke]
//
// The load is closed-loop: N keep-alive HTTP/1.1 connections, each sending its next request as
// soon as the answer to the previous one arrived, spread over T client threads (plain sockets
// and epoll, so the client costs little of the 2 cores it shares with the server, MariaDB and
// Redis). Every answer's latency goes into the percentiles; answers are counted by status.
//
// Work per request comes from MariaDB's global `Questions` and Redis's `total_commands_processed`
// read before and after each route's run, minus what the same server does idle over the same
// time (its background ticks: measured first, for D seconds) and minus the bench's own readings.
//
// The MariaDB-alone reference replays the statements the server ran for one PUT, captured once
// from MariaDB's general log (the user's id swapped for another user's, fresh row ids), each
// PUT's statements in one transaction, on N connections and N threads for D seconds.
//
// Needs the private MariaDB (FP_TEST_DB_SOCKET, root without password) and Redis
// (FP_TEST_REDIS_PORT) that scripts/test starts; the server binary comes from --server or
// FP_SERVER_BINARY. Users, sessions and matches are seeded straight into the server's own
// database and tokens are minted with its secret, as ws_bench does. --smoke (4 connections,
// 0.5 s per route) exits non-zero on a transport error or any answer that is not 2xx, never on
// speed: numbers depend on the machine and on whoever else is using it.

#include "bench/BenchSupport.h"
#include "tests/support/TestServer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace fp::bench;

struct Options
{
    int connections = 64;
    double seconds = 5;
    double warmupSeconds = 1;
    int users = 200;
    int clientThreads = 2;
    bool smoke = false;
    QString serverBinary;
};

// ---------------------------------------------------------------------------------------------
// The load generator.

/// What one route's run got back.
struct LoadResult
{
    qint64 requests = 0; // answered, whatever the status
    std::map<int, qint64> byStatus;
    qint64 transportErrors = 0;
    std::string firstProblem;
    double seconds = 0;
    std::vector<double> latencyMs;

    double perSecond() const { return seconds > 0 ? double(requests) / seconds : 0; }
    qint64 non2xx() const
    {
        qint64 n = 0;
        for (const auto &[status, count] : byStatus)
            n += (status < 200 || status > 299) ? count : 0;
        return n;
    }
    void add(const LoadResult &other)
    {
        requests += other.requests;
        for (const auto &[status, count] : other.byStatus)
            byStatus[status] += count;
        transportErrors += other.transportErrors;
        if (firstProblem.empty())
            firstProblem = other.firstProblem;
        latencyMs.insert(latencyMs.end(), other.latencyMs.begin(), other.latencyMs.end());
    }
};

/// One keep-alive connection: the requests it cycles through, and where it is in the current one.
struct Connection
{
    int fd = -1;
    std::vector<std::string> requests; // sent in turn, round and round
    size_t next = 0;
    std::string out;
    size_t written = 0;
    std::string in;
    std::chrono::steady_clock::time_point sentAt;
};

/// Runs `connections` (their requests already set) against the port for `seconds` on one
/// thread, closed-loop; latencies are kept only when `record`.
LoadResult drive(quint16 port, std::vector<Connection> &connections, double seconds, bool record)
{
    LoadResult result;
    const auto problem = [&](const std::string &what) {
        ++result.transportErrors;
        if (result.firstProblem.empty())
            result.firstProblem = what;
    };
    const int epoll = ::epoll_create1(0);
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    const auto send = [&](Connection &c) {
        c.out = c.requests[c.next++ % c.requests.size()];
        c.written = 0;
        c.sentAt = std::chrono::steady_clock::now();
        while (c.written < c.out.size()) {
            const ssize_t n =
                ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
            if (n <= 0)
                break; // the rest goes when the socket is writable
            c.written += size_t(n);
        }
        epoll_event e {};
        e.events = EPOLLIN | (c.written < c.out.size() ? EPOLLOUT : 0u);
        e.data.ptr = &c;
        ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &e);
    };
    const auto open = [&](Connection &c) {
        if (c.fd >= 0)
            ::close(c.fd);
        c.in.clear();
        c.fd = connectTo(port);
        if (c.fd < 0) {
            problem("cannot connect: " + std::string(std::strerror(errno)));
            return false;
        }
        epoll_event e {};
        e.events = EPOLLIN;
        e.data.ptr = &c;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &e);
        return true;
    };
    int active = 0;
    for (Connection &c : connections) {
        if (c.fd < 0 && !open(c))
            continue;
        epoll_event e {};
        e.events = EPOLLIN;
        e.data.ptr = &c;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &e); // (EEXIST when just opened: harmless)
        send(c);
        ++active;
    }
    std::vector<epoll_event> events(connections.size() + 1);
    char buffer[65536];
    // After the deadline no new request goes out; the ones in flight are awaited (bounded).
    const auto drainUntil = deadline + std::chrono::seconds(10);
    bool stopping = false;
    while (active > 0) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            stopping = true;
        if (now >= drainUntil) {
            problem("answers still missing 10 s after the end of the run");
            break;
        }
        const int ready = ::epoll_wait(epoll, events.data(), int(events.size()), 20);
        for (int i = 0; i < ready; ++i) {
            Connection &c = *static_cast<Connection *>(events[size_t(i)].data.ptr);
            if (c.fd < 0)
                continue;
            if ((events[size_t(i)].events & EPOLLOUT) && c.written < c.out.size()) {
                const ssize_t n =
                    ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
                if (n > 0)
                    c.written += size_t(n);
                if (c.written == c.out.size()) {
                    epoll_event e {};
                    e.events = EPOLLIN;
                    e.data.ptr = &c;
                    ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &e);
                }
            }
            if (!(events[size_t(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            bool closed = false;
            for (;;) {
                const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    c.in.append(buffer, size_t(n));
                    continue;
                }
                closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
                break;
            }
            int status = 0;
            const qsizetype used = completeAnswer(c.in, &status);
            if (used > 0) {
                const double ms = std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - c.sentAt)
                                      .count();
                ++result.requests;
                ++result.byStatus[status];
                if (record)
                    result.latencyMs.push_back(ms);
                if ((status < 200 || status > 299) && result.firstProblem.empty())
                    result.firstProblem = c.in.substr(0, size_t(used)).substr(0, 600);
                c.in.erase(0, size_t(used));
                if (c.in.find("\r\n\r\n") != std::string::npos) {
                    problem("an answer nobody asked for");
                    closed = true;
                }
                if (!closed && !stopping) {
                    send(c);
                    continue;
                }
                if (!closed) {
                    --active;
                    continue;
                }
            } else if (used < 0) {
                problem("unreadable answer: " + c.in.substr(0, 200));
                closed = true;
            }
            if (closed) {
                if (used == 0)
                    problem("the server closed the connection before answering");
                ::epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
                ::close(c.fd);
                c.fd = -1;
                c.in.clear();
                // A connection the server closed is opened again, as a client would.
                if (!stopping && open(c))
                    send(c);
                else
                    --active;
            }
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ::close(epoll);
    return result;
}

/// The connections of a run, and the client threads that drive them.
class Load
{
public:
    Load(quint16 port, int threads) : m_port(port), m_threads(std::max(1, threads)) { }
    ~Load() { closeAll(); }

    /// Sets the requests each of `n` connections cycles through (`requestsOf(i)`).
    void prepare(int n, const std::function<std::vector<std::string>(int)> &requestsOf)
    {
        // Fresh connections for each route: one left idle through another phase may have met
        // the server's idle timeout, and the warm-up opens them again anyway.
        closeAll();
        m_connections.resize(size_t(n));
        for (int i = 0; i < n; ++i) {
            m_connections[size_t(i)].requests = requestsOf(i);
            m_connections[size_t(i)].next = 0;
        }
    }

    LoadResult run(double seconds, bool record = true)
    {
        // Each thread drives a contiguous share of the connections.
        const size_t n = m_connections.size();
        const size_t threads = std::min(size_t(m_threads), std::max<size_t>(1, n));
        std::vector<std::vector<Connection>> shares(threads);
        for (size_t i = 0; i < n; ++i)
            shares[i % threads].push_back(std::move(m_connections[i]));
        std::vector<LoadResult> results(threads);
        std::vector<std::thread> workers;
        std::atomic<size_t> finished {0};
        for (size_t t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                results[t] = drive(m_port, shares[t], seconds, record);
                ++finished;
            });
        serveEventsUntil([&] { return finished == threads; });
        for (std::thread &w : workers)
            w.join();
        for (size_t i = 0; i < n; ++i)
            m_connections[i] = std::move(shares[i % threads][i / threads]);
        LoadResult total;
        for (const LoadResult &r : results) {
            total.add(r);
            total.seconds = std::max(total.seconds, r.seconds);
        }
        return total;
    }

    void closeAll()
    {
        for (Connection &c : m_connections) {
            if (c.fd >= 0)
                ::close(c.fd);
            c.fd = -1;
        }
    }

private:
    quint16 m_port;
    int m_threads;
    std::vector<Connection> m_connections;
};

// ---------------------------------------------------------------------------------------------
// Counting the work behind the requests.

/// Statements and Redis commands per second the server does on its own (its ticks).
struct Baseline
{
    double statementsPerSecond = 0;
    double redisPerSecond = 0;
};

struct RouteMeasurement
{
    QString name;
    LoadResult load;
    double statementsPerRequest = 0;
    double redisPerRequest = 0;
    double fromMemory = 0; // share of the requests answered from memory (docs/performance.md)
    double early = 0; // share answered by the connection guard before Qt's parser read them
};

RouteMeasurement measureRoute(const QString &name, Load &load, WorkProbe &probe,
                              const WorkCounters &own, const Baseline &idle, const Options &o,
                              const fp::test::TestServer &server)
{
    if (o.warmupSeconds > 0)
        load.run(o.warmupSeconds, false);
    RouteMeasurement m;
    m.name = name;
    // When each route's measured load starts (wall clock, for lining a profile up with it).
    say(QStringLiteral("  measuring %1 from %2 (Unix time)")
            .arg(name)
            .arg(double(QDateTime::currentMSecsSinceEpoch()) / 1000.0, 0, 'f', 3));
    const WorkCounters before = probe.read();
    const double keptBefore = server.metric("fp_http_answered_from_memory_total");
    const double earlyBefore = qMax(0.0, server.metric("fp_http_early_answers_total"));
    m.load = load.run(o.seconds);
    const WorkCounters after = probe.read();
    const double requests = double(std::max<qint64>(1, m.load.requests));
    m.fromMemory = (server.metric("fp_http_answered_from_memory_total") - keptBefore) / requests;
    m.early = (qMax(0.0, server.metric("fp_http_early_answers_total")) - earlyBefore) / requests;
    // The idle server's rate is an estimate: a route that asks nothing can come out a hair
    // below zero once it is taken off.
    m.statementsPerRequest = qMax(0.0,
                                  (double(after.statements - before.statements - own.statements) -
                                   idle.statementsPerSecond * m.load.seconds) /
                                      requests);
    m.redisPerRequest =
        qMax(0.0,
             (double(after.redisCommands - before.redisCommands - own.redisCommands) -
              idle.redisPerSecond * m.load.seconds) /
                 requests);
    return m;
}

// ---------------------------------------------------------------------------------------------
// The people: seeded rows, minted tokens, the profiles they write.

struct Person
{
    QString userId;
    QString token;
    QString partnerId; // matched with them: may see their trust score
};

/// Users, their profiles and sessions, a match for each pair (2p, 2p+1) and a stored trust
/// score for everyone, as the server would have written them; rows go in 500 at a time.
bool seed(fp::test::TestDatabase &db, std::vector<Person> &people, const QByteArray &secret,
          QString *error)
{
    const qsizetype n = qsizetype(people.size());
    std::vector<Account> accounts;
    if (!seedAccounts(db, n, secret, QStringLiteral("httpbench.test"), &accounts, error))
        return false;
    for (qsizetype i = 0; i < n; ++i) {
        people[size_t(i)].userId = accounts[size_t(i)].userId;
        people[size_t(i)].token = accounts[size_t(i)].token;
    }
    for (qsizetype i = 0; i + 1 < n; i += 2) {
        people[size_t(i)].partnerId = people[size_t(i + 1)].userId;
        people[size_t(i + 1)].partnerId = people[size_t(i)].userId;
    }
    if (n % 2)
        people.back().partnerId = people.back().userId;
    const auto id = [&](qsizetype i) {
        return people[size_t(i)].userId;
    };
    return insertBatched(
               db, n, QStringLiteral("INSERT INTO user_profiles (user_id, nickname) VALUES "),
               [&](qsizetype i) { return QStringLiteral("('%1','hb%2')").arg(id(i)).arg(i); },
               error) &&
        insertBatched(
               db, n,
               QStringLiteral("INSERT INTO trust_scores (user_id, score, cooldown_applied, "
                              "components_json) VALUES "),
               [&](qsizetype i) {
                   return QStringLiteral("('%1',70,0,JSON_OBJECT('reliability',70,'respect',70,"
                                         "'engagement',70,'safety',70))")
                       .arg(id(i));
               },
               error) &&
        insertBatched(
               db, n / 2,
               QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, "
                              "user_a_alias, user_b_alias, status, matched_at, "
                              "match_score, score_breakdown_json, match_reasons_json) "
                              "VALUES "),
               [&](qsizetype p) {
                   return QStringLiteral("('%1','%2','%3','Fox','Owl','active_chat',"
                                         "UTC_TIMESTAMP(3),80,'{}','[]')")
                       .arg(newId(), std::min(id(2 * p), id(2 * p + 1)),
                            std::max(id(2 * p), id(2 * p + 1)));
               },
               error);
}

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(text).object();
}

/// The complete profiles a writer alternates between: 0 is tests/integration/tst_profile.cpp's;
/// 1 differs from it in every section (keys added and removed); 2 is 0 as a person edits it on
/// the profile screen (three sliders moved, the bio edited, one preference changed).
QByteArray profileBody(int variant)
{
    QJsonObject body;
    QJsonObject preferences;
    if (variant == 0 || variant == 2) {
        body = json(R"({"nickname":"Mira","age_range":"25-34","location_city":"Leipzig",
            "location_country":"DE","bio":"Night walks, board games and long talks.",
            "values":{"honesty":95,"empathy":80,"curiosity":75},
            "interests":{"books":90,"hiking":60,"board_games":85},
            "off_limits_topics":["politics"],
            "non_negotiables":[{"dimension":"value","key":"honesty","priority_rank":1},
                {"dimension":"preference","key":"conversation_depth","priority_rank":2}]})");
        preferences = json(R"({"conversation_depth":"deep","contact_frequency":"weekly",
            "directness_score":70,"humor_score":85,"response_pace":"flexible",
            "group_comfort":"one_to_one","friendship_intention":"long_term","voice_note_ok":true,
            "availability_windows":[{"day":"tue","start":"18:30","end":"21:00"},
                                    {"day":"sat","start":"10:00","end":"13:00"}],
            "timezone":"Europe/Berlin"})");
        body.insert(QStringLiteral("avatar_url"), QStringLiteral("https://cdn.example.org/a.png"));
        if (variant == 2) {
            body.insert(QStringLiteral("bio"),
                        QStringLiteral("Night walks, board games, long talks and tea."));
            body.insert(QStringLiteral("values"),
                        json(R"({"honesty":90,"empathy":80,"curiosity":80})"));
            body.insert(QStringLiteral("interests"),
                        json(R"({"books":85,"hiking":60,"board_games":85})"));
            preferences.insert(QStringLiteral("humor_score"), 80);
        }
    } else {
        body = json(R"({"nickname":"Mira K","age_range":"35-44","location_city":"Dresden",
            "location_country":"DE","bio":"Morning runs, chess and quiet cafes.",
            "values":{"honesty":90,"empathy":85,"humor":70},
            "interests":{"books":80,"cooking":75,"music":65},
            "off_limits_topics":["religion"],
            "non_negotiables":[{"dimension":"value","key":"empathy","priority_rank":1},
                {"dimension":"preference","key":"contact_frequency","priority_rank":2}]})");
        preferences = json(R"({"conversation_depth":"moderate","contact_frequency":"daily",
            "directness_score":60,"humor_score":75,"response_pace":"quick",
            "group_comfort":"small_groups","friendship_intention":"open_ended","voice_note_ok":false,
            "availability_windows":[{"day":"mon","start":"07:00","end":"08:30"}],
            "timezone":"Europe/Berlin"})");
        body.insert(QStringLiteral("avatar_url"), QStringLiteral("https://cdn.example.org/b.png"));
    }
    body.insert(QStringLiteral("preferences"), preferences);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

// ---------------------------------------------------------------------------------------------
// MariaDB alone: the statements of one PUT, straight from a client.

/// The statements the server sent for one PUT, as the general log shows them, and the user
/// they were for.
struct PutScript
{
    QString userId;
    QStringList statements;
};

/// Turns MariaDB's general log on (to its table) while `act` runs, and returns what the
/// connection that touched `userId` ran in that time.
PutScript capture(fp::test::TestDatabase &db, const QString &userId,
                  const std::function<void()> &act)
{
    PutScript script;
    script.userId = userId;
    // One connection for the general log's times: event_time is in the session's time zone.
    QSqlQuery q(QSqlDatabase::database(WorkProbe::connectionName()));
    const auto scalar = [&q](const QString &sql) {
        return q.exec(sql) && q.next() ? q.value(0).toString() : QString();
    };
    const QString since = scalar(QStringLiteral("SELECT CAST(NOW(6) AS CHAR)"));
    const QString output = scalar(QStringLiteral("SELECT @@GLOBAL.log_output"));
    db.exec(QStringLiteral("SET GLOBAL log_output = 'TABLE'"));
    db.exec(QStringLiteral("SET GLOBAL general_log = 1"));
    act();
    db.exec(QStringLiteral("SET GLOBAL general_log = 0"));
    db.exec(QStringLiteral("SET GLOBAL log_output = '%1'").arg(output));
    const QString thread = scalar(
        QStringLiteral("SELECT thread_id FROM mysql.general_log WHERE event_time >= '%1' AND "
                       "CONVERT(argument USING utf8mb4) LIKE 'UPDATE user_profiles%%2%' "
                       "ORDER BY event_time LIMIT 1")
            .arg(since, userId));
    if (thread.isEmpty())
        return script;
    q.exec(QStringLiteral("SELECT command_type, CONVERT(argument USING utf8mb4) FROM "
                          "mysql.general_log WHERE thread_id = %1 AND event_time >= '%2' ORDER "
                          "BY event_time")
               .arg(thread, since));
    while (q.next()) {
        const QString type = q.value(0).toString();
        if (type == QLatin1String("Query") || type == QLatin1String("Execute"))
            script.statements << q.value(1).toString();
    }
    db.exec(QStringLiteral("TRUNCATE TABLE mysql.general_log"));
    return script;
}

/// The captured statements for another user: the id swapped, every other id in them (new rows'
/// keys) fresh.
QStringList forUser(const PutScript &script, const QString &userId)
{
    static const QRegularExpression uuid(
        QStringLiteral("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    QStringList out;
    for (const QString &statement : script.statements) {
        QString s;
        qsizetype from = 0;
        for (auto it = uuid.globalMatch(statement); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            s += statement.mid(from, m.capturedStart() - from);
            s += m.captured() == script.userId ? userId : newId();
            from = m.capturedEnd();
        }
        out << s + statement.mid(from);
    }
    return out;
}

struct ReferenceResult
{
    qint64 commits = 0;
    qint64 failures = 0;
    QString firstFailure;
    double seconds = 0;
    std::vector<double> latencyMs;
    double perSecond() const { return seconds > 0 ? double(commits) / seconds : 0; }
};

/// N connections on N threads, each replaying the two captured PUTs in turn for its own user
/// for `seconds`; the scripts hold their own START TRANSACTION and COMMIT. `turns` counts each
/// writer's PUTs, so a later replay goes on from the profile the last one left.
ReferenceResult replay(const QString &socket, const QString &database,
                       const std::vector<PutScript> &scripts, const QStringList &userIds,
                       std::vector<size_t> &turns, double seconds)
{
    const int n = int(userIds.size());
    std::vector<ReferenceResult> results(static_cast<size_t>(n));
    std::atomic<int> ready {0};
    std::atomic<bool> go {false};
    std::vector<QThread *> threads;
    for (int i = 0; i < n; ++i) {
        threads.push_back(QThread::create([&, i] {
            ReferenceResult &r = results[size_t(i)];
            const QString name = QStringLiteral("http-bench-reference-%1").arg(i);
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), name);
                db.setUserName(QStringLiteral("root"));
                db.setDatabaseName(database);
                db.setConnectOptions(QStringLiteral("UNIX_SOCKET=%1").arg(socket));
                const bool open = db.open();
                QSqlQuery q(db);
                q.exec(QStringLiteral("SET time_zone = '+00:00'"));
                ++ready;
                while (!go)
                    std::this_thread::yield();
                if (!open) {
                    r.failures = 1;
                    r.firstFailure = db.lastError().text();
                } else {
                    QElapsedTimer t;
                    t.start();
                    size_t &k = turns[size_t(i)];
                    for (; double(t.nsecsElapsed()) * 1e-9 < seconds; ++k) {
                        // Fresh row and event ids for every PUT, as the server makes them.
                        const QStringList statements =
                            forUser(scripts[k % scripts.size()], userIds[i]);
                        const qint64 started = t.nsecsElapsed();
                        bool ok = true;
                        for (const QString &statement : statements) {
                            if (!q.exec(statement)) {
                                ok = false;
                                if (r.firstFailure.isEmpty())
                                    r.firstFailure = q.lastError().text() +
                                        QStringLiteral(" in: ") + statement.left(200);
                                q.exec(QStringLiteral("ROLLBACK"));
                                break;
                            }
                        }
                        if (ok) {
                            ++r.commits;
                            r.latencyMs.push_back(double(t.nsecsElapsed() - started) * 1e-6);
                        } else {
                            ++r.failures;
                            --k; // rolled back: the same PUT again
                        }
                    }
                    r.seconds = double(t.nsecsElapsed()) * 1e-9;
                }
                q = QSqlQuery();
                db.close();
            }
            QSqlDatabase::removeDatabase(name);
        }));
        threads.back()->start();
    }
    serveEventsUntil([&] { return ready == n; });
    go = true;
    serveEventsUntil([&] {
        return std::all_of(threads.begin(), threads.end(),
                           [](QThread *t) { return t->isFinished(); });
    });
    ReferenceResult total;
    for (int i = 0; i < n; ++i) {
        threads[size_t(i)]->wait();
        delete threads[size_t(i)];
        const ReferenceResult &r = results[size_t(i)];
        total.commits += r.commits;
        total.failures += r.failures;
        if (total.firstFailure.isEmpty())
            total.firstFailure = r.firstFailure;
        total.seconds = std::max(total.seconds, r.seconds);
        total.latencyMs.insert(total.latencyMs.end(), r.latencyMs.begin(), r.latencyMs.end());
    }
    return total;
}

// ---------------------------------------------------------------------------------------------

QString statusText(const LoadResult &r)
{
    QStringList parts;
    for (const auto &[status, count] : r.byStatus)
        parts << QStringLiteral("%1: %2").arg(status).arg(count);
    if (r.transportErrors > 0)
        parts << QStringLiteral("transport: %1").arg(r.transportErrors);
    return parts.join(QStringLiteral(", "));
}

void printRoute(const RouteMeasurement &m, const QString &ratio, const QString &goal)
{
    say(QStringLiteral("  %1 %2 req/s  p50 %3 ms  p99 %4 ms  SQL/req %5  Redis/req %6  "
                       "from memory %7 % (early %8 %)  %9  [%10]  goal: %11")
            .arg(m.name, -22)
            .arg(m.load.perSecond(), 8, 'f', 0)
            .arg(percentile(m.load.latencyMs, 50), 6, 'f', 2)
            .arg(percentile(m.load.latencyMs, 99), 6, 'f', 2)
            .arg(m.statementsPerRequest, 4, 'f', 1)
            .arg(m.redisPerRequest, 4, 'f', 1)
            .arg(100.0 * m.fromMemory, 3, 'f', 0)
            .arg(100.0 * m.early, 3, 'f', 0)
            .arg(ratio, -26)
            .arg(statusText(m.load), goal));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Options o;
    o.serverBinary = qEnvironmentVariable("FP_SERVER_BINARY");
    const bool understood = Arguments()
                                .flag("--smoke", &o.smoke)
                                .text("--server", &o.serverBinary)
                                .integer("--connections", &o.connections, 1)
                                .number("--seconds", &o.seconds, 0.1)
                                .number("--warmup", &o.warmupSeconds, 0)
                                .integer("--users", &o.users, 2)
                                .integer("--client-threads", &o.clientThreads, 1)
                                .parse(app.arguments());
    if (!understood) {
        std::fprintf(stderr,
                     "usage: http_bench [--server PATH] [--connections N] [--seconds D] "
                     "[--warmup S] [--users U] [--client-threads T] [--smoke]\n");
        return 2;
    }
    if (o.smoke) {
        o.connections = 4;
        o.seconds = 0.5;
        o.warmupSeconds = 0.2;
        o.users = 20;
    }
    // Writers and the MariaDB-alone reference each need a user per connection of their own.
    o.users = std::max(o.users, 2 * o.connections + 2);

    fp::test::TestEnvironment environment;
    if (!findEnvironment(QStringLiteral("http_bench"), o.serverBinary, &environment))
        return 1;
    say(QStringLiteral("http_bench: %1 connections, %2 s per route after %3 s of warm-up, %4 "
                       "users; client threads %5; server build type %6; this machine: %7 cores")
            .arg(o.connections)
            .arg(o.seconds)
            .arg(o.warmupSeconds)
            .arg(o.users)
            .arg(o.clientThreads)
            .arg(buildType(environment.serverBinary))
            .arg(QThread::idealThreadCount()));

    fp::test::TestServer server(loadServerOptions());
    if (!startServer(server))
        return 1;
    std::vector<Person> people(size_t(o.users));
    QString error;
    if (!seed(*server.database(), people, server.jwtSecret().toUtf8(), &error)) {
        say(QStringLiteral("seeding failed: %1").arg(error));
        return 1;
    }
    WorkProbe probe(environment.dbSocket, environment.redisPort);
    if (!probe.ok()) {
        say(QStringLiteral("cannot read MariaDB's status as root"));
        return 1;
    }
    const int n = o.connections;
    // Person i writes through connection i; people n .. 2n-1 are the reference's writers.
    const auto writer = [&](int i) -> const Person & {
        return people[size_t(i)];
    };
    const auto referenceWriter = [&](int i) -> const Person & {
        return people[size_t(n + i)];
    };
    const auto reader = [&](int i) -> const Person & {
        return people[size_t(i) % people.size()];
    };

    Load load(server.port(), o.clientThreads);
    bool failed = false;
    const auto check = [&](const QString &what, const LoadResult &r) {
        if (r.transportErrors == 0 && r.non2xx() == 0 && r.requests > 0)
            return;
        failed = true;
        say(QStringLiteral("  %1: %2 answered, %3 not 2xx, %4 transport errors; first: %5")
                .arg(what)
                .arg(r.requests)
                .arg(r.non2xx())
                .arg(r.transportErrors)
                .arg(QString::fromStdString(r.firstProblem)));
    };

    // Everyone who writes starts from profile 0 (the reference's writers too), one PUT each.
    for (int from : {0, n}) {
        load.prepare(n, [&](int i) {
            return std::vector<std::string> {request("PUT", QStringLiteral("/api/profile"),
                                                     people[size_t(from + i)].token,
                                                     profileBody(0))};
        });
        // (a closed loop of one request per connection: as long as one PUT takes)
        const LoadResult first = load.run(0.001, false);
        check(QStringLiteral("first profile"), first);
    }

    // Two kinds of write, each alternating with profile 0: every section changed (1), and an
    // edit on the profile screen (2). The statements of one PUT each way, from the general log,
    // are what MariaDB alone replays.
    struct Write
    {
        QString name;
        int variant;
        std::vector<PutScript> scripts;
    };
    std::vector<Write> writes {{QStringLiteral("PUT /api/profile (an edit)"), 2, {}},
                               {QStringLiteral("PUT /api/profile (everything)"), 1, {}}};
    for (Write &w : writes) {
        const Person &p = referenceWriter(0);
        for (int variant : {w.variant, 0}) {
            PutScript s = capture(*server.database(), p.userId, [&] {
                load.prepare(1, [&](int) {
                    return std::vector<std::string> {request("PUT", QStringLiteral("/api/profile"),
                                                             p.token, profileBody(variant))};
                });
                check(QStringLiteral("captured profile write"), load.run(0.001, false));
            });
            if (s.statements.isEmpty()) {
                say(QStringLiteral("  could not find the PUT's statements in the general log"));
                failed = true;
            } else {
                w.scripts.push_back(s);
            }
        }
        load.closeAll();
    }

    // What the bench's own readings count, and the server's idle work over a route's time.
    const WorkCounters own = probe.ownCost();
    Baseline idle;
    {
        const WorkCounters before = probe.read();
        QElapsedTimer t;
        t.start();
        serveEventsFor(o.seconds);
        const WorkCounters after = probe.read();
        const double s = double(t.nsecsElapsed()) * 1e-9;
        idle.statementsPerSecond =
            double(after.statements - before.statements - own.statements) / s;
        idle.redisPerSecond =
            double(after.redisCommands - before.redisCommands - own.redisCommands) / s;
    }

    load.prepare(n, [&](int) {
        return std::vector<std::string> {request("GET", QStringLiteral("/healthz"))};
    });
    const RouteMeasurement healthz =
        measureRoute(QStringLiteral("GET /healthz"), load, probe, own, idle, o, server);
    check(healthz.name, healthz.load);

    load.prepare(n, [&](int i) {
        return std::vector<std::string> {request(
            "GET", QStringLiteral("/api/trust_score/") + reader(i).partnerId, reader(i).token)};
    });
    const RouteMeasurement trust = measureRoute(QStringLiteral("GET /api/trust_score/{id}"), load,
                                                probe, own, idle, o, server);
    check(trust.name, trust.load);

    load.prepare(n, [&](int i) {
        return std::vector<std::string> {
            request("GET", QStringLiteral("/api/profile"), reader(i).token)};
    });
    const RouteMeasurement read =
        measureRoute(QStringLiteral("GET /api/profile"), load, probe, own, idle, o, server);
    check(read.name, read.load);

    std::vector<RouteMeasurement> written;
    for (const Write &w : writes) {
        load.prepare(n, [&](int i) {
            return std::vector<std::string> {
                request("PUT", QStringLiteral("/api/profile"), writer(i).token,
                        profileBody(w.variant)),
                request("PUT", QStringLiteral("/api/profile"), writer(i).token, profileBody(0))};
        });
        written.push_back(measureRoute(w.name, load, probe, own, idle, o, server));
        check(w.name, written.back().load);
    }
    load.closeAll();

    // MariaDB alone, the same statements for the same number of writers.
    std::vector<ReferenceResult> references;
    for (const Write &w : writes) {
        ReferenceResult reference;
        if (!w.scripts.empty()) {
            QStringList ids;
            for (int i = 0; i < n; ++i)
                ids << referenceWriter(i).userId;
            std::vector<size_t> turns(size_t(n), 0);
            if (o.warmupSeconds > 0)
                replay(environment.dbSocket, server.databaseName(), w.scripts, ids, turns,
                       o.warmupSeconds);
            reference = replay(environment.dbSocket, server.databaseName(), w.scripts, ids, turns,
                               o.seconds);
            // A deadlock victim is rolled back and tried again, as the server does: counted,
            // shown, but only a reference that commits nothing fails the run.
            if (reference.failures > 0 || reference.commits == 0) {
                failed = failed || reference.commits == 0;
                say(QStringLiteral("  MariaDB alone (%1): %2 commits, %3 failed; first: %4")
                        .arg(w.name)
                        .arg(reference.commits)
                        .arg(reference.failures)
                        .arg(reference.firstFailure));
            }
        }
        references.push_back(reference);
    }
    server.stop();

    say(QStringLiteral("results (%1 connections, %2 s per route; references measured in the same "
                       "run on the same machine; SQL statements and Redis commands per request "
                       "net of the idle server (%3 statements/s, %4 Redis commands/s); Redis "
                       "commands as INFO counts them, a script's own calls included):")
            .arg(n)
            .arg(o.seconds)
            .arg(idle.statementsPerSecond, 0, 'f', 1)
            .arg(idle.redisPerSecond, 0, 'f', 1));
    printRoute(healthz, QStringLiteral("(the reference)"), QStringLiteral("-"));
    printRoute(trust,
               ratioText(trust.load.perSecond(), healthz.load.perSecond()) +
                   QStringLiteral(" of /healthz"),
               QStringLiteral(">= 0.5x, <= 1 SQL, <= 1 Redis"));
    printRoute(read,
               ratioText(read.load.perSecond(), healthz.load.perSecond()) +
                   QStringLiteral(" of /healthz"),
               QStringLiteral(">= 0.4x, <= 2 SQL"));
    for (size_t k = 0; k < writes.size(); ++k) {
        const ReferenceResult &reference = references[k];
        printRoute(written[k],
                   ratioText(written[k].load.perSecond(), reference.perSecond()) +
                       QStringLiteral(" of MariaDB alone"),
                   QStringLiteral(">= 0.5x, p99 < 50 ms at 64 connections, <= 8 SQL"));
        qsizetype statementsPerPut = 0;
        for (const PutScript &script : writes[k].scripts)
            statementsPerPut += script.statements.size();
        say(QStringLiteral("  %1 %2 commits/s  p50 %3 ms  p99 %4 ms  (the PUT's %5 statements "
                           "each way, from the general log, on %6 connections straight to "
                           "MariaDB)")
                .arg(QStringLiteral("MariaDB alone"), -22)
                .arg(reference.perSecond(), 8, 'f', 0)
                .arg(percentile(reference.latencyMs, 50), 6, 'f', 2)
                .arg(percentile(reference.latencyMs, 99), 6, 'f', 2)
                .arg(writes[k].scripts.empty()
                         ? 0.0
                         : double(statementsPerPut) / double(writes[k].scripts.size()),
                     0, 'f', 1)
                .arg(n));
    }
    if (failed)
        say(QStringLiteral("  server log tail:\n%1")
                .arg(QString::fromUtf8(server.output().right(3000))));
    say(failed ? QStringLiteral("RESULT: FAIL") : QStringLiteral("RESULT: OK"));
    return failed ? 1 : 0;
}
