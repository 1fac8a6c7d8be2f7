#pragma once

// What the identity domain asks of domains above it (docs/architecture.md "How domains talk"):
// the application wires each answer once, before the first request.

#include "common/Result.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <functional>

namespace fp {

/// How an account stands, as staff see it next to the account: its trust score (the trust
/// domain) and the reports about it and by it (the safety domain).
struct UserStanding
{
    int trustScore = 50;
    int openReportsAgainst = 0;
    int reportsFiled = 0;
};

struct IdentityPorts
{
    std::function<Result<QHash<QString, UserStanding>>(const QStringList &userIds)> standings;
};

} // namespace fp
