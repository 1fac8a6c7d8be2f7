#include "server/analytics/AnalyticsConsumer.h"

#include "server/events/EventTypes.h"
#include "server/events/Outbox.h"

#include <QTime>

namespace fp {

namespace {

/// The newest version of `type` this consumer understands; 0 for types it has not heard of
/// (counted by name all the same: a count needs nothing from the payload).
int knownVersion(const QString &type)
{
    for (const EventType &known : event::kAll) {
        if (known.name == type)
            return known.version;
    }
    return 0;
}

} // namespace

Status AnalyticsConsumer::apply(const QList<StreamEvent> &events)
{
    // The rollups' lock before any other: a rebuild or demo-data (which hold it exclusively)
    // and this batch then never each wait for a row the other holds.
    if (Status s = m_repository.lockRollups(false); !s)
        return s;
    QMap<QPair<QString, QDateTime>, qint64> counts;
    for (const StreamEvent &e : events) {
        const int known = knownVersion(e.type);
        if (known > 0 && e.version > known)
            return AppError::validation(
                {},
                QStringLiteral("%1 version %2 is newer than this server understands (%3)")
                    .arg(e.type)
                    .arg(e.version)
                    .arg(known));
        const QDateTime at = e.occurredAt.toUTC();
        const QDateTime hour(at.date(), QTime(at.time().hour(), 0), Qt::UTC);
        ++counts[{e.type, hour}];
    }
    if (Status s = m_repository.addEventCounts(counts); !s)
        return s;

    // The rollups read each event as the outbox holds it now: a copy put on the stream before
    // its account was deleted still names the person, the outbox row names a pseudonym. (An
    // event purged from the outbox already, days late, is taken as it came.)
    QStringList ids;
    ids.reserve(events.size());
    for (const StreamEvent &e : events)
        ids << e.eventId;
    Result<QHash<QString, StreamEvent>> current = Outbox::current(ids);
    if (!current)
        return current.error();
    QList<StreamEvent> asKept;
    asKept.reserve(events.size());
    for (const StreamEvent &e : events)
        asKept << current->value(e.eventId, e);
    return m_rollups.apply(asKept, QDateTime::currentDateTimeUtc());
}

} // namespace fp
