#include "bench/BenchSupport.h"

#include "server/identity/Jwt.h"
#include "tests/support/TestServer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTimer>
#include <QUuid>
#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fp::bench {

void say(const QString &line)
{
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const auto at = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
    return v[at];
}

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QString ratioText(double value, double reference)
{
    return reference > 0 ? QString::number(value / reference, 'f', 2) + QLatin1Char('x')
                         : QStringLiteral("n/a");
}

QString buildType(const QString &serverBinary)
{
    // The server's build folder says how it was built (a binary run from elsewhere: unknown).
    QDir dir = QFileInfo(serverBinary).absoluteDir();
    for (int up = 0; up < 4; ++up, dir.cdUp()) {
        QFile cache(dir.filePath(QStringLiteral("CMakeCache.txt")));
        if (!cache.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &line : cache.readAll().split('\n')) {
            if (line.startsWith("CMAKE_BUILD_TYPE:"))
                return QString::fromUtf8(line.mid(line.indexOf('=') + 1));
        }
    }
    return QStringLiteral("unknown");
}

Arguments &Arguments::flag(const char *name, bool *value)
{
    m_options.push_back({QLatin1String(name), {}, value});
    return *this;
}

Arguments &Arguments::text(const char *name, QString *value)
{
    m_options.push_back({QLatin1String(name), [value](const QString &v) {
                             *value = v;
                         }});
    return *this;
}

Arguments &Arguments::number(const char *name, double *value, double minimum)
{
    m_options.push_back({QLatin1String(name), [value, minimum](const QString &v) {
                             *value = std::max(minimum, v.toDouble());
                         }});
    return *this;
}

Arguments &Arguments::integer(const char *name, int *value, int minimum)
{
    m_options.push_back({QLatin1String(name), [value, minimum](const QString &v) {
                             *value = std::max(minimum, v.toInt());
                         }});
    return *this;
}

bool Arguments::parse(const QStringList &arguments) const
{
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const auto option = std::find_if(m_options.begin(), m_options.end(),
                                         [&](const Option &o) { return o.name == arguments[i]; });
        if (option == m_options.end())
            return false;
        if (option->flag) {
            *option->flag = true;
            continue;
        }
        if (i + 1 >= arguments.size())
            return false;
        option->set(arguments[++i]);
    }
    return true;
}

bool findEnvironment(const QString &bench, const QString &serverBinary,
                     fp::test::TestEnvironment *environment)
{
    if (!serverBinary.isEmpty())
        qputenv("FP_SERVER_BINARY", serverBinary.toLocal8Bit());
    *environment = fp::test::TestEnvironment::fromProcess();
    if (const QString problem = environment->problem(); !problem.isEmpty()) {
        say(bench + QStringLiteral(": ") + problem);
        return false;
    }
    return true;
}

fp::test::TestServer::Options loadServerOptions()
{
    fp::test::TestServer::Options options;
    options.withoutRateLimits();
    // Every connection comes from one address, whose read budget is four accounts' worth:
    // at 35,000 reads a second, two read routes in a row passed withoutRateLimits()' 400,000 a
    // minute and the second one was answered 429.
    options.with(QStringLiteral("FP_RATE_READS_PER_MINUTE"), QStringLiteral("1000000"));
    options.keepOutputTail = 64 * 1024;
    options.with(QStringLiteral("FP_WORKER_QUEUE_LIMIT"), QStringLiteral("100000"));
    options.with(QStringLiteral("FP_HTTP_MAX_CONNECTIONS_PER_ADDRESS"), QStringLiteral("100000"));
    return options;
}

bool startServer(fp::test::TestServer &server)
{
    if (server.start())
        return true;
    say(QStringLiteral("the server did not start:\n%1")
            .arg(QString::fromUtf8(server.output().right(4000))));
    return false;
}

void serveEventsUntil(const std::function<bool()> &done)
{
    QTimer wake;
    wake.start(5);
    while (!done())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
}

void serveEventsFor(double seconds)
{
    QElapsedTimer t;
    t.start();
    serveEventsUntil([&] { return double(t.nsecsElapsed()) * 1e-9 >= seconds; });
}

int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

