#include "server/media/S3ObjectStore.h"

#include "server/base/Log.h"
#include "server/media/SigV4.h"

#include <QDateTime>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace fp {

S3ObjectStore::S3ObjectStore(S3Settings settings)
    : m_settings(std::move(settings)), m_endpoint(m_settings.endpoint)
{ }

QByteArray S3ObjectStore::objectPath(const QString &key) const
{
    return '/' + sigv4::uriEncode(m_settings.bucket.toUtf8(), false) + '/' +
        sigv4::uriEncode(key.toUtf8(), true);
}

S3ObjectStore::Answer S3ObjectStore::request(const QByteArray &method, const QByteArray &path,
                                             const QList<QPair<QByteArray, QByteArray>> &query,
                                             const QByteArray &body,
                                             const QByteArray &contentType) const
{
    const QByteArray amzDate =
        QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1();
    // The Host header QNetworkAccessManager sends: the port only when it is not the scheme's.
    const bool https = m_endpoint.scheme() == QLatin1String("https");
    const int defaultPort = https ? 443 : 80;
    QByteArray host = m_endpoint.host(QUrl::FullyEncoded).toLatin1();
    if (m_endpoint.port(defaultPort) != defaultPort)
        host += ':' + QByteArray::number(m_endpoint.port());

    sigv4::Request signing;
    signing.method = method;
    signing.path = path;
    signing.query = query;
    signing.payloadHash = sigv4::sha256Hex(body);
    signing.headers = {
        {"host", host}, {"x-amz-content-sha256", signing.payloadHash}, {"x-amz-date", amzDate}};
    const sigv4::Credentials credentials {m_settings.accessKeyId.toUtf8(),
                                          m_settings.secretAccessKey.toUtf8(),
                                          m_settings.region.toUtf8(), "s3"};

    QUrl url = m_endpoint;
    QByteArrayList queryParts;
    for (const auto &[name, value] : query)
        queryParts << sigv4::uriEncode(name, false) + '=' + sigv4::uriEncode(value, false);
    url.setPath(QString::fromLatin1(path), QUrl::StrictMode);
    url.setQuery(QString::fromLatin1(queryParts.join('&')), QUrl::StrictMode);

    QNetworkRequest networkRequest(url);
    networkRequest.setRawHeader("x-amz-content-sha256", signing.payloadHash);
    networkRequest.setRawHeader("x-amz-date", amzDate);
    networkRequest.setRawHeader("Authorization",
                                sigv4::authorization(credentials, signing, amzDate));
    if (!contentType.isEmpty())
        networkRequest.setRawHeader("Content-Type", contentType);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                                QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setTransferTimeout(m_settings.timeoutMs);

    // This worker thread has no event loop of its own: a local one runs until the answer
    // arrives or the timeout passes, and everything it created dies with it.
    QNetworkAccessManager manager;
    QNetworkReply *reply = manager.sendCustomRequest(networkRequest, method, body);
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&deadline, &QTimer::timeout, reply, &QNetworkReply::abort);
    deadline.start(m_settings.timeoutMs);
    if (!reply->isFinished())
        loop.exec();

    Answer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    if (answer.status == 0)
        answer.problem = reply->errorString();
    delete reply;
    return answer;
}

AppError S3ObjectStore::failure(const QString &operation, const QString &key,
                                const Answer &answer) const
{
    // The body of an S3 error names its code (SignatureDoesNotMatch, NoSuchBucket): enough to
    // diagnose, and never the secret.
    log::error(QStringLiteral("media_store_failed"),
               {{QStringLiteral("store"), QStringLiteral("s3")},
                {QStringLiteral("operation"), operation},
                {QStringLiteral("key"), key},
                {QStringLiteral("status"), answer.status},
                {QStringLiteral("cause"),
                 answer.status == 0 ? answer.problem : QString::fromUtf8(answer.body.left(300))}});
    return AppError::unavailable(QStringLiteral("The media store is not available, try again"), 1);
}

Status S3ObjectStore::put(const QString &key, const QByteArray &bytes,
                          const QByteArray &contentType) const
{
    if (!validKey(key))
        return AppError::internal();
    const Answer answer = request("PUT", objectPath(key), {}, bytes, contentType);
    if (answer.status != 200)
        return failure(QStringLiteral("put"), key, answer);
    return Ok {};
}

Result<std::optional<QByteArray>> S3ObjectStore::get(const QString &key) const
{
    if (!validKey(key))
        return std::optional<QByteArray>();
    const Answer answer = request("GET", objectPath(key), {}, {}, {});
    if (answer.status == 404)
        return std::optional<QByteArray>();
    if (answer.status != 200)
        return failure(QStringLiteral("get"), key, answer);
    return std::optional<QByteArray>(answer.body);
}

Status S3ObjectStore::remove(const QString &key) const
{
    if (!validKey(key))
        return Ok {};
    const Answer answer = request("DELETE", objectPath(key), {}, {}, {});
    if (answer.status != 204 && answer.status != 200 && answer.status != 404)
        return failure(QStringLiteral("remove"), key, answer);
    return Ok {};
}

} // namespace fp
