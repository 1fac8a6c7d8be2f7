#pragma once

// What earns XP, and how much: the one table of XP rules. Every award is one row of the
// append-only xp_ledger, written by EngagementRepository::awardXp in the same transaction as
// the thing that earned it, at most once per source row.

#include <QString>

namespace fp {

enum class XpSource {
    DailyAnswer, // a daily prompt answer (source_ref_id: daily_prompt_answers.id)
    Reflection, // a meet reflection (source_ref_id: meet_reflections.id)
    Friendship, // a friendship formed at reveal (source_ref_id: friendships.id)
};

namespace XpRules {
// A daily answer is a small, repeatable habit: worth a little, every day.
inline constexpr int kDailyAnswerXp = 10;
// A reflection after a match takes more thought and feeds trust and matching: worth more than a
// daily answer, so people do not skip it.
inline constexpr int kReflectionXp = 15;
// A friendship is the outcome the product exists for, and it needs both people: the largest
// award, but rare enough (one per pair) that it cannot be farmed.
inline constexpr int kFriendshipXp = 50;

/// The XP a source earns.
int xpFor(XpSource source);
/// Its xp_ledger.source_type (and the API's `source_type`): "daily_answer", "reflection",
/// "friendship".
QString sourceType(XpSource source);
} // namespace XpRules

} // namespace fp
