#pragma once

// The reflection domain's data: a validated reflection, a meet_reflections row, the meeting a
// reflection is about, and what reflecting did.

#include "server/trust/TrustTypes.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace fp {

/// The meeting a reflection is about: the match and its one conversation.
struct ReflectionMatch
{
    QString id;
    QString userAId;
    QString userBId;
    QString status; // match_sessions.status
    QString conversationId; // empty when the match has no conversation
    QString conversationState; // conversation_sessions.state, empty without one

    bool hasParticipant(const QString &userId) const
    {
        return userId == userAId || userId == userBId;
    }
    /// The other participant (`userId` must be one).
    QString peerOf(const QString &userId) const { return userId == userAId ? userBId : userAId; }
};

/// One meet_reflections row.
struct ReflectionRecord
{
    QString id;
    QString matchSessionId;
    QString conversationSessionId; // empty: NULL
    QString userId; // the reflector
    int vibeScore = 3;
    QString meetOutcome; // again, maybe, pass
    QStringList feedbackTags;
    QDateTime createdAt;
};

struct ReflectionInput
{
    QString matchSessionId; // lowercase UUID
    QString conversationSessionId; // lowercase UUID, or empty when not given
    int vibeScore = 3; // 1-5
    TrustSignal::Outcome outcome = TrustSignal::Outcome::Maybe;
    QStringList feedbackTags; // catalog keys, no repeats, at most kMaxFeedbackTags
};

struct ReflectionCreated
{
    ReflectionRecord reflection;
    int xpAwarded = 0;
    AppliedSignal trust; // what the reflection did to the peer's trust
};

} // namespace fp
