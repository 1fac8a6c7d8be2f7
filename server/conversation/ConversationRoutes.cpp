#include "server/conversation/ConversationRoutes.h"

#include "server/conversation/ConversationService.h"
#include "server/core/Router.h"

#include <QJsonArray>

namespace fp {

namespace {

HttpResponse conversationResponse(const Result<QJsonObject> &r)
{
    if (!r)
        return r.error();
    return HttpResponse::json(200, *r);
}

/// Rejects members other than `allowed` (the request schemas allow no extra properties).
std::optional<AppError> unknownFields(const QJsonObject &body, const QStringList &allowed)
{
    for (auto it = body.begin(); it != body.end(); ++it)
        if (!allowed.contains(it.key()))
            return AppError::validation({{it.key(), QStringLiteral("is not a known field")}});
    return std::nullopt;
}

HttpResponse listMessages(RequestContext &ctx)
{
    const QString after = ctx.query.queryItemValue(QStringLiteral("after"));
    const QString cursor = ctx.query.queryItemValue(QStringLiteral("cursor"));
    if (!after.isEmpty() && !cursor.isEmpty())
        return AppError::validation(
            {{QStringLiteral("cursor"), QStringLiteral("cannot be combined with after")}});
    int limit = 50;
    if (ctx.query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = ctx.query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 200)
            return AppError::validation(
                {{QStringLiteral("limit"), QStringLiteral("must be an integer 1-200")}});
    }
    Result<MessagePage> page =
        ConversationService().messages(ctx.caller->userId, ctx.param(QStringLiteral("id")),
                                       after.isEmpty() ? cursor : after, limit);
    if (!page)
        return page.error();
    QJsonArray items;
    for (const MessageRow &m : page->items)
        items.append(ConversationService::messageJson(m, ctx.caller->userId));
    return HttpResponse::json(
        200,
        QJsonObject {{QStringLiteral("items"), items},
                     {QStringLiteral("next_cursor"),
                      page->nextCursor.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                 : QJsonValue(page->nextCursor)}});
}

HttpResponse sendMessage(RequestContext &ctx)
{
    const QJsonObject body = ctx.jsonObject();
    if (auto bad = unknownFields(body, {QStringLiteral("text"), QStringLiteral("client_msg_id")}))
        return *bad;
    QJsonObject problems;
    if (!body.value(QStringLiteral("text")).isString())
        problems.insert(QStringLiteral("text"), QStringLiteral("is required (a string)"));
    if (!body.value(QStringLiteral("client_msg_id")).isString())
        problems.insert(QStringLiteral("client_msg_id"), QStringLiteral("is required (a string)"));
    if (!problems.isEmpty())
        return AppError::validation(problems);
    Result<SentMessage> sent =
        ConversationService().send(*ctx.caller, ctx.param(QStringLiteral("id")),
                                   body.value(QStringLiteral("client_msg_id")).toString(),
                                   body.value(QStringLiteral("text")).toString());
    if (!sent)
        return sent.error();
    return HttpResponse::json(201,
                              ConversationService::messageJson(sent->message, ctx.caller->userId));
}

HttpResponse decide(RequestContext &ctx)
{
    const QJsonObject body = ctx.jsonObject();
    if (auto bad = unknownFields(body, {QStringLiteral("gate_minute"), QStringLiteral("decision")}))
        return *bad;
    const QJsonValue minute = body.value(QStringLiteral("gate_minute"));
    if (!minute.isDouble() || minute.toDouble() != double(minute.toInt()))
        return AppError::validation(
            {{QStringLiteral("gate_minute"), QStringLiteral("must be 10, 20 or 30")}});
    return conversationResponse(
        ConversationService().decide(*ctx.caller, ctx.param(QStringLiteral("id")), minute.toInt(),
                                     body.value(QStringLiteral("decision")).toString()));
}

HttpResponse consent(RequestContext &ctx)
{
    const QJsonObject body = ctx.jsonObject();
    if (auto bad = unknownFields(body, {QStringLiteral("consent")}))
        return *bad;
    if (body.value(QStringLiteral("consent")) != QJsonValue(true))
        return AppError::validation({{QStringLiteral("consent"), QStringLiteral("must be true")}});
    return conversationResponse(
        ConversationService().consentToReveal(*ctx.caller, ctx.param(QStringLiteral("id"))));
}

} // namespace

void registerConversationRoutes(Router &router)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/conversations/{id}"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          return conversationResponse(ConversationService().get(
                              ctx.caller->userId, ctx.param(QStringLiteral("id"))));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/conversations/{id}/messages"),
                      .access = Access::User,
                      .handler = listMessages});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/messages"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = sendMessage});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/decision-gate"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = decide});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/reveal-consent"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = consent});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/end"),
                      .access = Access::User,
                      .handler = [](RequestContext &ctx) -> HttpResponse {
                          return conversationResponse(ConversationService().end(
                              *ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});
}

} // namespace fp
