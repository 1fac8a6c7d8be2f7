#include "server/conversation/ConversationJson.h"

#include "common/Time.h"
#include "common/WsEvents.h"
#include "server/base/JsonText.h"
#include "server/profile/ProfileJson.h"
#include "server/safety/SafetyJson.h"

#include <QJsonArray>

namespace fp::ConversationJson {

namespace {

QJsonValue nullable(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonValue nullableTime(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(toWireTime(time)) : QJsonValue(QJsonValue::Null);
}

QJsonObject frame(QLatin1StringView type, const QString &conversationId)
{
    return {{QStringLiteral("type"), QString(type)},
            {QStringLiteral("conversation_id"), conversationId}};
}

} // namespace

QJsonObject conversation(const ConversationView &view)
{
    const ConversationRow &row = view.row;
    QJsonArray gates;
    for (const GateView &gate : view.gates)
        gates.append(QJsonObject {{QStringLiteral("gate_minute"), gate.gateMinute},
                                  {QStringLiteral("opens_at"), toWireTime(gate.opensAt)},
                                  {QStringLiteral("closes_at"), toWireTime(gate.closesAt)},
                                  {QStringLiteral("my_decision"), nullable(gate.myDecision)},
                                  {QStringLiteral("peer_decided"), gate.peerDecided},
                                  {QStringLiteral("outcome"), nullable(gate.outcome)}});
    return QJsonObject {{QStringLiteral("id"), row.id},
                        {QStringLiteral("match_session_id"), row.matchSessionId},
                        {QStringLiteral("state"), row.state},
                        {QStringLiteral("started_at"), toWireTime(row.startedAt)},
                        {QStringLiteral("closed_at"), nullableTime(row.closedAt)},
                        {QStringLiteral("close_reason"), nullable(row.closeReason)},
                        {QStringLiteral("gates"), gates},
                        {QStringLiteral("friendship_id"), nullable(view.friendshipId)}};
}

QJsonObject message(const MessageRow &m, const QString &viewerId)
{
    const bool mine = m.senderUserId == viewerId;
    QString label = m.moderationLabel;
    // The off-limits label is the receiver's preference: the sender never learns it.
    if (mine && label.startsWith(QLatin1String("off_limits:")))
        label.clear();
    return {{QStringLiteral("id"), m.id},
            {QStringLiteral("sender"), mine ? QStringLiteral("me") : QStringLiteral("peer")},
            {QStringLiteral("text"), m.text},
            {QStringLiteral("created_at"), toWireTime(m.createdAt)},
            {QStringLiteral("moderation_label"), nullable(label)}};
}

QJsonObject messagePage(const MessagePage &page, const QString &viewerId)
{
    QJsonArray items;
    for (const MessageRow &m : page.items)
        items.append(message(m, viewerId));
    return {{QStringLiteral("items"), items},
            {QStringLiteral("next_cursor"), nullable(page.nextCursor)}};
}

QJsonObject panicExit(const PanicExitResult &result)
{
    const ConversationRow &c = result.conversation;
    return QJsonObject {{QStringLiteral("conversation"),
                         QJsonObject {{QStringLiteral("id"), c.id},
                                      {QStringLiteral("state"), c.state},
                                      {QStringLiteral("close_reason"), nullable(c.closeReason)},
                                      {QStringLiteral("closed_at"), nullableTime(c.closedAt)}}},
                        {QStringLiteral("report"), reportCreatedToJson(result.report)}};
}

QJsonObject chatMessageFrame(const MessageRow &m, const QString &viewerId)
{
    QJsonObject f = frame(ws::ChatMessage, m.conversationId);
    f.insert(QStringLiteral("message"), message(m, viewerId));
    if (m.senderUserId == viewerId && !m.clientMsgId.isEmpty())
        f.insert(QStringLiteral("client_msg_id"), m.clientMsgId);
    return f;
}

QByteArray chatMessageFrameText(const MessageRow &m, const QString &viewerId)
{
    // The same members as chatMessageFrame(), which the tests hold it to.
    const bool mine = m.senderUserId == viewerId;
    QStringView label = m.moderationLabel;
    if (mine && label.startsWith(QLatin1String("off_limits:")))
        label = {};
    const QByteArray message = JsonText::Object()
                                   .string("id", m.id)
                                   .string("sender", mine ? u"me" : u"peer")
                                   .string("text", m.text)
                                   .string("created_at", toWireTime(m.createdAt))
                                   .nullableString("moderation_label", label)
                                   .finish();
    JsonText::Object frame;
    frame.string("type", QString(ws::ChatMessage))
        .string("conversation_id", m.conversationId)
        .raw("message", message);
    if (mine && !m.clientMsgId.isEmpty())
        frame.string("client_msg_id", m.clientMsgId);
    return frame.finish();
}

QJsonObject typingFrame(const QString &conversationId)
{
    return frame(ws::ChatTyping, conversationId);
}

QJsonObject closedFrame(const QString &conversationId, const QString &reason)
{
    QJsonObject f = frame(ws::ConversationClosed, conversationId);
    f.insert(QStringLiteral("reason"), reason);
    return f;
}

QJsonObject gateOpenFrame(const QString &conversationId, const GateView &gate)
{
    QJsonObject f = frame(ws::GateOpen, conversationId);
    f.insert(QStringLiteral("gate_minute"), gate.gateMinute);
    f.insert(QStringLiteral("closes_at"), toWireTime(gate.closesAt));
    return f;
}

QJsonObject gateResultFrame(const QString &conversationId, int gateMinute, const QString &outcome)
{
    QJsonObject f = frame(ws::GateResult, conversationId);
    f.insert(QStringLiteral("gate_minute"), gateMinute);
    f.insert(QStringLiteral("outcome"), outcome);
    return f;
}

QJsonObject revealedFrame(const QString &conversationId, const QString &friendshipId,
                          const QString &peerId, const std::optional<PublicProfile> &peer)
{
    QJsonObject f = frame(ws::ConversationRevealed, conversationId);
    f.insert(QStringLiteral("friendship_id"), friendshipId);
    f.insert(QStringLiteral("peer"),
             peer ? publicProfileJson(*peer)
                  : QJsonObject {{QStringLiteral("user_id"), peerId},
                                 {QStringLiteral("nickname"), QJsonValue::Null},
                                 {QStringLiteral("avatar_url"), QJsonValue::Null},
                                 {QStringLiteral("bio"), QJsonValue::Null}});
    return f;
}

QList<QJsonObject> resumeFrames(const ResumeView &resume)
{
    QList<QJsonObject> frames;
    for (const MessageRow &m : resume.messages)
        frames.append(chatMessageFrame(m, resume.viewerId));
    if (resume.openGate)
        frames.append(gateOpenFrame(resume.conversationId, *resume.openGate));
    return frames;
}

} // namespace fp::ConversationJson
