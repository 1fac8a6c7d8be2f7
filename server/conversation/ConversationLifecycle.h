#pragma once

// What other domains may do to a conversation (safety: blocks and panic exits; moderation: bans;
// matching: opening one). The conversation domain implements these in ConversationService.cpp;
// callers may invoke them inside their own Transaction (they join it), and the events to the
// participants' sockets go out after the outermost commit.

#include "common/Result.h"

#include <QString>
#include <QStringList>

namespace fp::conversation {

enum class CloseReason { MutualEnd, UserEnd, PanicExit, Timeout };

/// "mutual_end", "user_end", "panic_exit", "timeout" (the close_reason column and the wire).
QString closeReasonName(CloseReason reason);

/// Closes one open (anonymous or decision_gate) conversation with `reason`, sets its match to
/// 'ended', and tells both participants `conversation.closed {conversation_id, reason}`.
/// Not found or not open: returns false (no error). `actorUserId` may be empty (system).
Result<bool> closeConversation(const QString &conversationId, CloseReason reason,
                               const QString &actorUserId);

/// Closes every open conversation between the two users (a block, a ban); returns their ids.
Result<QStringList> closeConversationsBetween(const QString &userA, const QString &userB,
                                              CloseReason reason);

/// Closes every open conversation of one user (a ban, an account deletion); returns their ids.
Result<QStringList> closeConversationsOf(const QString &userId, CloseReason reason);

/// The other participant of a conversation the caller takes part in, or NotFound (never
/// reveals whether the conversation exists).
Result<QString> peerOf(const QString &conversationId, const QString &userId);

} // namespace fp::conversation
