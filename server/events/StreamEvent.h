#pragma once

// An event as it travels on the Redis stream (docs/events.md, "On the stream"): the outbox row's
// fields, one stream field each, so any Redis client can read it.

#include "server/storage/Redis.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

struct StreamEvent
{
    QByteArray streamId; // the entry's id in the stream
    QString eventId; // unique across the platform, the consumers' key for "already applied"
    QString type;
    int version = 0;
    QDateTime occurredAt;
    QString actorUserId; // empty for the system
    QString subjectType;
    QString subjectId;
    QJsonObject payload;
    qint64 outboxSeq = 0;

    /// The stream fields, in order: name, value, name, value...
    QList<QByteArray> fields() const;
    /// The event an entry's fields hold; nullopt when they are not an event (the caller parks
    /// such an entry as it would a poison event).
    static std::optional<StreamEvent> fromFields(const QByteArray &streamId,
                                                 const QList<RedisReply> &fields);
};

/// A stream entry id ("1733400000000-7") as two numbers, for comparing ids.
struct StreamId
{
    quint64 ms = 0;
    quint64 seq = 0;
    static std::optional<StreamId> parse(const QByteArray &text);
    QByteArray text() const;
    friend bool operator<(const StreamId &a, const StreamId &b)
    {
        return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
    }
};

} // namespace fp
