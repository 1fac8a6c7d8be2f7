// Event backbone benchmark: how many events per second one friendship-server carries from the
// commit that records them to their consumer's effect, and how long that takes, next to raw
// Redis streams carrying the same entries in the same run:
//
//   server  POST /api/events (client events, B per request, one `client.event` outbox row
//           each, committed with the request) -> OutboxRelay (pipelined XADDs to the stream)
//           -> EventConsumers (XREADGROUP) -> the analytics consumer (hourly counts and the
//           event's mark, one transaction) -> XACK
//   raw     XADD of the same fields (StreamEvent::fields() of the same payloads, pipelined in
//           the same batches at the same times) into a scratch stream, read by a consumer
//           group on another connection with XREADGROUP and acknowledged with XACK
//
//   events_bench [--server PATH] [--rate R] [--seconds D] [--warmup S] [--batch B]
//                [--connections N] [--smoke]
//
// The load is open-loop: request j (events jB .. jB+B-1) is due at j·B/R seconds, whether or
// not earlier answers came back; it goes on the first idle one of N keep-alive connections,
// each signed in as an account of its own (seeded straight into the server's database, tokens
// minted with its secret, as http_bench does). An answer's latency counts from its due time.
//
// Per event, commit-to-consumer latency is event_consumer_marks.applied_at -
// event_outbox.recorded_at (the outbox row is written just before its transaction commits, the
// mark just before the consumer's commits; both DATETIME(3) from the same MariaDB clock, so
// milliseconds), read from the database afterwards for the events recorded in the measured
// window (after the warm-up); throughput is the marks applied in that window per second. The
// raw reference measures from just before the XADD's pipeline is sent to just after the XACK's
// reply, with the same warm-up and window.
//
// SQL statements (MariaDB's global `Questions`) and Redis commands (`total_commands_processed`)
// per event are counted over the measured window, net of the idle server (measured first) and
// of the bench's own readings.
//
// Needs the private MariaDB (FP_TEST_DB_SOCKET, root without password) and Redis
// (FP_TEST_REDIS_PORT) that scripts/test starts; the server binary comes from --server or
// FP_SERVER_BINARY. --smoke (200 events/s in batches of 10 for 2 s) exits non-zero when a
// request fails or is refused, or an accepted event is never applied (or the services are
// missing); never on speed.

#include "bench/BenchSupport.h"
#include "server/events/StreamEvent.h"
#include "server/storage/Redis.h"
#include "tests/support/TestServer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace fp::bench;
using Clock = std::chrono::steady_clock;

struct Options
{
    double rate = 5000; // events per second offered
    double seconds = 10;
    double warmupSeconds = 2;
    int batch = 20; // events per request (POST /api/events takes up to 100)
    int connections = 16;
    bool smoke = false;
    QString serverBinary;

    double interval() const { return double(batch) / rate; } // between two requests
    qint64 requestCount() const
    {
        return qint64(std::ceil((warmupSeconds + seconds) / interval()));
    }
    double windowStart() const { return warmupSeconds; }
    double windowEnd() const { return warmupSeconds + seconds; }
};

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// The events: the same payloads for the server and the raw reference.

/// What event k says: a name and small properties, as an app's screen and tap events would.
QJsonObject clientEvent(qint64 k)
{
    static const char *const names[] = {"screen.view", "button.tap", "chat.opened",
                                        "profile.viewed", "prompt.shown"};
    static const char *const screens[] = {"home", "queue", "chat", "profile", "settings"};
    return {{QStringLiteral("event_name"), QLatin1String(names[k % 5])},
            {QStringLiteral("properties"),
             QJsonObject {{QStringLiteral("screen"), QLatin1String(screens[(k / 5) % 5])},
                          {QStringLiteral("step"), int(k % 7)},
                          {QStringLiteral("app_version"), QStringLiteral("2.4.1")}}}};
}

/// The body of request j: events jB .. jB+B-1, each with an id of this run's.
QByteArray requestBody(qint64 j, int batch, const QString &runTag)
{
    QJsonArray events;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    for (qint64 k = j * batch; k < (j + 1) * batch; ++k) {
        QJsonObject e = clientEvent(k);
        e.insert(QStringLiteral("event_id"), QStringLiteral("%1-%2").arg(runTag).arg(k));
        e.insert(QStringLiteral("occurred_at"), now);
        events.append(e);
    }
    return QJsonDocument(QJsonObject {{QStringLiteral("events"), events}})
        .toJson(QJsonDocument::Compact);
}

