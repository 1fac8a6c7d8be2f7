#include "server/realtime/EventBus.h"

#include "server/events/UserNotices.h"

#include "server/base/Log.h"
#include "server/base/ThreadName.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaObject>
#include <QThread>
#include <QUuid>
#include <algorithm>
#include <cerrno>
#include <hiredis/hiredis.h>

namespace fp {

namespace {

qint64 steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

EventBus::EventBus(RedisSettings redis, QObject *parent)
    : QObject(parent), m_redis(std::move(redis)),
      m_instanceId(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      m_instanceIdUtf8(m_instanceId.toUtf8()),
      m_local(this, [this](std::vector<std::pair<QString, QByteArray>> &frames) {
          for (const auto &[userId, frame] : frames)
              Q_EMIT deliver(userId, frame);
      })
{ }

EventBus::~EventBus()
{
    stop();
}

void EventBus::start()
{
    if (m_running.exchange(true))
        return;
    m_listener = std::thread([this] { listen(); });
    nameThread(m_listener, "bus listener");
    m_publisher = std::thread([this] { sendOutbox(); });
    nameThread(m_publisher, "bus publisher");
}

void EventBus::stop()
{
    {
        std::lock_guard lock(m_outboxMutex);
        if (!m_running.exchange(false))
            return;
    }
    m_outboxChanged.notify_all();
    if (m_listener.joinable())
        m_listener.join();
    if (m_publisher.joinable())
        m_publisher.join();
}

void EventBus::post(const char *channelName, QByteArray payload, Audience audience)
{
    if (audience == Audience::OthersListening && !m_othersListen.load())
        return;
    {
        std::lock_guard lock(m_outboxMutex);
        if (!m_running)
            return; // not started, or shutting down: local delivery is all there is
        if (m_outbox.size() >= size_t(kOutboxLimit)) {
            m_outbox.pop_front();
            if (m_dropped.fetch_add(1) % 1000 == 0)
                log::warning(QStringLiteral("event_bus_outbox_full"),
                             {{QStringLiteral("dropped"), double(m_dropped.load())}});
        }
        m_outbox.push_back(
            {QByteArrayLiteral("PUBLISH"), channel(channelName), std::move(payload)});
    }
    m_outboxChanged.notify_one();
}

void EventBus::heardAnotherInstance()
{
    std::lock_guard lock(m_listenersMutex);
    ++m_othersHeard;
    m_othersListen.store(true);
}

void EventBus::probeListeners(RedisConnection &redis)
{
    quint64 heardBefore = 0;
    {
        std::lock_guard lock(m_listenersMutex);
        heardBefore = m_othersHeard;
    }
    const std::optional<RedisReply> reply =
        redis.command({QByteArrayLiteral("PUBLISH"), channel(kUserEventsChannel), greeting()});
    // The reply is how many subscribers got the greeting: alone means exactly one, this
    // instance's own (none means its subscription is gone, whatever it last heard). When in
    // doubt (no answer, its own greetings not coming back), publish.
    const qint64 now = steadyMs();
    const bool taken = reply && reply->type == RedisReply::Type::Integer;
    if (taken)
        m_ownGreetingTakenMs.store(now);
    const bool alone = taken && reply->integer == 1 && m_subscribed.load() &&
        now - m_ownGreetingHeardMs.load() < 3 * kProbeIntervalMs;
    std::lock_guard lock(m_listenersMutex);
    if (!alone)
        m_othersListen.store(true);
    else if (m_othersHeard == heardBefore)
        m_othersListen.store(false);
}

void EventBus::sendOutbox()
{
    RedisConnection redis(m_redis);
    auto nextProbe = std::chrono::steady_clock::now();
    for (;;) {
        if (std::chrono::steady_clock::now() >= nextProbe) {
            probeListeners(redis);
            nextProbe =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(kProbeIntervalMs);
        }
        QList<QList<QByteArray>> batch;
        {
            std::unique_lock lock(m_outboxMutex);
            m_outboxChanged.wait_until(lock, nextProbe,
                                       [this] { return !m_outbox.empty() || !m_running; });
            if (m_outbox.empty() && m_running)
                continue; // time for the next probe
            if (m_outbox.empty())
                return; // stopped, and everything published was handed to Redis
            batch.reserve(qsizetype(m_outbox.size()));
            for (auto &command : m_outbox)
                batch.append(std::move(command));
            m_outbox.clear();
        }
        if (!redis.pipeline(batch)) {
            // Redis is away: these copies are lost for other instances (local sockets already
            // had theirs). Evictions are not: another instance may be subscribed again (a
            // Redis restart breaks this connection only at its next use) and keep serving an
            // answer the change made wrong, so they go again with the next batch. Wait a little
            // rather than spin; the connection retries on its own.
            std::unique_lock lock(m_outboxMutex);
            const QByteArray evictions = channel(kEvictionsChannel);
            for (auto it = batch.rbegin(); m_running && it != batch.rend(); ++it) {
                if (it->size() == 3 && it->at(1) == evictions &&
                    m_outbox.size() < size_t(kOutboxLimit))
                    m_outbox.push_front(std::move(*it));
            }
            m_outboxChanged.wait_for(lock, std::chrono::milliseconds(100),
                                     [this] { return !m_running; });
        }
    }
}

void EventBus::publishDurable(const QString &userId, const QJsonObject &frame)
{
    const Status kept = UserNotices::record(
        userId, frame, [this](const QString &user, const QJsonObject &numbered) {
            publishToUser(user, numbered);
        });
    if (!kept) {
        // Outside a transaction and the database failed: the person still hears of it live.
        log::warning(QStringLiteral("notice_not_kept"),
                     {{QStringLiteral("frame"), frame.value(QStringLiteral("type")).toString()}});
        publishToUser(userId, frame);
    }
}

void EventBus::publishToUser(const QString &userId, const QJsonObject &frame)
{
    publishTextToUser(userId, QJsonDocument(frame).toJson(QJsonDocument::Compact));
}

void EventBus::publishTextToUser(const QString &userId, QByteArray text)
{
    // Other instances get "<origin>\n<user id>\n<frame>": the origin lets this instance skip
    // its own copies without parsing them.
    post(kUserEventsChannel, m_instanceIdUtf8 + '\n' + userId.toUtf8() + '\n' + text,
         Audience::OthersListening);
    // Local sockets at once, without waiting for Redis.
    deliverLocally(userId, std::move(text));
}

void EventBus::publishToFeed(const QString &feed, const QJsonObject &frame)
{
    const QByteArray text = QJsonDocument(frame).toJson(QJsonDocument::Compact);
    // "<origin>\n<feed>\n<frame>", as for a person's frames.
    post(kFeedsChannel, m_instanceIdUtf8 + '\n' + feed.toUtf8() + '\n' + text,
         Audience::OthersListening);
    QMetaObject::invokeMethod(
        this, [this, feed, text] { Q_EMIT feedFrame(feed, text); }, Qt::QueuedConnection);
}

void EventBus::deliverLocally(const QString &userId, QByteArray frame)
{
    // One wake-up of the owning thread per burst, not per frame: under load a chat message
    // makes two frames and the thread's event loop is the busiest in the server.
    m_local.push({userId, std::move(frame)});
}

void EventBus::publishSessionsRevoked(const QString &userId, const QStringList &sessionIds)
{
    QMetaObject::invokeMethod(
        this, [this, userId, sessionIds] { Q_EMIT sessionsRevoked(userId, sessionIds); },
        Qt::QueuedConnection);
    const QJsonObject message {
        {QStringLiteral("origin"), m_instanceId},
        {QStringLiteral("user_id"), userId},
        {QStringLiteral("session_ids"), QJsonArray::fromStringList(sessionIds)}};
    post(kSessionsRevokedChannel, QJsonDocument(message).toJson(QJsonDocument::Compact));
}

void EventBus::publishEvictions(const QByteArray &evictions)
{
    post(kEvictionsChannel, m_instanceIdUtf8 + '\n' + evictions);
}

void EventBus::setEvictionListener(std::function<void(const QByteArray &)> onEvictions,
                                   std::function<void(bool)> onSubscribed)
{
    m_onEvictions = std::move(onEvictions);
    m_onSubscribed = std::move(onSubscribed);
}

void EventBus::handleMessage(const QByteArray &from, const QByteArray &payload)
{
    if (from == channel(kUserEventsChannel)) {
        const qsizetype originEnd = payload.indexOf('\n');
        const qsizetype userEnd = payload.indexOf('\n', originEnd + 1);
        if (originEnd < 0 || userEnd < 0)
            return; // not ours to read
        if (QByteArrayView(payload).first(originEnd) == QByteArrayView(m_instanceIdUtf8)) {
            if (userEnd == originEnd + 1) // this instance's own greeting: it hears the channel
                m_ownGreetingHeardMs.store(steadyMs());
            return; // a frame: delivered locally when it was published
        }
        heardAnotherInstance(); // it is subscribed too
        if (userEnd == originEnd + 1)
            return; // "<origin>\n\n": another instance's greeting
        deliverLocally(QString::fromUtf8(payload.mid(originEnd + 1, userEnd - originEnd - 1)),
                       payload.mid(userEnd + 1));
        return;
    }
    if (from == channel(kFeedsChannel)) {
        const qsizetype originEnd = payload.indexOf('\n');
        const qsizetype feedEnd = payload.indexOf('\n', originEnd + 1);
        if (originEnd < 0 || feedEnd < 0)
            return;
        if (QByteArrayView(payload).first(originEnd) == QByteArrayView(m_instanceIdUtf8))
            return;
        heardAnotherInstance();
        const QString feed = QString::fromUtf8(payload.mid(originEnd + 1, feedEnd - originEnd - 1));
        const QByteArray frame = payload.mid(feedEnd + 1);
        QMetaObject::invokeMethod(
            this, [this, feed, frame] { Q_EMIT feedFrame(feed, frame); }, Qt::QueuedConnection);
        return;
    }
    if (from == channel(kEvictionsChannel)) {
        // "<origin>\n<evictions>"; this instance evicted its own at the commit.
        const qsizetype originEnd = payload.indexOf('\n');
        if (originEnd < 0 ||
            QByteArrayView(payload).first(originEnd) == QByteArrayView(m_instanceIdUtf8))
            return;
        if (m_onEvictions)
            m_onEvictions(payload.mid(originEnd + 1));
        return;
    }
    const QJsonObject message = QJsonDocument::fromJson(payload).object();
    if (message.value(QStringLiteral("origin")).toString() == m_instanceId)
        return; // delivered locally when it was published
    const QString userId = message.value(QStringLiteral("user_id")).toString();
    if (from == channel(kSessionsRevokedChannel)) {
        QStringList ids;
        for (const QJsonValue &v : message.value(QStringLiteral("session_ids")).toArray())
            ids << v.toString();
        QMetaObject::invokeMethod(
            this, [this, userId, ids] { Q_EMIT sessionsRevoked(userId, ids); },
            Qt::QueuedConnection);
    }
}

void EventBus::listen()
{
    bool wasConnected = false;
    while (m_running) {
        const timeval connectTimeout {0, m_redis.connectTimeoutMs * 1000};
        redisContext *context = redisConnectWithTimeout(m_redis.host.toUtf8().constData(),
                                                        m_redis.port, connectTimeout);
        if (!context || context->err) {
            if (context)
                redisFree(context);
            if (wasConnected) {
                log::warning(QStringLiteral("event_bus_disconnected"));
                wasConnected = false;
            }
            for (int i = 0; i < 10 && m_running; ++i)
                QThread::msleep(50);
            continue;
        }
        // A short read timeout lets the loop notice stop() between messages.
        const timeval readTimeout {0, 250 * 1000};
        redisSetTimeout(context, readTimeout);
        auto *subscribed = static_cast<redisReply *>(redisCommand(
            context, "SUBSCRIBE %b %b %b %b", channel(kUserEventsChannel).constData(),
            size_t(channel(kUserEventsChannel).size()),
            channel(kSessionsRevokedChannel).constData(),
            size_t(channel(kSessionsRevokedChannel).size()), channel(kFeedsChannel).constData(),
            size_t(channel(kFeedsChannel).size()), channel(kEvictionsChannel).constData(),
            size_t(channel(kEvictionsChannel).size())));
        // Redis subscribes to every channel of the command before it confirms the first; the
        // other channels' confirmations follow as replies of their own.
        const bool listening = subscribed && subscribed->type == REDIS_REPLY_ARRAY;
        if (subscribed)
            freeReplyObject(subscribed);
        if (!listening) {
            redisFree(context);
            continue;
        }
        m_subscribed.store(true);
        const qint64 subscribedAtMs = steadyMs();
        // Instances that found themselves alone publish again from the moment they hear this.
        post(kUserEventsChannel, greeting());
        if (m_onSubscribed)
            m_onSubscribed(true);
        if (!wasConnected) {
            log::info(QStringLiteral("event_bus_connected"));
            wasConnected = true;
        }
        while (m_running) {
            // How long the greetings Redis took have not come back (see the top of EventBus.h).
            const qint64 silentMs =
                m_ownGreetingTakenMs.load() - std::max(m_ownGreetingHeardMs.load(), subscribedAtMs);
            if (silentMs > kSilentSubscriptionMs) {
                log::warning(QStringLiteral("event_bus_subscription_silent"),
                             {{QStringLiteral("silent_ms"), double(silentMs)}});
                wasConnected = false;
                break;
            }
            void *raw = nullptr;
            if (redisGetReply(context, &raw) != REDIS_OK) {
                if (context->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                    // A read timeout, not a failure: nothing was read, the stream is intact.
                    context->err = 0;
                    context->errstr[0] = '\0';
                    continue;
                }
                break;
            }
            auto *reply = static_cast<redisReply *>(raw);
            if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
                reply->element[0]->type == REDIS_REPLY_STRING &&
                QByteArray(reply->element[0]->str, qsizetype(reply->element[0]->len)) ==
                    "message") {
                handleMessage(
                    QByteArray(reply->element[1]->str, qsizetype(reply->element[1]->len)),
                    QByteArray(reply->element[2]->str, qsizetype(reply->element[2]->len)));
            }
            if (reply)
                freeReplyObject(reply);
        }
        // Whatever was published from here on is not heard until subscribed again.
        m_subscribed.store(false);
        m_othersListen.store(true);
        if (m_onSubscribed)
            m_onSubscribed(false);
        redisFree(context);
    }
}

} // namespace fp
