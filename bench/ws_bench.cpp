// WebSocket gateway benchmark: N concurrent authenticated sockets on one friendship-server, the
// memory each idle socket costs the server, and the latency of chat relay (chat.send by one
// member of a conversation -> chat.message at the other) at a steady message rate. Each figure
// is printed next to the same measurement, in the same run, against a plain QWebSocketServer
// relay (this binary re-run with --relay-server) that does the same frames without the
// application (no worker pool, no database, no event bus). The relay is measured before the
// server and again after it (not with --smoke), and the server's CPU per message is compared
// with the mean of the two: this machine's speed drifts within minutes.
//
//   ws_bench [--server PATH] [--sockets N] [--rate R] [--seconds D] [--warmup S] [--workers W]
//            [--client-threads T] [--timeline FILE] [--smoke]
//
// --timeline writes "seconds_into_run latency_ms" for every message the server relayed, to
// find where a tail comes from (a periodic stall shows up as a column of high latencies).
//
// The clients run on T threads (4 by default), each with its own event loop and its share of
// the conversations. Every event loop here (client threads, the plain relay) waits with the
// server's epoll dispatcher (server/base/EpollEventDispatcher.h): with Qt's poll() loop the
// cost of a wake-up grows with every socket a thread holds, and at 5k sockets the bench mostly
// measured its own poll().
//
// Needs the private MariaDB (FP_TEST_DB_SOCKET, root without password) and Redis
// (FP_TEST_REDIS_PORT) that scripts/test starts; the server binary comes from --server or
// FP_SERVER_BINARY (a Release build when measuring by hand). The server runs as the integration
// tests run it (tests/support/TestServer.h), on a database of its own; users, sessions and
// conversations are seeded straight into it and tokens are minted with the server's secret, as
// tst_matching's bulk test does. --smoke (N=40, R=50, D=2) exits non-zero when a socket fails to
// authenticate or a message is lost (or the services are missing), never on timing: numbers here
// depend on the machine and on whoever else is using it.

#include "bench/BenchSupport.h"
#include "common/WsEvents.h"
#include "server/base/EpollEventDispatcher.h"
#include "server/identity/Jwt.h"
#include "tests/support/TestServer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <QWebSocket>
#include <QWebSocketServer>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int kHandshakeWindow = 100; // connections being opened at once

struct Options
{
    int sockets = 5000;
    int rate = 2000;
    double seconds = 10;
    double warmupSeconds = 2;
    int workers = 16;
    int clientThreads = 4;
    QString timelineFile; // --timeline: every relayed message's (send time, latency) for the server
    bool smoke = false;
    QString serverBinary;
};

using fp::bench::say;

