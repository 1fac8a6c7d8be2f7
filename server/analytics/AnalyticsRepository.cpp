#include "server/analytics/AnalyticsRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QHash>
#include <QJsonDocument>
#include <algorithm>

namespace fp {

namespace {

QString bucketExpression(const QString &column, const QString &bucket)
{
    return bucket == QLatin1String("hour")
        ? QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d %H:00:00')").arg(column)
        : QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d 00:00:00')").arg(column);
}

Result<QMap<QDateTime, BucketValue>> collect(const QString &sql, const QVariantList &bindings)
{
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QMap<QDateTime, BucketValue> values;
    while (r.next()) {
        QDateTime t =
            QDateTime::fromString(r.value(0).toString(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        t.setTimeSpec(Qt::UTC);
        values.insert(t, {r.value(1).toDouble(), r.value(2).toDouble()});
    }
    return values;
}

} // namespace

Result<QList<AnalyticsEvent>>
AnalyticsRepository::insertEvents(const QString &userId, const QList<AnalyticsEvent> &events) const
{
    if (events.isEmpty())
        return QList<AnalyticsEvent>();
    QString sql = QStringLiteral("INSERT IGNORE INTO analytics_events (id, event_id, event_name, "
                                 "user_id, session_id, properties_json, occurred_at) VALUES ");
    QVariantList bindings;
    bindings.reserve(events.size() * 7);
    QHash<QString, qsizetype> eventOfRow; // our new row id -> its event in `events`
    for (qsizetype i = 0; i < events.size(); ++i) {
        const AnalyticsEvent &e = events.at(i);
        if (i > 0)
            sql += QLatin1Char(',');
        sql += QStringLiteral("(?, ?, ?, ?, ?, ?, ?)");
        const QString rowId = Sql::newId();
        eventOfRow.insert(rowId, i);
        bindings << rowId << e.eventId << e.eventName << userId << Sql::nullableText(e.sessionId)
                 << QString::fromUtf8(QJsonDocument(e.properties).toJson(QJsonDocument::Compact))
                 << Sql::time(e.occurredAt);
    }
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return QList<AnalyticsEvent>();
    // The rows that carry an id made here are the ones this statement stored: the others were
    // ignored as repeats. Read in the caller's transaction, which sees its own rows.
    const QStringList rowIds = eventOfRow.keys();
    Result<QStringList> stored = Sql::strings(
        Sql::exec(QStringLiteral("SELECT id FROM analytics_events WHERE id IN (") +
                      Sql::repeated(QStringLiteral("?"), rowIds.size()) + QLatin1Char(')'),
                  Sql::values(rowIds)));
    if (!stored)
        return stored.error();
    QList<qsizetype> indexes;
    for (const QString &id : std::as_const(*stored))
        indexes << eventOfRow.value(id);
    std::sort(indexes.begin(), indexes.end());
    QList<AnalyticsEvent> accepted;
    for (qsizetype i : std::as_const(indexes))
        accepted << events.at(i);
    return accepted;
}

Result<QMap<QDateTime, BucketValue>> AnalyticsRepository::bucketed(const QString &metric,
                                                                   const QString &bucket,
                                                                   const QDateTime &from,
                                                                   const QDateTime &to) const
{
    const QVariant f = Sql::time(from);
    const QVariant t = Sql::time(to);
    if (metric == QLatin1String("daily_active_users")) {
        // Active = did anything the server saw: signed in or refreshed, queued, wrote in a
        // chat, or sent a client analytics event.
        return collect(
            QStringLiteral("SELECT %1 AS b, COUNT(DISTINCT u), 1 FROM ("
                           "SELECT user_id AS u, occurred_at AS at FROM analytics_events "
                           "  WHERE user_id IS NOT NULL AND occurred_at >= ? AND occurred_at < ? "
                           "UNION ALL SELECT user_id, created_at FROM user_sessions "
                           "  WHERE created_at >= ? AND created_at < ? "
                           "UNION ALL SELECT user_id, last_used_at FROM user_sessions "
                           "  WHERE last_used_at >= ? AND last_used_at < ? "
                           "UNION ALL SELECT user_id, enqueued_at FROM matching_queue_entries "
                           "  WHERE enqueued_at >= ? AND enqueued_at < ? "
                           "UNION ALL SELECT sender_user_id, created_at FROM conversation_messages "
                           "  WHERE created_at >= ? AND created_at < ?) x GROUP BY b")
                .arg(bucketExpression(QStringLiteral("at"), bucket)),
            {f, t, f, t, f, t, f, t, f, t});
    }
    if (metric == QLatin1String("queue_wait_seconds"))
        return collect(
            QStringLiteral("SELECT %1 AS b, SUM(TIMESTAMPDIFF(MICROSECOND, enqueued_at, "
                           "dequeued_at)) / 1000000, COUNT(*) FROM matching_queue_entries "
                           "WHERE status = 'matched' AND dequeued_at >= ? AND dequeued_at < ? "
                           "GROUP BY b")
                .arg(bucketExpression(QStringLiteral("dequeued_at"), bucket)),
            {f, t});
    if (metric == QLatin1String("match_success_rate"))
        return collect(QStringLiteral("SELECT %1 AS b, SUM(status = 'matched'), COUNT(*) "
                                      "FROM matching_queue_entries WHERE status <> 'active' "
                                      "AND dequeued_at >= ? AND dequeued_at < ? GROUP BY b")
                           .arg(bucketExpression(QStringLiteral("dequeued_at"), bucket)),
                       {f, t});
    if (metric == QLatin1String("reveal_conversion"))
        return collect(
            QStringLiteral("SELECT %1 AS b, SUM(m.status = 'friend_revealed' OR c.revealed_at IS "
                           "NOT NULL), COUNT(*) FROM match_sessions m LEFT JOIN "
                           "conversation_sessions c ON c.match_session_id = m.id "
                           "WHERE m.matched_at >= ? AND m.matched_at < ? GROUP BY b")
                .arg(bucketExpression(QStringLiteral("m.matched_at"), bucket)),
            {f, t});
    if (metric == QLatin1String("report_rate")) {
        Result<QMap<QDateTime, BucketValue>> reports =
            collect(QStringLiteral("SELECT %1 AS b, COUNT(*) * 100, 0 FROM reports "
                                   "WHERE created_at >= ? AND created_at < ? GROUP BY b")
                        .arg(bucketExpression(QStringLiteral("created_at"), bucket)),
                    {f, t});
        if (!reports)
            return reports;
        Result<QMap<QDateTime, BucketValue>> conversations =
            collect(QStringLiteral("SELECT %1 AS b, COUNT(*), 0 FROM conversation_sessions "
                                   "WHERE started_at >= ? AND started_at < ? GROUP BY b")
                        .arg(bucketExpression(QStringLiteral("started_at"), bucket)),
                    {f, t});
        if (!conversations)
            return conversations;
        QMap<QDateTime, BucketValue> merged = *reports;
        for (auto it = conversations->constBegin(); it != conversations->constEnd(); ++it)
            merged[it.key()].denominator = it.value().numerator;
        return merged;
    }
    return AppError::validation({{QStringLiteral("query.metric"), QStringLiteral("unknown")}});
}

Result<QJsonObject> AnalyticsRepository::exportFor(const QString &userId) const
{
    return exportTables({{"analytics_events",
                          "SELECT event_id, event_name, session_id, properties_json, occurred_at, "
                          "ingested_at FROM analytics_events WHERE user_id = ? ORDER BY "
                          "occurred_at"}},
                        userId);
}

Status
AnalyticsRepository::addEventCounts(const QMap<QPair<QString, QDateTime>, qint64> &counts) const
{
    if (counts.isEmpty())
        return Ok {};
    QVariantList bindings;
    bindings.reserve(counts.size() * 3);
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) // QMap: in key order
        bindings << it.key().first << Sql::time(it.key().second) << it.value();
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO analytics_event_counts (event_type, bucket_start, events) "
                       "VALUES ") +
            Sql::repeated(QStringLiteral("(?, ?, ?)"), counts.size()) +
            QStringLiteral(" ON DUPLICATE KEY UPDATE events = events + VALUES(events)"),
        bindings));
}

Status AnalyticsRepository::anonymise(const QString &userId) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_events SET user_id = NULL WHERE user_id = ?"), {userId}));
}

} // namespace fp
