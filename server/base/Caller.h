#pragma once

// Who is acting: the account a verified access token names. Services take a Caller to decide
// ownership; whether the caller may use a route at all is declared on the route (http/Router.h).

#include <QString>
#include <optional>

namespace fp {

enum class Role { User, Moderator, Admin };

struct Caller
{
    QString userId;
    QString sessionId;
    Role role = Role::User;
    bool restricted = false; // may log in and read, may not take part (queue, chat)
    /// When the credential that named this caller stops counting (ms since the epoch; 0: not
    /// limited). A WebSocket is closed then unless it was given a fresh token.
    qint64 expiresAtMs = 0;

    bool isStaff() const { return role == Role::Moderator || role == Role::Admin; }
};

/// "user", "moderator", "admin": the users.role column, the token's role claim, the wire.
QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);

} // namespace fp
