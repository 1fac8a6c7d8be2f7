#pragma once

// The route table. Each domain registers its routes in one function, declaring on the route
// who may call it and how it runs; the pipeline enforces both, handlers never re-check.

#include "server/http/Http.h"

#include <QList>
#include <QStringList>
#include <functional>
#include <optional>

namespace fp {

enum class Access {
    Public, // no token needed
    User, // any signed-in account
    Participant, // a signed-in account that may take part: not restricted (queue, chat)
    Moderator, // moderator or admin
    Admin, // admin only
    Analytics, // analyst, moderator or admin: product analytics and aggregated queue metrics
};

enum class Execution {
    Worker, // blocking work (database, Redis, hashing) on the worker pool
    Inline, // cheap and non-blocking: runs on the I/O thread
};

/// Which rate-limit budget a route spends (see server/http/RateLimiter.h).
enum class RateClass {
    Auto, // reads for GET, mutations for everything else
    Auth, // login, register, refresh: tight, per IP and per account
    Mutation, // writes
    Read, // reads
    Export, // a person's whole data: heavy, so a small budget of its own
    None, // health, metrics, the contract: never limited
};

/// Why `caller` may not use something declared with `access` (403), or nothing. The one
/// place access is decided, for HTTP routes and WebSocket frames alike.
std::optional<AppError> accessRefusal(const Caller &caller, Access access);

using Handler = std::function<HttpResponse(RequestContext &)>;

/// One route, declared where its domain registers it, e.g.
///   router.add(Route{.method = "POST", .pattern = "/api/reports", .access = Access::User,
///                    .idempotent = true, .handler = ...});
struct Route
{
    QByteArray method;
    QString pattern;
    Access access = Access::User;
    Execution execution = Execution::Worker;
    RateClass rate = RateClass::Auto;
    /// Honours Idempotency-Key (API_SPEC "(I)" routes): replays, 422 on a different body,
    /// 409 while the first is running. Needs an authenticated caller.
    bool idempotent = false;
    /// The body is the payload itself (an image), not JSON: no Content-Type check, no parse.
    bool takesRawBody = false;
    /// A larger body than FP_MAX_BODY_BYTES is accepted (413 above this); 0: the default.
    /// Only for a route whose pattern has no {captures} (the connection guard matches the
    /// exact path before routing).
    qint64 maxBodyBytes = 0;
    bool takesJson = false; // set for POST/PUT/PATCH without takesRawBody by Router::add
    /// A POST that takes no body: nothing, or `{}`, and any key is 400 like an unknown field of
    /// any other body (the contract: request bodies are strict).
    bool takesNoBody = false;
    Handler handler;
    /// A 200 answer kept in memory (ReadCache), tried on the I/O thread once the caller is
    /// known without waiting; nothing means the handler runs on a worker as usual. It must
    /// never wait and must answer only what the handler would answer now. Only a GET route
    /// has one (the connection guard may answer it before Qt reads the request).
    std::function<std::optional<HttpResponse>(const RequestContext &)> fromMemory = nullptr;
};

class Router
{
public:
    struct Match
    {
        const Route *route = nullptr;
        QHash<QString, QString> params;
    };

    void add(Route route);
    /// Convenience for the common case.
    void add(const char *method, const char *pattern, Access access, Handler handler,
             Execution execution = Execution::Worker);

    /// The route for method + path, or nothing; `allowedMethods` is filled when the path
    /// exists under other methods (the pipeline answers 405 then).
    std::optional<Match> find(const QByteArray &method, const QString &path,
                              QList<QByteArray> *allowedMethods) const;

    const QList<Route> &routes() const { return m_routes; }

private:
    struct Compiled
    {
        QStringList segments; // literal text, or the name a "{name}" segment captures under
        QList<bool> captures; // which segments capture
        int captureCount = 0;
    };
    /// Whether the literal segments of `c` equal the path's (as many segments as it has).
    static bool literalsMatch(const Compiled &c, const QList<QStringView> &pathSegments);

    QList<Route> m_routes;
    QList<Compiled> m_compiled;
    // Indexes of the routes, by how many segments their pattern has, in the order they were
    // added: a request is compared with the few routes of its own length only.
    QList<QList<qsizetype>> m_bySegmentCount;
};

} // namespace fp
