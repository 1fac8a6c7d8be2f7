#include "server/engagement/EngagementJson.h"

#include "common/Time.h"

#include <QJsonArray>

namespace fp {

QJsonObject todaysPromptToJson(const TodaysPrompt &today)
{
    return QJsonObject {{QStringLiteral("prompt"),
                         QJsonObject {{QStringLiteral("id"), today.prompt.id},
                                      {QStringLiteral("text"), today.prompt.text},
                                      {QStringLiteral("topic_tags"),
                                       QJsonArray::fromStringList(today.prompt.topicTags)}}},
                        {QStringLiteral("answered"), today.answered}};
}

QJsonObject dailyAnswerToJson(const DailyAnswerCreated &created)
{
    return QJsonObject {{QStringLiteral("id"), created.answer.id},
                        {QStringLiteral("prompt_id"), created.answer.promptId},
                        {QStringLiteral("created_at"), toWireTime(created.answer.createdAt)},
                        {QStringLiteral("xp_awarded"), created.xpAwarded}};
}

QJsonObject weeklyIntentToJson(const WeeklyIntentRecord &intent)
{
    return QJsonObject {
        {QStringLiteral("week_start_date"), intent.weekStartDate.toString(Qt::ISODate)},
        {QStringLiteral("intent"), intent.intent},
        {QStringLiteral("updated_at"), toWireTime(intent.updatedAt)}};
}

QJsonObject xpSummaryToJson(const XpSummary &summary)
{
    QJsonArray recent;
    for (const XpEntry &e : summary.recent)
        recent.append(QJsonObject {{QStringLiteral("xp_delta"), e.xpDelta},
                                   {QStringLiteral("source_type"), e.sourceType},
                                   {QStringLiteral("created_at"), toWireTime(e.createdAt)}});
    return QJsonObject {{QStringLiteral("total"), summary.total},
                        {QStringLiteral("recent"), recent}};
}

} // namespace fp
