#include "server/friendship/FriendshipRoutes.h"

#include "server/core/Router.h"
#include "server/friendship/FriendshipService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>
#include <QUuid>

namespace fp {

namespace {

bool isUuid(const QString &text)
{
    return text.size() == 36 && !QUuid::fromString(text).isNull() && text == text.toLower();
}

AppError noSuchFriendship()
{
    return AppError::notFound(QStringLiteral("No such friendship"));
}

} // namespace

QString encodeKeysetCursor(const KeysetCursor &cursor)
{
    const QJsonObject object {{QStringLiteral("t"), double(cursor.time.toMSecsSinceEpoch())},
                              {QStringLiteral("i"), cursor.id}};
    return QString::fromLatin1(
        QJsonDocument(object)
            .toJson(QJsonDocument::Compact)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<KeysetCursor> decodeKeysetCursor(const QString &text)
{
    if (text.size() > 512)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonObject object = QJsonDocument::fromJson(*decoded).object();
    const QJsonValue t = object.value(QStringLiteral("t"));
    const QString id = object.value(QStringLiteral("i")).toString();
    if (!t.isDouble() || !isUuid(id))
        return std::nullopt;
    return KeysetCursor {QDateTime::fromMSecsSinceEpoch(qint64(t.toDouble()), QTimeZone::utc()),
                         id};
}

Result<PageQuery> pageQuery(const RequestContext &ctx)
{
    PageQuery page;
    QJsonObject problems;
    if (ctx.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        page.limit = ctx.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || page.limit < 1 || page.limit > PageQuery::kMaxPageSize)
            problems.insert(
                QStringLiteral("query.limit"),
                QStringLiteral("must be an integer from 1 to %1").arg(PageQuery::kMaxPageSize));
    }
    if (ctx.query.hasQueryItem(QStringLiteral("cursor"))) {
        page.after = decodeKeysetCursor(ctx.query.queryItemValue(QStringLiteral("cursor")));
        if (!page.after)
            problems.insert(QStringLiteral("query.cursor"),
                            QStringLiteral("is not a cursor this server issued"));
    }
    if (!problems.isEmpty())
        return AppError::validation(problems);
    return page;
}

void registerFriendshipRoutes(Router &router)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/friends"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          Result<PageQuery> query = pageQuery(ctx);
                          if (!query)
                              return query.error();
                          Result<KeysetPage<FriendItem>> page = FriendshipService().listFriends(
                              ctx.caller->userId, query->limit, query->after);
                          if (!page)
                              return page.error();
                          return pageResponse(*page, friendToJson);
                      }});

    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/friends/{user_id}"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          const QString friendId = ctx.param(QStringLiteral("user_id"));
                          if (!isUuid(friendId))
                              return AppError::notFound(QStringLiteral("No such friend"));
                          Status removed =
                              FriendshipService().removeFriend(ctx.caller->userId, friendId);
                          if (!removed)
                              return removed.error();
                          return HttpResponse::noContent();
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/friendships/{id}/events"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!isUuid(id))
                              return noSuchFriendship();
                          Result<PageQuery> query = pageQuery(ctx);
                          if (!query)
                              return query.error();
                          Result<KeysetPage<FriendshipEventRecord>> page =
                              FriendshipService().events(ctx.caller->userId, id, query->limit,
                                                         query->after);
                          if (!page)
                              return page.error();
                          return pageResponse(*page, friendshipEventToJson);
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/friendships/{id}/events"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!isUuid(id))
                              return noSuchFriendship();
                          Result<FriendshipEventInput> input = FriendshipRules::parseEvent(
                              ctx.json, QDateTime::currentDateTimeUtc());
                          if (!input)
                              return input.error();
                          Result<FriendshipEventRecord> event =
                              FriendshipService().addEvent(ctx.caller->userId, id, *input);
                          if (!event)
                              return event.error();
                          return HttpResponse::json(201, friendshipEventToJson(*event));
                      }});
}

} // namespace fp
