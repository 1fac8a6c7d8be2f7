#pragma once

// The admin domain's data: what the audit log is filtered by, and what the staff rules need to
// know about an account a staff member acts on (the identity domain fills it in).

#include "server/base/Caller.h"

#include <QDateTime>
#include <QString>

namespace fp {

struct AuditFilter
{
    QString actorUserId;
    QString targetId;
    QString action;
    QDateTime from; // inclusive; invalid = open
    QDateTime to; // exclusive; invalid = open
};

/// An account as the staff rules see it.
struct StaffTarget
{
    QString id;
    Role role = Role::User;
    bool banned = false;
    bool deleted = false;
};

} // namespace fp
