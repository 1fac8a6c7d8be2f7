#include "server/events/BackboneStatus.h"

#include "server/events/EventConsumers.h"
#include "server/events/OutboxRelay.h"
#include "server/storage/Database.h"
#include "server/storage/Redis.h"

#include <QJsonArray>

namespace fp {

BackboneStatus BackboneStatus::read(const QByteArray &keyPrefix)
{
    BackboneStatus status;
    SqlResult backlog = Sql::exec(
        QStringLiteral("SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(recorded_at), NOW(3)) "
                       "FROM event_outbox WHERE relayed_at IS NULL"));
    if (backlog.ok() && backlog.next()) {
        status.databaseReachable = true;
        status.outboxBacklog = backlog.value(0).toLongLong();
        status.relayLagSeconds = backlog.value(1).toDouble() / 1e6;
    }
    SqlResult jobs = Sql::exec(QStringLiteral(
        "SELECT name, last_success_at, last_error, runs FROM background_jobs ORDER BY name"));
    while (jobs.ok() && jobs.next())
        status.jobs.append(JobState {jobs.value(0).toString(), Sql::toTime(jobs.value(1)),
                                     jobs.value(2).toString(), jobs.value(3).toLongLong()});

    const QByteArray stream = OutboxRelay::streamKey(keyPrefix);
    const std::optional<RedisReply> groups =
        Redis::command({QByteArrayLiteral("XINFO"), QByteArrayLiteral("GROUPS"), stream});
    status.streamReachable = groups.has_value();
    if (groups && groups->type == RedisReply::Type::Array) {
        for (const RedisReply &g : groups->elements) {
            Group group;
            for (qsizetype i = 0; i + 1 < g.elements.size(); i += 2) {
                const QByteArray &field = g.elements.at(i).string;
                const RedisReply &value = g.elements.at(i + 1);
                if (field == "name")
                    group.name = QString::fromLatin1(value.string);
                else if (field == "pending")
                    group.pending = value.integer;
                else if (field == "lag")
                    group.lag = value.integer;
            }
            status.groups.append(group);
        }
    }
    if (status.streamReachable) {
        const std::optional<RedisReply> length =
            Redis::command({QByteArrayLiteral("XLEN"), stream});
        if (length && length->type == RedisReply::Type::Integer)
            status.streamLength = length->integer;
        const std::optional<RedisReply> parked =
            Redis::command({QByteArrayLiteral("XLEN"), EventConsumers::deadLetterKey(keyPrefix)});
        if (parked && parked->type == RedisReply::Type::Integer)
            status.deadLetters = parked->integer;
    }
    return status;
}

QJsonObject BackboneStatus::toJson() const
{
    QJsonArray jobList;
    for (const JobState &j : jobs)
        jobList.append(QJsonObject {
            {QStringLiteral("name"), j.name},
            {QStringLiteral("last_success_at"),
             j.lastSuccessAt.isValid() ? QJsonValue(j.lastSuccessAt.toString(Qt::ISODateWithMs))
                                       : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("last_error"),
             j.lastError.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(j.lastError)},
            {QStringLiteral("runs"), j.runs}});
    QJsonArray groupList;
    for (const Group &g : groups)
        groupList.append(QJsonObject {{QStringLiteral("name"), g.name},
                                      {QStringLiteral("pending"), g.pending},
                                      {QStringLiteral("lag"), g.lag}});
    return {{QStringLiteral("state"),
             !databaseReachable    ? QStringLiteral("down")
                 : streamReachable ? QStringLiteral("ok")
                                   : QStringLiteral("degraded")},
            {QStringLiteral("outbox_backlog"), outboxBacklog},
            {QStringLiteral("relay_lag_seconds"), relayLagSeconds},
            {QStringLiteral("stream_reachable"), streamReachable},
            {QStringLiteral("stream_length"), streamLength},
            {QStringLiteral("dead_letters"), deadLetters},
            {QStringLiteral("consumer_groups"), groupList},
            {QStringLiteral("jobs"), jobList}};
}

} // namespace fp
