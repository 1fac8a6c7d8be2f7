#pragma once

// All SQL of the engagement domain: prompt_catalog, daily_prompt_answers, weekly_intents and
// the append-only xp_ledger. awardXp is the one way any domain writes XP.

#include "common/Result.h"
#include "server/engagement/EngagementTypes.h"
#include "server/engagement/XpRules.h"

#include <QJsonObject>
#include <optional>

namespace fp {

class EngagementRepository
{
public:
    /// Upserts every prompt by prompt_key (ids stay stable, active = 1) and deactivates the
    /// ones no longer in `prompts` (answers keep pointing at them, so never deleted).
    /// Needs a transaction to be all-or-nothing.
    Status seedPrompts(const QList<PromptSeed> &prompts) const;
    /// Active daily prompts ordered by prompt_key: the rotation of the daily prompt.
    Result<QList<PromptRecord>> activeDailyPrompts() const;
    Result<std::optional<PromptRecord>> findPrompt(const QString &promptId) const;

    Result<bool> answered(const QString &userId, const QString &promptId, const QDate &day) const;
    /// 409 conflict when the user already answered this prompt on `day`.
    Result<DailyAnswerRecord> insertDailyAnswer(const QString &userId, const QString &promptId,
                                                const QDate &day, const QString &answer,
                                                const QDateTime &now) const;

    Result<WeeklyIntentRecord> upsertWeeklyIntent(const QString &userId, const QDate &weekStart,
                                                  const QString &intent,
                                                  const QDateTime &now) const;
    Result<std::optional<WeeklyIntentRecord>> weeklyIntent(const QString &userId,
                                                           const QDate &weekStart) const;

    /// Appends the XP `source` earns (XpRules) to the user's ledger, once per source row:
    /// returns the XP awarded, or 0 when this (source, sourceRefId) was already awarded.
    /// Call it inside the transaction that creates the source row, so both commit together.
    Result<int> awardXp(const QString &userId, XpSource source, const QString &sourceRefId) const;
    /// The ledger total and its `recentLimit` newest entries.
    Result<XpSummary> xpSummary(const QString &userId, int recentLimit) const;

    /// {daily_prompt_answers, weekly_intents, xp_ledger}: the person's rows for their export.
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// Deletes the rows that belong to the person alone (an account deletion).
    Status eraseFor(const QString &userId) const;
};

} // namespace fp
