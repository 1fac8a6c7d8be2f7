#pragma once

// The reflection domain: after a match's conversation ends, each participant may reflect once
// on it (POST /api/meet_reflections). The reflection is about the peer: in one transaction the
// meet_reflections row, the peer's trust signal and the reflector's XP. No HTTP and no SQL here.

#include "common/Result.h"
#include "server/reflection/ReflectionRepository.h"

namespace fp {

class ConversationService;
class EngagementService;
class MatchingService;
class TrustService;

class ReflectionService
{
public:
    ReflectionService(const ReflectionRepository &repository, const MatchingService &matching,
                      const ConversationService &conversations, const TrustService &trust,
                      const EngagementService &engagement)
        : m_repository(repository), m_matching(matching), m_conversations(conversations),
          m_trust(trust), m_engagement(engagement)
    { }

    /// 404 when the match is unknown or the caller is not in it, or when conversation_session_id
    /// is not that match's conversation; 409 (details.reason) "conversation_open" while the
    /// meeting runs, "already_reflected" for a second reflection.
    Result<ReflectionCreated> reflect(const QString &userId, const ReflectionInput &input) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }

private:
    Result<std::optional<ReflectionMatch>> meeting(const QString &matchSessionId) const;

    const ReflectionRepository &m_repository;
    const MatchingService &m_matching;
    const ConversationService &m_conversations;
    const TrustService &m_trust;
    const EngagementService &m_engagement;
};

} // namespace fp
