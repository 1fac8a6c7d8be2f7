#pragma once

// The answers kept in memory (ReadCache, docs/performance.md) and what drops them: after a
// commit on this instance, what its events changed is dropped here before the request is
// answered and published to the other instances (EventBus); what they publish is dropped here
// as it arrives. While this instance is not subscribed to those notices nothing is kept.

#include "server/base/ReadCache.h"
#include "server/events/Outbox.h"

#include <QByteArray>
#include <QList>
#include <functional>

namespace fp {

class KeptAnswers
{
public:
    explicit KeptAnswers(qint64 lifetimeMs);

    /// GET /api/profile's answers, by user id.
    ReadCache profiles;
    /// GET /api/trust_score/{id} as another person sees it, by viewer and person.
    ReadCache othersTrust;

    /// After a commit that recorded `events` on this instance. `publish` tells the others.
    void committed(const QList<OutboxEvent> &events,
                   const std::function<void(const QByteArray &)> &publish);
    /// What another instance's committed() published.
    void evict(const QByteArray &evictions);
    /// Whether this instance hears every other instance's evictions.
    void setListening(bool listening);

    static constexpr qsizetype kMaxEntries = 50000;
};

} // namespace fp
