#include "server/http/IdempotencyRepository.h"

namespace fp {

SqlResult IdempotencyRepository::insertClaim(const QString &rowId, const QString &userId,
                                             const QByteArray &key, const QString &scope,
                                             const QByteArray &requestHash, const QDateTime &now,
                                             const QDateTime &expiresAt) const
{
    return Sql::exec(
        QStringLiteral(
            "INSERT INTO idempotency_keys (id, user_id, idem_key, scope, request_hash, "
            "state, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?)"),
        {rowId, userId, QString::fromLatin1(key), scope, QString::fromLatin1(requestHash),
         Sql::time(now), Sql::time(expiresAt)});
}

Result<std::optional<IdempotencyKeyRow>> IdempotencyRepository::find(const QString &userId,
                                                                     const QByteArray &key) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, request_hash, state, response_code, response_body_json, "
                       "created_at, expires_at FROM idempotency_keys WHERE user_id = ? AND "
                       "idem_key = ?"),
        {userId, QString::fromLatin1(key)});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<IdempotencyKeyRow>();
    IdempotencyKeyRow row;
    row.id = r.value(0).toString();
    row.requestHash = r.value(1).toString().toLatin1();
    row.completed = r.value(2).toString() == QLatin1String("completed");
    row.responseCode = r.value(3).toInt();
    row.responseBody = r.value(4).toString().toUtf8();
    row.createdAt = Sql::toTime(r.value(5));
    row.expiresAt = Sql::toTime(r.value(6));
    return std::optional<IdempotencyKeyRow>(std::move(row));
}

void IdempotencyRepository::remove(const QString &rowId) const
{
    Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE id = ?"), {rowId});
}

bool IdempotencyRepository::retake(const QString &rowId, const QDateTime &startedAt,
                                   const QDateTime &now) const
{
    SqlResult taken = Sql::exec(QStringLiteral("UPDATE idempotency_keys SET created_at = ? "
                                               "WHERE id = ? AND state = 'in_progress' AND "
                                               "created_at = ?"),
                                {Sql::time(now), rowId, Sql::time(startedAt)});
    return taken.ok() && taken.numRowsAffected() == 1;
}

bool IdempotencyRepository::complete(const QString &rowId, int status, const QByteArray &body) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE idempotency_keys SET state = 'completed', response_code = ?, "
                       "response_body_json = ? WHERE id = ?"),
        {status, QString::fromUtf8(body), rowId});
    return r.ok() && r.numRowsAffected() == 1;
}

void IdempotencyRepository::release(const QString &rowId) const
{
    Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE id = ? AND state = 'in_progress'"),
              {rowId});
}

Status IdempotencyRepository::forgetUser(const QString &userId) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE user_id = ?"), {userId}));
}

int IdempotencyRepository::deleteExpired(const QDateTime &now, int limit) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("DELETE FROM idempotency_keys WHERE expires_at < ? LIMIT ?"),
                  {Sql::time(now), limit});
    return r.ok() ? r.numRowsAffected() : 0;
}

} // namespace fp
