#include "server/conversation/ConversationFrames.h"

#include "common/WsEvents.h"
#include "server/conversation/ConversationService.h"
#include "server/realtime/Gateway.h"

namespace fp {

namespace {

QString text(const QJsonObject &frame, const char *key)
{
    return frame.value(QLatin1String(key)).toString();
}

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

QJsonObject errorFrame(const AppError &error)
{
    return Gateway::errorFrame(errorCodeName(error.code), error.message);
}

} // namespace

void registerConversationFrames(Gateway &gateway)
{
    gateway.registerHandler(
        QString(ws::ChatSend),
        [](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            Result<SentMessage> sent =
                ConversationService().send(caller, text(frame, "conversation_id"),
                                           text(frame, "client_msg_id"), text(frame, "text"));
            if (!sent)
                return {rejected(frame, sent.error())};
            // A new message reaches this socket through the bus like every
            // other device of the sender; a re-send is answered here only.
            if (sent->duplicate)
                return {ConversationService::chatMessageFrame(sent->message, caller.userId)};
            return {};
        });

    gateway.registerHandler(
        QString(ws::ChatTyping),
        [](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            Status s = ConversationService().typing(caller, text(frame, "conversation_id"));
            if (!s)
                return {errorFrame(s.error())};
            return {};
        });

    gateway.registerHandler(
        QString(ws::GateDecide),
        [](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            const QJsonValue minute = frame.value(QStringLiteral("gate_minute"));
            Result<QJsonObject> r = ConversationService().decide(
                caller, text(frame, "conversation_id"), minute.isDouble() ? minute.toInt() : 0,
                text(frame, "decision"));
            if (!r)
                return {errorFrame(r.error())};
            return {};
        });

    gateway.registerHandler(
        QString(ws::Resume),
        [](const Caller &caller, const QJsonObject &frame) -> QList<QJsonObject> {
            Result<QList<QJsonObject>> frames = ConversationService().resume(
                caller.userId, text(frame, "conversation_id"), text(frame, "after_message_id"));
            if (!frames)
                return {errorFrame(frames.error())};
            return *frames;
        });
}

} // namespace fp
