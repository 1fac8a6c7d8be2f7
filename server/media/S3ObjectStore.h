#pragma once

#include "server/media/ObjectStore.h"

#include <QUrl>

namespace fp {

/// Objects in a bucket of an S3-compatible service: path-style requests
/// (endpoint/bucket/key), signed with AWS Signature V4 (SigV4.h), the body's SHA-256 signed
/// too. Each call makes one request with its own QNetworkAccessManager and waits for it in a
/// local event loop on the calling worker thread, at most the configured timeout (503 after).
class S3ObjectStore final : public ObjectStore
{
public:
    explicit S3ObjectStore(S3Settings settings);

    Status put(const QString &key, const QByteArray &bytes,
               const QByteArray &contentType) const override;
    Result<std::optional<QByteArray>> get(const QString &key) const override;
    Status remove(const QString &key) const override;
    QString kind() const override { return QStringLiteral("s3"); }

    struct Answer
    {
        int status = 0; // 0: no answer (network error, timeout)
        QByteArray body;
        QString problem;
    };
    /// One signed request to `path` (already encoded, e.g. "/bucket/key"): for the calls above
    /// and for tests that list a bucket.
    Answer request(const QByteArray &method, const QByteArray &path,
                   const QList<QPair<QByteArray, QByteArray>> &query, const QByteArray &body,
                   const QByteArray &contentType) const;

private:
    QByteArray objectPath(const QString &key) const;
    AppError failure(const QString &operation, const QString &key, const Answer &answer) const;

    S3Settings m_settings;
    QUrl m_endpoint;
};

} // namespace fp
