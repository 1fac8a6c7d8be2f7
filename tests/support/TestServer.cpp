#include "tests/support/TestServer.h"

#include "tests/support/HttpClient.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QUuid>
#include <cstdio>

namespace fp::test {

namespace {

quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

QString randomSuffix()
{
    return QUuid::createUuid().toString(QUuid::Id128).left(12);
}

/// Opens the connection `name` as root to the MariaDB on `socket` (to `database`, if given).
QSqlDatabase openRootConnection(const QString &name, const QString &socket,
                                const QString &database = {})
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), name);
    db.setUserName(QStringLiteral("root"));
    db.setConnectOptions(QStringLiteral("UNIX_SOCKET=%1").arg(socket));
    if (!database.isEmpty())
        db.setDatabaseName(database);
    if (!db.open())
        qWarning("cannot connect to the test MariaDB as root: %s",
                 qPrintable(db.lastError().text()));
    return db;
}

/// A root connection to the MariaDB on `socket`, one per socket.
QString rootConnection(const QString &socket)
{
    const QString name = QStringLiteral("fp-test-root-") + socket;
    if (!QSqlDatabase::contains(name))
        openRootConnection(name, socket);
    return name;
}

} // namespace

TestEnvironment TestEnvironment::fromProcess()
{
    TestEnvironment e;
    e.dbSocket = qEnvironmentVariable("FP_TEST_DB_SOCKET");
    e.redisPort = quint16(qEnvironmentVariableIntValue("FP_TEST_REDIS_PORT"));
    e.serverBinary = qEnvironmentVariable("FP_SERVER_BINARY");
    e.sourceDir = qEnvironmentVariable("FP_SOURCE_DIR");
    return e;
}

QStringList TestEnvironment::missing() const
{
    QStringList names;
    if (dbSocket.isEmpty())
        names << QStringLiteral("FP_TEST_DB_SOCKET");
    if (redisPort == 0)
        names << QStringLiteral("FP_TEST_REDIS_PORT");
    if (serverBinary.isEmpty())
        names << QStringLiteral("FP_SERVER_BINARY");
    return names;
}

QString TestEnvironment::problem() const
{
    const QStringList names = missing();
    if (names.isEmpty())
        return {};
    return QStringLiteral("%1 not set: this test needs the private MariaDB and Redis that "
                          "./scripts/test starts, and the server ctest names. Run it through "
                          "./scripts/test, e.g. ./scripts/test -R %2")
        .arg(names.join(QStringLiteral(", ")), QCoreApplication::applicationName());
}

TestDatabase::TestDatabase(const QString &prefix, const QString &socket)
    : m_name(QStringLiteral("t_%1_%2").arg(prefix.left(20), randomSuffix()).toLower()),
      m_socket(socket.isEmpty() ? TestEnvironment::fromProcess().dbSocket : socket),
      m_connection(rootConnection(m_socket))
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(
            QStringLiteral("CREATE DATABASE `%1` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                .arg(m_name)))
        qWarning("cannot create test database %s: %s", qPrintable(m_name),
                 qPrintable(q.lastError().text()));
}

TestDatabase::~TestDatabase()
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.exec(QStringLiteral("DROP DATABASE IF EXISTS `%1`").arg(m_name));
}

bool TestDatabase::exec(const QString &sql, QString *error)
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.exec(QStringLiteral("USE `%1`").arg(m_name));
    q.exec(QStringLiteral("SET time_zone = '+00:00'"));
    if (!q.exec(sql)) {
        if (error)
            *error = q.lastError().text();
        return false;
    }
    return true;
}

QSqlDatabase TestDatabase::openConnection(const QString &connectionName) const
{
    if (QSqlDatabase::contains(connectionName))
        QSqlDatabase::removeDatabase(connectionName);
    return openRootConnection(connectionName, m_socket, m_name);
}

QVariant TestDatabase::scalar(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.exec(QStringLiteral("USE `%1`").arg(m_name));
    q.exec(QStringLiteral("SET time_zone = '+00:00'"));
    if (!q.exec(sql) || !q.next())
        return {};
    return q.value(0);
}

PrivateRedis::PrivateRedis() = default;

PrivateRedis::~PrivateRedis()
{
    stop();
    if (!m_dir.isEmpty())
        QDir(m_dir).removeRecursively();
}

