#include "server/reflection/ReflectionService.h"

#include "server/conversation/ConversationService.h"
#include "server/engagement/EngagementService.h"
#include "server/events/Outbox.h"
#include "server/matching/MatchingService.h"
#include "server/reflection/ReflectionRules.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"

#include <QJsonArray>

namespace fp {

Result<std::optional<ReflectionMatch>>
ReflectionService::meeting(const QString &matchSessionId) const
{
    Result<std::optional<MatchSummary>> match = m_matching.matchSummary(matchSessionId);
    if (!match)
        return match.error();
    if (!*match)
        return std::optional<ReflectionMatch>();
    ReflectionMatch meeting {
        (*match)->id, (*match)->userA, (*match)->userB, (*match)->status, {}, {}};
    Result<std::optional<ConversationBrief>> conversation =
        m_conversations.conversationOfMatch(matchSessionId);
    if (!conversation)
        return conversation.error();
    if (*conversation) {
        meeting.conversationId = (*conversation)->id;
        meeting.conversationState = (*conversation)->state;
    }
    return std::optional<ReflectionMatch>(meeting);
}

Result<ReflectionCreated> ReflectionService::reflect(const QString &userId,
                                                     const ReflectionInput &input) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<ReflectionMatch>> match = meeting(input.matchSessionId);
    if (!match)
        return match.error();
    if (!*match || !(*match)->hasParticipant(userId))
        return AppError::notFound(QStringLiteral("No such match session"));
    const ReflectionMatch &m = **match;
    if (!input.conversationSessionId.isEmpty() && input.conversationSessionId != m.conversationId)
        return AppError::notFound(QStringLiteral("No such conversation in this match"));
    if (!ReflectionRules::meetingOver(m)) {
        AppError open = AppError::conflict(
            QStringLiteral("The conversation is still running: reflect once it has ended"));
        open.details = {{QStringLiteral("reason"), QStringLiteral("conversation_open")}};
        return open;
    }

    ReflectionCreated created;
    ReflectionRecord &r = created.reflection;
    r.id = Sql::newId();
    r.matchSessionId = m.id;
    r.conversationSessionId = m.conversationId; // the match's one conversation, given or not
    r.userId = userId;
    r.vibeScore = input.vibeScore;
    r.meetOutcome = TrustSignal::outcomeName(input.outcome);
    r.feedbackTags = input.feedbackTags;
    r.createdAt = now;
    if (Status inserted = m_repository.insert(r); !inserted)
        return inserted.error();
    if (Status recorded = Outbox::record(
            {.type = event::ReflectionSubmitted,
             .subjectType = QLatin1StringView("reflection"),
             .subjectId = r.id,
             .actorUserId = userId,
             .payload = {{QStringLiteral("match_id"), r.matchSessionId},
                         {QStringLiteral("conversation_id"), r.conversationSessionId},
                         {QStringLiteral("vibe_score"), r.vibeScore},
                         {QStringLiteral("outcome"), r.meetOutcome},
                         {QStringLiteral("feedback_tags"),
                          QJsonArray::fromStringList(r.feedbackTags)}},
             .occurredAt = now});
        !recorded)
        return recorded.error();

    // The reflector's own trust weighs their word (docs/trust.md, "Reflector weight").
    Result<int> reflectorTrust = m_trust.currentScore(userId);
    if (!reflectorTrust)
        return reflectorTrust.error();
    Result<AppliedSignal> trust =
        m_trust.applySignal(m.peerOf(userId),
                            TrustSignal::reflection(userId, *reflectorTrust, input.vibeScore,
                                                    input.outcome, input.feedbackTags, now),
                            r.id, userId);
    if (!trust)
        return trust.error();
    created.trust = *trust;

    Result<int> xp = m_engagement.awardXp(userId, XpSource::Reflection, r.id);
    if (!xp)
        return xp.error();
    created.xpAwarded = *xp;
    if (!tx.commit())
        return databaseUnavailable();
    return created;
}

} // namespace fp
