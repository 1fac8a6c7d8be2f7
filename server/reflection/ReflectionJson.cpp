#include "server/reflection/ReflectionJson.h"

#include "common/Time.h"

namespace fp {

QJsonObject reflectionCreatedToJson(const ReflectionCreated &created)
{
    return QJsonObject {{QStringLiteral("id"), created.reflection.id},
                        {QStringLiteral("match_session_id"), created.reflection.matchSessionId},
                        {QStringLiteral("created_at"), toWireTime(created.reflection.createdAt)},
                        {QStringLiteral("xp_awarded"), created.xpAwarded}};
}

} // namespace fp
