#include "server/matching/QueueStore.h"

#include "server/storage/Redis.h"

namespace fp {

namespace {

QByteArray waitingKey()
{
    return Redis::key("queue:waiting");
}

QByteArray aliveKey(const QString &userId)
{
    return Redis::key("queue:alive:" + userId.toLatin1());
}

} // namespace

bool QueueStore::add(const QString &userId, qint64 enqueuedAtMs)
{
    const auto reply =
        Redis::command({"ZADD", waitingKey(), QByteArray::number(enqueuedAtMs), userId.toLatin1()});
    markAlive(userId);
    return reply && !reply->isError();
}

std::optional<bool> QueueStore::isWaiting(const QString &userId)
{
    const auto reply = Redis::command({"ZSCORE", waitingKey(), userId.toLatin1()});
    if (!reply || reply->isError())
        return std::nullopt;
    return reply->type != RedisReply::Type::Nil;
}

void QueueStore::remove(const QStringList &userIds)
{
    if (userIds.isEmpty())
        return;
    QList<QByteArray> zrem {"ZREM", waitingKey()};
    QList<QByteArray> del {"DEL"};
    for (const QString &id : userIds) {
        zrem << id.toLatin1();
        del << aliveKey(id);
    }
    Redis::command(zrem);
    Redis::command(del);
}

std::optional<QStringList> QueueStore::waiting()
{
    const auto reply = Redis::command({"ZRANGE", waitingKey(), "0", "-1"});
    if (!reply || reply->type != RedisReply::Type::Array)
        return std::nullopt;
    QStringList ids;
    for (const RedisReply &e : reply->elements)
        ids << QString::fromLatin1(e.string);
    return ids;
}

std::optional<qint64> QueueStore::length()
{
    const auto reply = Redis::command({"ZCARD", waitingKey()});
    if (!reply || reply->type != RedisReply::Type::Integer)
        return std::nullopt;
    return reply->integer;
}

void QueueStore::markAlive(const QString &userId)
{
    Redis::command({"SET", aliveKey(userId), "1", "EX", QByteArray::number(kAliveSeconds)});
}

std::optional<QStringList> QueueStore::alive(const QStringList &userIds)
{
    if (userIds.isEmpty())
        return QStringList();
    QList<QByteArray> mget {"MGET"};
    for (const QString &id : userIds)
        mget << aliveKey(id);
    const auto reply = Redis::command(mget);
    if (!reply || reply->type != RedisReply::Type::Array ||
        reply->elements.size() != userIds.size())
        return std::nullopt;
    QStringList alive;
    for (qsizetype i = 0; i < userIds.size(); ++i) {
        if (reply->elements[i].type != RedisReply::Type::Nil)
            alive << userIds[i];
    }
    return alive;
}

bool QueueStore::takeLease(const QString &holder, int ttlMs)
{
    // Take it when free, renew it when ours: one atomic script.
    static const QByteArray script =
        QByteArrayLiteral("local v = redis.call('GET', KEYS[1]) "
                          "if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], "
                          "'PX', ARGV[2]) return 1 end "
                          "return 0");
    const auto reply = Redis::command({"EVAL", script, "1", Redis::key("queue:lease"),
                                       holder.toLatin1(), QByteArray::number(ttlMs)});
    return reply && reply->type == RedisReply::Type::Integer && reply->integer == 1;
}

std::optional<int> QueueStore::countJoin(const QString &userId, int windowSeconds)
{
    const QByteArray key = Redis::key("queue:joins:" + userId.toLatin1());
    const auto reply = Redis::command({"INCR", key});
    if (!reply || reply->type != RedisReply::Type::Integer)
        return std::nullopt;
    if (reply->integer == 1)
        Redis::command({"EXPIRE", key, QByteArray::number(windowSeconds)});
    return int(reply->integer);
}

int QueueStore::cooldownLeft(const QString &userId)
{
    const auto reply = Redis::command({"TTL", Redis::key("queue:cooldown:" + userId.toLatin1())});
    if (!reply || reply->type != RedisReply::Type::Integer || reply->integer < 0)
        return 0;
    return int(reply->integer);
}

void QueueStore::startCooldown(const QString &userId, int seconds)
{
    Redis::command({"SET", Redis::key("queue:cooldown:" + userId.toLatin1()), "1", "EX",
                    QByteArray::number(seconds)});
}

} // namespace fp
