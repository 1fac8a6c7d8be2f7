#pragma once

// The HTTP side of lists (base/Paging.h): ?limit= and ?cursor= read from a request, with
// problems at query.limit and query.cursor, and the {items, next_cursor} answer.

#include "server/base/Paging.h"
#include "server/base/Validation.h"
#include "server/http/Http.h"

#include <QJsonArray>

namespace fp {

/// ?limit (1-200, default 50) and ?cursor of a keyset list.
PageRequest<KeysetCursor> keysetPageRequest(const RequestContext &ctx, Problems &problems);
/// ?limit and ?cursor of a list paged by offset.
PageRequest<int> offsetPageRequest(const RequestContext &ctx, Problems &problems);
/// An optional query parameter as text (fully decoded); empty when absent.
QString queryText(const RequestContext &ctx, const char *name);
/// An optional integer query parameter in [min, max]; `fallback` when absent.
int queryInteger(const RequestContext &ctx, const char *name, int fallback, int min, int max,
                 Problems &problems);
/// An optional RFC 3339 query parameter; invalid (and a problem) when malformed.
QDateTime queryTime(const RequestContext &ctx, const char *name, Problems &problems);

/// {items: [toJson(item)...], next_cursor: "..." | null}
template<typename T, typename Position, typename ToJson>
QJsonObject pageJson(const Page<T, Position> &page, ToJson toJson)
{
    QJsonArray items;
    for (const T &item : page.items)
        items.append(toJson(item));
    return {{QStringLiteral("items"), items},
            {QStringLiteral("next_cursor"),
             page.next ? QJsonValue(paging::encode(*page.next)) : QJsonValue(QJsonValue::Null)}};
}

/// A keyset-paged list route: reads ?limit and ?cursor, asks `fetch(PageRequest<>)` for the
/// page, answers {items, next_cursor}.
template<typename Fetch, typename ToJson>
HttpResponse keysetList(const RequestContext &ctx, Fetch fetch, ToJson toJson)
{
    Problems problems;
    const PageRequest<> page = keysetPageRequest(ctx, problems);
    if (!problems.empty())
        return problems.error();
    const auto result = fetch(page);
    if (!result)
        return result.error();
    return HttpResponse::json(200, pageJson(*result, toJson));
}

/// The same for a list paged by offset whose items render themselves (the staff API).
template<typename Fetch> HttpResponse offsetList(const RequestContext &ctx, Fetch fetch)
{
    Problems problems;
    const PageRequest<int> page = offsetPageRequest(ctx, problems);
    if (!problems.empty())
        return problems.error();
    const auto result = fetch(page);
    if (!result)
        return result.error();
    return HttpResponse::json(200,
                              pageJson(*result, [](const auto &item) { return item.toJson(); }));
}

} // namespace fp
