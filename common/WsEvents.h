#pragma once

// WebSocket frame types and close codes of API_SPEC.md ("WebSocket /ws"), named once.

#include <QLatin1StringView>

namespace fp::ws {

// Client → server
inline constexpr QLatin1StringView Auth {"auth"};
inline constexpr QLatin1StringView ChatSend {"chat.send"};
inline constexpr QLatin1StringView ChatTyping {"chat.typing"};
inline constexpr QLatin1StringView GateDecide {"gate.decide"};
inline constexpr QLatin1StringView Resume {"resume"};
inline constexpr QLatin1StringView Ping {"ping"};
inline constexpr QLatin1StringView NoticesResume {"notices.resume"};

// Server → client
inline constexpr QLatin1StringView AuthOk {"auth.ok"};
inline constexpr QLatin1StringView QueueStatus {"queue.status"};
inline constexpr QLatin1StringView MatchFound {"match.found"};
inline constexpr QLatin1StringView ChatMessage {"chat.message"};
inline constexpr QLatin1StringView ChatRejected {"chat.rejected"};
inline constexpr QLatin1StringView GateOpen {"gate.open"};
inline constexpr QLatin1StringView GateResult {"gate.result"};
inline constexpr QLatin1StringView ConversationRevealed {"conversation.revealed"};
inline constexpr QLatin1StringView ConversationClosed {"conversation.closed"};
inline constexpr QLatin1StringView Error {"error"};
inline constexpr QLatin1StringView Pong {"pong"};
inline constexpr QLatin1StringView NoticesResumed {"notices.resumed"};

// Close codes
inline constexpr int CloseUnauthorized = 4401;
inline constexpr int ClosePolicy = 1008;
inline constexpr int CloseTooBig = 1009;
inline constexpr int CloseGoingAway = 1001;
inline constexpr int CloseInternalError = 1011;
/// Malformed frames in a row (no well-formed one between) that close the socket with 1008.
inline constexpr int MalformedFramesToClose = 5;

} // namespace fp::ws
