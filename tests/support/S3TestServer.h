#pragma once

// A real S3-compatible server for the object store's tests: npm's s3rver (pinned in
// tests/s3/package-lock.json, installed by scripts/test with `npm ci`), run with node on a free
// loopback port with a temporary directory and one bucket, stopped (and its directory removed)
// when this object goes. s3rver accepts the access key id "S3RVER" with the secret "S3RVER".
// It parses AWS Signature V4 but does not check the signature itself (only the access key id):
// the signing is proven against AWS's own vectors (tst_media_sigv4); docs/avatars.md says so.

#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <memory>

namespace fp::test {

class S3TestServer
{
public:
    S3TestServer();
    ~S3TestServer();

    /// Starts s3rver and waits until it answers. False, with `problem()` saying why, when node
    /// or the npm package is missing or it did not start.
    bool start(int timeoutMs = 30000);
    void stop();

    QString endpoint() const; // http://127.0.0.1:<port>
    static QString bucket() { return QStringLiteral("friendship-media"); }
    static QString accessKeyId() { return QStringLiteral("S3RVER"); }
    static QString secretAccessKey() { return QStringLiteral("S3RVER"); }
    QString problem() const { return m_problem; }

private:
    std::unique_ptr<QProcess> m_process;
    QTemporaryDir m_directory;
    quint16 m_port = 0;
    QString m_problem;
};

} // namespace fp::test
