#include "server/engagement/XpRules.h"

namespace fp::XpRules {

int xpFor(XpSource source)
{
    switch (source) {
    case XpSource::DailyAnswer:
        return kDailyAnswerXp;
    case XpSource::Reflection:
        return kReflectionXp;
    case XpSource::Friendship:
        return kFriendshipXp;
    }
    return 0;
}

QString sourceType(XpSource source)
{
    switch (source) {
    case XpSource::DailyAnswer:
        return QStringLiteral("daily_answer");
    case XpSource::Reflection:
        return QStringLiteral("reflection");
    case XpSource::Friendship:
        return QStringLiteral("friendship");
    }
    return {};
}

} // namespace fp::XpRules
