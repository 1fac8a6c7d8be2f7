#pragma once

// What the profile domain asks of the domains above it, wired once by app/Domains.

#include "common/Result.h"

#include <QString>
#include <functional>

namespace fp {

struct ProfilePorts
{
    /// Whether two people are friends now (friendship). A reveal makes a conversation's two
    /// people friends; ending the friendship, or a block, ends it.
    std::function<Result<bool>(const QString &userA, const QString &userB)> friendsNow;
};

} // namespace fp
