#include "server/analytics/AnalyticsRepository.h"

#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

Result<int> AnalyticsRepository::insertEvents(const QString &userId,
                                              const QList<AnalyticsEvent> &events) const
{
    if (events.isEmpty())
        return 0;
    QString sql = QStringLiteral("INSERT IGNORE INTO analytics_events (id, event_id, event_name, "
                                 "user_id, session_id, properties_json, occurred_at) VALUES ");
    QVariantList bindings;
    bindings.reserve(events.size() * 7);
    for (qsizetype i = 0; i < events.size(); ++i) {
        const AnalyticsEvent &e = events.at(i);
        if (i > 0)
            sql += QLatin1Char(',');
        sql += QStringLiteral("(?, ?, ?, ?, ?, ?, ?)");
        bindings << Sql::newId() << e.eventId << e.eventName << userId
                 << Sql::nullableText(e.sessionId)
                 << QString::fromUtf8(QJsonDocument(e.properties).toJson(QJsonDocument::Compact))
                 << Sql::time(e.occurredAt);
    }
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

} // namespace fp
