#include "server/http/Router.h"

namespace fp {

std::optional<AppError> accessRefusal(const Caller &caller, Access access)
{
    switch (access) {
    case Access::Public:
    case Access::User:
        return std::nullopt;
    case Access::Participant:
        if (caller.restricted)
            return AppError::forbidden(
                QStringLiteral("Your account is restricted: it may read, not take part"));
        return std::nullopt;
    case Access::Moderator:
        if (caller.isStaff())
            return std::nullopt;
        break;
    case Access::Admin:
        if (caller.role == Role::Admin)
            return std::nullopt;
        break;
    case Access::Analytics:
        if (caller.seesAnalytics())
            return std::nullopt;
        break;
    }
    return AppError::forbidden(QStringLiteral("Your role may not use this route"));
}

namespace {

QStringList splitPath(const QString &path)
{
    return path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
}

bool isCapture(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) &&
        segment.endsWith(QLatin1Char('}'));
}

} // namespace

void Router::add(Route route)
{
    const bool bodyMethod =
        route.method == "POST" || route.method == "PUT" || route.method == "PATCH";
    if (bodyMethod && !route.takesRawBody)
        route.takesJson = true;
    Q_ASSERT(route.maxBodyBytes == 0 || !route.pattern.contains(QLatin1Char('{')));
    m_compiled.append(Compiled {splitPath(route.pattern)});
    m_routes.append(std::move(route));
}

void Router::add(const char *method, const char *pattern, Access access, Handler handler,
                 Execution execution)
{
    Route r;
    r.method = method;
    r.pattern = QString::fromLatin1(pattern);
    r.access = access;
    r.execution = execution;
    r.handler = std::move(handler);
    add(std::move(r));
}

bool Router::matches(const Compiled &c, const QStringList &pathSegments,
                     QHash<QString, QString> *params)
{
    if (c.segments.size() != pathSegments.size())
        return false;
    QHash<QString, QString> captured;
    for (qsizetype i = 0; i < c.segments.size(); ++i) {
        const QString &want = c.segments[i];
        if (isCapture(want))
            captured.insert(want.mid(1, want.size() - 2), pathSegments[i]);
        else if (want != pathSegments[i])
            return false;
    }
    if (params)
        *params = std::move(captured);
    return true;
}

std::optional<Router::Match> Router::find(const QByteArray &method, const QString &path,
                                          QList<QByteArray> *allowedMethods) const
{
    const QStringList segments = splitPath(path);
    // Literal routes win over captures ("/api/auth/sessions" before "/api/auth/{x}"):
    // take the match with the fewest captures.
    std::optional<Match> best;
    int bestCaptures = 0;
    for (qsizetype i = 0; i < m_routes.size(); ++i) {
        QHash<QString, QString> params;
        if (!matches(m_compiled[i], segments, &params))
            continue;
        const Route &route = m_routes[i];
        if (route.method != method) {
            if (allowedMethods && !allowedMethods->contains(route.method))
                allowedMethods->append(route.method);
            continue;
        }
        const int captures = int(params.size());
        if (!best || captures < bestCaptures) {
            best = Match {&route, std::move(params)};
            bestCaptures = captures;
        }
    }
    return best;
}

} // namespace fp
