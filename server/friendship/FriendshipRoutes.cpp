#include "server/friendship/FriendshipRoutes.h"

#include "server/friendship/FriendshipJson.h"
#include "server/friendship/FriendshipService.h"
#include "server/friendship/FriendshipValidation.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"

namespace fp {

namespace {

AppError noSuchFriendship()
{
    return AppError::notFound(QStringLiteral("No such friendship"));
}

} // namespace

void registerFriendshipRoutes(Router &router, const FriendshipService &friendships)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/friends"),
                      .access = Access::User,
                      .handler = [&friendships](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const PageRequest<> page = keysetPageRequest(ctx, problems);
                          if (!problems.empty())
                              return problems.error();
                          Result<Page<FriendItem>> friends =
                              friendships.listFriends(ctx.caller->userId, page);
                          if (!friends)
                              return friends.error();
                          return HttpResponse::json(200, pageJson(*friends, friendToJson));
                      }});

    router.add(Route {
        .method = "DELETE",
        .pattern = QStringLiteral("/api/friends/{user_id}"),
        .access = Access::User,
        .handler = [&friendships](RequestContext &ctx) -> HttpResponse {
            const QString friendId = ctx.param(QStringLiteral("user_id"));
            if (!validation::isUuid(friendId))
                return AppError::notFound(QStringLiteral("No such friend"));
            if (Status removed = friendships.removeFriend(ctx.caller->userId, friendId); !removed)
                return removed.error();
            return HttpResponse::noContent();
        }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/friendships/{id}/events"),
                      .access = Access::User,
                      .handler = [&friendships](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!validation::isUuid(id))
                              return noSuchFriendship();
                          Problems problems;
                          const PageRequest<> page = keysetPageRequest(ctx, problems);
                          if (!problems.empty())
                              return problems.error();
                          Result<Page<FriendshipEventRecord>> events =
                              friendships.events(ctx.caller->userId, id, page);
                          if (!events)
                              return events.error();
                          return HttpResponse::json(200, pageJson(*events, friendshipEventToJson));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/friendships/{id}/events"),
                      .access = Access::User,
                      .handler = [&friendships](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!validation::isUuid(id))
                              return noSuchFriendship();
                          Result<FriendshipEventInput> input = FriendshipValidation::parseEvent(
                              ctx.json, QDateTime::currentDateTimeUtc());
                          if (!input)
                              return input.error();
                          Result<FriendshipEventRecord> event =
                              friendships.addEvent(ctx.caller->userId, id, *input);
                          if (!event)
                              return event.error();
                          return HttpResponse::json(201, friendshipEventToJson(*event));
                      }});
}

} // namespace fp
