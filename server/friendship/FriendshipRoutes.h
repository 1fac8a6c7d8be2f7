#pragma once

// The friendship routes, and the keyset paging (?limit=&cursor=, {items, next_cursor}) they
// share with the safety routes.

#include "server/core/Http.h"
#include "server/friendship/FriendshipRepository.h"

#include <QJsonArray>

namespace fp {

class Router;

/// GET /api/friends, DELETE /api/friends/{user_id}, GET and POST /api/friendships/{id}/events.
void registerFriendshipRoutes(Router &router);

struct PageQuery
{
    static constexpr int kDefaultPageSize = 50;
    static constexpr int kMaxPageSize = 200;
    int limit = kDefaultPageSize;
    std::optional<KeysetCursor> after;
};

/// ?limit= (1-200, default 50) and ?cursor= (one this server issued); 400 naming the bad one.
Result<PageQuery> pageQuery(const RequestContext &ctx);
QString encodeKeysetCursor(const KeysetCursor &cursor);
std::optional<KeysetCursor> decodeKeysetCursor(const QString &text);

/// 200 {items, next_cursor}.
template<typename T, typename ToJson>
HttpResponse pageResponse(const KeysetPage<T> &page, ToJson toJson)
{
    QJsonArray items;
    for (const T &item : page.items)
        items.append(toJson(item));
    return HttpResponse::json(200,
                              QJsonObject {{QStringLiteral("items"), items},
                                           {QStringLiteral("next_cursor"),
                                            page.next ? QJsonValue(encodeKeysetCursor(*page.next))
                                                      : QJsonValue(QJsonValue::Null)}});
}

} // namespace fp
