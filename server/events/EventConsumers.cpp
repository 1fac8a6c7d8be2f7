#include "server/events/EventConsumers.h"

#include "server/base/Log.h"
#include "server/base/ThreadName.h"
#include "server/events/OutboxRelay.h"
#include "server/storage/Database.h"

#include <QDateTime>
#include <QSet>
#include <QThread>

namespace fp {

namespace {

// Fields the dead-letter stream adds to an event's own.
const QByteArray kParkedGroup = QByteArrayLiteral("dead_group");
const QByteArray kParkedDeliveries = QByteArrayLiteral("dead_deliveries");
const QByteArray kParkedError = QByteArrayLiteral("dead_error");
const QByteArray kParkedFrom = QByteArrayLiteral("dead_entry");
// Last errors a group remembers for the entries it may yet park.
constexpr qsizetype kRememberedErrors = 10000;

struct Entry
{
    QByteArray id;
    QList<RedisReply> fields; // empty: the entry was trimmed from the stream meanwhile
};

/// The entries of an XREADGROUP, XCLAIM or XRANGE reply.
QList<Entry> entriesOf(const RedisReply &list)
{
    QList<Entry> entries;
    for (const RedisReply &item : list.elements) {
        if (item.type != RedisReply::Type::Array || item.elements.size() < 2)
            continue;
        entries.append(Entry {item.elements.at(0).string, item.elements.at(1).elements});
    }
    return entries;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

struct EventConsumers::Group
{
    std::unique_ptr<EventConsumer> consumer;
    QByteArray name;
    std::thread thread;
    std::atomic<quint64> applied {0};
    std::atomic<quint64> failed {0};
    std::atomic<quint64> deadLettered {0};
    QHash<QByteArray, QString> lastErrors; // by entry id; the group's thread only
    qint64 lastRecoveryMs = 0;
};

EventConsumers::EventConsumers(ConsumerSettings settings)
    : m_settings(std::move(settings)),
      m_streamKey(OutboxRelay::streamKey(m_settings.redis.keyPrefix)),
      m_deadLetterKey(deadLetterKey(m_settings.redis.keyPrefix))
{ }

EventConsumers::~EventConsumers()
{
    stop();
}

QByteArray EventConsumers::deadLetterKey(const QByteArray &keyPrefix)
{
    return keyPrefix + "events:dead";
}

void EventConsumers::add(std::unique_ptr<EventConsumer> consumer)
{
    auto group = std::make_unique<Group>();
    group->name = consumer->group();
    group->consumer = std::move(consumer);
    m_groups.push_back(std::move(group));
}

void EventConsumers::start()
{
    if (m_running.exchange(true))
        return;
    for (auto &group : m_groups) {
        group->thread = std::thread([this, g = group.get()] { run(*g); });
        nameThread(group->thread, "event consumer");
    }
}

void EventConsumers::stop()
{
    if (!m_running.exchange(false))
        return;
    for (auto &group : m_groups) {
        if (group->thread.joinable())
            group->thread.join();
    }
}

QList<EventConsumers::GroupCounts> EventConsumers::counts() const
{
    QList<GroupCounts> list;
    for (const auto &g : m_groups)
        list.append({g->name, g->applied.load(), g->failed.load(), g->deadLettered.load()});
    return list;
}

namespace {

/// Applies `events` for `group` in one transaction with their marks; events already marked are
/// left out of apply() (another delivery applied them).
Status applyOnce(EventConsumer &consumer, const QByteArray &group, const QList<StreamEvent> &events)
{
    return retryingLockConflicts([&]() -> Status {
        Transaction tx;
        if (!tx.begin())
            return databaseUnavailable();
        QVariantList bindings {QString::fromLatin1(group)};
        for (const StreamEvent &e : events)
            bindings << e.eventId;
        Result<QStringList> marked = Sql::strings(Sql::exec(
            QStringLiteral("SELECT event_id FROM event_consumer_marks WHERE consumer_group = ? "
                           "AND event_id IN (%1)")
                .arg(Sql::repeated(QStringLiteral("?"), events.size())),
            bindings));
        if (!marked)
            return marked.error();
        const QSet<QString> done(marked->cbegin(), marked->cend());
        QList<StreamEvent> fresh;
        QVariantList marks;
        QSet<QString> seen; // the same event twice in one batch (relayed twice) counts once
        for (const StreamEvent &e : events) {
            if (done.contains(e.eventId) || seen.contains(e.eventId))
                continue;
            seen.insert(e.eventId);
            fresh.append(e);
            marks << QString::fromLatin1(group) << e.eventId;
        }
        // Committed even with nothing to apply: inside a caller's transaction (demo-data), a
        // rollback here would undo the caller's whole work.
        if (fresh.isEmpty())
            return tx.commit() ? Status(Ok {}) : Status(databaseUnavailable());
        if (Status s = consumer.apply(fresh); !s)
            return s;
        if (Status s = Sql::status(Sql::exec(
                QStringLiteral("INSERT INTO event_consumer_marks (consumer_group, event_id) "
                               "VALUES ") +
                    Sql::repeated(QStringLiteral("(?, ?)"), fresh.size()),
                marks));
            !s)
            return s;
        if (!tx.commit())
            return databaseUnavailable();
        return Ok {};
    });
}

} // namespace

void EventConsumers::run(Group &group)
{
    RedisConnection redis(m_settings.redis);
    redis.setCommandTimeout(m_settings.blockMs + 2000);
    const QByteArray me = m_settings.consumerName;
    bool groupReady = false;

    const auto pause = [this](int ms) {
        for (int waited = 0; waited < ms && m_running.load(); waited += 50)
            QThread::msleep(50);
    };
    const auto acknowledge = [&](const QList<QByteArray> &ids) {
        if (ids.isEmpty())
            return;
        QList<QByteArray> xack {QByteArrayLiteral("XACK"), m_streamKey, group.name};
        xack.append(ids);
        redis.command(xack); // if lost, the entries come back by a claim and are skipped
        for (const QByteArray &id : ids)
            group.lastErrors.remove(id);
    };
    // The last error of an entry, for its dead letter. Entries another instance finished are
    // never acknowledged here, so the memory is bounded rather than left to grow.
    const auto remember = [&group](const QByteArray &id, const QString &error) {
        if (group.lastErrors.size() >= kRememberedErrors)
            group.lastErrors.clear();
        group.lastErrors.insert(id, error);
    };
    const auto process = [&](const QList<Entry> &entries) {
        QList<QByteArray> done;
        QList<StreamEvent> wanted;
        for (const Entry &entry : entries) {
            if (entry.fields.isEmpty()) {
                done.append(entry.id); // trimmed away: nothing left to apply
                continue;
            }
            std::optional<StreamEvent> event = StreamEvent::fromFields(entry.id, entry.fields);
            if (!event) {
                remember(entry.id, QStringLiteral("the entry is not an event"));
                ++group.failed;
                continue; // stays pending, and is parked after its deliveries
            }
            if (!group.consumer->wants(event->type))
                done.append(entry.id);
            else
                wanted.append(std::move(*event));
        }
        if (!wanted.isEmpty()) {
            if (applyOnce(*group.consumer, group.name, wanted)) {
                for (const StreamEvent &e : wanted)
                    done.append(e.streamId);
                group.applied += quint64(wanted.size());
            } else {
                // Find the one that fails: each alone, the others go through.
                for (const StreamEvent &e : wanted) {
                    const Status s = applyOnce(*group.consumer, group.name, {e});
                    if (s) {
                        done.append(e.streamId);
                        ++group.applied;
                        continue;
                    }
                    ++group.failed;
                    remember(e.streamId, s.error().message);
                    log::warning(QStringLiteral("event_consumer_failed"),
                                 {{QStringLiteral("group"), QString::fromLatin1(group.name)},
                                  {QStringLiteral("event_type"), e.type},
                                  {QStringLiteral("entry"), QString::fromLatin1(e.streamId)},
                                  {QStringLiteral("error"), s.error().message}});
                }
            }
        }
        acknowledge(done);
    };
    const auto park = [&](const QByteArray &id, qint64 deliveries) {
        const std::optional<RedisReply> found =
            redis.command({QByteArrayLiteral("XRANGE"), m_streamKey, id, id});
        if (!found)
            return;
        const QList<Entry> entries = entriesOf(*found);
        if (!entries.isEmpty()) {
            QList<QByteArray> xadd {QByteArrayLiteral("XADD"),
                                    m_deadLetterKey,
                                    QByteArrayLiteral("MAXLEN"),
                                    QByteArrayLiteral("~"),
                                    QByteArray::number(m_settings.deadLetterMaxLength),
                                    QByteArrayLiteral("*")};
            for (const RedisReply &field : entries.first().fields)
                xadd.append(field.string);
            const QString error =
                group.lastErrors.value(id, QStringLiteral("failed %1 deliveries").arg(deliveries));
            xadd << kParkedGroup << group.name << kParkedDeliveries
                 << QByteArray::number(deliveries) << kParkedError << error.left(500).toUtf8()
                 << kParkedFrom << id;
            const std::optional<RedisReply> added = redis.command(xadd);
            if (!added || added->isError())
                return; // try again at the next recovery
            ++group.deadLettered;
            log::warning(QStringLiteral("event_dead_lettered"),
                         {{QStringLiteral("group"), QString::fromLatin1(group.name)},
                          {QStringLiteral("entry"), QString::fromLatin1(id)},
                          {QStringLiteral("deliveries"), deliveries},
                          {QStringLiteral("error"), error}});
        }
        acknowledge({id});
    };
    const auto recover = [&] {
        const std::optional<RedisReply> pending = redis.command(
            {QByteArrayLiteral("XPENDING"), m_streamKey, group.name, QByteArrayLiteral("IDLE"),
             QByteArray::number(m_settings.claimIdleMs), QByteArrayLiteral("-"),
             QByteArrayLiteral("+"), QByteArray::number(m_settings.batchSize)});
        if (!pending || pending->type != RedisReply::Type::Array)
            return;
        QList<QByteArray> retry;
        for (const RedisReply &item : pending->elements) {
            if (item.elements.size() < 4)
                continue;
            const QByteArray &id = item.elements.at(0).string;
            const qint64 idleMs = item.elements.at(2).integer;
            const qint64 deliveries = item.elements.at(3).integer;
            if (deliveries >= m_settings.maxDeliveries) {
                park(id, deliveries);
                continue;
            }
            // Back-off: the wait before another delivery doubles with each one (at most 64×).
            const qint64 backOff = qint64(m_settings.claimIdleMs)
                << std::min<qint64>(deliveries - 1, 6);
            if (idleMs >= backOff)
                retry.append(id);
        }
        if (retry.isEmpty())
            return;
        QList<QByteArray> xclaim {QByteArrayLiteral("XCLAIM"), m_streamKey, group.name, me,
                                  QByteArray::number(m_settings.claimIdleMs)};
        xclaim.append(retry);
        const std::optional<RedisReply> claimed = redis.command(xclaim);
        if (!claimed || claimed->type != RedisReply::Type::Array)
            return;
        QList<Entry> entries = entriesOf(*claimed);
        // An entry trimmed from the stream comes back as nil (Redis < 7) or not at all.
        QSet<QByteArray> present;
        for (const Entry &e : entries)
            present.insert(e.id);
        for (const QByteArray &id : retry) {
            if (!present.contains(id))
                entries.append(Entry {id, {}});
        }
        process(entries);
    };

    while (m_running.load()) {
        if (!groupReady) {
            // From the stream's start: a new group applies everything the stream still holds.
            const std::optional<RedisReply> created = redis.command(
                {QByteArrayLiteral("XGROUP"), QByteArrayLiteral("CREATE"), m_streamKey, group.name,
                 QByteArrayLiteral("0"), QByteArrayLiteral("MKSTREAM")});
            if (!created || (created->isError() && !created->string.startsWith("BUSYGROUP"))) {
                pause(250);
                continue;
            }
            groupReady = true;
        }
        const qint64 recoveryEveryMs = std::max(100, m_settings.claimIdleMs / 4);
        if (nowMs() - group.lastRecoveryMs >= recoveryEveryMs) {
            group.lastRecoveryMs = nowMs();
            recover();
        }
        const std::optional<RedisReply> read = redis.command(
            {QByteArrayLiteral("XREADGROUP"), QByteArrayLiteral("GROUP"), group.name, me,
             QByteArrayLiteral("COUNT"), QByteArray::number(m_settings.batchSize),
             QByteArrayLiteral("BLOCK"),
             QByteArray::number(std::min<qint64>(m_settings.blockMs, recoveryEveryMs)),
             QByteArrayLiteral("STREAMS"), m_streamKey, QByteArrayLiteral(">")});
        if (!read) {
            groupReady = false; // Redis is away; it may come back without the group
            pause(250);
            continue;
        }
        if (read->isError()) {
            groupReady = false; // NOGROUP: Redis lost the stream
            continue;
        }
        if (read->type != RedisReply::Type::Array || read->elements.isEmpty())
            continue; // nothing new within the block time
        process(entriesOf(read->elements.first().elements.value(1)));
    }
    Database::resetConnection();
}

Result<QJsonArray> EventConsumers::deadLetters(int limit, const QByteArray &before)
{
    const QByteArray key = deadLetterKey(Redis::key({}));
    const std::optional<RedisReply> reply = Redis::command(
        {QByteArrayLiteral("XREVRANGE"), key,
         before.isEmpty() ? QByteArrayLiteral("+") : QByteArrayLiteral("(") + before,
         QByteArrayLiteral("-"), QByteArrayLiteral("COUNT"), QByteArray::number(limit)});
    if (!reply || reply->isError())
        return AppError::unavailable(QStringLiteral("The event stream cannot be reached"), 2);
    QJsonArray items;
    for (const Entry &entry : entriesOf(*reply)) {
        QJsonObject item {{QStringLiteral("id"), QString::fromLatin1(entry.id)}};
        QList<RedisReply> eventFields;
        for (qsizetype i = 0; i + 1 < entry.fields.size(); i += 2) {
            const QByteArray &name = entry.fields.at(i).string;
            const QByteArray &value = entry.fields.at(i + 1).string;
            if (name == kParkedGroup)
                item.insert(QStringLiteral("consumer_group"), QString::fromUtf8(value));
            else if (name == kParkedDeliveries)
                item.insert(QStringLiteral("deliveries"), value.toInt());
            else if (name == kParkedError)
                item.insert(QStringLiteral("error"), QString::fromUtf8(value));
            else if (name == kParkedFrom)
                item.insert(QStringLiteral("stream_entry"), QString::fromLatin1(value));
            else
                eventFields << entry.fields.at(i) << entry.fields.at(i + 1);
        }
        if (const std::optional<StreamEvent> e = StreamEvent::fromFields(entry.id, eventFields)) {
            item.insert(QStringLiteral("event"),
                        QJsonObject {{QStringLiteral("id"), e->eventId},
                                     {QStringLiteral("type"), e->type},
                                     {QStringLiteral("version"), e->version},
                                     {QStringLiteral("occurred_at"),
                                      e->occurredAt.toString(Qt::ISODateWithMs)},
                                     {QStringLiteral("subject_type"), e->subjectType},
                                     {QStringLiteral("subject_id"), e->subjectId},
                                     {QStringLiteral("payload"), e->payload}});
        } else {
            item.insert(QStringLiteral("event"), QJsonValue::Null);
        }
        // The entry's time: Redis ids start with the milliseconds they were added at.
        if (const std::optional<StreamId> id = StreamId::parse(entry.id))
            item.insert(QStringLiteral("parked_at"),
                        QDateTime::fromMSecsSinceEpoch(qint64(id->ms), Qt::UTC)
                            .toString(Qt::ISODateWithMs));
        items.append(item);
    }
    return items;
}

Status EventConsumers::redrive(const QByteArray &entryId)
{
    if (!StreamId::parse(entryId))
        return AppError::notFound(QStringLiteral("No such parked event"));
    const QByteArray prefix = Redis::key({});
    const QByteArray key = deadLetterKey(prefix);
    const std::optional<RedisReply> found =
        Redis::command({QByteArrayLiteral("XRANGE"), key, entryId, entryId});
    if (!found || found->isError())
        return AppError::unavailable(QStringLiteral("The event stream cannot be reached"), 2);
    const QList<Entry> entries = entriesOf(*found);
    if (entries.isEmpty())
        return AppError::notFound(QStringLiteral("No such parked event"));
    QList<QByteArray> xadd {QByteArrayLiteral("XADD"), OutboxRelay::streamKey(prefix),
                            QByteArrayLiteral("*")};
    const QList<RedisReply> &fields = entries.first().fields;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
        const QByteArray &name = fields.at(i).string;
        if (name.startsWith("dead_"))
            continue;
        xadd << name << fields.at(i + 1).string;
    }
    // Every group gets it again; those that applied it skip it by their marks.
    const std::optional<RedisReply> added = Redis::command(xadd);
    if (!added || added->isError())
        return AppError::unavailable(QStringLiteral("The event stream cannot be reached"), 2);
    Redis::command({QByteArrayLiteral("XDEL"), key, entryId});
    return Ok {};
}

Status EventConsumers::applyNow(EventConsumer &consumer, const QList<StreamEvent> &events)
{
    return applyOnce(consumer, consumer.group(), events);
}

} // namespace fp
