#include "server/app/EventRoutes.h"

#include "server/admin/AdminService.h"
#include "server/events/BackboneStatus.h"
#include "server/events/EventConsumers.h"
#include "server/events/StreamEvent.h"
#include "server/events/UserNotices.h"
#include "server/http/ListQuery.h"
#include "server/realtime/Gateway.h"

#include "common/WsEvents.h"
#include "server/http/Router.h"

namespace fp {

namespace {

constexpr auto kCursorEncoding = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

} // namespace

void registerEventRoutes(Router &router, const AdminService &admin, const QByteArray &keyPrefix)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/events/status"),
                      .access = Access::Admin,
                      .handler = [keyPrefix](RequestContext &) -> HttpResponse {
                          return HttpResponse::json(200, BackboneStatus::read(keyPrefix).toJson());
                      }});

    router.add(
        Route {.method = "GET",
               .pattern = QStringLiteral("/api/admin/events/dead-letters"),
               .access = Access::Admin,
               .handler = [](RequestContext &ctx) -> HttpResponse {
                   Problems problems;
                   const int limit = queryInteger(ctx, "limit", 50, 1, 200, problems);
                   QByteArray before;
                   if (ctx.query.hasQueryItem(QStringLiteral("cursor"))) {
                       const QString cursor = queryText(ctx, "cursor");
                       const auto decoded =
                           QByteArray::fromBase64Encoding(cursor.toLatin1(), kCursorEncoding);
                       if (decoded && StreamId::parse(*decoded))
                           before = *decoded;
                       else
                           problems.add(QStringLiteral("query.cursor"),
                                        QStringLiteral("is not a cursor this server issued"));
                   }
                   if (!problems.empty())
                       return problems.error();
                   // One more than asked tells whether another page follows.
                   Result<QJsonArray> parked = EventConsumers::deadLetters(limit + 1, before);
                   if (!parked)
                       return parked.error();
                   QJsonArray items = *parked;
                   QJsonValue next = QJsonValue::Null;
                   if (items.size() > limit) {
                       items.removeLast();
                       next = QString::fromLatin1(items.last()
                                                      .toObject()
                                                      .value(QStringLiteral("id"))
                                                      .toString()
                                                      .toLatin1()
                                                      .toBase64(kCursorEncoding));
                   }
                   return HttpResponse::json(200,
                                             QJsonObject {{QStringLiteral("items"), items},
                                                          {QStringLiteral("next_cursor"), next}});
               }});

    router.add(Route {
        .method = "POST",
        .pattern = QStringLiteral("/api/admin/events/dead-letters/{id}/redrive"),
        .access = Access::Admin,
        .idempotent = true,
        .takesNoBody = true,
        .handler = [&admin](RequestContext &ctx) -> HttpResponse {
            const QString id = ctx.param(QStringLiteral("id"));
            if (Status s = EventConsumers::redrive(id.toLatin1()); !s)
                return s.error();
            // Audited after the fact: the stream is not part of a database transaction.
            if (Status s = admin.record(*ctx.caller, QStringLiteral("event.redriven"),
                                        QStringLiteral("dead_letter"), id);
                !s)
                return s.error();
            return HttpResponse::json(
                200, QJsonObject {{QStringLiteral("id"), id}, {QStringLiteral("redriven"), true}});
        }});
}

void registerNoticeFrames(Gateway &gateway)
{
    gateway.registerHandler(
        QString(ws::NoticesResume), Access::User,
        [](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            // null: where do I stand (a client's first connection); n: what came after n.
            std::optional<qint64> after;
            if (!Gateway::readResumeCursor(frame.value(QStringLiteral("after_seq")), &after))
                return {Gateway::errorFrame(
                    QStringLiteral("validation_failed"),
                    QStringLiteral("after_seq: required, null or a notice_seq (an integer >= 0)"))};
            Result<UserNotices::Replay> replay =
                UserNotices::after(caller.userId, after.value_or(-1));
            if (!replay)
                return {Gateway::errorFrame(QStringLiteral("unavailable"),
                                            QStringLiteral("Try again in a moment"))};
            QList<QJsonObject> frames = replay->frames;
            frames.append(QJsonObject {{QStringLiteral("type"), QString(ws::NoticesResumed)},
                                       {QStringLiteral("last_seq"), replay->lastSeq},
                                       {QStringLiteral("replayed"), int(replay->frames.size())},
                                       {QStringLiteral("more"), replay->more}});
            return frames;
        });
}

} // namespace fp
