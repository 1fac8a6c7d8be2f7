#pragma once

// Runs the registered EventConsumers against the event stream (docs/events.md, "Consumers").
// Each group reads on a thread of its own with XREADGROUP (consumer name = this instance), so
// every instance shares each group's work. Entries a consumer failed, or that a dead instance
// left pending, are claimed again (XPENDING + XCLAIM) once idle for the group's back-off
// (claimIdleMs, doubling with every delivery); after maxDeliveries an entry is parked in the
// dead-letter stream with the group and the last error, and acknowledged. An admin re-drives a
// parked entry (redrive()), which adds it to the stream again.

#include "server/events/EventConsumer.h"
#include "server/storage/Redis.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace fp {

struct ConsumerSettings
{
    RedisSettings redis;
    /// This instance's name in every group.
    QByteArray consumerName;
    /// How long an entry stays pending before it is delivered again (doubling per delivery).
    int claimIdleMs = 30000;
    /// Deliveries after which an entry is parked in the dead-letter stream.
    int maxDeliveries = 5;
    int batchSize = 200;
    /// Longest wait of one XREADGROUP for new entries.
    int blockMs = 1000;
    /// Entries kept in the dead-letter stream (approximately).
    int deadLetterMaxLength = 100000;
};

class EventConsumers
{
public:
    explicit EventConsumers(ConsumerSettings settings);
    ~EventConsumers();
    EventConsumers(const EventConsumers &) = delete;
    EventConsumers &operator=(const EventConsumers &) = delete;

    /// Before start().
    void add(std::unique_ptr<EventConsumer> consumer);
    void start();
    void stop();

    struct GroupCounts
    {
        QByteArray group;
        quint64 applied = 0;
        quint64 failed = 0;
        quint64 deadLettered = 0;
    };
    QList<GroupCounts> counts() const;

    static QByteArray deadLetterKey(const QByteArray &keyPrefix);
    /// The parked entries (through the process's Redis connection), newest first: at most
    /// `limit`, older than `before` (an entry id) when given.
    static Result<QJsonArray> deadLetters(int limit, const QByteArray &before = {});
    /// Adds a parked entry to the stream again and removes it from the dead-letter stream.
    /// NotFound when there is no such entry.
    static Status redrive(const QByteArray &entryId);
    /// Applies `events` for `consumer` at once, as its group would (the effect and the marks in
    /// one transaction; events already marked are left out): for a command that records events
    /// and wants their effect before a server reads the stream (demo data).
    static Status applyNow(EventConsumer &consumer, const QList<StreamEvent> &events);

private:
    struct Group;
    void run(Group &group);

    ConsumerSettings m_settings;
    QByteArray m_streamKey;
    QByteArray m_deadLetterKey;
    std::vector<std::unique_ptr<Group>> m_groups;
    std::atomic<bool> m_running {false};
};

} // namespace fp
