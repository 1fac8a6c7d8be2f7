#include "server/storage/Redis.h"

#include "server/storage/WorkCounters.h"

#include <QDateTime>
#include <QMutex>
#include <hiredis/hiredis.h>
#include <memory>
#include <sys/time.h>
#include <vector>

namespace fp {

namespace {

QMutex g_mutex;
RedisSettings g_settings;
quint64 g_generation = 0; // bumped by configure(): thread connections then reconnect

struct ThreadConnection
{
    quint64 generation = 0;
    std::unique_ptr<RedisConnection> connection;
};
thread_local ThreadConnection t_connection;

timeval toTimeval(int ms)
{
    return timeval {ms / 1000, (ms % 1000) * 1000};
}

RedisReply convert(const redisReply *reply)
{
    RedisReply r;
    switch (reply->type) {
    case REDIS_REPLY_INTEGER:
        r.type = RedisReply::Type::Integer;
        r.integer = reply->integer;
        break;
    case REDIS_REPLY_STRING:
        r.type = RedisReply::Type::String;
        r.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        r.type = RedisReply::Type::Status;
        r.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        r.type = RedisReply::Type::Error;
        r.string = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ARRAY:
        r.type = RedisReply::Type::Array;
        for (size_t i = 0; i < reply->elements; ++i)
            r.elements.append(convert(reply->element[i]));
        break;
    default:
        r.type = RedisReply::Type::Nil;
        break;
    }
    return r;
}

} // namespace

void Redis::configure(const RedisSettings &settings)
{
    QMutexLocker lock(&g_mutex);
    g_settings = settings;
    ++g_generation;
}

std::optional<RedisReply> Redis::command(const QList<QByteArray> &args)
{
    quint64 generation;
    RedisSettings settings;
    {
        QMutexLocker lock(&g_mutex);
        generation = g_generation;
        settings = g_settings;
    }
    if (!t_connection.connection || t_connection.generation != generation) {
        t_connection.connection = std::make_unique<RedisConnection>(settings);
        t_connection.generation = generation;
    }
    return t_connection.connection->command(args);
}

QByteArray Redis::key(const QByteArray &name)
{
    QMutexLocker lock(&g_mutex);
    return g_settings.keyPrefix + name;
}

bool Redis::ping()
{
    const auto reply = command({QByteArrayLiteral("PING")});
    return reply && reply->type == RedisReply::Type::Status && reply->string == "PONG";
}

RedisConnection::RedisConnection(RedisSettings settings) : m_settings(std::move(settings)) { }

RedisConnection::~RedisConnection()
{
    drop();
}

void RedisConnection::drop()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
}

bool RedisConnection::ensureConnected()
{
    if (m_context)
        return true;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_lastAttemptMs != 0 && now - m_lastAttemptMs < 500)
        return false; // it failed a moment ago: fail fast instead of waiting on it again
    m_lastAttemptMs = now;
    const timeval connectTimeout = toTimeval(m_settings.connectTimeoutMs);
    redisContext *context = redisConnectWithTimeout(m_settings.host.toUtf8().constData(),
                                                    m_settings.port, connectTimeout);
    if (!context)
        return false;
    if (context->err) {
        redisFree(context);
        return false;
    }
    const timeval commandTimeout = toTimeval(m_settings.commandTimeoutMs);
    redisSetTimeout(context, commandTimeout);
    m_context = context;
    m_lastAttemptMs = 0;
    return true;
}

namespace {

struct Argv
{
    std::vector<const char *> pointers;
    std::vector<size_t> lengths;

    explicit Argv(const QList<QByteArray> &args)
    {
        pointers.reserve(size_t(args.size()));
        lengths.reserve(size_t(args.size()));
        for (const QByteArray &a : args) {
            pointers.push_back(a.constData());
            lengths.push_back(size_t(a.size()));
        }
    }
    int count() const { return int(pointers.size()); }
};

} // namespace

void RedisConnection::fail()
{
    drop(); // I/O error or timeout: the connection is in an unknown state
    m_lastAttemptMs = QDateTime::currentMSecsSinceEpoch();
}

std::optional<RedisReply> RedisConnection::command(const QList<QByteArray> &args)
{
    if (!ensureConnected())
        return std::nullopt;
    Argv argv(args);
    ++workOnThisThread().redisRoundTrips;
    ++workOnThisThread().redisCommands;
    auto *reply = static_cast<redisReply *>(
        redisCommandArgv(m_context, argv.count(), argv.pointers.data(), argv.lengths.data()));
    if (!reply) {
        fail();
        return std::nullopt;
    }
    RedisReply result = convert(reply);
    freeReplyObject(reply);
    return result;
}

bool RedisConnection::pipeline(const QList<QList<QByteArray>> &commands)
{
    return sendPipeline(commands, nullptr);
}

std::optional<QList<RedisReply>>
RedisConnection::pipelineReplies(const QList<QList<QByteArray>> &commands)
{
    QList<RedisReply> replies;
    replies.reserve(commands.size());
    if (!sendPipeline(commands, &replies))
        return std::nullopt;
    return replies;
}

bool RedisConnection::sendPipeline(const QList<QList<QByteArray>> &commands,
                                   QList<RedisReply> *replies)
{
    if (!ensureConnected())
        return false;
    ++workOnThisThread().redisRoundTrips;
    workOnThisThread().redisCommands += quint64(commands.size());
    for (const QList<QByteArray> &args : commands) {
        Argv argv(args);
        if (redisAppendCommandArgv(m_context, argv.count(), argv.pointers.data(),
                                   argv.lengths.data()) != REDIS_OK) {
            fail();
            return false;
        }
    }
    for (qsizetype i = 0; i < commands.size(); ++i) {
        void *reply = nullptr;
        if (redisGetReply(m_context, &reply) != REDIS_OK || !reply) {
            fail();
            return false;
        }
        if (replies)
            replies->append(convert(static_cast<redisReply *>(reply)));
        freeReplyObject(reply);
    }
    return true;
}

void RedisConnection::setCommandTimeout(int ms)
{
    m_settings.commandTimeoutMs = ms;
    if (m_context) {
        const timeval timeout = toTimeval(ms);
        redisSetTimeout(m_context, timeout);
    }
}

} // namespace fp
