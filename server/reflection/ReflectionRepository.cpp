#include "server/reflection/ReflectionRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace fp {

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

Result<QJsonObject> ReflectionRepository::exportFor(const QString &userId) const
{
    return exportTables({{"meet_reflections",
                          "SELECT id, match_session_id, conversation_session_id, vibe_score, "
                          "meet_outcome, feedback_tags_json, created_at, deleted_at FROM "
                          "meet_reflections WHERE user_id = ? ORDER BY created_at"}},
                        userId);
}

} // namespace fp
