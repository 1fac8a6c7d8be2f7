#include "server/engagement/EngagementService.h"

#include "server/engagement/EngagementRules.h"
#include "server/engagement/XpRules.h"
#include "server/events/Outbox.h"
#include "server/storage/Database.h"

#include <QFile>

namespace fp {

namespace {

PromptRecord pickToday(const QList<PromptRecord> &prompts, const QDate &day)
{
    return prompts.at(EngagementRules::dailyPromptIndex(day, prompts.size()));
}

Status recordAboutUser(EventType type, const QString &userId, const QJsonObject &payload)
{
    return Outbox::record({.type = type,
                           .subjectType = QLatin1StringView("user"),
                           .subjectId = userId,
                           .actorUserId = userId,
                           .payload = payload,
                           .occurredAt = {}});
}

} // namespace

Result<TodaysPrompt> EngagementService::todaysPrompt(const QString &userId) const
{
    const QDate today = QDateTime::currentDateTimeUtc().date();
    Result<QList<PromptRecord>> prompts = m_repository.activeDailyPrompts();
    if (!prompts)
        return prompts.error();
    if (prompts->isEmpty())
        return AppError::notFound(QStringLiteral("No daily prompt is active"));
    TodaysPrompt result {pickToday(*prompts, today), false};
    Result<bool> answered = m_repository.answered(userId, result.prompt.id, today);
    if (!answered)
        return answered.error();
    result.answered = *answered;
    return result;
}

Result<DailyAnswerCreated> EngagementService::answerDailyPrompt(const QString &userId,
                                                                const DailyAnswerInput &input) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDate today = now.date();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<PromptRecord>> prompt = m_repository.findPrompt(input.promptId);
    if (!prompt)
        return prompt.error();
    if (!*prompt || !(*prompt)->active || (*prompt)->type != QLatin1String("daily"))
        return AppError::notFound(QStringLiteral("No such daily prompt"));
    Result<QList<PromptRecord>> prompts = m_repository.activeDailyPrompts();
    if (!prompts)
        return prompts.error();
    // Today's prompt only (UTC day): yesterday's, answered after midnight, would let one
    // person collect several days' XP at once.
    if (prompts->isEmpty() || pickToday(*prompts, today).id != input.promptId)
        return AppError::validation(
            {{QStringLiteral("prompt_id"),
              QStringLiteral("is not today's prompt (see GET /api/daily_prompts/today)")}});
    Result<DailyAnswerRecord> answer =
        m_repository.insertDailyAnswer(userId, input.promptId, today, input.answer, now);
    if (!answer)
        return answer.error();
    // Which prompt, never the answer: it is the person's own words.
    if (Status recorded = recordAboutUser(event::DailyAnswered, userId,
                                          {{QStringLiteral("prompt_id"), input.promptId},
                                           {QStringLiteral("answer_id"), answer->id}});
        !recorded)
        return recorded.error();
    Result<int> xp = awardXp(userId, XpSource::DailyAnswer, answer->id);
    if (!xp)
        return xp.error();
    if (!tx.commit())
        return databaseUnavailable();
    return DailyAnswerCreated {*answer, *xp};
}

Result<WeeklyIntentRecord> EngagementService::setWeeklyIntent(const QString &userId,
                                                              const WeeklyIntentInput &input) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<WeeklyIntentRecord> intent = m_repository.upsertWeeklyIntent(
        userId, input.weekStartDate, input.intent, QDateTime::currentDateTimeUtc());
    if (!intent)
        return intent;
    // The week only: the intent is the person's own words.
    if (Status recorded = recordAboutUser(
            event::WeeklyIntentSet, userId,
            {{QStringLiteral("week_start_date"), input.weekStartDate.toString(Qt::ISODate)}});
        !recorded)
        return recorded.error();
    if (!tx.commit())
        return databaseUnavailable();
    return intent;
}

Result<WeeklyIntentRecord> EngagementService::currentWeeklyIntent(const QString &userId) const
{
    const QDate monday = EngagementRules::weekStart(QDateTime::currentDateTimeUtc().date());
    Result<std::optional<WeeklyIntentRecord>> intent = m_repository.weeklyIntent(userId, monday);
    if (!intent)
        return intent.error();
    if (!*intent)
        return AppError::notFound(QStringLiteral("No intent set for this week"));
    return **intent;
}

Result<int> EngagementService::awardXp(const QString &userId, XpSource source,
                                       const QString &sourceRefId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<int> xp = m_repository.awardXp(userId, source, sourceRefId);
    if (!xp)
        return xp;
    // 0: this source was already rewarded, nothing was granted.
    if (*xp > 0) {
        if (Status recorded =
                recordAboutUser(event::XpGranted, userId,
                                {{QStringLiteral("amount"), *xp},
                                 {QStringLiteral("reason"), XpRules::sourceType(source)},
                                 {QStringLiteral("source_ref_id"), sourceRefId}});
            !recorded)
            return recorded.error();
    }
    if (!tx.commit())
        return databaseUnavailable();
    return xp;
}

Result<XpSummary> EngagementService::xp(const QString &userId) const
{
    // One transaction: the total and the recent entries describe the same ledger state.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<XpSummary> summary = m_repository.xpSummary(userId, EngagementRules::kRecentXpEntries);
    tx.commit();
    return summary;
}

QString EngagementService::seedPromptCatalog() const
{
    QFile file(QStringLiteral(":/resources/catalog/prompts.json"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("prompts.json is not embedded in the binary");
    Result<QList<PromptSeed>> prompts = EngagementRules::parsePromptCatalog(file.readAll());
    if (!prompts)
        return prompts.error().message;
    Transaction tx;
    if (!tx.begin())
        return QStringLiteral("cannot seed the prompt catalog: the database is unavailable");
    if (Status seeded = m_repository.seedPrompts(*prompts); !seeded)
        return QStringLiteral("cannot seed the prompt catalog: %1").arg(seeded.error().message);
    if (!tx.commit())
        return QStringLiteral("cannot seed the prompt catalog: the commit failed");
    return {};
}

} // namespace fp
