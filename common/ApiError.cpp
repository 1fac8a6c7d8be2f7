#include "common/ApiError.h"

#include <array>

namespace fp {

namespace {

struct CodeInfo
{
    ErrorCode code;
    const char *name;
    int status;
};

constexpr std::array<CodeInfo, 13> kCodes {{
    {ErrorCode::ValidationFailed, "validation_failed", 400},
    {ErrorCode::MalformedJson, "malformed_json", 400},
    {ErrorCode::Unauthorized, "unauthorized", 401},
    {ErrorCode::Forbidden, "forbidden", 403},
    {ErrorCode::NotFound, "not_found", 404},
    {ErrorCode::MethodNotAllowed, "method_not_allowed", 405},
    {ErrorCode::Conflict, "conflict", 409},
    {ErrorCode::PayloadTooLarge, "payload_too_large", 413},
    {ErrorCode::UnsupportedMediaType, "unsupported_media_type", 415},
    {ErrorCode::IdempotencyKeyReused, "idempotency_key_reused", 422},
    {ErrorCode::RateLimited, "rate_limited", 429},
    {ErrorCode::Internal, "internal", 500},
    {ErrorCode::Unavailable, "unavailable", 503},
}};

const CodeInfo &infoFor(ErrorCode code)
{
    for (const auto &info : kCodes) {
        if (info.code == code)
            return info;
    }
    return kCodes[11]; // internal: unreachable while kCodes lists every enumerator
}

} // namespace

QString errorCodeName(ErrorCode code)
{
    return QString::fromLatin1(infoFor(code).name);
}

int errorCodeStatus(ErrorCode code)
{
    return infoFor(code).status;
}

std::optional<ErrorCode> errorCodeFromName(const QString &name)
{
    for (const auto &info : kCodes) {
        if (name == QLatin1String(info.name))
            return info.code;
    }
    return std::nullopt;
}

AppError AppError::validation(const QJsonObject &fieldProblems, const QString &message)
{
    return {ErrorCode::ValidationFailed, message,
            QJsonObject {{QStringLiteral("fields"), fieldProblems}}};
}

AppError AppError::notFound(const QString &message)
{
    return {ErrorCode::NotFound, message, {}};
}

AppError AppError::conflict(const QString &message)
{
    return {ErrorCode::Conflict, message, {}};
}

AppError AppError::unauthorized(const QString &message)
{
    return {ErrorCode::Unauthorized, message, {}};
}

AppError AppError::forbidden(const QString &message)
{
    return {ErrorCode::Forbidden, message, {}};
}

AppError AppError::internal()
{
    // Never carries the cause: that goes to the log with the request id.
    return {ErrorCode::Internal, QStringLiteral("Something went wrong on our side"), {}};
}

AppError AppError::unavailable(const QString &message, int retryAfterSeconds)
{
    return {ErrorCode::Unavailable, message, {}, retryAfterSeconds};
}

AppError AppError::rateLimited(int retryAfterSeconds)
{
    // Said twice, as openapi's RateLimited shows: the Retry-After header for HTTP clients, the
    // detail for code that reads only the body.
    return {ErrorCode::RateLimited, QStringLiteral("Too many requests, slow down"),
            QJsonObject {{QStringLiteral("retry_after_seconds"), retryAfterSeconds}},
            retryAfterSeconds};
}

} // namespace fp