/// Event k as the relay puts the server's `client.event` on the stream.
fp::StreamEvent streamEvent(qint64 k, const QString &userId)
{
    const QJsonObject client = clientEvent(k);
    fp::StreamEvent e;
    e.eventId = newId();
    e.type = QStringLiteral("client.event");
    e.version = 1;
    e.occurredAt = QDateTime::currentDateTimeUtc();
    e.actorUserId = userId;
    e.subjectType = QStringLiteral("user");
    e.subjectId = userId;
    e.payload = {{QStringLiteral("name"), client.value(QStringLiteral("event_name"))},
                 {QStringLiteral("properties"), client.value(QStringLiteral("properties"))}};
    e.outboxSeq = k;
    return e;
}

// ---------------------------------------------------------------------------------------------
// The open-loop load on the server.

struct Answer
{
    double sentS = -1; // seconds into the run; -1: never sent
    double answeredS = -1; // -1: no answer
    int status = 0;
    int accepted = 0;
};

struct PostResult
{
    std::vector<Answer> answers; // by request
    qint64 transportErrors = 0;
    qint64 refused = 0; // answers that are not 2xx, or accepted fewer events than sent
    std::string firstProblem;

    void problem(const std::string &what, bool transport)
    {
        ++(transport ? transportErrors : refused);
        if (firstProblem.empty())
            firstProblem = what;
    }
};

struct Slot
{
    int fd = -1;
    qint64 request = -1; // in flight; -1: idle
    std::string out;
    size_t written = 0;
    std::string in;
    QString token;
};

