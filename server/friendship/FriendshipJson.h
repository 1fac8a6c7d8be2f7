#pragma once

// The friendship domain's wire shapes (API_SPEC "Friends").

#include "server/friendship/FriendshipTypes.h"

#include <QJsonObject>

namespace fp {

/// {friendship_id, user_id, nickname, avatar_url, since, last_event}
QJsonObject friendToJson(const FriendItem &friendItem);
/// {id, friendship_id, event_type, payload, created_at}
QJsonObject friendshipEventToJson(const FriendshipEventRecord &event);

} // namespace fp
