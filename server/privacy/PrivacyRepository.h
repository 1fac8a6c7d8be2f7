#pragma once

// All SQL of the privacy domain: the tombstones that record each account deletion for legal
// audit (backend-proposal §13.H).

#include "common/Result.h"

#include <QDateTime>
#include <QString>

namespace fp {

class PrivacyRepository
{
public:
    Status insertTombstone(const QString &userId, const QDateTime &now,
                           const QString &reason) const;
};

} // namespace fp
