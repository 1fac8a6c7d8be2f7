#pragma once

// The engagement domain's wire shapes (API_SPEC "Reflection, trust, rituals").

#include "server/engagement/EngagementTypes.h"

#include <QJsonObject>

namespace fp {

QJsonObject todaysPromptToJson(const TodaysPrompt &today);
QJsonObject dailyAnswerToJson(const DailyAnswerCreated &created);
QJsonObject weeklyIntentToJson(const WeeklyIntentRecord &intent);
QJsonObject xpSummaryToJson(const XpSummary &summary);

} // namespace fp
