#include "server/base/Caller.h"

namespace fp {

QString roleName(Role role)
{
    switch (role) {
    case Role::User:
        return QStringLiteral("user");
    case Role::Moderator:
        return QStringLiteral("moderator");
    case Role::Admin:
        return QStringLiteral("admin");
    case Role::Analyst:
        return QStringLiteral("analyst");
    }
    return QStringLiteral("user");
}

std::optional<Role> roleFromName(const QString &name)
{
    if (name == QLatin1String("user"))
        return Role::User;
    if (name == QLatin1String("moderator"))
        return Role::Moderator;
    if (name == QLatin1String("admin"))
        return Role::Admin;
    if (name == QLatin1String("analyst"))
        return Role::Analyst;
    return std::nullopt;
}

} // namespace fp
