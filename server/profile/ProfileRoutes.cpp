#include "server/profile/ProfileRoutes.h"

#include "server/base/ReadCache.h"
#include "server/events/Outbox.h"
#include "server/http/Router.h"

#include "server/profile/AvatarService.h"
#include "server/profile/ProfileJson.h"
#include "server/profile/ProfileService.h"
#include <QDateTime>

namespace fp {

bool keptProfileChangedBy(const OutboxEvent &event, QString *userId)
{
    // Every change of a profile (onboarding, an edit, an avatar set or removed by anyone) and
    // of the account it belongs to (a deletion) is an event about that user.
    if (event.subjectType != QLatin1StringView("user"))
        return false;
    *userId = event.subjectId;
    return true;
}

void registerProfileRoutes(Router &router, const ProfileService &profiles,
                           const AvatarService &avatars, qint64 avatarMaxBytes, ReadCache &kept)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/catalog"),
                      .access = Access::Public,
                      .execution = Execution::Inline,
                      // A constant held in memory: as cheap to serve as /healthz.
                      .rate = RateClass::None,
                      .handler = [body = profiles.catalog().toJson()](RequestContext &) {
                          // Changes only with a deploy: let clients and proxies keep it a while.
                          return HttpResponse::json(200, body).withHeader("Cache-Control",
                                                                          "public, max-age=300");
                      }});

    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/profile"),
        .access = Access::User,
        .handler = [&profiles, &kept](RequestContext &ctx) -> HttpResponse {
            const ReadCache::Ticket ticket = kept.ticket();
            Result<Profile> profile = profiles.profile(ctx.caller->userId);
            if (!profile)
                return profile.error();
            HttpResponse response = HttpResponse::json(200, profileToJson(*profile));
            kept.store(ctx.caller->userId, response.body, ticket,
                       profile->avatarLink.isEmpty()
                           ? std::nullopt
                           : std::optional(profile->avatarLinkFreshUntil.toMSecsSinceEpoch()));
            return response;
        },
        .fromMemory = [&kept](const RequestContext &ctx) -> std::optional<HttpResponse> {
            std::optional<QByteArray> body = kept.find(ctx.caller->userId);
            if (!body)
                return std::nullopt;
            return HttpResponse::jsonText(200, std::move(*body));
        }});

    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/profile"),
                      .access = Access::User,
                      .handler = [&profiles](RequestContext &ctx) {
                          return reply(profiles.update(ctx.caller->userId, ctx.json),
                                       profileToJson);
                      }});

    // The image is the body, checked by its content whatever Content-Type says; larger bodies
    // than other routes take are accepted here (the connection guard answers 413 above
    // FP_AVATAR_MAX_BYTES before reading them).
    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/profile/avatar"),
                      .access = Access::User,
                      .idempotent = true,
                      .takesRawBody = true,
                      .maxBodyBytes = avatarMaxBytes,
                      .handler = [&avatars](RequestContext &ctx) {
                          return reply(avatars.upload(ctx.caller->userId, ctx.body),
                                       avatarLinksToJson);
                      }});
    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/profile/avatar"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&avatars](RequestContext &ctx) -> HttpResponse {
                          Result<bool> removed = avatars.remove(ctx.caller->userId);
                          if (!removed)
                              return removed.error();
                          return HttpResponse::noContent();
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/users/{user_id}/avatar"),
                      .access = Access::User,
                      .handler = [&avatars](RequestContext &ctx) {
                          return reply(
                              avatars.visibleTo(*ctx.caller, ctx.param(QStringLiteral("user_id"))),
                              avatarLinksToJson);
                      }});
    // The signed URL is the permission (an <img> sends no token): see AvatarUrls.
    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/avatars/{storage_key}"),
        .access = Access::Public,
        .rate = RateClass::Read,
        .handler = [&avatars](RequestContext &ctx) -> HttpResponse {
            const QString expires = ctx.query.queryItemValue(QStringLiteral("expires"));
            Result<QByteArray> image =
                avatars.image(ctx.param(QStringLiteral("storage_key")),
                              ctx.query.queryItemValue(QStringLiteral("size")), expires,
                              ctx.query.queryItemValue(QStringLiteral("sig")));
            if (!image)
                return image.error();
            // Cached by the browser until the URL expires, by no shared cache:
            // the URL's holder was allowed to see it, not everyone.
            const qint64 maxAge = qMax<qint64>(
                0, expires.toLongLong() - QDateTime::currentDateTimeUtc().toSecsSinceEpoch());
            return HttpResponse::raw(200, "image/jpeg", *image)
                .withHeader("Cache-Control", "private, max-age=" + QByteArray::number(maxAge))
                .withHeader("Content-Disposition", "inline");
        }});
}

} // namespace fp
