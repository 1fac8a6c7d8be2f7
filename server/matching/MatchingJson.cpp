#include "server/matching/MatchingJson.h"

#include "common/Time.h"
#include "server/profile/ProfileJson.h"

namespace fp {

QJsonObject queueEntryToJson(const QueueEntry &entry)
{
    return {{QStringLiteral("queue_entry_id"), entry.id},
            {QStringLiteral("status"), QStringLiteral("active")},
            {QStringLiteral("enqueued_at"), toWireTime(entry.enqueuedAt)}};
}

QJsonObject queueStatusToJson(const QueueStatus &status)
{
    QJsonObject json {{QStringLiteral("status"), status.status}};
    if (status.status == QLatin1String("active")) {
        json.insert(QStringLiteral("enqueued_at"), toWireTime(status.enqueuedAt));
        json.insert(QStringLiteral("wait_seconds"), status.waitSeconds);
    } else if (status.status == QLatin1String("matched")) {
        json.insert(QStringLiteral("match_session_id"), status.matchSessionId);
    }
    return json;
}

QJsonObject matchSessionToJson(const MatchSessionRecord &m, const QString &viewerId,
                               const std::optional<PublicProfile> &revealedPeer)
{
    QJsonObject peer {{QStringLiteral("alias"), m.userA == viewerId ? m.aliasB : m.aliasA}};
    if (revealedPeer) {
        const QJsonObject shown = publicProfileJson(*revealedPeer);
        for (auto it = shown.begin(); it != shown.end(); ++it)
            peer.insert(it.key(), it.value());
    }
    return {{QStringLiteral("id"), m.id},
            {QStringLiteral("status"), m.status},
            {QStringLiteral("matched_at"), toWireTime(m.matchedAt)},
            {QStringLiteral("match_score"), m.score},
            {QStringLiteral("score_breakdown"), m.breakdown},
            {QStringLiteral("match_reasons"), m.reasons},
            {QStringLiteral("conversation_id"), m.conversationId},
            {QStringLiteral("peer"), peer}};
}

} // namespace fp
