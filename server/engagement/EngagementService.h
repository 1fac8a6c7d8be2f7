#pragma once

// The engagement domain: the daily prompt (one for everyone per UTC day), answers to it, the
// weekly intent, and XP, which other domains award through awardXp() inside the transaction
// that earned it. No HTTP and no SQL here.

#include "common/Result.h"
#include "server/engagement/EngagementRepository.h"

namespace fp {

class EngagementService
{
public:
    explicit EngagementService(const EngagementRepository &repository)
        : m_repository(repository) { }

    /// 404 when no daily prompt is active.
    Result<TodaysPrompt> todaysPrompt(const QString &userId) const;
    /// 404 for an unknown or inactive daily prompt, 400 for an active one that is not today's,
    /// 409 for a second answer; the answer and its XP commit together.
    Result<DailyAnswerCreated> answerDailyPrompt(const QString &userId,
                                                 const DailyAnswerInput &input) const;
    Result<WeeklyIntentRecord> setWeeklyIntent(const QString &userId,
                                               const WeeklyIntentInput &input) const;
    /// The current week's intent, or 404.
    Result<WeeklyIntentRecord> currentWeeklyIntent(const QString &userId) const;
    Result<XpSummary> xp(const QString &userId) const;
    /// Appends the XP `source` earns (XpRules) once per source row: returns the XP awarded,
    /// or 0 when this (source, sourceRefId) was already awarded. Joins the caller's
    /// transaction, so the XP commits with what earned it.
    Result<int> awardXp(const QString &userId, XpSource source, const QString &sourceRefId) const;

    /// Loads the prompts embedded at ":/resources/catalog/prompts.json" into prompt_catalog
    /// (upsert by prompt_key; prompts gone from the file become inactive). Idempotent; runs at
    /// start after the migrations. Returns an error line, or an empty string.
    QString seedPromptCatalog() const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }
    Status eraseFor(const QString &userId) const { return m_repository.eraseFor(userId); }

private:
    const EngagementRepository &m_repository;
};

} // namespace fp
