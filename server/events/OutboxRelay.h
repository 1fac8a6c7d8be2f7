#pragma once

// Moves committed outbox rows to the Redis stream (docs/events.md, "The relay"). Every instance
// runs one on a thread of its own; a pass relays only while it holds the stream's row lock in
// event_relay (SELECT ... FOR UPDATE SKIP LOCKED), so exactly one pass runs at a time across
// instances and the stream gets the rows in outbox order. A pass reads up to a batch of
// unrelayed rows, adds them with one pipelined round trip of XADDs (MAXLEN ~ capped), and
// stamps them with the pass's last entry id in the same transaction that holds the lock.
//
// Nothing acknowledged is lost: while Redis is away rows stay unrelayed and the backlog drains
// when it returns. If the process dies between XADD and the stamp, the rows are added again by
// the next pass; consumers apply an event once whatever its copies (EventConsumers). If Redis
// comes back without entries it had (restarted without persistence), the pass notices (the
// stream's last id is behind the one recorded) and relays again every pass it lost part of.

#include "server/storage/Redis.h"

#include <QByteArray>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace fp {

struct RelaySettings
{
    RedisSettings redis;
    /// Entries kept in the stream (approximately: MAXLEN ~).
    int streamMaxLength = 1000000;
    int batchSize = 500;
    /// How often an idle relay looks for rows committed by instances whose relay is off.
    int idlePollMs = 1000;
};

class OutboxRelay
{
public:
    explicit OutboxRelay(RelaySettings settings);
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay &) = delete;
    OutboxRelay &operator=(const OutboxRelay &) = delete;

    void start();
    void stop();
    /// Thread-safe: rows were committed, relay them now rather than at the next poll.
    void wake();

    /// The stream every event goes to, with the key prefix.
    static QByteArray streamKey(const QByteArray &keyPrefix);

    quint64 relayedCount() const { return m_relayed.load(); }
    /// Rows relayed again because Redis had lost them.
    quint64 rewoundCount() const { return m_rewound.load(); }
    quint64 failedPasses() const { return m_failedPasses.load(); }

    /// One pass on the calling thread: rows relayed, 0 when there was nothing to do or another
    /// instance holds the lock, -1 when the database or Redis failed.
    int relayOnce(RedisConnection &redis);

private:
    void run();
    bool rewindIfRedisLostEntries(RedisConnection &redis, const QVariant &lastMs,
                                  const QVariant &lastSeq);

    RelaySettings m_settings;
    QByteArray m_streamKey;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wakeUp;
    bool m_woken = false;
    bool m_running = false;
    std::atomic<quint64> m_relayed {0};
    std::atomic<quint64> m_rewound {0};
    std::atomic<quint64> m_failedPasses {0};
};

} // namespace fp
