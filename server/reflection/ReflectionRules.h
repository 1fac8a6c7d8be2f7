#pragma once

// The reflection domain's rules. Pure.

#include "server/reflection/ReflectionTypes.h"

namespace fp::ReflectionRules {

inline constexpr int kMaxFeedbackTags = 10;

/// A reflection needs the meeting to be over: the match's conversation closed or revealed, or,
/// for a match without a conversation, the match ended or revealed.
bool meetingOver(const ReflectionMatch &match);

} // namespace fp::ReflectionRules
