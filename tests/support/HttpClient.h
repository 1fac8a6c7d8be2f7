#pragma once

// A synchronous HTTP client for integration tests: real QNetworkAccessManager requests over
// loopback, waited for with a local event loop.

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QPair>
#include <QSslCertificate>
#include <QString>

namespace fp::test {

struct HttpResult
{
    int status = 0; // 0: no HTTP answer (connection refused, timeout)
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString networkError;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonDocument document() const { return QJsonDocument::fromJson(body); }
    /// The `code` of an error body.
    QString errorCode() const { return json().value(QStringLiteral("code")).toString(); }
};

class HttpClient
{
public:
    explicit HttpClient(quint16 port);

    void setBearer(const QString &accessToken) { m_bearer = accessToken; }
    void setPort(quint16 port) { m_port = port; }
    /// Talk HTTPS, trusting these certificates (a test's self-signed one).
    void useTls(const QList<QSslCertificate> &trusted)
    {
        m_trusted = trusted;
        m_tls = true;
    }

    HttpResult get(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult del(const QString &path, const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult post(const QString &path, const QJsonObject &body,
                    const QList<QPair<QByteArray, QByteArray>> &headers = {});
    HttpResult put(const QString &path, const QJsonObject &body,
                   const QList<QPair<QByteArray, QByteArray>> &headers = {});
    /// Anything else: any method, raw body, raw headers (no Content-Type added).
    HttpResult send(const QByteArray &method, const QString &path, const QByteArray &body,
                    const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs = 30000);

private:
    QNetworkAccessManager m_network;
    quint16 m_port;
    QString m_bearer;
    bool m_tls = false;
    QList<QSslCertificate> m_trusted;
};

} // namespace fp::test
