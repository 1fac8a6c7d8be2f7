#pragma once

// All SQL of the reflection domain: the meet_reflections rows.

#include "common/Result.h"
#include "server/reflection/ReflectionTypes.h"

#include <QJsonObject>

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

class ReflectionRepository
{
public:
    /// 409 conflict (details.reason "already_reflected") when the user already reflected on
    /// this match: UNIQUE (match_session_id, user_id) decides, so two racing requests cannot
    /// both pass.
    Status insert(const ReflectionRecord &reflection) const;
    /// {meet_reflections}: the person's own reflections for their data export.
    Result<QJsonObject> exportFor(const QString &userId) const;
};

} // namespace fp
