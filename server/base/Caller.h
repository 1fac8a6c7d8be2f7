#pragma once

// Who is acting: the account a verified access token names. Services take a Caller to decide
// ownership; whether the caller may use a route at all is declared on the route (http/Router.h).

#include <QString>
#include <optional>

namespace fp {

/// Analyst: product staff who see analytics and aggregated queue metrics only.
enum class Role { User, Moderator, Admin, Analyst };

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
    /// Whoever may read product analytics: analysts, moderators and admins.
    bool seesAnalytics() const { return isStaff() || role == Role::Analyst; }
};

/// "user", "moderator", "admin", "analyst": the users.role column, the token's role claim, the
/// wire.
QString roleName(Role role);
std::optional<Role> roleFromName(const QString &name);

} // namespace fp
