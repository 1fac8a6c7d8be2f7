#include "server/app/ModerationNoticeGreeting.h"

#include "server/base/Log.h"
#include "server/realtime/Gateway.h"
#include "server/safety/SafetyJson.h"
#include "server/safety/SafetyService.h"

#include <algorithm>

namespace fp {

void greetWithPendingNotices(Gateway &gateway, const SafetyService &safety)
{
    gateway.setGreeting([&safety](const Caller &caller) -> QList<QJsonObject> {
        Result<QList<ModerationNotice>> pending = safety.notices(caller.userId, true);
        if (!pending) {
            // The socket works without it; the client's GET /api/me/notices?pending=true at
            // sign-in still finds them.
            log::warning(QStringLiteral("pending_notices_not_sent"),
                         {{QStringLiteral("user_id"), caller.userId},
                          {QStringLiteral("error"), pending.error().message}});
            return {};
        }
        // Oldest first, as they happened. No notice_seq: these are not replays of the live
        // frames (those are notices.resume's), the notice's id tells a client it saw one already.
        std::reverse(pending->begin(), pending->end());
        QList<QJsonObject> frames;
        for (const ModerationNotice &notice : std::as_const(*pending))
            frames.append(
                QJsonObject {{QStringLiteral("type"), QStringLiteral("moderation.notice")},
                             {QStringLiteral("notice"), noticeToJson(notice)}});
        return frames;
    });
}

} // namespace fp
