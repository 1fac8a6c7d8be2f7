#pragma once

// The reflection domain's wire shape.

#include "server/reflection/ReflectionTypes.h"

#include <QJsonObject>

namespace fp {

/// {id, match_session_id, created_at, xp_awarded}.
QJsonObject reflectionCreatedToJson(const ReflectionCreated &created);

} // namespace fp
