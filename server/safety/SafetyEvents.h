#pragma once

// What the safety domain announces (base/DomainEvents.h), inside the transaction that did it.

#include <QString>

namespace fp {

/// One person blocked another (manual, panic_exit or moderation_action): whatever the two
/// share ends now (their friendship, their open conversations).
struct BlockCreated
{
    QString blockerUserId;
    QString blockedUserId;
    QString source;
};

} // namespace fp
