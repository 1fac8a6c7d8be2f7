#include "server/events/OutboxRelay.h"

#include "server/base/Log.h"
#include "server/base/ThreadName.h"
#include "server/events/Outbox.h"
#include "server/events/StreamEvent.h"
#include "server/storage/Database.h"

#include <QJsonDocument>

namespace fp {

namespace {

const QString kStreamName = QStringLiteral("events");

} // namespace

OutboxRelay::OutboxRelay(RelaySettings settings)
    : m_settings(std::move(settings)), m_streamKey(streamKey(m_settings.redis.keyPrefix))
{ }

OutboxRelay::~OutboxRelay()
{
    stop();
}

QByteArray OutboxRelay::streamKey(const QByteArray &keyPrefix)
{
    return keyPrefix + kStreamName.toLatin1();
}

void OutboxRelay::start()
{
    std::lock_guard lock(m_mutex);
    if (m_running)
        return;
    m_running = true;
    m_thread = std::thread([this] { run(); });
    nameThread(m_thread, "outbox relay");
}

void OutboxRelay::stop()
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_running)
            return;
        m_running = false;
    }
    m_wakeUp.notify_all();
    m_thread.join();
}

void OutboxRelay::wake()
{
    {
        std::lock_guard lock(m_mutex);
        m_woken = true;
    }
    m_wakeUp.notify_one();
}

void OutboxRelay::run()
{
    RedisConnection redis(m_settings.redis);
    for (;;) {
        const int relayed = relayOnce(redis);
        std::unique_lock lock(m_mutex);
        if (!m_running)
            break;
        if (relayed >= m_settings.batchSize)
            continue; // a backlog: keep going
        // Failures wait a little before the next try; an idle relay waits for a commit.
        const int waitMs = relayed < 0 ? 250 : m_settings.idlePollMs;
        m_wakeUp.wait_for(lock, std::chrono::milliseconds(waitMs),
                          [this] { return m_woken || !m_running; });
        m_woken = false;
        if (!m_running)
            break;
    }
    Database::resetConnection();
}

int OutboxRelay::relayOnce(RedisConnection &redis)
{
    Transaction tx;
    if (!tx.begin()) {
        ++m_failedPasses;
        return -1;
    }
    SqlResult lock =
        Sql::exec(QStringLiteral("SELECT last_stream_ms, last_stream_seq FROM "
                                 "event_relay WHERE stream = ? FOR UPDATE SKIP LOCKED"),
                  {kStreamName});
    if (!lock.ok()) {
        ++m_failedPasses;
        return -1;
    }
    if (!lock.next())
        return 0; // another instance's pass holds it and relays these rows too
    if (!rewindIfRedisLostEntries(redis, lock.value(0), lock.value(1))) {
        ++m_failedPasses;
        return -1;
    }

    SqlResult rows = Sql::exec(
        QStringLiteral("SELECT %1 FROM event_outbox WHERE relayed_at IS NULL ORDER BY seq LIMIT ?")
            .arg(Outbox::eventColumns()),
        {m_settings.batchSize});
    if (!rows.ok()) {
        ++m_failedPasses;
        return -1;
    }
    QList<StreamEvent> events;
    while (rows.next())
        events.append(Outbox::eventFromRow(rows));
    if (events.isEmpty()) {
        tx.commit();
        return 0;
    }

    QList<QList<QByteArray>> commands;
    commands.reserve(events.size());
    const QByteArray maxLength = QByteArray::number(m_settings.streamMaxLength);
    for (const StreamEvent &e : events) {
        QList<QByteArray> xadd {QByteArrayLiteral("XADD"), m_streamKey, QByteArrayLiteral("MAXLEN"),
                                QByteArrayLiteral("~"),    maxLength,   QByteArrayLiteral("*")};
        xadd.append(e.fields());
        commands.append(std::move(xadd));
    }
    const std::optional<QList<RedisReply>> replies = redis.pipelineReplies(commands);
    if (!replies) {
        ++m_failedPasses;
        return -1; // Redis is away: the rows stay unrelayed (rolled back with the lock)
    }

    // Stamp what Redis took; a row it refused stays unrelayed for the next pass. Every row of
    // the pass gets the pass's last entry id: if Redis ever comes back without that entry, the
    // whole pass is relayed again (consumers skip what they applied). One value for all keeps
    // the stamp a plain UPDATE by primary key (a CASE per row cost n² comparisons: 500 rows
    // took 70 ms of a loaded pass's 118).
    QVariantList seqs;
    StreamId last;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const RedisReply &reply = replies->at(i);
        const std::optional<StreamId> id =
            reply.isError() ? std::nullopt : StreamId::parse(reply.string);
        if (!id) {
            log::warning(QStringLiteral("event_relay_refused"),
                         {{QStringLiteral("error"), QString::fromUtf8(reply.string)}});
            break; // keep the order: the rest waits for the next pass too
        }
        seqs << events.at(i).outboxSeq;
        last = *id;
    }
    if (seqs.isEmpty()) {
        ++m_failedPasses;
        return -1;
    }
    const SqlResult stamped = Sql::exec(
        QStringLiteral("UPDATE event_outbox SET relayed_at = NOW(3), stream_ms = ?, stream_seq = ? "
                       "WHERE seq IN (%1)")
            .arg(Sql::repeated(QStringLiteral("?"), seqs.size())),
        QVariantList {last.ms, last.seq} + seqs);
    const SqlResult recorded =
        Sql::exec(QStringLiteral("UPDATE event_relay SET last_stream_ms = ?, last_stream_seq = ?, "
                                 "last_relayed_at = NOW(3) WHERE stream = ?"),
                  {last.ms, last.seq, kStreamName});
    if (!stamped.ok() || !recorded.ok() || !tx.commit()) {
        // Added but not stamped: the next pass adds them again, and consumers apply each once.
        ++m_failedPasses;
        return -1;
    }
    m_relayed += quint64(seqs.size());
    return int(seqs.size());
}

