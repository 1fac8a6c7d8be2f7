#pragma once

// The error vocabulary of the API (API_SPEC.md, "Conventions"): one code, one HTTP status.
// Services return AppError values; one place (HttpServer::respond, server/http) turns them into
// HTTP.

#include <QJsonObject>
#include <QString>
#include <optional>

namespace fp {

enum class ErrorCode {
    ValidationFailed,
    MalformedJson,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    IdempotencyKeyReused,
    RateLimited,
    Internal,
    Unavailable,
};

/// The wire name of a code, e.g. "validation_failed".
QString errorCodeName(ErrorCode code);
/// The HTTP status a code is always answered with.
int errorCodeStatus(ErrorCode code);
/// Parses a wire name back (the console reads errors with it).
std::optional<ErrorCode> errorCodeFromName(const QString &name);

/// A failure a client is told about. `details` is always an object; `retryAfterSeconds`
/// becomes a Retry-After header for 429 and 503.
struct AppError
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QJsonObject details;
    int retryAfterSeconds = 0;

    int status() const { return errorCodeStatus(code); }

    static AppError validation(const QJsonObject &fieldProblems,
                               const QString &message = QStringLiteral("Some fields are invalid"));
    static AppError notFound(const QString &message = QStringLiteral("Not found"));
    static AppError conflict(const QString &message);
    static AppError
    unauthorized(const QString &message = QStringLiteral("Authentication required"));
    static AppError forbidden(const QString &message = QStringLiteral("Not allowed"));
    static AppError internal();
    static AppError unavailable(const QString &message, int retryAfterSeconds = 1);
    static AppError rateLimited(int retryAfterSeconds);

    /// The same error with `details.reason`, the word a client branches on (e.g.
    /// "already_queued").
    AppError because(const QString &reason) const
    {
        AppError error = *this;
        error.details.insert(QStringLiteral("reason"), reason);
        return error;
    }
};

} // namespace fp
