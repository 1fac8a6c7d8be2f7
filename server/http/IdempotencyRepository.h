#pragma once

// All SQL of the idempotency_keys table, which the HTTP layer owns (docs/architecture.md):
// claims on a key, the stored answer, and the sweep of expired keys. Idempotency.h holds the
// rules that decide between replay, 409 and 422.

#include "server/storage/Database.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <optional>

namespace fp {

/// One idempotency_keys row, as the claim needs it.
struct IdempotencyKeyRow
{
    QString id;
    QByteArray requestHash;
    bool completed = false;
    int responseCode = 0;
    QByteArray responseBody;
    QDateTime createdAt; // when the request holding the claim started
    QDateTime expiresAt;
};

class IdempotencyRepository
{
public:
    /// Inserts an in-progress claim; DbFailure::DuplicateKey when the user already used the key.
    SqlResult insertClaim(const QString &rowId, const QString &userId, const QByteArray &key,
                          const QString &scope, const QByteArray &requestHash, const QDateTime &now,
                          const QDateTime &expiresAt) const;
    Result<std::optional<IdempotencyKeyRow>> find(const QString &userId,
                                                  const QByteArray &key) const;
    void remove(const QString &rowId) const;
    /// Takes over an in-progress claim that started at `startedAt` (its request died); false
    /// when someone else took it first.
    bool retake(const QString &rowId, const QDateTime &startedAt, const QDateTime &now) const;
    bool complete(const QString &rowId, int status, const QByteArray &body) const;
    /// Deletes the claim unless it was completed.
    void release(const QString &rowId) const;
    /// Forgets every key of a person (an account deletion).
    Status forgetUser(const QString &userId) const;
    /// Deletes up to `limit` keys that expired before `now`; returns how many.
    int deleteExpired(const QDateTime &now, int limit) const;
};

} // namespace fp
