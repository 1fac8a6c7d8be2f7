#pragma once

// What the identity domain announces (base/DomainEvents.h), inside the transaction that did it.

#include <QString>

namespace fp {

/// An account was banned: whatever it takes part in ends now.
struct AccountBanned
{
    QString userId;
    QString bannedByUserId; // the moderator
};

} // namespace fp
