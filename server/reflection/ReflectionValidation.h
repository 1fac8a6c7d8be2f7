#pragma once

// What POST /api/meet_reflections accepts: {match_session_id, conversation_session_id?,
// vibe_score, meet_outcome, feedback_tags}. Unknown members, bad ids, vibe outside 1-5, an
// unknown outcome, tags not in the catalog, repeated or more than 10: every problem at once in
// details.fields (tags by index, naming the tag). Pure.

#include "common/Result.h"
#include "server/reflection/ReflectionTypes.h"

#include <QJsonValue>

namespace fp {

class Catalog;

namespace ReflectionValidation {
Result<ReflectionInput> parseReflection(const QJsonValue &body, const Catalog &catalog);
} // namespace ReflectionValidation

} // namespace fp