qint64 rssKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// Serves this thread's events until done() or the timeout, sleeping in between. (Not
// processEvents(flags, maxtime): that overload drops WaitForMoreEvents and spins, polling every
// socket of the thread without pause; an earlier version of this bench measured mostly that.)
// The timer bounds each sleep, so a condition another thread sets is seen within 5 ms.
template<typename Done> bool waitUntil(int timeoutMs, Done done)
{
    QTimer wake;
    wake.start(5);
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// CPU time (user + system) a process has used, in milliseconds.
double cpuMs(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = fields[11].toDouble() + fields[12].toDouble();
    return ticks * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

// Where the machine's CPU went while a relay ran: a p99 measured on a machine that was busy
// with something else says little about the server. Processes are found by name in /proc (all
// of them: this bench's MariaDB and Redis are the ones at work during a run).
class MachineLoad
{
public:
    MachineLoad(qint64 serverPid) : m_serverPid(serverPid) { m_start = sample(); }

    /// "2 cores 81 % busy: the process measured 27 %, MariaDB 25 %, ..." since construction.
    QString since() const
    {
        const Sample end = sample();
        const double total = end.totalTicks - m_start.totalTicks;
        if (total <= 0)
            return QStringLiteral("unknown (no /proc/stat)");
        const double msPerTick = 1000.0 / double(sysconf(_SC_CLK_TCK));
        const auto share = [&](double ms) {
            return 100.0 * ms / (total * msPerTick);
        };
        const double server = end.serverMs - m_start.serverMs;
        const double database = end.databaseMs - m_start.databaseMs;
        const double redis = end.redisMs - m_start.redisMs;
        const double bench = end.benchMs - m_start.benchMs;
        const double busy = (end.busyTicks - m_start.busyTicks) * msPerTick;
        const double stolen = (end.stealTicks - m_start.stealTicks) * msPerTick;
        const double ioWait = (end.ioWaitTicks - m_start.ioWaitTicks) * msPerTick;
        return QStringLiteral(
                   "%1 cores %2 % busy: the process measured %3 %, MariaDB %4 %, Redis %5 %, this "
                   "bench %6 %, everything else %7 %; stolen by the hypervisor %8 %, idle "
                   "waiting for the disk %9 %")
            .arg(QThread::idealThreadCount())
            .arg(share(busy), 0, 'f', 0)
            .arg(share(server), 0, 'f', 0)
            .arg(share(database), 0, 'f', 0)
            .arg(share(redis), 0, 'f', 0)
            .arg(share(bench), 0, 'f', 0)
            .arg(std::max(0.0, share(busy - server - database - redis - bench)), 0, 'f', 0)
            .arg(share(stolen), 0, 'f', 1)
            .arg(share(ioWait), 0, 'f', 1);
    }

private:
    struct Sample
    {
        double totalTicks = 0; // every core's, idle included
        double busyTicks = 0; // spent running something on this machine
        double stealTicks = 0; // wanted, but given to another machine by the hypervisor
        double ioWaitTicks = 0; // idle while something waited for the disk
        double serverMs = 0, databaseMs = 0, redisMs = 0, benchMs = 0;
    };

    Sample sample() const
    {
        Sample s;
        QFile stat(QStringLiteral("/proc/stat"));
        if (stat.open(QIODevice::ReadOnly)) {
            // cpu user nice system idle iowait irq softirq steal ...
            const QList<QByteArray> f = stat.readLine().simplified().split(' ');
            if (f.size() > 8) {
                for (int i = 1; i <= 8; ++i)
                    s.totalTicks += f[i].toDouble();
                s.busyTicks = f[1].toDouble() + f[2].toDouble() + f[3].toDouble() +
                    f[6].toDouble() + f[7].toDouble();
                s.stealTicks = f[8].toDouble();
                s.ioWaitTicks = f[5].toDouble();
            }
        }
        s.serverMs = cpuMs(m_serverPid);
        s.benchMs = cpuMs(QCoreApplication::applicationPid());
        const QDir proc(QStringLiteral("/proc"));
        for (const QString &entry : proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            bool isPid = false;
            const qint64 pid = entry.toLongLong(&isPid);
            if (!isPid)
                continue;
            QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
            if (!comm.open(QIODevice::ReadOnly))
                continue;
            const QByteArray name = comm.readAll().trimmed();
            if (name == "mariadbd" || name == "mysqld")
                s.databaseMs += std::max(0.0, cpuMs(pid));
            else if (name == "redis-server")
                s.redisMs += std::max(0.0, cpuMs(pid));
        }
        return s;
    }

    qint64 m_serverPid;
    Sample m_start;
};

void wait(int ms)
{
    waitUntil(ms, [] { return false; });
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// A message's number as a word no moderation list can contain ("hello benchqbcd"): digits would
// read as a phone number, plain letters could spell a listed word.
QString encodeIndex(qsizetype k)
{
    static const char alphabet[] = "bcdfghjmqz";
    QString word = QStringLiteral("benchq");
    const QString digits = QString::number(k);
    for (QChar c : digits)
        word += QLatin1Char(alphabet[c.digitValue()]);
    return word;
}

qsizetype decodeIndex(const QString &text)
{
    const qsizetype at = text.indexOf(QLatin1String("benchq"));
    if (at < 0)
        return -1;
    static const QString alphabet = QStringLiteral("bcdfghjmqz");
    qsizetype k = 0;
    for (qsizetype i = at + 6; i < text.size(); ++i) {
        const qsizetype d = alphabet.indexOf(text.at(i));
        if (d < 0)
            break;
        k = k * 10 + d;
    }
    return k;
}

// ---------------------------------------------------------------------------------------------
// The reference: a plain relay doing the same frames with no application behind it. User u's
// token is "u"; u and u^1 are the two members of conversation "c<u/2>".

int runRelayServer()
{
    auto *server = new QWebSocketServer(QStringLiteral("relay"), QWebSocketServer::NonSecureMode);
    if (!server->listen(QHostAddress::LocalHost, 0))
        return 1;
    auto *byUser = new QHash<int, QWebSocket *>;
    QObject::connect(server, &QWebSocketServer::newConnection, server, [server, byUser] {
        while (QWebSocket *socket = server->nextPendingConnection()) {
            auto user = std::make_shared<int>(-1);
            QObject::connect(
                socket, &QWebSocket::textMessageReceived, socket,
                [socket, byUser, user](const QString &text) {
                    const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
                    const QString type = frame.value(QStringLiteral("type")).toString();
                    if (*user < 0 && type == fp::ws::Auth) {
                        *user = frame.value(QStringLiteral("access_token")).toString().toInt();
                        byUser->insert(*user, socket);
                        socket->sendTextMessage(
                            compact({{QStringLiteral("type"), QString(fp::ws::AuthOk)},
                                     {QStringLiteral("user_id"), QString::number(*user)}}));
                        return;
                    }
                    if (*user < 0 || type != fp::ws::ChatSend)
                        return;
                    const QJsonValue conversation = frame.value(QStringLiteral("conversation_id"));
                    const QJsonValue body = frame.value(QStringLiteral("text"));
                    QJsonObject out {
                        {QStringLiteral("type"), QString(fp::ws::ChatMessage)},
                        {QStringLiteral("conversation_id"), conversation},
                        {QStringLiteral("message"),
                         QJsonObject {{QStringLiteral("sender"), QStringLiteral("peer")},
                                      {QStringLiteral("text"), body}}}};
                    if (QWebSocket *peer = byUser->value(*user ^ 1))
                        peer->sendTextMessage(compact(out));
                    out.insert(QStringLiteral("client_msg_id"),
                               frame.value(QStringLiteral("client_msg_id")));
                    socket->sendTextMessage(compact(out));
                });
            QObject::connect(socket, &QWebSocket::disconnected, socket, [socket, byUser, user] {
                if (*user >= 0 && byUser->value(*user) == socket)
                    byUser->remove(*user);
                socket->deleteLater();
            });
        }
    });
    std::fprintf(stdout, "{\"event\":\"listening\",\"port\":%d}\n", int(server->serverPort()));
    std::fflush(stdout);
    return QCoreApplication::exec();
}

// ---------------------------------------------------------------------------------------------
// N clients, the sockets they authenticate and the relay they drive.

struct Client
{
    QWebSocket *socket = nullptr;
    QString token;
    QString conversationId;
    bool authenticated = false;
    bool failed = false;
};

struct RelayResult
{
    qsizetype sent = 0;
    qsizetype received = 0;
    qsizetype acked = 0;
    qsizetype rejected = 0;
    QString firstRejection;
    double seconds = 0;
    std::vector<double> latencyMs; // send -> the peer's chat.message
    std::vector<std::pair<double, double>> timeline; // (seconds into the run, latency ms)
    std::vector<double> ackMs; // send -> the sender's own chat.message
};

class Fleet
{
public:
    Fleet(QUrl url, QList<Client> clients)
        : m_url(std::move(url)), m_clients(std::move(clients)) { }
    ~Fleet()
    {
        for (Client &c : m_clients) {
            if (c.socket) {
                c.socket->disconnect();
                c.socket->abort();
                delete c.socket;
            }
        }
    }

    // Opens clients [m_opened, upTo) with at most kHandshakeWindow handshakes in flight and
    // waits for each to be authenticated or to fail.
    bool openUpTo(int upTo, int timeoutMs)
    {
        return waitUntil(timeoutMs, [&] {
            while (m_opened < upTo && inFlight() < kHandshakeWindow)
                open(m_opened++);
            return m_opened >= upTo && inFlight() == 0;
        });
    }
    int authenticated() const { return m_authenticated; }
    int failed() const { return m_failed; }
    QString firstFailure() const { return m_firstFailure; }

    // Message k goes over pair k % pairs, alternating direction, on a fixed schedule: first
    // `warmupSeconds` whose latencies are not counted (each conversation's first messages
    // touch cold rows and connections), then `seconds` measured.
    RelayResult relay(double rate, double warmupSeconds, double seconds, int drainMs)
    {
        const qsizetype pairs = m_clients.size() / 2;
        const auto total = qsizetype(rate * (warmupSeconds + seconds));
        m_measuredFromNs = qint64(warmupSeconds * 1e9);
        m_result = RelayResult {};
        m_sentNs.assign(size_t(total), -1);
        m_receivedNs.assign(size_t(total), -1);
        m_clock.start();
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        // Every millisecond, the messages due by then: a steady stream rather than bursts.
        tick.setInterval(1);
        qsizetype next = 0;
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const auto due =
                std::min(total, qsizetype(double(m_clock.nsecsElapsed()) * 1e-9 * rate));
            for (; next < due; ++next) {
                const qsizetype pair = next % pairs;
                const qsizetype from = 2 * pair + ((next / pairs) % 2);
                Client &c = m_clients[from];
                if (!c.authenticated || !c.socket)
                    continue;
                const qint64 now = m_clock.nsecsElapsed();
                m_sentNs[size_t(next)] = now;
                c.socket->sendTextMessage(compact(
                    {{QStringLiteral("type"), QString(fp::ws::ChatSend)},
                     {QStringLiteral("conversation_id"), c.conversationId},
                     {QStringLiteral("client_msg_id"), QStringLiteral("b%1-%2").arg(next).arg(now)},
                     {QStringLiteral("text"), QStringLiteral("hello ") + encodeIndex(next)}}));
                ++m_result.sent;
            }
        });
        tick.start();
        waitUntil(int((warmupSeconds + seconds) * 1000) + 60000, [&] { return next >= total; });
        tick.stop();
        m_result.seconds = double(m_clock.nsecsElapsed()) * 1e-9;
        waitUntil(drainMs, [&] {
            return m_result.received + m_result.rejected >= m_result.sent &&
                m_result.acked + m_result.rejected >= m_result.sent;
        });
        RelayResult out = std::move(m_result);
        m_result = RelayResult {};
        return out;
    }

private:
    int inFlight() const { return m_opened - m_authenticated - m_failed; }

    void open(int i)
    {
        Client &c = m_clients[i];
        c.socket = new QWebSocket;
        QWebSocket *socket = c.socket;
        QObject::connect(socket, &QWebSocket::connected, socket, [socket, i, this] {
            socket->sendTextMessage(
                compact({{QStringLiteral("type"), QString(fp::ws::Auth)},
                         {QStringLiteral("access_token"), m_clients[i].token}}));
        });
        QObject::connect(socket, &QWebSocket::textMessageReceived, socket,
                         [i, this](const QString &text) { onText(i, text); });
        QObject::connect(socket, &QWebSocket::disconnected, socket, [i, this] {
            Client &c = m_clients[i];
            if (!c.authenticated && !c.failed) {
                c.failed = true;
                ++m_failed;
                if (m_firstFailure.isEmpty())
                    m_firstFailure =
                        QStringLiteral("closed before auth.ok: %1 %2")
                            .arg(int(c.socket->closeCode()))
                            .arg(c.socket->closeReason().isEmpty() ? c.socket->errorString()
                                                                   : c.socket->closeReason());
            } else if (c.authenticated) {
                ++m_droppedAfterAuth;
            }
        });
        socket->open(m_url);
    }

    void onText(int i, const QString &text)
    {
        const qint64 now = m_clock.isValid() ? m_clock.nsecsElapsed() : 0;
        const QJsonObject frame = QJsonDocument::fromJson(text.toUtf8()).object();
        const QString type = frame.value(QStringLiteral("type")).toString();
        Client &c = m_clients[i];
        if (type == fp::ws::AuthOk) {
            if (!c.authenticated && !c.failed) {
                c.authenticated = true;
                ++m_authenticated;
            }
        } else if (type == fp::ws::ChatMessage) {
            const QString body = frame.value(QStringLiteral("message"))
                                     .toObject()
                                     .value(QStringLiteral("text"))
                                     .toString();
            const qsizetype k = decodeIndex(body);
            if (k < 0 || k >= qsizetype(m_sentNs.size()) || m_sentNs[size_t(k)] < 0)
                return;
            const double ms = double(now - m_sentNs[size_t(k)]) / 1e6;
            const bool measured = m_sentNs[size_t(k)] >= m_measuredFromNs;
            if (frame.contains(QStringLiteral("client_msg_id"))) {
                ++m_result.acked;
                if (measured)
                    m_result.ackMs.push_back(ms);
            } else if (m_receivedNs[size_t(k)] < 0) {
                m_receivedNs[size_t(k)] = now;
                ++m_result.received;
                if (measured)
                    m_result.latencyMs.push_back(ms);
                m_result.timeline.emplace_back(double(m_sentNs[size_t(k)]) / 1e9, ms);
            }
        } else if (type == fp::ws::ChatRejected || type == fp::ws::Error) {
            if (!c.authenticated && !c.failed) {
                c.failed = true;
                ++m_failed;
                if (m_firstFailure.isEmpty())
                    m_firstFailure = text;
                return;
            }
            ++m_result.rejected;
            if (m_result.firstRejection.isEmpty())
                m_result.firstRejection = text;
        }
    }

    QUrl m_url;
    QList<Client> m_clients;
    int m_opened = 0;
    int m_authenticated = 0;
    int m_failed = 0;
    int m_droppedAfterAuth = 0;
    QString m_firstFailure;
    QElapsedTimer m_clock;
    std::vector<qint64> m_sentNs;
    qint64 m_measuredFromNs = 0;
    std::vector<qint64> m_receivedNs;
    RelayResult m_result;
};

// ---------------------------------------------------------------------------------------------

// The fleet split over threads: conversation p (clients 2p and 2p+1) belongs to shard
// p % threads, so both ends of a conversation share a thread and its clock. The main thread
// runs each phase on every shard at once and keeps serving its own events (the server
// process's output) while it waits.
class ShardedFleet
{
public:
    ShardedFleet(const QUrl &url, const QList<Client> &clients, int threads)
        : m_shards(size_t(threads))
    {
        for (qsizetype i = 0; i < clients.size(); ++i)
            m_shards[size_t((i / 2) % threads)].clients.append(clients[i]);
        for (size_t s = 0; s < m_shards.size(); ++s) {
            // A QThread, not a std::thread: sockets and timers need its event dispatcher.
            m_shards[s].thread.reset(QThread::create([this, s, url] { serve(s, url); }));
            m_shards[s].thread->setEventDispatcher(new fp::EpollEventDispatcher);
            m_shards[s].thread->start();
        }
    }
    ~ShardedFleet()
    {
        m_stop = true;
        for (Shard &shard : m_shards)
            shard.thread->wait();
    }
    int shards() const { return int(m_shards.size()); }
    int clients(int shard) const { return int(m_shards[size_t(shard)].clients.size()); }

    /// Runs `work(fleet, shard)` on every shard's thread at once; returns when all are done.
    void everyShard(std::function<void(Fleet &, int)> work)
    {
        m_work = std::move(work);
        m_finished = 0;
        ++m_generation;
        waitUntil(std::numeric_limits<int>::max(),
                  [this] { return m_finished.load() == int(m_shards.size()); });
    }

private:
    struct Shard
    {
        QList<Client> clients;
        std::unique_ptr<QThread> thread;
    };

    void serve(size_t s, const QUrl &url)
    {
        Fleet fleet(url, m_shards[s].clients);
        int seen = 0;
        while (!m_stop) {
            waitUntil(std::numeric_limits<int>::max(),
                      [&] { return m_stop || m_generation.load() != seen; });
            if (m_stop)
                break;
            seen = m_generation.load();
            m_work(fleet, int(s));
            ++m_finished;
        }
    }

    std::vector<Shard> m_shards;
    std::function<void(Fleet &, int)> m_work;
    std::atomic<int> m_generation {0};
    std::atomic<int> m_finished {0};
    std::atomic<bool> m_stop {false};
};

using fp::bench::percentile;

struct Measurement
{
    QString name;
    bool ok = false; // the run itself worked (the process started, the seed went in)
    int authenticated = 0;
    int authFailed = 0;
    QString firstAuthFailure;
    double openSeconds = 0;
    qint64 rssStartKb = 0;
    qint64 rssBeforeKb = 0;
    qint64 rssAfterKb = 0;
    int measuredSockets = 0;
    RelayResult relay;
    double relayCpuMs = 0; // the server process's CPU time during the relay (not the database's)
    QString machineLoad; // where the machine's CPU went during the relay (MachineLoad)

    double kibPerSocket() const
    {
        return measuredSockets > 0 ? double(rssAfterKb - rssBeforeKb) / measuredSockets : 0;
    }
    qsizetype lost() const { return relay.sent - relay.received; }
};

// The server's process is measured by its pid: memory (RSS) and CPU time.
Measurement measure(const QString &name, quint16 port, qint64 pid, QList<Client> clients,
                    const Options &o)
{
    Measurement m;
    m.name = name;
    const int n = int(clients.size());
    ShardedFleet fleet(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port)), clients,
                       o.clientThreads);
    // A few sockets first, so the worker threads, their database connections and the first
    // allocations are in the "before" figure; the delta then counts sockets only.
    const int warmEach = std::max(2, std::min(64, n / 10) / fleet.shards());
    std::mutex merge;
    int warm = 0;
    m.rssStartKb = rssKb(pid);
    fleet.everyShard([&](Fleet &f, int s) {
        const int opened = std::min(warmEach, fleet.clients(s));
        f.openUpTo(opened, 60000);
        std::lock_guard lock(merge);
        warm += opened;
    });
    wait(1000);
    m.rssBeforeKb = rssKb(pid);
    QElapsedTimer t;
    t.start();
    fleet.everyShard([&](Fleet &f, int s) {
        f.openUpTo(fleet.clients(s), 300000);
        std::lock_guard lock(merge);
        m.authenticated += f.authenticated();
        if (m.firstAuthFailure.isEmpty())
            m.firstAuthFailure = f.firstFailure();
    });
    m.openSeconds = double(t.elapsed()) / 1000.0;
    m.authFailed = n - m.authenticated;
    wait(2000);
    m.rssAfterKb = rssKb(pid);
    m.measuredSockets = n - warm;
    say(QStringLiteral("  %1: %2/%3 sockets authenticated in %4 s; server RSS %5 MiB at start, "
                       "%6 MiB with %7 sockets, %8 MiB with %9")
            .arg(name)
            .arg(m.authenticated)
            .arg(n)
            .arg(m.openSeconds, 0, 'f', 1)
            .arg(double(m.rssStartKb) / 1024, 0, 'f', 1)
            .arg(double(m.rssBeforeKb) / 1024, 0, 'f', 1)
            .arg(warm)
            .arg(double(m.rssAfterKb) / 1024, 0, 'f', 1)
            .arg(n));
    if (m.authFailed > 0)
        say(QStringLiteral("  %1: first failure: %2").arg(name, m.firstAuthFailure));
    // Each shard sends its conversations' share of the rate.
    const double cpuBefore = cpuMs(pid);
    const MachineLoad load(pid);
    fleet.everyShard([&](Fleet &f, int s) {
        const double shareOfRate = double(o.rate) * fleet.clients(s) / n;
        RelayResult part =
            f.relay(shareOfRate, o.warmupSeconds, o.seconds, o.smoke ? 30000 : 20000);
        std::lock_guard lock(merge);
        m.relay.sent += part.sent;
        m.relay.received += part.received;
        m.relay.acked += part.acked;
        m.relay.rejected += part.rejected;
        if (m.relay.firstRejection.isEmpty())
            m.relay.firstRejection = part.firstRejection;
        m.relay.seconds = std::max(m.relay.seconds, part.seconds);
        m.relay.latencyMs.insert(m.relay.latencyMs.end(), part.latencyMs.begin(),
                                 part.latencyMs.end());
        m.relay.ackMs.insert(m.relay.ackMs.end(), part.ackMs.begin(), part.ackMs.end());
        m.relay.timeline.insert(m.relay.timeline.end(), part.timeline.begin(), part.timeline.end());
    });
    m.relayCpuMs = cpuMs(pid) - cpuBefore;
    m.machineLoad = load.since();
    const RelayResult &r = m.relay;
    say(QStringLiteral("  %1: sent %2 in %3 s (%4 msg/s), delivered %5, acked %6, rejected %7")
            .arg(name)
            .arg(r.sent)
            .arg(r.seconds, 0, 'f', 2)
            .arg(double(r.sent) / std::max(r.seconds, 1e-9), 0, 'f', 0)
            .arg(r.received)
            .arg(r.acked)
            .arg(r.rejected));
    if (!r.firstRejection.isEmpty())
        say(QStringLiteral("  %1: first rejection: %2").arg(name, r.firstRejection));
    say(QStringLiteral("  %1: the machine meanwhile: %2").arg(name, m.machineLoad));
    m.ok = true;
    return m;
}

