#include "server/trust/ReflectionRepository.h"

#include "server/storage/Database.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace fp {

Result<std::optional<ReflectionMatch>>
ReflectionRepository::findMatch(const QString &matchSessionId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT m.id, m.user_a_id, m.user_b_id, m.status, c.id, c.state "
                                 "FROM match_sessions m LEFT JOIN conversation_sessions c "
                                 "ON c.match_session_id = m.id WHERE m.id = ?"),
                  {matchSessionId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<ReflectionMatch>();
    return std::optional<ReflectionMatch>(
        ReflectionMatch {r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                         r.value(3).toString(), r.value(4).toString(), r.value(5).toString()});
}

Status ReflectionRepository::insert(const ReflectionRecord &reflection) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO meet_reflections (id, match_session_id, "
                       "conversation_session_id, user_id, vibe_score, meet_outcome, "
                       "feedback_tags_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        {reflection.id, reflection.matchSessionId,
         Sql::nullableText(reflection.conversationSessionId), reflection.userId,
         reflection.vibeScore, reflection.meetOutcome,
         QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(reflection.feedbackTags))
                               .toJson(QJsonDocument::Compact)),
         Sql::time(reflection.createdAt)});
    if (r.failure() == DbFailure::DuplicateKey) {
        AppError conflict =
            AppError::conflict(QStringLiteral("You already reflected on this match"));
        conflict.details = {{QStringLiteral("reason"), QStringLiteral("already_reflected")}};
        return conflict;
    }
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

} // namespace fp
