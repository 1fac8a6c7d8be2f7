#include "server/core/Idempotency.h"

#include "server/storage/Database.h"

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
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int attempt = 0; attempt < 3; ++attempt) {
        const QString rowId = Sql::newId();
        SqlResult inserted = Sql::exec(
            QStringLiteral(
                "INSERT INTO idempotency_keys (id, user_id, idem_key, scope, request_hash, state, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?)"),
            {rowId, userId, QString::fromLatin1(key), scope, QString::fromLatin1(requestHash),
             Sql::time(now), Sql::time(now.addSecs(kLifetimeHours * 3600))});
        if (inserted.ok())
            return {true, rowId, {}};
        if (inserted.failure() != DbFailure::DuplicateKey)
            return {false, {}, inserted.toAppError(requestId)};

        SqlResult existing = Sql::exec(
            QStringLiteral(
                "SELECT id, request_hash, state, response_code, response_body_json, created_at, "
                "expires_at FROM idempotency_keys WHERE user_id = ? AND idem_key = ?"),
            {userId, QString::fromLatin1(key)});
        if (!existing.ok())
            return {false, {}, existing.toAppError(requestId)};
        if (!existing.next())
            continue; // deleted in between: try again
        const QString id = existing.value(0).toString();
        const QDateTime expires = Sql::toTime(existing.value(6));
        if (expires <= now) {
            Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE id = ?"), {id});
            continue;
        }
        if (existing.value(1).toString().toLatin1() != requestHash) {
            return {
                false,
                {},
                AppError {ErrorCode::IdempotencyKeyReused,
                          QStringLiteral("This Idempotency-Key was used with a different request"),
                          {}}};
        }
        if (existing.value(2).toString() == QLatin1String("completed")) {
            HttpResponse replay =
                HttpResponse::raw(existing.value(3).toInt(), "application/json; charset=utf-8",
                                  existing.value(4).toString().toUtf8());
            replay.withHeader("Idempotent-Replayed", "true");
            return {false, {}, replay};
        }
        const QDateTime started = Sql::toTime(existing.value(5));
        if (started.secsTo(now) > kAbandonedAfterSeconds) {
            SqlResult taken = Sql::exec(QStringLiteral("UPDATE idempotency_keys SET created_at = ? "
                                                       "WHERE id = ? AND state = 'in_progress' "
                                                       "AND created_at = ?"),
                                        {Sql::time(now), id, Sql::time(started)});
            if (taken.ok() && taken.numRowsAffected() == 1)
                return {true, id, {}};
        }
        return {false,
                {},
                AppError::conflict(
                    QStringLiteral("A request with this Idempotency-Key is still running"))};
    }
    return {
        false,
        {},
        AppError::conflict(QStringLiteral("A request with this Idempotency-Key is still running"))};
}

bool Idempotency::complete(const QString &rowId, const HttpResponse &response)
{
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE idempotency_keys SET state = 'completed', response_code = ?, "
                       "response_body_json = ? WHERE id = ?"),
        {response.status, QString::fromUtf8(response.body), rowId});
    return r.ok() && r.numRowsAffected() == 1;
}

void Idempotency::release(const QString &rowId)
{
    Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE id = ? AND state = 'in_progress'"),
              {rowId});
}

int Idempotency::sweepExpired()
{
    SqlResult r =
        Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT 5000"),
                  {Sql::time(QDateTime::currentDateTimeUtc())});
    return r.ok() ? r.numRowsAffected() : 0;
}

} // namespace fp
