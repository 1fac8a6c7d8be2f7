#pragma once

// What a consumer of the event stream implements (docs/events.md, "Adding a consumer"): one
// class, registered with one line in app/Application (EventConsumers::add).
//
// The runner hands apply() the events of a batch this group has not applied yet, inside a
// MariaDB transaction that also records them as applied (event_consumer_marks): the effect and
// the mark commit together, so an event delivered twice (a relay retry, a claim after a crash,
// a redrive) changes nothing twice. A failed apply() rolls the batch back; the runner then tries
// each event alone, and one that keeps failing is retried with back-off and finally parked in
// the dead-letter stream, without holding up the others.

#include "server/events/StreamEvent.h"

#include "common/Result.h"

#include <QByteArray>
#include <QList>

namespace fp {

class EventConsumer
{
public:
    virtual ~EventConsumer() = default;
    /// The consumer group's name: stable, it keys the group's place in the stream and its marks.
    virtual QByteArray group() const = 0;
    /// Whether this group acts on `type` at all (others are acknowledged unread).
    virtual bool wants(const QString &type) const = 0;
    /// Applies the events (in stream order) inside the open transaction; every SQL it runs
    /// joins it. A failure rolls back the lot.
    virtual Status apply(const QList<StreamEvent> &events) = 0;
};

} // namespace fp
