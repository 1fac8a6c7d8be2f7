#pragma once

// The transactional outbox (docs/events.md): a domain records what happened in the same
// MariaDB transaction as the change itself, so an event exists exactly when its change
// committed. The rows recorded during a transaction are written by one multi-row INSERT just
// before it commits; OutboxRelay later moves committed rows to the Redis stream.
//
// A payload is small and never holds a secret or anything a person wrote in chat.

#include "server/events/EventTypes.h"
#include "server/events/StreamEvent.h"

#include "common/Result.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QString>
#include <functional>

namespace fp {

class SqlResult;

struct OutboxEvent
{
    EventType type;
    /// What the event is about: "user", "conversation", "report"...; and its id.
    QLatin1StringView subjectType;
    QString subjectId;
    /// Who did it; empty for the system (a timer, a job).
    QString actorUserId;
    QJsonObject payload;
    /// When it happened; the recording time when not set.
    QDateTime occurredAt;
};

namespace Outbox {
/// Records `event` in the transaction open on this thread (written at its commit; gone with
/// its rollback), or at once when none is open. Fails only in the latter case.
Status record(OutboxEvent event);
/// Called after every commit that recorded events, on the committing thread: the relay wakes.
void onCommitted(std::function<void()> listener);
/// Called after every commit that recorded events, on the committing thread and before the
/// request that made them is answered, with the events as recorded (before any pseudonym of a
/// deletion): what is kept in memory about them is dropped (ReadCache).
void onEventsCommitted(std::function<void(const QList<OutboxEvent> &)> listener);
/// Forgets who a deleted account was in the events still kept (account deletion): wherever the
/// account's id stood (the actor, a subject, a payload field) one pseudonym of its own stands
/// instead, so the kept events still hang together (one person's whole funnel, what they did
/// and what happened to them) without saying whose they were. Copies already on the Redis stream
/// keep the id until the stream is trimmed (FP_EVENT_STREAM_MAX_LENGTH).
Status anonymise(const QString &userId);
/// Deletes relayed rows older than `retentionHours`, and consumers' marks a day older than that
/// (a mark must outlive every copy of its event the relay could still send); at most `limit`
/// rows of each per call. Returns how many were deleted.
Result<int> purge(int retentionHours, int limit = 5000);
/// The event_outbox columns eventFromRow() reads, in its order, for a SELECT list.
QString eventColumns();
/// An event_outbox row selected with eventColumns().
StreamEvent eventFromRow(const SqlResult &row);
/// The newest outbox row's seq (0 when empty).
Result<qint64> lastSeq();
/// Up to `limit` kept events after outbox row `afterSeq`, in recording order.
Result<QList<StreamEvent>> keptAfter(qint64 afterSeq, int limit);
/// Up to `limit` kept events after outbox row `afterSeq` that consumer `group` has applied, in
/// recording order: a consumer's rebuild replays them (those not applied yet reach it live).
Result<QList<StreamEvent>> keptAppliedBy(const QByteArray &group, qint64 afterSeq, int limit);
/// The kept events among `eventIds` as they stand now, by event id: a consumer reads the actor,
/// subject and payload from here rather than from a stream copy made before an account's
/// deletion pseudonymised them. Events purged already are missing.
Result<QHash<QString, StreamEvent>> current(const QStringList &eventIds);
} // namespace Outbox

} // namespace fp
