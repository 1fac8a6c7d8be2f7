#include "server/http/ListQuery.h"

#include "common/Time.h"

namespace fp {

namespace {

int limitOf(const RequestContext &ctx, Problems &problems)
{
    return queryInteger(ctx, "limit", kDefaultPageSize, 1, kMaxPageSize, problems);
}

template<typename Position>
PageRequest<Position> pageRequest(const RequestContext &ctx, Problems &problems,
                                  std::optional<Position> (*decode)(const QString &))
{
    PageRequest<Position> request;
    request.limit = limitOf(ctx, problems);
    if (ctx.query.hasQueryItem(QStringLiteral("cursor"))) {
        request.after = decode(queryText(ctx, "cursor"));
        if (!request.after)
            problems.add(QStringLiteral("query.cursor"),
                         QStringLiteral("is not a cursor this server issued"));
    }
    return request;
}

} // namespace

PageRequest<KeysetCursor> keysetPageRequest(const RequestContext &ctx, Problems &problems)
{
    return pageRequest<KeysetCursor>(ctx, problems, &paging::decodeKeyset);
}

PageRequest<int> offsetPageRequest(const RequestContext &ctx, Problems &problems)
{
    return pageRequest<int>(ctx, problems, &paging::decodeOffset);
}

QString queryText(const RequestContext &ctx, const char *name)
{
    return ctx.query.queryItemValue(QLatin1String(name), QUrl::FullyDecoded);
}

int queryInteger(const RequestContext &ctx, const char *name, int fallback, int min, int max,
                 Problems &problems)
{
    if (!ctx.query.hasQueryItem(QLatin1String(name)))
        return fallback;
    bool ok = false;
    const int value = queryText(ctx, name).toInt(&ok);
    if (!ok || value < min || value > max) {
        problems.add(QStringLiteral("query.") + QLatin1String(name),
                     QStringLiteral("must be an integer %1-%2").arg(min).arg(max));
        return fallback;
    }
    return value;
}

QDateTime queryTime(const RequestContext &ctx, const char *name, Problems &problems)
{
    if (!ctx.query.hasQueryItem(QLatin1String(name)))
        return {};
    const QDateTime t = fromWireTime(queryText(ctx, name));
    if (!t.isValid())
        problems.add(QStringLiteral("query.") + QLatin1String(name),
                     QStringLiteral("must be an RFC 3339 timestamp"));
    return t;
}

} // namespace fp
