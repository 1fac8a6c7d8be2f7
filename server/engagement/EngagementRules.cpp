#include "server/engagement/EngagementRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>

namespace fp::EngagementRules {

qsizetype dailyPromptIndex(const QDate &utcDay, qsizetype count)
{
    if (count <= 0)
        return -1;
    const qint64 days = QDate(1970, 1, 1).daysTo(utcDay);
    return qsizetype(((days % count) + count) % count);
}

QDate weekStart(const QDate &day)
{
    return day.addDays(1 - day.dayOfWeek()); // dayOfWeek: Monday = 1
}

Result<QList<PromptSeed>> parsePromptCatalog(const QByteArray &json)
{
    const auto bad = [](const QString &what) {
        AppError e = AppError::internal();
        e.message = QStringLiteral("prompts.json: %1").arg(what);
        return e;
    };
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray())
        return bad(QStringLiteral("not a JSON list (%1)").arg(parseError.errorString()));
    static const QRegularExpression keyShape(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    static const QStringList types {QStringLiteral("icebreaker"), QStringLiteral("daily"),
                                    QStringLiteral("room")};
    QList<PromptSeed> prompts;
    QSet<QString> keys;
    const QJsonArray list = document.array();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list[i].toObject();
        PromptSeed seed {o.value(QStringLiteral("key")).toString(),
                         o.value(QStringLiteral("type")).toString(),
                         o.value(QStringLiteral("text")).toString().trimmed(),
                         {}};
        const QString where = QStringLiteral("entry %1 (\"%2\")").arg(i).arg(seed.key);
        if (!keyShape.match(seed.key).hasMatch())
            return bad(where + QStringLiteral(": \"key\" must be snake_case"));
        if (keys.contains(seed.key))
            return bad(where + QStringLiteral(": \"key\" is repeated"));
        if (!types.contains(seed.type))
            return bad(where + QStringLiteral(": \"type\" must be icebreaker, daily or room"));
        if (seed.text.isEmpty())
            return bad(where + QStringLiteral(": \"text\" is empty"));
        for (const QJsonValue &tag : o.value(QStringLiteral("topic_tags")).toArray()) {
            if (!keyShape.match(tag.toString()).hasMatch())
                return bad(where + QStringLiteral(": a topic tag is not snake_case"));
            seed.topicTags << tag.toString();
        }
        keys.insert(seed.key);
        prompts.append(seed);
    }
    return prompts;
}

} // namespace fp::EngagementRules