/// Sends Options::requestCount() requests, each at its due time from `start` on an idle
/// connection (later when none is idle), and waits for their answers (at most 30 s more).
PostResult postPaced(quint16 port, const std::vector<Account> &accounts, const Options &o,
                     const QString &runTag, Clock::time_point start)
{
    PostResult r;
    const qint64 total = o.requestCount();
    r.answers.resize(size_t(total));
    const int epoll = ::epoll_create1(0);
    std::vector<Slot> slots(size_t(o.connections));
    std::deque<Slot *> idle;
    const auto open = [&](Slot &s) {
        s.fd = connectTo(port);
        if (s.fd < 0) {
            r.problem("cannot connect: " + std::string(std::strerror(errno)), true);
            return false;
        }
        epoll_event e {};
        e.events = EPOLLIN;
        e.data.ptr = &s;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &e);
        idle.push_back(&s);
        return true;
    };
    for (size_t i = 0; i < slots.size(); ++i) {
        slots[i].token = accounts[i % accounts.size()].token;
        open(slots[i]);
    }
    const auto watch = [&](Slot &s, bool writable) {
        epoll_event e {};
        e.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
        e.data.ptr = &s;
        ::epoll_ctl(epoll, EPOLL_CTL_MOD, s.fd, &e);
    };
    const auto flush = [&](Slot &s) {
        while (s.written < s.out.size()) {
            const ssize_t n =
                ::send(s.fd, s.out.data() + s.written, s.out.size() - s.written, MSG_NOSIGNAL);
            if (n <= 0)
                break; // the rest goes when the socket is writable
            s.written += size_t(n);
        }
        watch(s, s.written < s.out.size());
    };
    const auto drop = [&](Slot &s) {
        idle.erase(std::remove(idle.begin(), idle.end(), &s), idle.end());
        ::epoll_ctl(epoll, EPOLL_CTL_DEL, s.fd, nullptr);
        ::close(s.fd);
        s.fd = -1;
        s.in.clear();
        s.request = -1;
    };

    qint64 next = 0;
    qint64 inFlight = 0;
    std::vector<epoll_event> events(slots.size() + 1);
    char buffer[65536];
    const double giveUpS = o.windowEnd() + 30;
    while (next < total || inFlight > 0) {
        const double now = secondsSince(start);
        if (now > giveUpS) {
            r.problem("answers still missing 30 s after the last request was due", true);
            break;
        }
        while (next < total && double(next) * o.interval() <= now && !idle.empty()) {
            Slot &s = *idle.front();
            idle.pop_front();
            s.request = next;
            s.out = request("POST", QStringLiteral("/api/events"), s.token,
                            requestBody(next, o.batch, runTag));
            s.written = 0;
            r.answers[size_t(next)].sentS = secondsSince(start);
            ++next;
            ++inFlight;
            flush(s);
        }
        int timeoutMs = 20;
        if (next < total && !idle.empty())
            timeoutMs =
                std::clamp(int(std::ceil((double(next) * o.interval() - now) * 1000)), 0, 20);
        const int ready = ::epoll_wait(epoll, events.data(), int(events.size()), timeoutMs);
        for (int i = 0; i < ready; ++i) {
            Slot &s = *static_cast<Slot *>(events[size_t(i)].data.ptr);
            if (s.fd < 0)
                continue;
            if (events[size_t(i)].events & EPOLLOUT)
                flush(s);
            if (!(events[size_t(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            bool closed = false;
            for (;;) {
                const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    s.in.append(buffer, size_t(n));
                    continue;
                }
                closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
                break;
            }
            int status = 0;
            const qsizetype used = completeAnswer(s.in, &status);
            if (used > 0 && s.request >= 0) {
                Answer &a = r.answers[size_t(s.request)];
                a.answeredS = secondsSince(start);
                a.status = status;
                const std::string answer = s.in.substr(0, size_t(used));
                const QJsonObject body =
                    QJsonDocument::fromJson(
                        QByteArray::fromStdString(answer.substr(answer.find("\r\n\r\n") + 4)))
                        .object();
                a.accepted = body.value(QStringLiteral("accepted")).toInt();
                if (status < 200 || status > 299 || a.accepted != o.batch)
                    r.problem(answer.substr(0, 600), false);
                s.in.erase(0, size_t(used));
                s.request = -1;
                --inFlight;
                if (!closed)
                    idle.push_back(&s);
            } else if (used != 0) {
                r.problem("unreadable answer: " + s.in.substr(0, 200), true);
                closed = true;
            }
            if (closed) {
                if (s.request >= 0) {
                    r.problem("the server closed the connection before answering", true);
                    --inFlight;
                }
                drop(s);
                // A connection the server closed is opened again, as a client would.
                if (next < total)
                    open(s);
            }
        }
    }
    for (Slot &s : slots) {
        if (s.fd >= 0)
            ::close(s.fd);
    }
    ::close(epoll);
    return r;
}

// ---------------------------------------------------------------------------------------------
// Reading what the server did from its database.

class Results
{
public:
    Results(const QString &socket, const QString &database)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), kConnection);
        db.setUserName(QStringLiteral("root"));
        db.setDatabaseName(database);
        db.setConnectOptions(QStringLiteral("UNIX_SOCKET=%1").arg(socket));
        m_ok = db.open() && exec(QStringLiteral("SET time_zone = '+00:00'")).isActive();
    }
    bool ok() const { return m_ok; }

    /// MariaDB's clock (UTC, the server's sessions' time zone), as the DATETIME(3) columns
    /// hold it.
    QString now() { return scalar(QStringLiteral("SELECT CAST(UTC_TIMESTAMP(3) AS CHAR)")); }

    QString scalar(const QString &sql)
    {
        QSqlQuery q = exec(sql);
        return q.next() ? q.value(0).toString() : QString();
    }

    /// Every value of the first column.
    std::vector<double> column(const QString &sql)
    {
        std::vector<double> values;
        QSqlQuery q = exec(sql);
        while (q.next())
            values.push_back(q.value(0).toDouble());
        return values;
    }

    QSqlQuery exec(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(kConnection));
        q.setForwardOnly(true);
        if (!q.exec(sql))
            say(QStringLiteral("  query failed: %1 in: %2").arg(q.lastError().text(), sql));
        return q;
    }

private:
    static constexpr const char *kConnection = "events-bench-results";
    bool m_ok = false;
};

const QString kClientEvents = QStringLiteral(
    "FROM event_outbox o LEFT JOIN event_consumer_marks m ON m.consumer_group = 'analytics' AND "
    "m.event_id = o.event_id WHERE o.event_type = 'client.event'");

struct ServerRun
{
    PostResult post;
    qint64 eventsAccepted = 0;
    double sentPerSecond = 0; // events sent in the window, per second
    std::vector<double> latencyMs; // commit to consumer, events recorded in the window
    std::vector<double> relayMs; // commit to relayed, the same events
    double appliedPerSecond = 0; // marks applied in the window, per second
    qint64 recorded = 0; // client.event rows in the outbox
    qint64 applied = 0; // of them, marked by the analytics consumer
    double drainSeconds = -1; // from the last answer to the last mark; -1: not all applied
    std::vector<double> httpMs;
    double statementsPerEvent = 0;
    double redisPerEvent = 0;
};

