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

/// An account was restricted: what a restricted person may not do (wait in the queue) ends now.
struct AccountRestricted
{
    QString userId;
    QString restrictedByUserId; // the moderator
};

} // namespace fp
