#pragma once

// Who on the staff may do what to whom: the rules every staff action of every domain checks
// (a moderator restricts users; only an admin bans directly, unbans, or touches a staff
// account; nobody acts on themself). Pure: no I/O.

#include "common/ApiError.h"
#include "server/admin/AdminTypes.h"

#include <optional>

namespace fp::AdminRules {

/// Why `staff` may not set `target`'s status to `status` ("active", "restricted", "banned"),
/// or nothing. `throughConfirmedReport`: a moderator's ban as the action on a report they hold.
std::optional<AppError> statusChangeRefusal(const Caller &staff, const StaffTarget &target,
                                            const QString &status, bool throughConfirmedReport);
/// Why `staff` may not change `target`'s role, or nothing.
std::optional<AppError> roleChangeRefusal(const Caller &staff, const StaffTarget &target);

} // namespace fp::AdminRules
