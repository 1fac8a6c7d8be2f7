#include "server/conversation/ConversationRoutes.h"

#include "common/WsEvents.h"
#include "server/base/Validation.h"
#include "server/conversation/ConversationJson.h"
#include "server/conversation/ConversationService.h"
#include "server/conversation/ConversationValidation.h"
#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/realtime/Gateway.h"

namespace fp {

namespace {

HttpResponse conversationResponse(const Result<ConversationView> &view)
{
    return reply(view, ConversationJson::conversation);
}

QString text(const QJsonObject &frame, const char *key)
{
    return frame.value(QLatin1String(key)).toString();
}

QJsonObject errorFrame(const AppError &error)
{
    return Gateway::errorFrame(errorCodeName(error.code), error.message);
}

/// chat.rejected: the answer to a chat.send that was not delivered.
QJsonObject rejected(const QJsonObject &frame, const AppError &error)
{
    QJsonObject out {{QStringLiteral("type"), QString(ws::ChatRejected)},
                     {QStringLiteral("conversation_id"), text(frame, "conversation_id")},
                     {QStringLiteral("client_msg_id"), text(frame, "client_msg_id")},
                     {QStringLiteral("code"), errorCodeName(error.code)},
                     {QStringLiteral("message"), error.message}};
    const QJsonValue label = error.details.value(QStringLiteral("moderation_label"));
    if (label.isString())
        out.insert(QStringLiteral("moderation_label"), label);
    return out;
}

void registerFrames(Gateway &gateway, const ConversationService &conversations)
{
    // Asynchronous: the message writer's threads store it, no worker waits meanwhile.
    gateway.registerAsyncHandler(
        QString(ws::ChatSend), Access::Participant,
        [&conversations](const Caller &caller, const QJsonObject &frame, Gateway::Reply reply) {
            conversations.send(
                caller, text(frame, "conversation_id"), text(frame, "client_msg_id"),
                text(frame, "text"),
                [frame, userId = caller.userId,
                 reply = std::move(reply)](Result<SentMessage> sent) {
                    if (!sent) {
                        reply({rejected(frame, sent.error())});
                        return;
                    }
                    // A new message reaches this socket through the notifier like every other
                    // device of the sender; a re-send is answered here only.
                    if (sent->duplicate) {
                        reply({ConversationJson::chatMessageFrame(sent->message, userId)});
                        return;
                    }
                    reply({});
                });
        },
        rejected);

    gateway.registerHandler(
        QString(ws::ChatTyping), Access::User,
        [&conversations](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            if (Status s = conversations.typing(caller, text(frame, "conversation_id")); !s)
                return {errorFrame(s.error())};
            return {};
        });

    gateway.registerHandler(
        QString(ws::GateDecide), Access::Participant,
        [&conversations](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            const QJsonValue minute = frame.value(QStringLiteral("gate_minute"));
            Result<ConversationView> view = conversations.decide(
                caller, text(frame, "conversation_id"), minute.isDouble() ? minute.toInt() : 0,
                text(frame, "decision"));
            if (!view)
                return {errorFrame(view.error())};
            return {};
        });

    gateway.registerHandler(
        QString(ws::Resume), Access::User,
        [&conversations](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            Result<ResumeView> resume = conversations.resume(
                caller.userId, text(frame, "conversation_id"), text(frame, "after_message_id"));
            if (!resume)
                return {errorFrame(resume.error())};
            return ConversationJson::resumeFrames(*resume);
        });
}

} // namespace

void registerConversationRoutes(Router &router, Gateway &gateway,
                                const ConversationService &conversations, const Catalog &catalog)
{
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/conversations/{id}"),
                      .access = Access::User,
                      .handler = [&conversations](RequestContext &ctx) {
                          return conversationResponse(conversations.get(
                              ctx.caller->userId, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {
        .method = "GET",
        .pattern = QStringLiteral("/api/conversations/{id}/messages"),
        .access = Access::User,
        .handler = [&conversations](RequestContext &ctx) -> HttpResponse {
            // ?after=<message id> or ?cursor=<next_cursor>: the same position.
            const QString after = queryText(ctx, "after");
            const QString cursor = queryText(ctx, "cursor");
            Problems problems;
            if (!after.isEmpty() && !cursor.isEmpty())
                problems.add(QStringLiteral("query.cursor"),
                             QStringLiteral("cannot be combined with after"));
            const int limit =
                queryInteger(ctx, "limit", kDefaultPageSize, 1, kMaxPageSize, problems);
            if (!problems.empty())
                return problems.error();
            Result<MessagePage> page = conversations.messages(
                ctx.caller->userId, ctx.param(QStringLiteral("id")),
                after.isEmpty() ? cursor : after,
                after.isEmpty() ? QStringLiteral("query.cursor") : QStringLiteral("query.after"),
                limit);
            if (!page)
                return page.error();
            return HttpResponse::json(200,
                                      ConversationJson::messagePage(*page, ctx.caller->userId));
        }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/messages"),
                      .access = Access::Participant,
                      .idempotent = true,
                      .handler = [&conversations](RequestContext &ctx) -> HttpResponse {
                          Result<SendInput> input = ConversationValidation::parseSend(ctx.json);
                          if (!input)
                              return input.error();
                          Result<SentMessage> sent =
                              conversations.send(*ctx.caller, ctx.param(QStringLiteral("id")),
                                                 input->clientMsgId, input->text);
                          if (!sent)
                              return sent.error();
                          return HttpResponse::json(
                              201, ConversationJson::message(sent->message, ctx.caller->userId));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/decision-gate"),
                      .access = Access::Participant,
                      .idempotent = true,
                      .handler = [&conversations](RequestContext &ctx) -> HttpResponse {
                          Result<DecisionInput> input =
                              ConversationValidation::parseDecision(ctx.json);
                          if (!input)
                              return input.error();
                          return conversationResponse(
                              conversations.decide(*ctx.caller, ctx.param(QStringLiteral("id")),
                                                   input->gateMinute, input->decision));
                      }});

    router.add(
        Route {.method = "POST",
               .pattern = QStringLiteral("/api/conversations/{id}/reveal-consent"),
               .access = Access::Participant,
               .idempotent = true,
               .handler = [&conversations](RequestContext &ctx) -> HttpResponse {
                   if (Status consent = ConversationValidation::parseConsent(ctx.json); !consent)
                       return consent.error();
                   return conversationResponse(
                       conversations.consentToReveal(*ctx.caller, ctx.param(QStringLiteral("id"))));
               }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/end"),
                      .access = Access::User,
                      .takesNoBody = true,
                      .handler = [&conversations](RequestContext &ctx) {
                          return conversationResponse(
                              conversations.end(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});

    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/conversations/{id}/panic-exit"),
                      .access = Access::User,
                      .idempotent = true,
                      .handler = [&conversations, &catalog](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!validation::isUuid(id))
                              return AppError::notFound(QStringLiteral("No such conversation"));
                          Result<PanicExitInput> input =
                              ConversationValidation::parsePanicExit(ctx.json, catalog);
                          if (!input)
                              return input.error();
                          return reply(conversations.panicExit(*ctx.caller, id, *input),
                                       ConversationJson::panicExit);
                      }});

    registerFrames(gateway, conversations);
}

} // namespace fp