ServerRun runServer(fp::test::TestServer &server, const std::vector<Account> &accounts,
                    WorkProbe &probe, Results &results, const Options &o)
{
    const WorkCounters own = probe.ownCost();
    // The idle server's own work (its ticks, the consumers' blocking reads) over a while.
    double idleStatementsPerSecond = 0, idleRedisPerSecond = 0;
    {
        const double idleSeconds = o.smoke ? 0.5 : 3;
        const WorkCounters before = probe.read();
        const Clock::time_point t = Clock::now();
        serveEventsFor(idleSeconds);
        const WorkCounters after = probe.read();
        const double s = secondsSince(t);
        idleStatementsPerSecond = double(after.statements - before.statements - own.statements) / s;
        idleRedisPerSecond =
            double(after.redisCommands - before.redisCommands - own.redisCommands) / s;
    }

    ServerRun run;
    const QString runTag = QUuid::createUuid().toString(QUuid::Id128).left(12);
    const Clock::time_point start = Clock::now();
    std::atomic<bool> finished {false};
    std::thread poster([&] {
        run.post = postPaced(server.port(), accounts, o, runTag, start);
        finished = true;
    });
    serveEventsUntil([&] { return finished || secondsSince(start) >= o.windowStart(); });
    const WorkCounters before = probe.read();
    const QString windowFrom = results.now();
    serveEventsUntil([&] { return finished || secondsSince(start) >= o.windowEnd(); });
    const WorkCounters after = probe.read();
    const QString windowTo = results.now();
    const double windowSeconds = secondsSince(start) - o.windowStart();
    serveEventsUntil([&] { return finished.load(); });
    poster.join();

    qint64 eventsInWindow = 0;
    double lastAnswerS = 0;
    for (const Answer &a : run.post.answers) {
        run.eventsAccepted += a.accepted;
        lastAnswerS = std::max(lastAnswerS, a.answeredS);
        if (a.sentS >= o.windowStart() && a.sentS < o.windowEnd()) {
            eventsInWindow += a.accepted;
            if (a.answeredS >= 0)
                run.httpMs.push_back(1000 * (a.answeredS - a.sentS));
        }
    }
    run.sentPerSecond = double(eventsInWindow) / o.seconds;
    const double events = double(std::max<qint64>(1, eventsInWindow));
    run.statementsPerEvent = (double(after.statements - before.statements - own.statements) -
                              idleStatementsPerSecond * windowSeconds) /
        events;
    run.redisPerEvent = (double(after.redisCommands - before.redisCommands - own.redisCommands) -
                         idleRedisPerSecond * windowSeconds) /
        events;

    // Every accepted event applied (a backlog drains), or a time limit.
    const double drainLimitS = o.smoke ? 30 : 120;
    for (;;) {
        QSqlQuery q =
            results.exec(QStringLiteral("SELECT COUNT(*), COUNT(m.event_id) ") + kClientEvents);
        if (q.next()) {
            run.recorded = q.value(0).toLongLong();
            run.applied = q.value(1).toLongLong();
        }
        if (run.applied == run.recorded && run.recorded >= run.eventsAccepted) {
            run.drainSeconds = std::max(0.0, secondsSince(start) - lastAnswerS);
            break;
        }
        if (secondsSince(start) - lastAnswerS > drainLimitS)
            break;
        serveEventsFor(0.1);
    }

    const QString window = QStringLiteral(" AND o.recorded_at >= '%1' AND o.recorded_at < '%2'")
                               .arg(windowFrom, windowTo);
    run.latencyMs = results.column(
        QStringLiteral("SELECT TIMESTAMPDIFF(MICROSECOND, o.recorded_at, m.applied_at) / 1000 ") +
        kClientEvents + window + QStringLiteral(" AND m.event_id IS NOT NULL"));
    run.relayMs = results.column(
        QStringLiteral("SELECT TIMESTAMPDIFF(MICROSECOND, o.recorded_at, o.relayed_at) / 1000 ") +
        kClientEvents + window + QStringLiteral(" AND o.relayed_at IS NOT NULL"));
    const double applied =
        results
            .scalar(QStringLiteral("SELECT COUNT(*) ") + kClientEvents +
                    QStringLiteral(" AND m.applied_at >= '%1' AND m.applied_at < '%2'")
                        .arg(windowFrom, windowTo))
            .toDouble();
    const double dbWindowSeconds =
        results
            .scalar(QStringLiteral("SELECT TIMESTAMPDIFF(MICROSECOND, '%1', '%2') / 1e6")
                        .arg(windowFrom, windowTo))
            .toDouble();
    run.appliedPerSecond = dbWindowSeconds > 0 ? applied / dbWindowSeconds : 0;
    return run;
}

