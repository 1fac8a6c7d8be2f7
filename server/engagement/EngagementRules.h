#pragma once

// The engagement domain's rules: which daily prompt is today's, where a week starts, the
// limits of answers and intents, and reading the shipped prompt catalog. Pure.

#include "common/Result.h"
#include "server/engagement/EngagementTypes.h"

#include <QByteArray>

namespace fp::EngagementRules {

inline constexpr int kAnswerMax = 2000;
inline constexpr int kIntentMax = 280; // weekly_intents.intent is VARCHAR(280)
inline constexpr int kRecentXpEntries = 20;

/// Which of `count` active daily prompts (ordered by prompt_key) is the prompt of `utcDay`:
/// days since 1970-01-01 modulo count, so everyone gets the same one and it rotates daily.
qsizetype dailyPromptIndex(const QDate &utcDay, qsizetype count);
/// The Monday on or before `day`.
QDate weekStart(const QDate &day);
/// Parses resources/catalog/prompts.json; an error names the bad entry.
Result<QList<PromptSeed>> parsePromptCatalog(const QByteArray &json);

} // namespace fp::EngagementRules
