#pragma once

// The matching domain's wire shapes (API_SPEC "Matching"). Before reveal the peer is only ever
// an alias.

#include "server/matching/MatchingTypes.h"
#include "server/profile/ProfileTypes.h"

#include <QJsonObject>
#include <optional>

namespace fp {

/// {queue_entry_id, status, enqueued_at}
QJsonObject queueEntryToJson(const QueueEntry &entry);
/// {status, enqueued_at?, wait_seconds?, match_session_id?}
QJsonObject queueStatusToJson(const QueueStatus &status);
/// The match as `viewerId` sees it: {id, status, matched_at, match_score, score_breakdown,
/// match_reasons, conversation_id, peer:{alias}}.
/// The match as `viewerId` sees it: the peer's alias, and who they are once revealed.
QJsonObject matchSessionToJson(const MatchSessionRecord &match, const QString &viewerId,
                               const std::optional<PublicProfile> &revealedPeer = std::nullopt);

} // namespace fp