QList<Client> relayClients(int n)
{
    QList<Client> clients(n);
    for (int i = 0; i < n; ++i) {
        clients[i].token = QString::number(i);
        clients[i].conversationId = QStringLiteral("c%1").arg(i / 2);
    }
    return clients;
}

// ---------------------------------------------------------------------------------------------
// The application's side: seeded users and conversations, minted tokens.

// Users 2p and 2p+1 share conversation p. Rows go in 500 at a time.
bool seed(fp::test::TestDatabase &db, QList<Client> &clients, const QByteArray &secret,
          QString *error)
{
    const qsizetype n = clients.size();
    std::vector<fp::bench::Account> accounts;
    if (!fp::bench::seedAccounts(db, n, secret, QStringLiteral("wsbench.test"), &accounts, error))
        return false;
    QStringList users;
    for (qsizetype i = 0; i < n; ++i) {
        users << accounts[size_t(i)].userId;
        clients[i].token = accounts[size_t(i)].token;
    }
    const auto batched = [&](qsizetype count, const QString &head,
                             const std::function<QString(qsizetype)> &row) {
        return fp::bench::insertBatched(db, count, head, row, error);
    };
    const bool ok =
        batched(n, QStringLiteral("INSERT INTO user_profiles (user_id, nickname) VALUES "),
                [&](qsizetype i) { return QStringLiteral("('%1','ws%2')").arg(users[i]).arg(i); });
    if (!ok)
        return false;
    QStringList matches, conversations;
    for (qsizetype p = 0; p < n / 2; ++p) {
        matches << QUuid::createUuid().toString(QUuid::WithoutBraces);
        conversations << QUuid::createUuid().toString(QUuid::WithoutBraces);
        clients[2 * p].conversationId = clients[2 * p + 1].conversationId = conversations.back();
    }
    return batched(n / 2,
                   QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, "
                                  "user_a_alias, user_b_alias, status, matched_at, match_score, "
                                  "score_breakdown_json, match_reasons_json) VALUES "),
                   [&](qsizetype p) {
                       return QStringLiteral("('%1','%2','%3','Fox','Owl','active_chat',"
                                             "UTC_TIMESTAMP(3),80,'{}','[]')")
                           .arg(matches[p], users[2 * p], users[2 * p + 1]);
                   }) &&
        batched(n / 2,
                QStringLiteral("INSERT INTO conversation_sessions (id, match_session_id, state, "
                               "started_at) VALUES "),
                [&](qsizetype p) {
                    return QStringLiteral("('%1','%2','anonymous',UTC_TIMESTAMP(3))")
                        .arg(conversations[p], matches[p]);
                });
}

