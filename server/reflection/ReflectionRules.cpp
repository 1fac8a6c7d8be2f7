#include "server/reflection/ReflectionRules.h"

namespace fp::ReflectionRules {

bool meetingOver(const ReflectionMatch &match)
{
    if (!match.conversationId.isEmpty())
        return match.conversationState == QLatin1String("closed") ||
            match.conversationState == QLatin1String("revealed");
    return match.status == QLatin1String("ended") ||
        match.status == QLatin1String("friend_revealed");
}

} // namespace fp::ReflectionRules
