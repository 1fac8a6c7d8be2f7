#pragma once

// What the trust domain asks of domains above it (docs/architecture.md "How domains talk"):
// the application wires each answer once, before the first request.

#include "common/Result.h"

#include <QString>
#include <functional>

namespace fp {

struct TrustPorts
{
    /// Whether two people shared a match (of any status) or are friends now: they may see each
    /// other's score. The matching and friendship domains answer.
    std::function<Result<bool>(const QString &userA, const QString &userB)> related;
};

} // namespace fp
