#pragma once

// What the matching domain announces (base/DomainEvents.h), inside the transaction that did it.

#include <QDateTime>
#include <QString>

namespace fp {

/// Two people were matched: their conversation (whose id matching chose) opens now.
struct MatchMade
{
    QString matchSessionId;
    QString conversationId;
    QString userA;
    QString userB;
    QDateTime matchedAt;
};

} // namespace fp
