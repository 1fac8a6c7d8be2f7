#pragma once

// What the matching routes accept: the queue join body ({region_key?}, or no body at all).
// Pure.

#include "common/Result.h"

#include <QJsonValue>

namespace fp::MatchingValidation {

/// The region to queue in: the body's region_key (1-64 of a-z, 0-9, _ and -), or "global".
Result<QString> parseJoin(const QJsonValue &body);

} // namespace fp::MatchingValidation
