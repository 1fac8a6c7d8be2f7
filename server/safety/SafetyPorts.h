#pragma once

// What the safety domain asks of domains above it (docs/architecture.md "How domains talk"):
// the application wires each answer once, before the first request.

#include "common/AdminTypes.h"
#include "common/Result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <functional>

namespace fp {

/// The other participant of a conversation, and whether the two ever revealed themselves to
/// each other (before that, the caller must not learn who it is).
struct ConversationPeer
{
    QString userId;
    bool revealed = false;
};

struct SafetyPorts
{
    /// Whether two people ever shared a match or a friendship (even one that ended): the only
    /// people one may report or block (anyone else is answered 404, so ids cannot be probed).
    /// The matching and friendship domains answer.
    std::function<Result<bool>(const QString &userA, const QString &userB)> haveMet;
    /// The other participant of a conversation `userId` takes part in; NotFound otherwise. The
    /// conversation domain answers.
    std::function<Result<ConversationPeer>(const QString &conversationId, const QString &userId)>
        peerInConversation;
    /// Up to `each` messages at or before `at` and `each` after it, in conversation order: what
    /// a moderator sees around a reported moment. The conversation domain answers.
    std::function<Result<QList<admin::ReportMessage>>(const QString &conversationId,
                                                      const QDateTime &at, int each)>
        messagesAround;
};

} // namespace fp