// ---------------------------------------------------------------------------------------------

void raiseFileLimit(int sockets)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    limit.rlim_cur = limit.rlim_max; // the servers we start inherit it
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < rlim_t(sockets) + 200)
        say(QStringLiteral("warning: the open-file limit is %1, below %2 sockets + margin")
                .arg(qulonglong(limit.rlim_cur))
                .arg(sockets));
}

QString ratio(double app, double reference)
{
    return reference > 0 ? QString::number(app / reference, 'f', 1) + QLatin1Char('x')
                         : QStringLiteral("n/a");
}

void printLatency(const Measurement &m)
{
    const std::vector<double> &l = m.relay.latencyMs;
    say(QStringLiteral("  %1 relay latency ms: p50 %2  p95 %3  p99 %4  max %5   (ack to sender: "
                       "p50 %6  p99 %7)")
            .arg(m.name, -8)
            .arg(percentile(l, 50), 0, 'f', 2)
            .arg(percentile(l, 95), 0, 'f', 2)
            .arg(percentile(l, 99), 0, 'f', 2)
            .arg(l.empty() ? 0.0 : *std::max_element(l.begin(), l.end()), 0, 'f', 2)
            .arg(percentile(m.relay.ackMs, 50), 0, 'f', 2)
            .arg(percentile(m.relay.ackMs, 99), 0, 'f', 2));
}

} // namespace

