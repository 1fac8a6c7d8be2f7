#pragma once

// The conversation domain's wire shapes (API_SPEC "Conversations" and the /ws frames). What a
// participant sees: their own messages as "me", the peer as "peer", the receiver's off-limits
// label never shown to the sender, and the peer's profile only once revealed.

#include "server/conversation/ConversationTypes.h"
#include "server/profile/ProfileTypes.h"

#include <QJsonObject>

namespace fp::ConversationJson {

/// {id, match_session_id, state, started_at, closed_at, close_reason, gates, friendship_id}
QJsonObject conversation(const ConversationView &view);
/// {id, sender, text, created_at, moderation_label}
QJsonObject message(const MessageRow &message, const QString &viewerId);
/// {items, next_cursor} of GET .../messages.
QJsonObject messagePage(const MessagePage &page, const QString &viewerId);
/// {conversation:{id, state, close_reason, closed_at}, report:{id, severity, status}}
QJsonObject panicExit(const PanicExitResult &result);

// Frames (type + fields), each as the one person it is sent to sees it.
QJsonObject chatMessageFrame(const MessageRow &message, const QString &viewerId);
/// chatMessageFrame() as compact JSON text, written without a QJsonObject: the relay sends
/// two for every chat message (server/base/JsonText.h says why).
QByteArray chatMessageFrameText(const MessageRow &m, const QString &viewerId);
QJsonObject typingFrame(const QString &conversationId);
QJsonObject closedFrame(const QString &conversationId, const QString &reason);
QJsonObject gateOpenFrame(const QString &conversationId, const GateView &gate);
QJsonObject gateResultFrame(const QString &conversationId, int gateMinute, const QString &outcome);
/// `peer` is the other person's public profile (nullopt: gone, shown as nulls).
QJsonObject revealedFrame(const QString &conversationId, const QString &friendshipId,
                          const QString &peerId, const std::optional<PublicProfile> &peer);
/// The frames `resume` answers: every message, then the open gate.
QList<QJsonObject> resumeFrames(const ResumeView &resume);

} // namespace fp::ConversationJson