// ---------------------------------------------------------------------------------------------
// The reference: the same entries through a raw Redis stream.

struct RawRun
{
    qint64 added = 0;
    qint64 acknowledged = 0;
    qint64 failures = 0;
    std::string firstProblem;
    std::vector<double> latencyMs; // add to acknowledged, events added in the window
    double acknowledgedPerSecond = 0; // in the window
};

RawRun runRaw(quint16 redisPort, const QString &actorId, const Options &o)
{
    const QByteArray prefix =
        "events-bench:" + QUuid::createUuid().toString(QUuid::Id128).left(12).toLatin1() + ":";
    const fp::RedisSettings settings {QStringLiteral("127.0.0.1"), redisPort, 500, 3000, prefix};
    const QByteArray key = prefix + "events";
    const QByteArray group = "raw";
    const qint64 total = o.requestCount() * o.batch;
    std::vector<std::atomic<qint64>> addedNs(static_cast<size_t>(total));
    std::vector<std::atomic<qint64>> acknowledgedNs(static_cast<size_t>(total));
    for (size_t k = 0; k < size_t(total); ++k) {
        addedNs[k] = -1;
        acknowledgedNs[k] = -1;
    }
    RawRun r;
    std::mutex problems;
    const auto problem = [&](const std::string &what) {
        std::lock_guard lock(problems);
        ++r.failures;
        if (r.firstProblem.empty())
            r.firstProblem = what;
    };
    {
        fp::RedisConnection setup(settings);
        const std::optional<fp::RedisReply> created =
            setup.command({"XGROUP", "CREATE", key, group, "0", "MKSTREAM"});
        if (!created || created->isError()) {
            problem("XGROUP CREATE failed");
            return r;
        }
    }
    const Clock::time_point start = Clock::now();
    const auto ns = [&] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    };
    std::atomic<bool> producerDone {false};
    std::atomic<qint64> added {0};

    std::thread producer([&] {
        fp::RedisConnection redis(settings);
        const QByteArray maxLength = "1000000"; // as the relay's default stream length
        for (qint64 j = 0; j < o.requestCount(); ++j) {
            std::this_thread::sleep_until(
                start +
                std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(double(j) * o.interval())));
            QList<QList<QByteArray>> commands;
            for (qint64 k = j * o.batch; k < (j + 1) * o.batch; ++k) {
                QList<QByteArray> xadd {"XADD", key, "MAXLEN", "~", maxLength, "*"};
                xadd.append(streamEvent(k, actorId).fields());
                commands.append(xadd);
            }
            const qint64 at = ns();
            for (qint64 k = j * o.batch; k < (j + 1) * o.batch; ++k)
                addedNs[size_t(k)].store(at);
            const std::optional<QList<fp::RedisReply>> replies = redis.pipelineReplies(commands);
            if (!replies) {
                problem("XADD: Redis did not answer");
                continue;
            }
            for (const fp::RedisReply &reply : *replies) {
                if (reply.isError())
                    problem("XADD: " + reply.string.toStdString());
                else
                    ++added;
            }
        }
        producerDone = true;
    });

    std::thread consumer([&] {
        fp::RedisConnection redis(settings);
        double doneAtS = -1;
        while (true) {
            if (producerDone && r.acknowledged >= added)
                break;
            if (producerDone && doneAtS < 0)
                doneAtS = secondsSince(start);
            if (doneAtS >= 0 && secondsSince(start) - doneAtS > 30) {
                problem("entries still unacknowledged 30 s after the last XADD");
                break;
            }
            const std::optional<fp::RedisReply> read =
                redis.command({"XREADGROUP", "GROUP", group, "bench", "COUNT", "200", "BLOCK",
                               "100", "STREAMS", key, ">"});
            if (!read || read->isError()) {
                problem("XREADGROUP failed");
                break;
            }
            if (read->type != fp::RedisReply::Type::Array || read->elements.isEmpty())
                continue;
            QList<QByteArray> xack {"XACK", key, group};
            std::vector<qint64> seqs;
            for (const fp::RedisReply &item : read->elements.first().elements.value(1).elements) {
                if (item.elements.size() < 2)
                    continue;
                const std::optional<fp::StreamEvent> e = fp::StreamEvent::fromFields(
                    item.elements.at(0).string, item.elements.at(1).elements);
                if (!e || e->outboxSeq < 0 || e->outboxSeq >= total) {
                    problem("an entry that is not one of ours");
                    continue;
                }
                xack.append(e->streamId);
                seqs.push_back(e->outboxSeq);
            }
            if (seqs.empty())
                continue;
            const std::optional<fp::RedisReply> acked = redis.command(xack);
            if (!acked || acked->isError()) {
                problem("XACK failed");
                continue;
            }
            const qint64 at = ns();
            for (qint64 k : seqs)
                acknowledgedNs[size_t(k)].store(at);
            r.acknowledged += qint64(seqs.size());
        }
    });
    producer.join();
    consumer.join();
    r.added = added;
    fp::RedisConnection(settings).command({"DEL", key});

    const qint64 from = qint64(o.windowStart() * 1e9), to = qint64(o.windowEnd() * 1e9);
    qint64 inWindow = 0;
    for (size_t k = 0; k < size_t(total); ++k) {
        const qint64 add = addedNs[k].load(), ack = acknowledgedNs[k].load();
        if (ack >= from && ack < to)
            ++inWindow;
        if (add >= from && add < to && ack >= 0)
            r.latencyMs.push_back(double(ack - add) * 1e-6);
    }
    r.acknowledgedPerSecond = double(inWindow) / o.seconds;
    return r;
}

