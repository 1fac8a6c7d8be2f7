#pragma once

// What a route handler sees (RequestContext) and gives back (HttpResponse). Handlers never
// touch sockets: the pipeline in HttpServer owns them.

#include "common/ApiError.h"
#include "common/Result.h"
#include "server/base/Caller.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>
#include <optional>

namespace fp {

struct RequestContext
{
    QString requestId;
    QByteArray method; // "GET", "POST", ...
    QString path;
    QString routePattern; // "/api/trust_score/{user_id}": for logs and metrics
    QHash<QString, QString> pathParams;
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;
    QJsonValue json; // parsed body, for routes that take JSON
    QHostAddress clientAddress;
    std::optional<Caller> caller;

    QByteArray header(const QByteArray &lowerCaseName) const
    {
        return headers.value(lowerCaseName);
    }
    QString param(const QString &name) const { return pathParams.value(name); }
    QJsonObject jsonObject() const { return json.toObject(); }
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    /// Set for failures: the writer renders it in the error shape with the request id.
    std::optional<AppError> error;

    HttpResponse() = default;
    HttpResponse(AppError failure) : status(failure.status()), error(std::move(failure)) { }

    static HttpResponse json(int status, const QJsonObject &object);
    static HttpResponse json(int status, const QJsonArray &array);
    /// JSON already rendered (an answer kept in memory).
    static HttpResponse jsonText(int status, QByteArray body);
    static HttpResponse noContent();
    static HttpResponse raw(int status, QByteArray contentType, QByteArray body);

    HttpResponse &withHeader(QByteArray name, QByteArray value)
    {
        headers.append({std::move(name), std::move(value)});
        return *this;
    }
};

/// A service's answer as a response: `toJson(value)` with `status`, or the error.
template<typename T, typename ToJson>
HttpResponse reply(const Result<T> &result, ToJson toJson, int status = 200)
{
    if (!result)
        return result.error();
    return HttpResponse::json(status, toJson(*result));
}

/// The same for the staff API's types, which render themselves (common/AdminTypes).
template<typename T> HttpResponse reply(const Result<T> &result)
{
    return reply(result, [](const T &value) { return value.toJson(); });
}

/// 204 for success, or the error.
inline HttpResponse noContentOr(const Status &status)
{
    if (!status)
        return status.error();
    return HttpResponse::noContent();
}

/// The error shape of API_SPEC.md: {code, message, details, request_id}.
QByteArray renderErrorBody(const AppError &error, const QString &requestId);

/// A fresh request id: a random (version 4) UUID without braces.
QString newRequestId();
/// A client-supplied X-Request-Id is kept when it is sane (1-128 of [A-Za-z0-9._:-]); else a
/// fresh one.
QString chooseRequestId(const QByteArray &clientValue);

} // namespace fp
