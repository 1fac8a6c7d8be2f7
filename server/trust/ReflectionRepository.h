#pragma once

// All SQL of meet reflections: the match a reflection is about (with its one conversation) and
// the meet_reflections rows themselves.

#include "common/Result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

/// A match session as a reflection needs it.
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

class ReflectionRepository
{
public:
    Result<std::optional<ReflectionMatch>> findMatch(const QString &matchSessionId) const;
    /// 409 conflict (details.reason "already_reflected") when the user already reflected on
    /// this match: UNIQUE (match_session_id, user_id) decides, so two racing requests cannot
    /// both pass.
    Status insert(const ReflectionRecord &reflection) const;
};

} // namespace fp
