#include "server/friendship/FriendshipValidation.h"

#include "common/Time.h"
#include "server/base/Validation.h"

#include <QJsonDocument>

namespace fp::FriendshipValidation {

Result<FriendshipEventInput> parseEvent(const QJsonValue &body, const QDateTime &now)
{
    Problems problems;
    ObjectReader fields(body, {"event_type", "payload"}, problems);
    FriendshipEventInput input;
    input.eventType =
        fields
            .oneOf("event_type",
                   {QStringLiteral("starter_completed"), QStringLiteral("scheduled_chat")})
            .value_or(QString());
    const QJsonValue payload = fields.value("payload");
    if (!fields.isObject())
        return problems.error();
    if (payload.isUndefined() || payload.isNull()) {
        problems.add(QStringLiteral("payload"), QStringLiteral("is required (an object)"));
        return problems.error();
    }
    if (QJsonDocument(payload.toObject()).toJson(QJsonDocument::Compact).size() > kMaxPayloadBytes)
        problems.add(QStringLiteral("payload"),
                     QStringLiteral("must be at most %1 bytes of JSON").arg(kMaxPayloadBytes));

    const bool scheduled = input.eventType == QLatin1String("scheduled_chat");
    const QStringList known = scheduled
        ? QStringList {QStringLiteral("note"), QStringLiteral("scheduled_for")}
        : QStringList {QStringLiteral("note"), QStringLiteral("starter_id")};
    ObjectReader members(payload, known, problems, QStringLiteral("payload"));
    if (!members.isObject())
        return problems.error();
    input.payload = payload.toObject();
    members.text("note",
                 {.presence = Presence::Optional,
                  .policy = TextPolicy::MultiLine,
                  .minLength = 0,
                  .maxLength = kMaxNoteLength,
                  .trim = false});
    if (scheduled) {
        const QJsonValue when = members.value("scheduled_for");
        const QDateTime at = fromWireTime(when.toString());
        if (when.isUndefined())
            members.problem("scheduled_for", QStringLiteral("is required"));
        else if (!when.isString() || !at.isValid())
            members.problem("scheduled_for", QStringLiteral("must be an RFC 3339 timestamp"));
        else if (at <= now)
            members.problem("scheduled_for", QStringLiteral("must be in the future"));
        else if (at > now.addDays(366))
            members.problem("scheduled_for", QStringLiteral("must be within a year"));
        else
            input.payload.insert(QStringLiteral("scheduled_for"), toWireTime(at));
    } else {
        members.text(
            "starter_id",
            {.presence = Presence::Optional, .maxLength = kMaxStarterIdLength, .trim = false});
    }
    if (!problems.empty())
        return problems.error();
    return input;
}

} // namespace fp::FriendshipValidation
