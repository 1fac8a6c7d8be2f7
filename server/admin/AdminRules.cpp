#include "server/admin/AdminRules.h"

namespace fp::AdminRules {

std::optional<AppError> statusChangeRefusal(const Caller &staff, const StaffTarget &target,
                                            const QString &status, bool throughConfirmedReport)
{
    if (target.id == staff.userId)
        return AppError::forbidden(QStringLiteral("Staff cannot change their own status"));
    if (target.deleted)
        return AppError::conflict(QStringLiteral("The account is deleted"));
    const bool isAdmin = staff.role == Role::Admin;
    if (!isAdmin && target.role != Role::User)
        return AppError::forbidden(QStringLiteral("Only an admin may change a staff account"));
    // Direct bans and unbans are an admin's; a moderator may ban through a confirmed report.
    if (!isAdmin && target.banned)
        return AppError::forbidden(QStringLiteral("Only an admin may unban"));
    if (!isAdmin && !throughConfirmedReport && status == QLatin1String("banned"))
        return AppError::forbidden(QStringLiteral("Only an admin may ban or unban"));
    return std::nullopt;
}

std::optional<AppError> roleChangeRefusal(const Caller &staff, const StaffTarget &target)
{
    if (staff.role != Role::Admin)
        return AppError::forbidden(QStringLiteral("Only an admin may change roles"));
    if (target.id == staff.userId)
        return AppError::forbidden(QStringLiteral("Staff cannot change their own role"));
    return std::nullopt;
}

} // namespace fp::AdminRules
