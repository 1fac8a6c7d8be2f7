#include "server/http/Router.h"

#include "server/base/Validation.h"

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
                       QStringLiteral("Your account is restricted: it may read, not take part"))
                .because(QStringLiteral("account_restricted"));
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
    if (route.takesNoBody) {
        // Checked as the handler's own body would be: after authentication and access.
        route.handler = [handler = std::move(route.handler)](RequestContext &ctx) -> HttpResponse {
            if (!ctx.body.trimmed().isEmpty()) {
                Problems problems;
                const ObjectReader nothingKnown(ctx.json, {}, problems);
                if (!problems.empty())
                    return problems.error();
            }
            return handler(ctx);
        };
    }
    Q_ASSERT(route.maxBodyBytes == 0 || !route.pattern.contains(QLatin1Char('{')));
    Q_ASSERT(!route.fromMemory || route.method == "GET");
    Compiled compiled;
    for (const QString &segment : splitPath(route.pattern)) {
        const bool capture = isCapture(segment);
        compiled.segments.append(capture ? segment.mid(1, segment.size() - 2) : segment);
        compiled.captures.append(capture);
        compiled.captureCount += capture ? 1 : 0;
    }
    const qsizetype length = compiled.segments.size();
    if (m_bySegmentCount.size() <= length)
        m_bySegmentCount.resize(length + 1);
    m_bySegmentCount[length].append(m_routes.size());
    m_compiled.append(std::move(compiled));
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

bool Router::literalsMatch(const Compiled &c, const QList<QStringView> &pathSegments)
{
    for (qsizetype i = 0; i < c.segments.size(); ++i) {
        if (!c.captures[i] && c.segments[i] != pathSegments[i])
            return false;
    }
    return true;
}

std::optional<Router::Match> Router::find(const QByteArray &method, const QString &path,
                                          QList<QByteArray> *allowedMethods) const
{
    const QList<QStringView> segments = QStringView(path).split(u'/', Qt::SkipEmptyParts);
    if (segments.size() >= m_bySegmentCount.size())
        return std::nullopt;
    // Literal routes win over captures ("/api/auth/sessions" before "/api/auth/{x}"):
    // take the match with the fewest captures, the first added among equals.
    qsizetype best = -1;
    for (const qsizetype i : m_bySegmentCount[segments.size()]) {
        const Compiled &compiled = m_compiled[i];
        if (!literalsMatch(compiled, segments))
            continue;
        const Route &route = m_routes[i];
        if (route.method != method) {
            if (allowedMethods && !allowedMethods->contains(route.method))
                allowedMethods->append(route.method);
            continue;
        }
        if (best < 0 || compiled.captureCount < m_compiled[best].captureCount)
            best = i;
    }
    if (best < 0)
        return std::nullopt;
    Match match {&m_routes[best], {}};
    const Compiled &compiled = m_compiled[best];
    for (qsizetype i = 0; i < compiled.segments.size(); ++i) {
        if (compiled.captures[i])
            match.params.insert(compiled.segments[i], segments[i].toString());
    }
    return match;
}

} // namespace fp