bool PrivateRedis::start()
{
    if (m_port == 0)
        m_port = freePort();
    if (m_dir.isEmpty()) {
        m_dir = QDir::temp().filePath(QStringLiteral("fp-redis-") + randomSuffix());
        QDir().mkpath(m_dir);
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("redis-server"),
                     {QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                      QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                      QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                      m_dir});
    if (!m_process->waitForStarted(5000))
        return false;
    QDeadlineTimer deadline(5000);
    while (!deadline.hasExpired()) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, m_port);
        if (probe.waitForConnected(200))
            return true;
        QThread::msleep(50);
    }
    return false;
}

void PrivateRedis::stop()
{
    if (!m_process)
        return;
    m_process->terminate();
    if (!m_process->waitForFinished(5000))
        m_process->kill();
    m_process->waitForFinished(2000);
    m_process.reset();
}

void PrivateRedis::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    m_process.reset();
}

PrivateMariaDb::PrivateMariaDb()
{
    m_dir = QDir::temp().filePath(QStringLiteral("fp-mariadb-") + randomSuffix());
}

PrivateMariaDb::~PrivateMariaDb()
{
    stop();
    QDir(m_dir).removeRecursively();
}

QString PrivateMariaDb::socketPath() const
{
    return m_dir + QStringLiteral("/mysqld.sock");
}

bool PrivateMariaDb::start()
{
    const QString data = m_dir + QStringLiteral("/data");
    if (!QDir(data + QStringLiteral("/mysql")).exists()) {
        QDir().mkpath(data);
        QProcess install;
        install.setProcessChannelMode(QProcess::MergedChannels);
        install.start(QStringLiteral("mariadb-install-db"),
                      {QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + data,
                       QStringLiteral("--auth-root-authentication-method=normal"),
                       QStringLiteral("--skip-test-db"), QStringLiteral("--user=root")});
        if (!install.waitForFinished(120000) || install.exitCode() != 0) {
            std::fprintf(stderr, "mariadb-install-db failed: %s\n", install.readAll().constData());
            return false;
        }
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(QStringLiteral("mariadbd"),
                     {QStringLiteral("--no-defaults"), QStringLiteral("--datadir=") + data,
                      QStringLiteral("--socket=") + socketPath(),
                      QStringLiteral("--skip-networking"), QStringLiteral("--user=root"),
                      QStringLiteral("--skip-log-bin"),
                      QStringLiteral("--innodb-buffer-pool-size=32M")});
    if (!m_process->waitForStarted(10000))
        return false;
    QDeadlineTimer deadline(60000);
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        QProcess ping;
        ping.start(QStringLiteral("mariadb-admin"),
                   {QStringLiteral("--socket=") + socketPath(), QStringLiteral("-uroot"),
                    QStringLiteral("ping")});
        if (ping.waitForFinished(5000) && ping.exitCode() == 0)
            return true;
        QThread::msleep(100);
    }
    return false;
}

void PrivateMariaDb::stop()
{
    if (!m_process)
        return;
    m_process->terminate(); // SIGTERM: a clean shutdown, like a restart by an operator
    if (!m_process->waitForFinished(30000))
        m_process->kill();
    m_process->waitForFinished(5000);
    m_process.reset();
}

TestServer::Options &TestServer::Options::alongside(const TestServer &first)
{
    databaseName = first.databaseName();
    redisKeyPrefix = first.redisKeyPrefix();
    return with(QStringLiteral("FP_JWT_SECRET"), first.jwtSecret());
}

TestServer::Options &TestServer::Options::onTheSameDatabaseAs(const TestServer &first)
{
    alongside(first);
    redisKeyPrefix = first.redisKeyPrefix() + QStringLiteral("elsewhere:");
    return *this;
}

TestServer::TestServer() : TestServer(Options {}) { }

TestServer::TestServer(Options options) : m_options(std::move(options))
{
    if (m_options.databaseName.isEmpty())
        m_ownDatabase =
            std::make_unique<TestDatabase>(QCoreApplication::applicationName(), m_options.dbSocket);
    m_process.keepOutputTail(m_options.keepOutputTail);
    m_jwtSecret = QStringLiteral("test-secret-") + QUuid::createUuid().toString(QUuid::Id128);
    m_redisPrefix = m_options.redisKeyPrefix.isEmpty()
        ? QStringLiteral("t%1:").arg(QUuid::createUuid().toString(QUuid::Id128).left(10))
        : m_options.redisKeyPrefix;
}

TestServer::~TestServer() = default;

QJsonObject TestServer::requestLogLine(const QByteArray &requestId) const
{
    const QByteArray needle = "\"request_id\":\"" + requestId + '"';
    const QDeadlineTimer deadline(5000);
    do {
        // The output arrives through the event loop (the process's pipe).
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        for (const QByteArray &line : output().split('\n')) {
            if (!line.contains(needle))
                continue;
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (object.value(QStringLiteral("event")).toString() == QLatin1String("request"))
                return object;
        }
    } while (!deadline.hasExpired());
    return {};
}

