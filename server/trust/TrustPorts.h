#pragma once

// What the trust domain asks of domains above it (docs/architecture.md "How domains talk"):
// the application wires each answer once, before the first request.

#include "common/Result.h"
#include "server/storage/PairCondition.h"

namespace fp {

struct TrustPorts
{
    /// Whether (viewer, person) may see the person's score although neither is staff nor the
    /// other: stated by the friendship, matching and safety domains as one condition, which
    /// the trust domain asks in the statement that reads the score (one round trip a view).
    PairCondition related;
};

} // namespace fp
