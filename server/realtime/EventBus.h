#pragma once

// The one way domain events reach people: publishToUser() delivers a frame to the user's
// sockets on this instance at once, and through Redis pub/sub to the sockets they hold on any
// other instance. It also relays the identity domain's "sessions revoked" notices so every
// instance closes those sessions' sockets. Without Redis, local delivery still works.
//
// Publishing never waits on Redis: copies for other instances go to an outbox that a thread of
// its own sends, everything waiting at once in one pipelined round trip, in publish order. A
// chat message used to hold its worker for two PUBLISH round trips; under load the batches grow
// and the cost per event falls. The outbox is bounded: while Redis is away the oldest copies
// for other instances are dropped (and counted), as a failed PUBLISH dropped them before.
//
// A person's frames and feed frames go to Redis only while another instance listens: every
// chat message makes two frames, and an instance alone would publish both only to hear them
// back and drop them. Every kProbeIntervalMs the publisher greets the channel ("<origin>\n\n"),
// and Redis answers how many subscribers got the greeting: one, while this instance heard its
// own recent greetings back, means it is alone (a subscription that died without this instance
// noticing would let the one be another instance). Any frame or greeting heard from another
// instance counts as one listening at once; an instance greets as soon as it subscribes, so
// the others publish again before its first socket can even authenticate. Sessions revoked and
// evictions are always published.
//
// The same greetings keep the subscription honest: when those Redis took stop coming back for
// kSilentSubscriptionMs, the subscription died without its connection saying so (a half-open
// connection after a partition, a proxy that dropped its side). The listener then subscribes
// again on a new connection, and until it has, answers kept in memory are not served: they may
// have missed an eviction (KeptAnswers::setListening).

#include "server/base/ThreadHandOff.h"
#include "server/base/UserNotifier.h"
#include "server/storage/Redis.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace fp {

class EventBus : public QObject, public UserNotifier
{
    Q_OBJECT
public:
    // Channel names, under the Redis key prefix. The identity domain publishes revocations
    // on the second one (TokenVerifier::kRevokedChannel).
    static constexpr const char *kUserEventsChannel = "user-events";
    static constexpr const char *kSessionsRevokedChannel = "sessions-revoked";
    static constexpr const char *kFeedsChannel = "feeds";
    /// Answers kept in memory that a commit made wrong (ReadCache), for the other instances.
    static constexpr const char *kEvictionsChannel = "read-cache-evictions";

    EventBus(RedisSettings redis, QObject *parent = nullptr);
    ~EventBus() override;

    /// Starts listening to the other instances (a thread of its own, reconnecting as needed).
    void start();
    void stop();

    /// Thread-safe: callable from worker threads.
    void publishToUser(const QString &userId, const QJsonObject &frame) override;
    void publishTextToUser(const QString &userId, QByteArray frameText) override;
    void publishDurable(const QString &userId, const QJsonObject &frame) override;
    void publishToFeed(const QString &feed, const QJsonObject &frame) override;
    /// Thread-safe: tells every instance (this one included) that these sessions are over.
    void publishSessionsRevoked(const QString &userId, const QStringList &sessionIds);
    /// Thread-safe: tells the other instances to drop kept answers (`evictions` is read by the
    /// listener below on each of them).
    void publishEvictions(const QByteArray &evictions);

    /// Set before start(). Both are called on the listening thread: `onEvictions` with what
    /// another instance published, `onSubscribed` with true once this instance hears every
    /// eviction and false as soon as it may have missed one (the subscription was lost).
    void setEvictionListener(std::function<void(const QByteArray &)> onEvictions,
                             std::function<void(bool)> onSubscribed);

    const QString &instanceId() const { return m_instanceId; }
    /// Copies for other instances dropped because Redis was away and the outbox was full.
    quint64 droppedCount() const { return m_dropped.load(); }

    static constexpr int kOutboxLimit = 100000;
    static constexpr int kProbeIntervalMs = 100;
    static constexpr int kSilentSubscriptionMs = 10 * kProbeIntervalMs;
    /// Whether a person's frames are published for other instances now (see the top).
    bool othersListening() const { return m_othersListen.load(); }

Q_SIGNALS:
    /// Emitted on the thread that owns the bus, for frames to deliver to local sockets.
    void deliver(const QString &userId, const QByteArray &frame);
    void sessionsRevoked(const QString &userId, const QStringList &sessionIds);
    /// Emitted on the thread that owns the bus, for a frame of a feed (from any instance).
    void feedFrame(const QString &feed, const QByteArray &frame);

private:
    void listen();
    void handleMessage(const QByteArray &channel, const QByteArray &payload);
    QByteArray channel(const char *name) const { return m_redis.keyPrefix + name; }
    enum class Audience {
        Always,
        OthersListening, // dropped while no other instance is subscribed
    };
    void post(const char *channelName, QByteArray payload, Audience audience = Audience::Always);
    void sendOutbox();
    /// Greets the person's frames' channel on the publisher's connection and learns from the
    /// answer whether another instance listens.
    void probeListeners(RedisConnection &redis);
    QByteArray greeting() const { return m_instanceIdUtf8 + "\n\n"; }
    void deliverLocally(const QString &userId, QByteArray frame);

    RedisSettings m_redis;
    QString m_instanceId;
    QByteArray m_instanceIdUtf8;
    std::atomic<bool> m_running {false};
    std::thread m_listener;
    std::atomic<bool> m_subscribed {false}; // this instance's own subscription is up
    std::atomic<bool> m_othersListen {true}; // until a probe finds this instance alone
    // Whether others listen changes under this lock: a probe's "alone" is applied only if no
    // other instance was heard while its question was on the way (an answer counted before a
    // newcomer subscribed must not silence this instance after the newcomer's greeting).
    std::mutex m_listenersMutex;
    quint64 m_othersHeard = 0;
    std::atomic<qint64> m_ownGreetingHeardMs {0}; // steady clock, when one came back last
    std::atomic<qint64> m_ownGreetingTakenMs {0}; // when Redis last answered one (probeListeners)
    void heardAnotherInstance();

    std::mutex m_outboxMutex;
    std::condition_variable m_outboxChanged;
    std::deque<QList<QByteArray>> m_outbox; // PUBLISH commands, oldest first
    std::atomic<quint64> m_dropped {0};
    std::thread m_publisher;

    std::function<void(const QByteArray &)> m_onEvictions;
    std::function<void(bool)> m_onSubscribed;

    ThreadHandOff<std::pair<QString, QByteArray>> m_local; // frames for this instance's sockets
};

} // namespace fp