qint64 TestServer::residentBytes() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

double TestServer::metric(const QByteArray &name) const
{
    HttpClient client(port());
    for (const QByteArray &line : client.get(QStringLiteral("/metrics")).body.split('\n')) {
        if (line.startsWith(name + ' '))
            return line.mid(name.size() + 1).toDouble();
    }
    return -1;
}

QString TestServer::databaseName() const
{
    return m_ownDatabase ? m_ownDatabase->name() : m_options.databaseName;
}

QProcessEnvironment TestServer::environment() const
{
    const TestEnvironment te = TestEnvironment::fromProcess();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("FP_HTTP_ADDRESS"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("FP_HTTP_PORT"), QStringLiteral("0"));
    env.insert(QStringLiteral("FP_DB_SOCKET"),
               m_options.dbSocket.isEmpty() ? te.dbSocket : m_options.dbSocket);
    env.insert(QStringLiteral("FP_DB_NAME"), databaseName());
    env.insert(QStringLiteral("FP_DB_USER"), QStringLiteral("root"));
    env.insert(QStringLiteral("FP_DB_PASSWORD"), QString());
    env.insert(QStringLiteral("FP_REDIS_HOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("FP_REDIS_PORT"),
               QString::number(m_options.redisPort ? m_options.redisPort : te.redisPort));
    env.insert(QStringLiteral("FP_JWT_SECRET"), m_jwtSecret);
    env.insert(QStringLiteral("FP_ADMIN_EMAIL"), adminEmail());
    env.insert(QStringLiteral("FP_ADMIN_PASSWORD"), adminPassword());
    env.insert(QStringLiteral("FP_LOG_FORMAT"), QStringLiteral("json"));
    env.insert(QStringLiteral("FP_ENV"), QStringLiteral("production"));
    // Test servers share one Redis: a prefix of their own keeps their rate limits, queues and
    // events apart (servers that must share them get the same prefix through Options).
    env.insert(QStringLiteral("FP_REDIS_KEY_PREFIX"), m_redisPrefix);
    for (const QString &key : m_options.extraEnvironment.keys())
        env.insert(key, m_options.extraEnvironment.value(key));
    return env;
}

bool TestServer::start(int timeoutMs)
{
    return m_process.start(TestEnvironment::fromProcess().serverBinary, m_options.arguments,
                           environment(), timeoutMs);
}

int TestServer::runToCompletion(const QStringList &arguments, QByteArray *output, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setProcessEnvironment(environment());
    process.start(TestEnvironment::fromProcess().serverBinary, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return -1;
    }
    if (output)
        *output = process.readAll();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

ListeningProcess::~ListeningProcess()
{
    if (running())
        stop(10000);
}

void ListeningProcess::collect()
{
    m_output += m_process->readAll();
    if (m_keepTail > 0 && m_output.size() > 4 * m_keepTail)
        m_output = m_output.right(m_keepTail);
}

bool ListeningProcess::start(const QString &program, const QStringList &arguments,
                             const QProcessEnvironment &environment, int timeoutMs)
{
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setProcessEnvironment(environment);
    QObject::connect(m_process.get(), &QProcess::readyRead, [this] { collect(); });
    m_process->start(program, arguments);
    if (!m_process->waitForStarted(10000)) {
        std::fprintf(stderr, "cannot start %s\n", qPrintable(program));
        return false;
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        m_process->waitForReadyRead(100);
        collect();
        for (const QByteArray &line : m_output.split('\n')) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value(QStringLiteral("event")).toString() == QLatin1String("listening")) {
                m_port = quint16(event.value(QStringLiteral("port")).toInt());
                return true;
            }
        }
    }
    std::fprintf(stderr, "%s did not start listening; it printed:\n%s\n", qPrintable(program),
                 m_output.right(8000).constData());
    return false;
}

int ListeningProcess::stop(int timeoutMs)
{
    if (!m_process)
        return -1;
    if (m_process->state() == QProcess::Running) {
        m_process->terminate();
        if (!m_process->waitForFinished(timeoutMs)) {
            m_process->kill();
            m_process->waitForFinished(5000);
            collect();
            return -1;
        }
    }
    collect();
    return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
}

void ListeningProcess::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    collect();
}

QByteArray ListeningProcess::output() const
{
    if (m_process)
        const_cast<ListeningProcess *>(this)->collect();
    return m_output;
}

} // namespace fp::test
