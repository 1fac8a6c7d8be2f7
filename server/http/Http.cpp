#include "server/http/Http.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>

namespace fp {

namespace {
const QByteArray kJsonType = QByteArrayLiteral("application/json; charset=utf-8");
}

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    return raw(status, kJsonType, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

HttpResponse HttpResponse::jsonText(int status, QByteArray body)
{
    return raw(status, kJsonType, std::move(body));
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    return raw(status, kJsonType, QJsonDocument(array).toJson(QJsonDocument::Compact));
}

HttpResponse HttpResponse::noContent()
{
    HttpResponse r;
    r.status = 204;
    return r;
}

HttpResponse HttpResponse::raw(int status, QByteArray contentType, QByteArray body)
{
    HttpResponse r;
    r.status = status;
    r.contentType = std::move(contentType);
    r.body = std::move(body);
    return r;
}

QByteArray renderErrorBody(const AppError &error, const QString &requestId)
{
    const QJsonObject body {
        {QStringLiteral("code"), errorCodeName(error.code)},
        {QStringLiteral("message"), error.message},
        {QStringLiteral("details"), error.details},
        {QStringLiteral("request_id"), requestId},
    };
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QString chooseRequestId(const QByteArray &clientValue)
{
    static const QRegularExpression sane(QStringLiteral("^[A-Za-z0-9._:-]{1,128}$"));
    const QString candidate = QString::fromLatin1(clientValue);
    if (!candidate.isEmpty() && sane.match(candidate).hasMatch())
        return candidate;
    return newRequestId();
}

QString newRequestId()
{
    // From the global generator, seeded once from the system's: an id only has to be unique,
    // and QUuid::createUuid() asks the kernel (getrandom) for every one, a system call on every
    // request of the I/O thread.
    quint32 random[4];
    QRandomGenerator::global()->fillRange(random);
    const auto byte = [&](int word, int shift) {
        return uchar(random[word] >> shift);
    };
    return QUuid(random[0], ushort(random[1]), ushort((random[1] >> 16 & 0x0FFF) | 0x4000),
                 uchar((byte(2, 0) & 0x3F) | 0x80), byte(2, 8), byte(2, 16), byte(2, 24),
                 byte(3, 0), byte(3, 8), byte(3, 16), byte(3, 24))
        .toString(QUuid::WithoutBraces);
}

} // namespace fp
