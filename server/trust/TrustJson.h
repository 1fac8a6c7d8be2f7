#pragma once

// The trust domain's wire shape: a score as the viewer may see it.

#include "common/AdminTypes.h"
#include "server/trust/TrustTypes.h"

#include <QJsonObject>

namespace fp {

/// Full: {user_id, score, cooldown_applied, components, updated_at}; Limited: {user_id, score}.
QJsonObject trustScoreToJson(const TrustScoreView &view);
/// The staff's view of the same score (GET /api/admin/users/{id}/trust-score): always whole.
admin::TrustScore staffTrustScore(const TrustScoreView &view);

} // namespace fp
