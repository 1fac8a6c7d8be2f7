#pragma once

// What POST /api/friendships/{id}/events accepts (API_SPEC "Friends"), checked whole into a
// typed FriendshipEventInput. Pure: `now` judges scheduled_for.

#include "common/Result.h"
#include "server/friendship/FriendshipTypes.h"

#include <QJsonValue>

namespace fp::FriendshipValidation {

constexpr int kMaxPayloadBytes = 4096; // the compact JSON of `payload`
constexpr int kMaxNoteLength = 280;
constexpr int kMaxStarterIdLength = 64;

Result<FriendshipEventInput> parseEvent(const QJsonValue &body, const QDateTime &now);

} // namespace fp::FriendshipValidation
