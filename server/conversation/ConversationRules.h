#pragma once

// The conversation domain's rules: how long a message may be, what a client_msg_id looks like,
// when the decision gates open and close, what two decisions at a gate lead to, and the answers
// every conversation operation shares. Pure.

#include "common/Result.h"
#include "server/conversation/ConversationTypes.h"
#include "server/safety/ModerationRules.h"

namespace fp::ConversationRules {

inline constexpr int kGateCount = 3;
inline constexpr int kMaxTextCharacters = 2000;

inline const QString kRevealYes = QStringLiteral("reveal_yes");
inline const QString kNotYet = QStringLiteral("not_yet");
inline const QString kEndChat = QStringLiteral("end_chat");

/// "mutual_end", "user_end", "panic_exit", "timeout" (the close_reason column and the wire).
QString closeReasonName(CloseReason reason);

/// A chat message's text, trimmed: 1-2000 characters of FreeText (line breaks, tabs and every
/// formatting character allowed; other control characters and invalid UTF-8 refused).
Result<QString> messageText(const QString &raw);
/// 1-64 of A-Z a-z 0-9 . _ : -
bool validClientMsgId(const QString &id);
/// Whether every label of a verdict is contact_info: allowed once the two have revealed.
bool onlyContactInfo(const ModerationVerdict &verdict);

/// Gate `gate` (1..3) opens `gate` intervals after the start and closes when the next opens.
QDateTime gateOpensAt(const QDateTime &startedAt, int gate, int intervalSeconds);
QDateTime gateClosesAt(const QDateTime &startedAt, int gate, int intervalSeconds);

/// What two decisions at gate `gate` lead to (a missing one counts as not_yet): "revealed"
/// (both reveal_yes), "closed" (any end_chat, or the last gate passed), else "continued".
QString gateOutcome(int gate, const QString &first, const QString &second);
/// Why a conversation a gate closed ends: both ended it, one did, or it timed out.
CloseReason gateCloseReason(const QString &first, const QString &second);
/// What is wrong with a gate decision, every field at once (empty: nothing). `gateMinute` is
/// 0 when the body's was not an integer.
QJsonObject decisionProblems(int gateMinute, const QString &decision);

/// 404 for a conversation the caller is not in (or that does not exist): never reveals which.
AppError notFoundError();
/// 409 (details.reason conversation_closed) for one that takes nothing any more.
AppError closedError();

} // namespace fp::ConversationRules
