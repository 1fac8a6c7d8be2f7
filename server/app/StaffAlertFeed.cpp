#include "server/app/StaffAlertFeed.h"

#include "server/realtime/Gateway.h"
#include "server/safety/SafetyJson.h"
#include "server/safety/SafetyService.h"

#include <QJsonArray>

namespace fp {

void registerStaffAlertFeed(Gateway &gateway, const SafetyService &safety)
{
    gateway.registerFeed(
        QStringLiteral("staff.subscribe"), QString(SafetyService::kStaffFeed), Access::Moderator,
        [&safety](const Caller &, const QJsonObject &frame) -> QList<QJsonObject> {
            // null: live alerts from now on (a console's first connection); n: what came after
            // alert n, then live.
            std::optional<qint64> after;
            if (!Gateway::readResumeCursor(frame.value(QStringLiteral("after_id")), &after))
                return {Gateway::errorFrame(
                    QStringLiteral("validation_failed"),
                    QStringLiteral("after_id: required, null or an alert id (an integer >= 0)"))};
            Result<StaffAlertReplay> replay = safety.staffAlertsAfter(after);
            if (!replay)
                return {Gateway::errorFrame(QStringLiteral("unavailable"),
                                            QStringLiteral("Try again in a moment"))};
            QList<QJsonObject> frames;
            for (const StaffAlert &alert : std::as_const(replay->alerts))
                frames.append(staffAlertToJson(alert));
            frames.append(QJsonObject {{QStringLiteral("type"), QStringLiteral("staff.subscribed")},
                                       {QStringLiteral("last_id"), replay->lastId},
                                       {QStringLiteral("replayed"), int(replay->alerts.size())},
                                       {QStringLiteral("more"), replay->more}});
            return frames;
        });
}

} // namespace fp
