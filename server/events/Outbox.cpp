#include "server/events/Outbox.h"

#include "server/storage/Database.h"

#include <QJsonDocument>
#include <QList>
#include <mutex>

namespace fp {

namespace {

// Events recorded in the transaction open on this thread, written just before it commits.
thread_local QList<OutboxEvent> t_pending;
thread_local bool t_flushScheduled = false;

std::function<void()> g_committedListener; // set once at start, before any request
std::function<void(const QList<OutboxEvent> &)> g_eventsListener; // likewise
// The events of the transaction committing on this thread, between its INSERT and its end.
thread_local QList<OutboxEvent> t_committing;

bool insertRows(const QList<OutboxEvent> &events)
{
    QVariantList bindings;
    bindings.reserve(events.size() * 9);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const OutboxEvent &e : events) {
        bindings << Sql::newId() << QString(e.type.name) << e.type.version
                 << Sql::time(e.occurredAt.isValid() ? e.occurredAt : now)
                 << Sql::nullableText(e.actorUserId) << QString(e.subjectType) << e.subjectId
                 << QString::fromUtf8(QJsonDocument(e.payload).toJson(QJsonDocument::Compact));
    }
    // Nine columns, eight bound: recorded_at takes its default.
    const SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO event_outbox (event_id, event_type, event_version, "
                       "occurred_at, actor_user_id, subject_type, subject_id, payload_json) "
                       "VALUES ") +
            Sql::repeated(QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?)"), events.size()),
        bindings);
    return r.ok();
}

void notifyCommitted(const QList<OutboxEvent> &events)
{
    if (g_eventsListener)
        g_eventsListener(events);
    if (g_committedListener)
        g_committedListener();
}

} // namespace

namespace Outbox {

QString eventColumns()
{
    return QStringLiteral("seq, event_id, event_type, event_version, occurred_at, "
                          "actor_user_id, subject_type, subject_id, payload_json");
}

StreamEvent eventFromRow(const SqlResult &row)
{
    StreamEvent e;
    e.outboxSeq = row.value(0).toLongLong();
    e.eventId = row.value(1).toString();
    e.type = row.value(2).toString();
    e.version = row.value(3).toInt();
    e.occurredAt = Sql::toTime(row.value(4));
    e.actorUserId = row.value(5).toString();
    e.subjectType = row.value(6).toString();
    e.subjectId = row.value(7).toString();
    e.payload = QJsonDocument::fromJson(row.value(8).toString().toUtf8()).object();
    return e;
}

Status record(OutboxEvent event)
{
    if (!Transaction::openOnThisThread()) {
        if (!insertRows({event}))
            return databaseUnavailable();
        notifyCommitted({event});
        return Ok {};
    }
    t_pending.append(std::move(event));
    if (!t_flushScheduled) {
        t_flushScheduled = true;
        Transaction::beforeCommit([] {
            t_committing = std::exchange(t_pending, {});
            t_flushScheduled = false;
            return t_committing.isEmpty() || insertRows(t_committing);
        });
        Transaction::afterCommit([] { notifyCommitted(std::exchange(t_committing, {})); });
        Transaction::afterRollback([] {
            t_pending.clear();
            t_committing.clear();
            t_flushScheduled = false;
        });
    }
    return Ok {};
}

void onCommitted(std::function<void()> listener)
{
    g_committedListener = std::move(listener);
}

void onEventsCommitted(std::function<void(const QList<OutboxEvent> &)> listener)
{
    g_eventsListener = std::move(listener);
}

Status anonymise(const QString &userId)
{
    const QString pseudonym = Sql::newId();
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE event_outbox SET actor_user_id = IF(actor_user_id = ?, ?, "
                       "actor_user_id), subject_id = REPLACE(subject_id, ?, ?), payload_json = "
                       "REPLACE(payload_json, ?, ?) WHERE actor_user_id = ? OR subject_id = ? OR "
                       "payload_json LIKE ?"),
        {userId, pseudonym, userId, pseudonym, userId, pseudonym, userId, userId,
         QStringLiteral("%") + userId + QStringLiteral("%")}));
}

Result<int> purge(int retentionHours, int limit)
{
    const SqlResult rows = Sql::exec(
        QStringLiteral("DELETE FROM event_outbox WHERE relayed_at IS NOT NULL AND relayed_at < "
                       "NOW(3) - INTERVAL ? HOUR ORDER BY seq LIMIT ?"),
        {retentionHours, limit});
    if (!rows.ok())
        return rows.toAppError();
    const SqlResult marks = Sql::exec(
        QStringLiteral("DELETE FROM event_consumer_marks WHERE applied_at < NOW(3) - INTERVAL ? "
                       "HOUR LIMIT ?"),
        {retentionHours + 24, limit});
    if (!marks.ok())
        return marks.toAppError();
    return rows.numRowsAffected() + marks.numRowsAffected();
}

Result<qint64> lastSeq()
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM event_outbox"));
    if (!r.ok())
        return r.toAppError();
    return r.next() ? r.value(0).toLongLong() : 0;
}

Result<QList<StreamEvent>> keptAfter(qint64 afterSeq, int limit)
{
    SqlResult rows =
        Sql::exec(QStringLiteral("SELECT %1 FROM event_outbox WHERE seq > ? ORDER BY seq LIMIT ?")
                      .arg(eventColumns()),
                  {afterSeq, limit});
    if (!rows.ok())
        return rows.toAppError();
    QList<StreamEvent> events;
    while (rows.next())
        events.append(eventFromRow(rows));
    return events;
}

Result<QList<StreamEvent>> keptAppliedBy(const QByteArray &group, qint64 afterSeq, int limit)
{
    SqlResult rows = Sql::exec(
        QStringLiteral("SELECT %1 FROM event_outbox o WHERE seq > ? AND EXISTS (SELECT 1 FROM "
                       "event_consumer_marks m WHERE m.consumer_group = ? AND m.event_id = "
                       "o.event_id) ORDER BY seq LIMIT ?")
            .arg(eventColumns()),
        {afterSeq, QString::fromLatin1(group), limit});
    if (!rows.ok())
        return rows.toAppError();
    QList<StreamEvent> events;
    while (rows.next())
        events.append(eventFromRow(rows));
    return events;
}

Result<QHash<QString, StreamEvent>> current(const QStringList &eventIds)
{
    QHash<QString, StreamEvent> found;
    if (eventIds.isEmpty())
        return found;
    SqlResult rows =
        Sql::exec(QStringLiteral("SELECT %1 FROM event_outbox WHERE event_id IN (%2)")
                      .arg(eventColumns(), Sql::repeated(QStringLiteral("?"), eventIds.size())),
                  Sql::values(eventIds));
    if (!rows.ok())
        return rows.toAppError();
    while (rows.next()) {
        StreamEvent e = eventFromRow(rows);
        found.insert(e.eventId, std::move(e));
    }
    return found;
}

} // namespace Outbox

} // namespace fp
