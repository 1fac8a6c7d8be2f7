#pragma once

// The route table. Each domain registers its routes in one function, declaring on the route
// who may call it and how it runs; the pipeline enforces both, handlers never re-check.

#include "server/core/Http.h"

#include <QList>
#include <QStringList>
#include <functional>
#include <optional>

namespace fp {

enum class Access {
    Public, // no token needed
    User, // any signed-in account
    Moderator, // moderator or admin
    Admin, // admin only
};

enum class Execution {
    Worker, // blocking work (database, Redis, hashing) on the worker pool
    Inline, // cheap and non-blocking: runs on the I/O thread
};

using Handler = std::function<HttpResponse(RequestContext &)>;

struct Route
{
    QByteArray method;
    QString pattern;
    Access access = Access::User;
    Execution execution = Execution::Worker;
    bool takesJson = false;
    Handler handler;
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
        QStringList segments; // "{name}" segments capture
    };
    static bool matches(const Compiled &c, const QStringList &pathSegments,
                        QHash<QString, QString> *params);

    QList<Route> m_routes;
    QList<Compiled> m_compiled;
};

} // namespace fp
