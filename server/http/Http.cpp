#include "server/http/Http.h"

#include <QJsonDocument>

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

} // namespace fp
