#pragma once

// The conversation domain's data: a conversation with its participants, messages, gate
// decisions, what its routes accept and answer.

#include "server/safety/SafetyTypes.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

enum class CloseReason { MutualEnd, UserEnd, PanicExit, Timeout };

struct ConversationRow
{
    QString id;
    QString matchSessionId;
    QString state; // anonymous, decision_gate, revealed, closed
    QDateTime startedAt;
    QDateTime closedAt;
    QDateTime revealedAt;
    QString closeReason;
    int gatesAnnounced = 0;
    int gatesResolved = 0;
    QString lastGateOutcome;
    QString userA;
    QString userB;

    bool isParticipant(const QString &userId) const { return userId == userA || userId == userB; }
    QString peerOf(const QString &userId) const { return userId == userA ? userB : userA; }
    bool isOpen() const
    {
        return state == QLatin1String("anonymous") || state == QLatin1String("decision_gate");
    }
};

struct MessageRow
{
    QString id;
    QString conversationId;
    QString senderUserId;
    quint64 seq = 0;
    QString clientMsgId;
    QString text;
    bool containsSensitive = false;
    QString moderationLabel;
    QDateTime createdAt;
};

/// A conversation locked for appending messages (ConversationRepository::lockForSending).
struct SendTarget
{
    ConversationRow conversation;
    quint64 lastSeq = 0; // the seq of its newest message
    bool blocked = false; // either participant blocked the other
    QStringList userATopics; // each participant's off-limits topic keys, for moderation
    QStringList userBTopics;

    const QStringList &offLimitsTopicsOf(const QString &userId) const
    {
        return userId == conversation.userA ? userATopics : userBTopics;
    }
};

/// A message as its sender names it before it is stored: client_msg_id is unique per sender
/// and conversation.
struct ClientMessageKey
{
    QString conversationId;
    QString senderId;
    QString clientMsgId;
    friend bool operator==(const ClientMessageKey &, const ClientMessageKey &) = default;
};

struct GateDecisionRow
{
    int gateMinute = 0;
    QString userId;
    QString decision;
};

struct SentMessage
{
    MessageRow message;
    bool duplicate = false; // a re-send of a stored client_msg_id
};

/// A validated message on its way to be stored.
struct OutgoingMessage
{
    QString senderId;
    QString conversationId;
    QString clientMsgId;
    QString text; // trimmed and validated
};

/// A conversation as other domains need it.
struct ConversationBrief
{
    QString id;
    QString state; // anonymous, decision_gate, revealed, closed
};

struct MessagePage
{
    QList<MessageRow> items;
    QString nextCursor; // the id of the last message: the next page starts after it
};

/// One decision gate as a participant sees it.
struct GateView
{
    int gateMinute = 10;
    QDateTime opensAt;
    QDateTime closesAt;
    QString myDecision; // empty: none yet
    bool peerDecided = false;
    QString outcome; // empty while unresolved; continued, revealed or closed
};

/// A conversation as a participant sees it (GET /api/conversations/{id}).
struct ConversationView
{
    ConversationRow row;
    QList<GateView> gates;
    QString friendshipId; // once revealed
};

/// What `resume` hands back: the messages after the client's last one, then the open gate.
struct ResumeView
{
    QString viewerId;
    QList<MessageRow> messages;
    std::optional<GateView> openGate;
    QString conversationId;
};

/// A validated POST /api/conversations/{id}/panic-exit body.
struct PanicExitInput
{
    QString reasonCode; // empty: the panic exit's own reason
    QString detailsText;
};

/// What a panic exit did: the conversation as it is now, and the report it filed.
struct PanicExitResult
{
    ConversationRow conversation;
    ReportRecord report;
};

} // namespace fp
