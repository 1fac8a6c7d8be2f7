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
                          return keysetList(
                              ctx,
                              [&](const PageRequest<> &page) {
                                  return friendships.listFriends(ctx.caller->userId, page);
                              },
                              friendToJson);
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
                          return keysetList(
                              ctx,
                              [&](const PageRequest<> &page) {
                                  return friendships.events(ctx.caller->userId, id, page);
                              },
                              friendshipEventToJson);
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
                          return reply(friendships.addEvent(ctx.caller->userId, id, *input),
                                       friendshipEventToJson, 201);
                      }});
}

} // namespace fp