// ---------------------------------------------------------------------------------------------

QString latencyText(const std::vector<double> &ms)
{
    return QStringLiteral("p50 %1 ms  p99 %2 ms  max %3 ms")
        .arg(percentile(ms, 50), 0, 'f', 1)
        .arg(percentile(ms, 99), 0, 'f', 1)
        .arg(ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()), 0, 'f', 1);
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
                                .number("--rate", &o.rate, 1)
                                .number("--seconds", &o.seconds, 0.5)
                                .number("--warmup", &o.warmupSeconds, 0)
                                .integer("--batch", &o.batch, 1)
                                .integer("--connections", &o.connections, 1)
                                .parse(app.arguments());
    if (!understood || o.batch > 100) {
        std::fprintf(stderr,
                     "usage: events_bench [--server PATH] [--rate R] [--seconds D] "
                     "[--warmup S] [--batch B (at most 100)] [--connections N] "
                     "[--smoke]\n");
        return 2;
    }
    if (o.smoke) {
        o.rate = 200;
        o.seconds = 2;
        o.warmupSeconds = 0.5;
        o.batch = 10;
        o.connections = 4;
    }

    fp::test::TestEnvironment environment;
    if (!findEnvironment(QStringLiteral("events_bench"), o.serverBinary, &environment))
        return 1;
    say(QStringLiteral("events_bench: %1 events/s offered in requests of %2 (%3 requests/s on %4 "
                       "connections, an account each), %5 s measured after %6 s of warm-up; "
                       "server build type %7; this machine: %8 cores")
            .arg(o.rate)
            .arg(o.batch)
            .arg(o.rate / o.batch, 0, 'f', 0)
            .arg(o.connections)
            .arg(o.seconds)
            .arg(o.warmupSeconds)
            .arg(buildType(environment.serverBinary))
            .arg(QThread::idealThreadCount()));

    fp::test::TestServer server(loadServerOptions());
    if (!startServer(server))
        return 1;
    std::vector<Account> accounts;
    QString error;
    if (!seedAccounts(*server.database(), o.connections, server.jwtSecret().toUtf8(),
                      QStringLiteral("eventsbench.test"), &accounts, &error)) {
        say(QStringLiteral("seeding failed: %1").arg(error));
        return 1;
    }
    WorkProbe probe(environment.dbSocket, environment.redisPort);
    Results results(environment.dbSocket, server.databaseName());
    if (!probe.ok() || !results.ok()) {
        say(QStringLiteral("cannot read MariaDB as root"));
        return 1;
    }

    const ServerRun s = runServer(server, accounts, probe, results, o);
    bool failed = false;
    if (s.post.transportErrors > 0 || s.post.refused > 0) {
        failed = true;
        say(QStringLiteral("  requests: %1 transport errors, %2 refused or partly accepted; "
                           "first: %3")
                .arg(s.post.transportErrors)
                .arg(s.post.refused)
                .arg(QString::fromStdString(s.post.firstProblem)));
    }
    if (s.drainSeconds < 0 || s.recorded != s.eventsAccepted) {
        failed = true;
        say(QStringLiteral("  %1 events accepted, %2 in the outbox, %3 of them applied by the "
                           "analytics consumer")
                .arg(s.eventsAccepted)
                .arg(s.recorded)
                .arg(s.applied));
    }
    if (failed)
        say(QStringLiteral("  server log tail:\n%1")
                .arg(QString::fromUtf8(server.output().right(3000))));
    server.stop();

    const RawRun raw = runRaw(environment.redisPort, accounts.front().userId, o);
    if (raw.failures > 0 || raw.acknowledged != raw.added ||
        raw.added != o.requestCount() * o.batch) {
        failed = true;
        say(QStringLiteral("  raw: %1 added, %2 acknowledged, %3 failures; first: %4")
                .arg(raw.added)
                .arg(raw.acknowledged)
                .arg(raw.failures)
                .arg(QString::fromStdString(raw.firstProblem)));
    }

    const double serverP99 = percentile(s.latencyMs, 99);
    const double rawP99 = percentile(raw.latencyMs, 99);
    say(QStringLiteral("results (%1 events/s offered, %2 per request, %3 s measured; the raw "
                       "reference in the same run, same entries, same batches, same times):")
            .arg(o.rate)
            .arg(o.batch)
            .arg(o.seconds));
    say(QStringLiteral("  server  %1 events/s applied (%2 sent)  commit to consumer: %3  "
                       "(commit to relayed: %4)")
            .arg(s.appliedPerSecond, 7, 'f', 0)
            .arg(s.sentPerSecond, 0, 'f', 0)
            .arg(latencyText(s.latencyMs), latencyText(s.relayMs)));
    say(QStringLiteral("          %1 events, every accepted one applied: %2 (last mark %3 s "
                       "after the last answer); POST /api/events p50 %4 ms p99 %5 ms; SQL/event "
                       "%6, Redis/event %7 (net of the idle server)")
            .arg(s.eventsAccepted)
            .arg(s.drainSeconds >= 0 ? QStringLiteral("yes") : QStringLiteral("NO"))
            .arg(s.drainSeconds, 0, 'f', 2)
            .arg(percentile(s.httpMs, 50), 0, 'f', 1)
            .arg(percentile(s.httpMs, 99), 0, 'f', 1)
            .arg(s.statementsPerEvent, 0, 'f', 2)
            .arg(s.redisPerEvent, 0, 'f', 2));
    say(QStringLiteral("  raw     %1 events/s acknowledged  add to ack: %2")
            .arg(raw.acknowledgedPerSecond, 7, 'f', 0)
            .arg(latencyText(raw.latencyMs)));
    say(QStringLiteral("  ratio   events/s %1 of raw; p99 %2 of raw (%3 ms vs %4 ms)")
            .arg(ratioText(s.appliedPerSecond, raw.acknowledgedPerSecond),
                 ratioText(serverP99, rawP99))
            .arg(serverP99, 0, 'f', 1)
            .arg(rawP99, 0, 'f', 1));
    const bool goalMet = o.rate >= 5000 && s.appliedPerSecond >= 0.97 * o.rate &&
        s.sentPerSecond >= 0.97 * o.rate && serverP99 < 250 && s.drainSeconds >= 0;
    say(QStringLiteral("  goal    >= 5,000 events/s applied with p99 < 250 ms: %1")
            .arg(o.rate < 5000 ? QStringLiteral("not measured (offered below 5,000/s)")
                     : goalMet ? QStringLiteral("met")
                               : QStringLiteral("NOT met")));
    say(failed ? QStringLiteral("RESULT: FAIL") : QStringLiteral("RESULT: OK"));
    return failed ? 1 : 0;
}
