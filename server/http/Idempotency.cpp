#include "server/http/Idempotency.h"

#include "server/http/IdempotencyRepository.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>

namespace fp {

QString Idempotency::validateKey(const QByteArray &key)
{
    if (key.isEmpty() || key.size() > 255)
        return QStringLiteral("must be 1 to 255 characters");
    for (const char c : key) {
        if (c < 0x20 || c > 0x7e)
            return QStringLiteral("must contain printable ASCII characters only");
    }
    return {};
}

QByteArray Idempotency::requestHash(const RequestContext &ctx)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(ctx.method);
    hash.addData(" ");
    hash.addData(ctx.path.toUtf8());
    hash.addData("\n");
    // QJsonObject keeps keys sorted, so the compact form is canonical: the same JSON with
    // other whitespace or key order is the same request.
    if (ctx.json.isObject())
        hash.addData(QJsonDocument(ctx.json.toObject()).toJson(QJsonDocument::Compact));
    else if (ctx.json.isArray())
        hash.addData(QJsonDocument(ctx.json.toArray()).toJson(QJsonDocument::Compact));
    else
        hash.addData(ctx.body);
    return hash.result().toHex();
}

Idempotency::Claim Idempotency::claim(const QString &userId, const QByteArray &key,
                                      const QString &scope, const QByteArray &requestHash,
                                      const QString &requestId)
{
    const IdempotencyRepository keys;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const AppError stillRunning =
        AppError::conflict(QStringLiteral("A request with this Idempotency-Key is still running"));
    for (int attempt = 0; attempt < 3; ++attempt) {
        const QString rowId = Sql::newId();
        SqlResult inserted = keys.insertClaim(rowId, userId, key, scope, requestHash, now,
                                              now.addSecs(kLifetimeHours * 3600));
        if (inserted.ok())
            return {true, rowId, {}};
        if (inserted.failure() != DbFailure::DuplicateKey)
            return {false, {}, inserted.toAppError(requestId)};

        Result<std::optional<IdempotencyKeyRow>> existing = keys.find(userId, key);
        if (!existing)
            return {false, {}, existing.error()};
        if (!existing->has_value())
            continue; // deleted in between: try again
        const IdempotencyKeyRow &row = **existing;
        if (row.expiresAt <= now) {
            keys.remove(row.id);
            continue;
        }
        if (row.requestHash != requestHash) {
            return {
                false,
                {},
                AppError {ErrorCode::IdempotencyKeyReused,
                          QStringLiteral("This Idempotency-Key was used with a different request"),
                          {}}};
        }
        if (row.completed) {
            HttpResponse replay = HttpResponse::raw(
                row.responseCode, "application/json; charset=utf-8", row.responseBody);
            replay.withHeader("Idempotent-Replayed", "true");
            return {false, {}, replay};
        }
        if (row.createdAt.secsTo(now) > kAbandonedAfterSeconds &&
            keys.retake(row.id, row.createdAt, now))
            return {true, row.id, {}};
        return {false, {}, stillRunning};
    }
    return {false, {}, stillRunning};
}

bool Idempotency::complete(const QString &rowId, const HttpResponse &response)
{
    return IdempotencyRepository().complete(rowId, response.status, response.body);
}

void Idempotency::release(const QString &rowId)
{
    IdempotencyRepository().release(rowId);
}

int Idempotency::sweepExpired()
{
    return IdempotencyRepository().deleteExpired(QDateTime::currentDateTimeUtc(), 5000);
}

} // namespace fp
