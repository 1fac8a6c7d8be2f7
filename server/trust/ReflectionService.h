#pragma once

// Meet reflections (POST /api/meet_reflections): after a match's conversation ends, each
// participant may reflect once on it. The reflection is about the peer: in one transaction the
// meet_reflections row, the peer's trust signal (TrustService::applySignal) and the reflector's
// XP (EngagementRepository::awardXp). Bodies are checked by the pure parseReflection (every bad
// field at once). No HTTP and no SQL here.

#include "common/Result.h"
#include "server/trust/ReflectionRepository.h"
#include "server/trust/TrustEngine.h"
#include "server/trust/TrustService.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace fp {

class Catalog;

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

namespace ReflectionRules {
inline constexpr int kMaxFeedbackTags = 10;
/// {match_session_id, conversation_session_id?, vibe_score, meet_outcome, feedback_tags}.
/// Unknown members, bad ids, vibe outside 1-5, unknown outcome, tags not in `catalog`, repeated
/// or more than 10: every problem at once in details.fields (tags by index, naming the tag).
Result<ReflectionInput> parseReflection(const QJsonValue &body, const Catalog &catalog);
/// A reflection needs the meeting to be over: the match's conversation closed or revealed, or,
/// for a match without a conversation, the match ended or revealed.
bool meetingOver(const ReflectionMatch &match);
} // namespace ReflectionRules

class ReflectionService
{
public:
    /// 404 when the match is unknown or the caller is not in it, or when conversation_session_id
    /// is not that match's conversation; 409 (details.reason) "conversation_open" while the
    /// meeting runs, "already_reflected" for a second reflection.
    Result<ReflectionCreated> reflect(const QString &userId, const ReflectionInput &input) const;

private:
    ReflectionRepository m_repository;
    TrustService m_trust;
};

/// {id, match_session_id, created_at, xp_awarded}.
QJsonObject reflectionCreatedToJson(const ReflectionCreated &created);

} // namespace fp
