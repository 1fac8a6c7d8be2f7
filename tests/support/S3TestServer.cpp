#include "tests/support/S3TestServer.h"

#include "tests/support/TestServer.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace fp::test {

S3TestServer::S3TestServer() = default;

S3TestServer::~S3TestServer()
{
    stop();
}

QString S3TestServer::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

bool S3TestServer::start(int timeoutMs)
{
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QString script = TestEnvironment::fromProcess().sourceDir +
        QStringLiteral("/tests/s3/node_modules/s3rver/bin/s3rver.js");
    if (node.isEmpty()) {
        m_problem = QStringLiteral("node is not installed (scripts/test installs nodejs)");
        return false;
    }
    if (!QFileInfo::exists(script)) {
        m_problem = QStringLiteral("%1 is missing: run `npm ci` in tests/s3 (scripts/test does)")
                        .arg(script);
        return false;
    }
    if (!m_directory.isValid()) {
        m_problem = QStringLiteral("cannot create a temporary directory");
        return false;
    }
    {
        // A free port: the kernel picks one, which is released for s3rver to take.
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->start(node,
                     {script, QStringLiteral("--directory"), m_directory.path(),
                      QStringLiteral("--address"), QStringLiteral("127.0.0.1"),
                      QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--silent"),
                      QStringLiteral("--no-vhost-buckets"), QStringLiteral("--configure-bucket"),
                      bucket()});
    if (!m_process->waitForStarted(10000)) {
        m_problem = QStringLiteral("cannot start node: %1").arg(m_process->errorString());
        return false;
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(200))
            return true;
        QThread::msleep(100);
    }
    m_problem = QStringLiteral("s3rver did not start listening; it printed:\n%1")
                    .arg(QString::fromUtf8(m_process->readAll().right(4000)));
    return false;
}

void S3TestServer::stop()
{
    if (!m_process)
        return;
    if (m_process->state() == QProcess::Running) {
        m_process->terminate();
        if (!m_process->waitForFinished(10000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

} // namespace fp::test