bool OutboxRelay::rewindIfRedisLostEntries(RedisConnection &redis, const QVariant &lastMs,
                                           const QVariant &lastSeq)
{
    if (lastMs.isNull())
        return true; // nothing relayed yet
    const StreamId recorded {lastMs.toULongLong(), lastSeq.toULongLong()};
    const std::optional<RedisReply> info =
        redis.command({QByteArrayLiteral("XINFO"), QByteArrayLiteral("STREAM"), m_streamKey});
    if (!info)
        return false; // Redis is away: nothing can be relayed anyway
    StreamId newest; // 0-0 when the stream is gone altogether
    if (info->type == RedisReply::Type::Array) {
        for (qsizetype i = 0; i + 1 < info->elements.size(); i += 2) {
            if (info->elements.at(i).string == "last-generated-id") {
                newest = StreamId::parse(info->elements.at(i + 1).string).value_or(StreamId {});
                break;
            }
        }
    }
    if (!(newest < recorded))
        return true;
    const SqlResult rewound = Sql::exec(
        QStringLiteral("UPDATE event_outbox SET relayed_at = NULL, stream_ms = NULL, stream_seq = "
                       "NULL WHERE stream_ms IS NOT NULL AND (stream_ms > ? OR (stream_ms = ? AND "
                       "stream_seq > ?))"),
        {newest.ms, newest.ms, newest.seq});
    if (!rewound.ok())
        return false;
    m_rewound += quint64(rewound.numRowsAffected());
    log::warning(QStringLiteral("event_stream_lost_entries"),
                 {{QStringLiteral("stream_last_id"), QString::fromLatin1(newest.text())},
                  {QStringLiteral("recorded_last_id"), QString::fromLatin1(recorded.text())},
                  {QStringLiteral("relayed_again"), rewound.numRowsAffected()}});
    return Sql::status(Sql::exec(QStringLiteral("UPDATE event_relay SET last_stream_ms = NULL, "
                                                "last_stream_seq = NULL WHERE stream = ?"),
                                 {kStreamName}))
        .ok();
}

} // namespace fp