qsizetype completeAnswer(const std::string &in, int *status)
{
    const size_t headerEnd = in.find("\r\n\r\n");
    if (headerEnd == std::string::npos)
        return 0;
    if (in.compare(0, 9, "HTTP/1.1 ") != 0 || in.size() < 12)
        return -1;
    *status = std::atoi(in.c_str() + 9);
    std::string head = in.substr(0, headerEnd);
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos)
        return -1; // none of the routes measured answers in chunks
    size_t length = 0;
    if (const size_t at = head.find("\r\ncontent-length:"); at != std::string::npos)
        length = size_t(std::strtoull(head.c_str() + at + 17, nullptr, 10));
    const size_t total = headerEnd + 4 + length;
    return in.size() >= total ? qsizetype(total) : 0;
}

std::string request(const char *method, const QString &path, const QString &token,
                    const QByteArray &body)
{
    QByteArray r = QByteArray(method) + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.isEmpty())
        r += "Authorization: Bearer " + token.toLatin1() + "\r\n";
    if (!body.isEmpty() || qstrcmp(method, "PUT") == 0 || qstrcmp(method, "POST") == 0)
        r +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    r += "\r\n" + body;
    return r.toStdString();
}

WorkProbe::WorkProbe(const QString &socket, quint16 redisPort) : m_redis(redisPort)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), connectionName());
    db.setUserName(QStringLiteral("root"));
    db.setConnectOptions(QStringLiteral("UNIX_SOCKET=%1").arg(socket));
    m_ok = db.open();
}

WorkCounters WorkProbe::read()
{
    WorkCounters c;
    QSqlQuery q(QSqlDatabase::database(connectionName()));
    if (q.exec(QStringLiteral("SHOW GLOBAL STATUS LIKE 'Questions'")) && q.next())
        c.statements = q.value(1).toLongLong();
    const QByteArray info = m_redis.command({"INFO", "stats"});
    QByteArray rest = info;
    if (!rest.contains("instantaneous_ops_per_sec"))
        rest += m_redis.readUntil("instantaneous_ops_per_sec");
    static const QRegularExpression total(QStringLiteral("total_commands_processed:(\\d+)"));
    const QRegularExpressionMatch m = total.match(QString::fromLatin1(rest));
    if (m.hasMatch())
        c.redisCommands = m.captured(1).toLongLong();
    m_redis.readUntil("\r\n", 50); // the rest of the reply
    return c;
}

WorkCounters WorkProbe::ownCost()
{
    const WorkCounters a = read();
    const WorkCounters b = read();
    return {b.statements - a.statements, b.redisCommands - a.redisCommands};
}

bool insertBatched(fp::test::TestDatabase &db, qsizetype count, const QString &head,
                   const std::function<QString(qsizetype)> &row, QString *error)
{
    for (qsizetype from = 0; from < count; from += 500) {
        QStringList values;
        for (qsizetype i = from; i < std::min(count, from + 500); ++i)
            values << row(i);
        if (!db.exec(head + values.join(QLatin1Char(',')), error))
            return false;
    }
    return true;
}

bool seedAccounts(fp::test::TestDatabase &db, qsizetype count, const QByteArray &secret,
                  const QString &emailDomain, std::vector<Account> *accounts, QString *error)
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    accounts->resize(size_t(count));
    for (Account &a : *accounts) {
        a.userId = newId();
        a.sessionId = newId();
        fp::AccessClaims claims;
        claims.userId = a.userId;
        claims.sessionId = a.sessionId;
        claims.issuedAt = now;
        claims.expiresAt = now + 600; // the longest an access token may live
        claims.tokenId = newId();
        a.token = QString::fromLatin1(fp::Jwt::sign(claims, secret));
    }
    const auto at = [accounts](qsizetype i) -> const Account & {
        return (*accounts)[size_t(i)];
    };
    return insertBatched(
               db, count, QStringLiteral("INSERT INTO users (id, email, status) VALUES "),
               [&](qsizetype i) {
                   return QStringLiteral("('%1','%1@%2','active')").arg(at(i).userId, emailDomain);
               },
               error) &&
        insertBatched(
               db, count,
               QStringLiteral("INSERT INTO user_sessions (id, user_id, refresh_token_hash, "
                              "created_at, last_used_at, expires_at) VALUES "),
               [&](qsizetype i) {
                   return QStringLiteral("('%1','%2',SHA2('%1',256),UTC_TIMESTAMP(3),"
                                         "UTC_TIMESTAMP(3),UTC_TIMESTAMP(3) + INTERVAL 1 DAY)")
                       .arg(at(i).sessionId, at(i).userId);
               },
               error);
}

} // namespace fp::bench
