#pragma once

// What the conversation routes and frames accept (API_SPEC "Conversations", /ws), each body or
// frame read into typed input with its problems named. The text of a message is judged by the
// service's rules (ConversationRules::messageText), which chat.send and POST .../messages share.
// Pure.

#include "common/Result.h"
#include "server/conversation/ConversationTypes.h"

#include <QJsonValue>

namespace fp {

class Catalog;

/// A message to send: {text, client_msg_id}.
struct SendInput
{
    QString text;
    QString clientMsgId;
};

/// A gate decision: {gate_minute, decision}.
struct DecisionInput
{
    int gateMinute = 0;
    QString decision;
};

namespace ConversationValidation {
Result<SendInput> parseSend(const QJsonValue &body);
Result<DecisionInput> parseDecision(const QJsonValue &body);
/// {consent: true}
Status parseConsent(const QJsonValue &body);
/// {reason_code?, details_text?}; an absent body (or null) is {}.
Result<PanicExitInput> parsePanicExit(const QJsonValue &body, const Catalog &catalog);
} // namespace ConversationValidation

} // namespace fp
