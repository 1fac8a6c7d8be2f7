#pragma once

// A small synchronous Redis client on hiredis, one connection per thread (like the database).
// Every command has a timeout; a broken connection is dropped and re-made on a later call, no
// more often than every half second, so a Redis outage costs callers a fast failure, not a hang.
// Callers decide what an outage means for them (readiness says "down", rate limits fall back).

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

struct redisContext;

namespace fp {

struct RedisSettings
{
    QString host;
    quint16 port = 6379;
    int connectTimeoutMs = 500;
    int commandTimeoutMs = 1000;
    /// Prepended to every key and channel, so several deployments (or test runs) can share
    /// one Redis without seeing each other's counters, queues and events.
    QByteArray keyPrefix = "fp:";
};

struct RedisReply
{
    enum class Type { Nil, Integer, String, Status, Array, Error };
    Type type = Type::Nil;
    long long integer = 0;
    QByteArray string; // String, Status and Error replies
    QList<RedisReply> elements;

    bool isError() const { return type == Type::Error; }
};

class Redis
{
public:
    static void configure(const RedisSettings &settings);
    /// Runs one command on this thread's connection; nullopt when Redis is unreachable.
    static std::optional<RedisReply> command(const QList<QByteArray> &args);
    /// True when Redis answers PING with PONG.
    static bool ping();
    /// `name` with the configured prefix: Redis::key("rate:...") → "fp:rate:...".
    static QByteArray key(const QByteArray &name);
};

/// One connection (exposed for the pub/sub subscriber, which needs a dedicated one).
class RedisConnection
{
public:
    explicit RedisConnection(RedisSettings settings);
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    std::optional<RedisReply> command(const QList<QByteArray> &args);
    /// Sends every command in one write and then reads their replies: one round trip for the
    /// lot. False when the connection failed (which of them ran is then unknown).
    bool pipeline(const QList<QList<QByteArray>> &commands);
    /// The same, keeping every reply (in command order); nullopt when the connection failed.
    std::optional<QList<RedisReply>> pipelineReplies(const QList<QList<QByteArray>> &commands);
    /// Changes how long a command may wait for its reply (a blocking XREADGROUP needs longer
    /// than the default).
    void setCommandTimeout(int ms);
    bool connected() const { return m_context != nullptr; }

private:
    bool ensureConnected();
    void drop();
    void fail();
    bool sendPipeline(const QList<QList<QByteArray>> &commands, QList<RedisReply> *replies);

    RedisSettings m_settings;
    redisContext *m_context = nullptr;
    qint64 m_lastAttemptMs = 0;
};

} // namespace fp
