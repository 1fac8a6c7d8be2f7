#pragma once

// Idempotency keys (API_SPEC.md, Conventions): a client that retries a mutation with the same
// Idempotency-Key gets the first answer again and nothing happens twice. Keys are scoped per
// user, kept 24 hours in idempotency_keys, and the stored answer is written in the same
// transaction as the effect (see HttpServer's pipeline). Only successful answers are stored: a
// refused request had no effect, so retrying it with the same key is allowed.

#include "server/http/Http.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace fp {

class Idempotency
{
public:
    /// A claim on a key: either go ahead (and later complete or release `rowId`), or answer
    /// `response` at once (a replay, 409 while the first runs, 422 for a different body).
    struct Claim
    {
        bool proceed = false;
        QString rowId;
        HttpResponse response;
    };

    /// Problem with the header value, or empty when it is 1-255 printable ASCII characters.
    static QString validateKey(const QByteArray &key);
    /// Method, path and the body's canonical JSON, hashed: "the same request".
    static QByteArray requestHash(const RequestContext &ctx);

    static Claim claim(const QString &userId, const QByteArray &key, const QString &scope,
                       const QByteArray &requestHash, const QString &requestId);
    /// Stores the answer; call inside the transaction that holds the effect.
    static bool complete(const QString &rowId, const HttpResponse &response);
    /// Forgets the claim (the request failed and had no effect).
    static void release(const QString &rowId);
    /// Deletes expired keys; returns how many.
    static int sweepExpired();

    static constexpr int kLifetimeHours = 24;
    /// A claim still "in progress" after this long belongs to a request that died with its
    /// server: the key may be claimed again.
    static constexpr int kAbandonedAfterSeconds = 120;
};

} // namespace fp