int main(int argc, char **argv)
{
    // The plain relay (--relay-server) waits on its sockets the way the server does.
    QCoreApplication::setEventDispatcher(new fp::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    Options o;
    o.serverBinary = qEnvironmentVariable("FP_SERVER_BINARY");
    const QStringList args = app.arguments();
    bool explicitSize = false;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        const bool hasValue = i + 1 < args.size();
        if (a == QLatin1String("--relay-server")) {
            return runRelayServer();
        } else if (a == QLatin1String("--smoke")) {
            o.smoke = true;
        } else if (a == QLatin1String("--server") && hasValue) {
            o.serverBinary = args[++i];
        } else if (a == QLatin1String("--sockets") && hasValue) {
            o.sockets = args[++i].toInt();
            explicitSize = true;
        } else if (a == QLatin1String("--rate") && hasValue) {
            o.rate = args[++i].toInt();
        } else if (a == QLatin1String("--seconds") && hasValue) {
            o.seconds = args[++i].toDouble();
        } else if (a == QLatin1String("--workers") && hasValue) {
            o.workers = args[++i].toInt();
        } else if (a == QLatin1String("--warmup") && hasValue) {
            o.warmupSeconds = std::max(0.0, args[++i].toDouble());
        } else if (a == QLatin1String("--timeline") && hasValue) {
            o.timelineFile = args[++i];
        } else if (a == QLatin1String("--client-threads") && hasValue) {
            o.clientThreads = std::max(1, args[++i].toInt());
        } else {
            std::fprintf(
                stderr,
                "usage: ws_bench [--server PATH] [--sockets N] [--rate R] "
                "[--seconds D] [--warmup S] [--workers W] [--client-threads T] [--timeline FILE] "
                "[--smoke]\n");
            return 2;
        }
    }
    if (o.smoke) {
        if (!explicitSize)
            o.sockets = 40;
        o.rate = 50;
        o.seconds = 2;
        o.warmupSeconds = 0;
    }
    o.sockets = std::max(2, o.sockets - o.sockets % 2);
    o.rate = std::max(1, o.rate);

    // The server the integration tests start: --server picks another build of it.
    if (!o.serverBinary.isEmpty())
        qputenv("FP_SERVER_BINARY", o.serverBinary.toLocal8Bit());
    if (const QString problem = fp::test::TestEnvironment::fromProcess().problem();
        !problem.isEmpty()) {
        say(QStringLiteral("ws_bench: ") + problem);
        return 1;
    }
    raiseFileLimit(o.sockets);
    o.clientThreads = std::min(o.clientThreads, o.sockets / 2);
    say(QStringLiteral("ws_bench: %1 sockets, %2 chat messages/s for %3 s (after %8 s of warm-up "
                       "at that rate) over %4 conversations; server worker threads %5; client "
                       "threads %6; this machine: %7 cores")
            .arg(o.sockets)
            .arg(o.rate)
            .arg(o.seconds)
            .arg(o.sockets / 2)
            .arg(o.workers)
            .arg(o.clientThreads)
            .arg(QThread::idealThreadCount())
            .arg(o.warmupSeconds));

    // 1. The reference relay; measured again after the application (3.) unless smoke testing,
    // because this machine's speed drifts within minutes and the CPU goal is a ratio.
    const auto measureReference = [&o](const QString &name) {
        Measurement m;
        fp::test::ListeningProcess relay;
        if (relay.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--relay-server")},
                        QProcessEnvironment::systemEnvironment()))
            m = measure(name, relay.port(), relay.pid(), relayClients(o.sockets), o);
        relay.stop();
        return m;
    };
    Measurement reference = measureReference(QStringLiteral("plain"));

    // 2. The application.
    Measurement measured;
    QString writerWork; // how the message writer batched, from /metrics
    QString sessionWork; // how often the sockets' session states were read, from /metrics
    {
        fp::test::TestServer::Options options;
        // 5k sockets print a lot: keep the tail, for when something goes wrong.
        options.keepOutputTail = 64 * 1024;
        for (const auto &[key, value] : QList<QPair<QString, QString>> {
                 {QStringLiteral("FP_WORKER_THREADS"), QString::number(o.workers)},
                 {QStringLiteral("FP_WORKER_QUEUE_LIMIT"), QStringLiteral("100000")},
                 {QStringLiteral("FP_WS_MAX_FRAMES_PER_SECOND"), QStringLiteral("10000")},
                 {QStringLiteral("FP_WS_AUTH_TIMEOUT_MS"), QStringLiteral("60000")},
                 // Every socket comes from 127.0.0.1.
                 {QStringLiteral("FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS"), QStringLiteral("100000")},
                 {QStringLiteral("FP_RATE_AUTH_PER_MINUTE"), QStringLiteral("1000000")},
                 {QStringLiteral("FP_RATE_MUTATIONS_PER_MINUTE"), QStringLiteral("1000000")},
                 {QStringLiteral("FP_RATE_READS_PER_MINUTE"), QStringLiteral("1000000")},
                 // No decision gate may open while the bench is chatting.
                 {QStringLiteral("FP_GATE_INTERVAL_SECONDS"), QStringLiteral("86400")},
             })
            options.with(key, value);
        fp::test::TestServer server(options);
        if (!server.start())
            return 1;
        QList<Client> clients(o.sockets);
        QElapsedTimer t;
        t.start();
        QString error;
        if (!seed(*server.database(), clients, server.jwtSecret().toUtf8(), &error)) {
            say(QStringLiteral("seeding failed: %1").arg(error));
            return 1;
        }
        say(QStringLiteral("  seeded %1 users, sessions and tokens, %2 conversations in %3 s")
                .arg(o.sockets)
                .arg(o.sockets / 2)
                .arg(double(t.elapsed()) / 1000, 0, 'f', 1));
        measured = measure(QStringLiteral("server"), server.port(), server.pid(), clients, o);
        const double stored = server.metric("fp_chat_messages_stored_total");
        const double batches = server.metric("fp_chat_message_batches_total");
        if (batches > 0) {
            writerWork = QStringLiteral("  message writer: %1 messages in %2 transactions (%3 a "
                                        "batch)")
                             .arg(stored, 0, 'f', 0)
                             .arg(batches, 0, 'f', 0)
                             .arg(stored / batches, 0, 'f', 1);
        }
        // Over the whole run, the authentications included (one read alone each).
        sessionWork = QStringLiteral("  session states read from MariaDB: %1 alone, %2 in "
                                     "batches; %3 readings of access changes")
                          .arg(server.metric("fp_session_reads_alone_total"), 0, 'f', 0)
                          .arg(server.metric("fp_session_reads_batched_total"), 0, 'f', 0)
                          .arg(server.metric("fp_access_change_readings_total"), 0, 'f', 0);
        if (!o.timelineFile.isEmpty()) {
            QFile out(o.timelineFile);
            if (out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                std::sort(measured.relay.timeline.begin(), measured.relay.timeline.end());
                for (const auto &[at, ms] : measured.relay.timeline)
                    out.write(QByteArray::number(at, 'f', 4) + ' ' +
                              QByteArray::number(ms, 'f', 2) + '\n');
            }
        }
        server.stop();
        if (measured.authFailed > 0 || measured.lost() > 0)
            say(QStringLiteral("  server log tail:\n%1")
                    .arg(QString::fromUtf8(server.output().right(4000))));
    }

    // 3.
    std::optional<Measurement> referenceAfter;
    if (!o.smoke)
        referenceAfter = measureReference(QStringLiteral("plain after"));

    say(QStringLiteral("results (N=%1, %2 msg/s measured for %3 s after the warm-up; the plain "
                       "relay is measured in the same run on the same machine, before and after "
                       "the server):")
            .arg(o.sockets)
            .arg(o.rate)
            .arg(o.seconds));
    say(QStringLiteral("  memory per idle authenticated socket: server %1 KiB, plain %2 KiB (%3)")
            .arg(measured.kibPerSocket(), 0, 'f', 1)
            .arg(reference.kibPerSocket(), 0, 'f', 1)
            .arg(ratio(measured.kibPerSocket(), reference.kibPerSocket())));
    printLatency(reference);
    if (referenceAfter)
        printLatency(*referenceAfter);
    printLatency(measured);
    const auto cpuPerMessageUs = [](const Measurement &m) {
        return m.relay.sent > 0 ? m.relayCpuMs * 1000.0 / double(m.relay.sent) : 0.0;
    };
    // Against the mean of the two measurements of the plain relay, when there are two.
    const double plainUs = referenceAfter
        ? (cpuPerMessageUs(reference) + cpuPerMessageUs(*referenceAfter)) / 2
        : cpuPerMessageUs(reference);
    const QString plainText = referenceAfter
        ? QStringLiteral("%1 us before and %2 us after")
              .arg(cpuPerMessageUs(reference), 0, 'f', 0)
              .arg(cpuPerMessageUs(*referenceAfter), 0, 'f', 0)
        : QStringLiteral("%1 us").arg(cpuPerMessageUs(reference), 0, 'f', 0);
    say(QStringLiteral("  server process CPU per relayed message (its database and Redis not "
                       "counted): server %1 us, plain %2 (%3%4)")
            .arg(cpuPerMessageUs(measured), 0, 'f', 0)
            .arg(plainText, ratio(cpuPerMessageUs(measured), plainUs),
                 referenceAfter ? QStringLiteral(" their mean") : QString()));
    if (!writerWork.isEmpty())
        say(writerWork);
    say(sessionWork);
    const std::vector<double> &a = measured.relay.latencyMs, &b = reference.relay.latencyMs;
    say(QStringLiteral("  server / plain: p50 %1, p99 %2; achieved rate server %3 msg/s, plain %4 "
                       "msg/s")
            .arg(ratio(percentile(a, 50), percentile(b, 50)))
            .arg(ratio(percentile(a, 99), percentile(b, 99)))
            .arg(double(measured.relay.sent) / std::max(measured.relay.seconds, 1e-9), 0, 'f', 0)
            .arg(double(reference.relay.sent) / std::max(reference.relay.seconds, 1e-9), 0, 'f',
                 0));

    const bool referenceAfterFailed = referenceAfter &&
        (!referenceAfter->ok || referenceAfter->authFailed > 0 || referenceAfter->lost() > 0);
    const bool failed = !measured.ok || !reference.ok || measured.authFailed > 0 ||
        reference.authFailed > 0 || measured.lost() > 0 || reference.lost() > 0 ||
        referenceAfterFailed ||
        // (each client thread rounds its share of the messages down)
        measured.relay.sent + o.clientThreads < qsizetype(o.rate * (o.warmupSeconds + o.seconds));
    say(QStringLiteral("  not delivered by the end of the drain (lost, or still queued when the "
                       "server falls behind): server %1, plain %2; sockets that failed to "
                       "authenticate: server %3, plain %4")
            .arg(measured.lost())
            .arg(reference.lost())
            .arg(measured.authFailed)
            .arg(reference.authFailed));
    say(failed ? QStringLiteral("RESULT: FAIL") : QStringLiteral("RESULT: OK"));
    return failed ? 1 : 0;
}
