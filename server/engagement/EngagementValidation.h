#pragma once

// What the engagement routes accept (API_SPEC "Reflection, trust, rituals"): a daily answer and
// a weekly intent, each checked whole into its typed input. Pure: today's date comes in.

#include "common/Result.h"
#include "server/engagement/EngagementTypes.h"

#include <QJsonValue>

namespace fp::EngagementValidation {

/// POST /api/daily_prompts/answers: {prompt_id, answer}.
Result<DailyAnswerInput> parseDailyAnswer(const QJsonValue &body);
/// POST /api/weekly_intent: {intent, week_start_date?}; the week defaults to the current one
/// and may only be the current or the next (weeks start on Monday, in UTC).
Result<WeeklyIntentInput> parseWeeklyIntent(const QJsonValue &body, const QDate &utcToday);

} // namespace fp::EngagementValidation
