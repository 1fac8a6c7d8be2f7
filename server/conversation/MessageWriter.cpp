#include "server/conversation/MessageWriter.h"

#include "server/base/Log.h"
#include "server/base/ThreadName.h"
#include "server/conversation/ConversationRules.h"
#include "server/events/Outbox.h"
#include "server/storage/Database.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <optional>
#include <vector>

namespace fp {

namespace {

QString keyOf(const OutgoingMessage &m)
{
    return m.conversationId + QLatin1Char('/') + m.senderId + QLatin1Char('/') + m.clientMsgId;
}

QString keyOf(const MessageRow &m)
{
    return m.conversationId + QLatin1Char('/') + m.senderUserId + QLatin1Char('/') + m.clientMsgId;
}

AppError refusedByModeration(const QString &label)
{
    AppError error = AppError::validation(
        {{QStringLiteral("text"), QStringLiteral("refused by moderation (%1)").arg(label)}},
        QStringLiteral("The message was not delivered (%1)").arg(label));
    error.details.insert(QStringLiteral("moderation_label"), label);
    return error;
}

// message.flagged or message.blocked: which rules matched, never the text.
Status recordModeration(EventType type, const QString &conversationId, const QString &senderId,
                        const ModerationVerdict &verdict, const QString &messageId = {})
{
    QJsonObject payload {
        {QStringLiteral("conversation_id"), conversationId},
        {QStringLiteral("label"), verdict.label},
        {QStringLiteral("labels"), QJsonArray::fromStringList(verdict.labels)},
        {QStringLiteral("rule_ids"), QJsonArray::fromStringList(verdict.matchedRuleIds)}};
    if (!messageId.isEmpty())
        payload.insert(QStringLiteral("message_id"), messageId);
    return Outbox::record({.type = type,
                           .subjectType = QLatin1StringView("conversation"),
                           .subjectId = conversationId,
                           .actorUserId = senderId,
                           .payload = payload,
                           .occurredAt = {}});
}

QList<Result<SentMessage>> answerAll(qsizetype count, const AppError &error)
{
    QList<Result<SentMessage>> answers;
    answers.reserve(count);
    for (qsizetype i = 0; i < count; ++i)
        answers.append(error);
    return answers;
}

} // namespace

MessageWriter::MessageWriter(const ConversationRepository &repository, Moderate moderate,
                             Deliver deliver, Evidence evidence)
    : m_moderate(std::move(moderate)), m_deliver(std::move(deliver)),
      m_evidence(std::move(evidence)), m_repo(repository),
      m_group([this](const QList<OutgoingMessage> &batch) { return writeBatch(batch); }, kMaxBatch)
{ }

MessageWriter::~MessageWriter()
{
    stop();
}

Result<SentMessage> MessageWriter::write(const OutgoingMessage &message)
{
    if (Transaction::openOnThisThread())
        return writeBatch({message}).constFirst();
    return m_group.submit(message);
}

void MessageWriter::writeAsync(OutgoingMessage message, Answered answered)
{
    {
        std::lock_guard lock(m_queueMutex);
        if (!m_stopped) {
            if (!m_writer.joinable()) {
                m_writer = std::thread([this] { runWriter(); });
                nameThread(m_writer, "chat writer");
            }
            m_queue.push_back({std::move(message), std::move(answered)});
            // A lingering writer is woken only once its batch has company enough: one wake-up
            // per message would cost both threads more than the wait saves.
            if (!m_lingering || m_queue.size() >= size_t(kEnoughCompany))
                m_queued.notify_one();
            return;
        }
    }
    answered(AppError::unavailable(QStringLiteral("The server is shutting down"), 1));
}

void MessageWriter::stop()
{
    std::thread writer;
    {
        std::lock_guard lock(m_queueMutex);
        m_stopped = true;
        writer.swap(m_writer);
    }
    m_queued.notify_all();
    if (writer.joinable())
        writer.join();
}

void MessageWriter::runWriter()
{
    bool wroteBefore = false; // the thread starts with the message that started it: no wait
    for (;;) {
        std::vector<Queued> taken;
        {
            std::unique_lock lock(m_queueMutex);
            // Messages that arrived while the last batch was written mean a steady flow: a
            // batch that would be small then waits a little for company (kLinger), because each
            // batch costs five round trips to MariaDB whatever its size, until it has
            // kEnoughCompany messages. One that has them already goes at once: waiting longer
            // adds to every message's time and saves little. So does a message that finds the
            // writer idle.
            const bool flowing = wroteBefore && !m_queue.empty();
            m_queued.wait(lock, [this] { return !m_queue.empty() || m_stopped; });
            if (m_queue.empty())
                break; // stopped, and everything queued was written
            if (flowing && m_queue.size() < size_t(kEnoughCompany)) {
                m_lingering = true;
                m_queued.wait_until(lock, std::chrono::steady_clock::now() + kLinger, [this] {
                    return m_queue.size() >= size_t(kEnoughCompany) || m_stopped;
                });
                m_lingering = false;
            }
            const size_t n = std::min(m_queue.size(), size_t(kMaxBatch));
            taken.reserve(n);
            for (size_t i = 0; i < n; ++i) {
                taken.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        QList<OutgoingMessage> batch;
        batch.reserve(qsizetype(taken.size()));
        for (const Queued &q : taken)
            batch.append(q.message);
        QList<Result<SentMessage>> answers;
        try {
            answers = writeBatch(batch);
        } catch (const std::exception &e) {
            // Nothing may escape a thread of its own; each message still gets an answer.
            log::error(QStringLiteral("message_writer_exception"),
                       {{QStringLiteral("cause"), QString::fromUtf8(e.what())}});
            answers = answerAll(batch.size(), AppError::internal());
        }
        ++m_asyncBatches;
        for (size_t i = 0; i < taken.size(); ++i)
            taken[i].answered(std::move(answers[qsizetype(i)]));
        wroteBefore = true;
    }
    Database::resetConnection();
}

QList<Result<SentMessage>> MessageWriter::writeEachAlone(const QList<OutgoingMessage> &batch) const
{
    QList<Result<SentMessage>> answers;
    answers.reserve(batch.size());
    bool databaseAway = false;
    for (const OutgoingMessage &message : batch) {
        // Once the database is unreachable, the rest are answered at once rather than each
        // waiting out its own connection attempt.
        if (databaseAway) {
            answers.append(databaseUnavailable());
            continue;
        }
        Result<SentMessage> answer = writeBatch({message}).constFirst();
        databaseAway = !answer && answer.error().code == ErrorCode::Unavailable;
        answers.append(std::move(answer));
    }
    return answers;
}

QList<Result<SentMessage>> MessageWriter::writeBatch(const QList<OutgoingMessage> &batch) const
{
    Transaction tx;
    if (!tx.begin())
        return answerAll(batch.size(), databaseUnavailable());
    auto failed = [&](const AppError &error) {
        tx.rollback();
        // A whole batch failing may be one message's doing (a lock conflict): then each alone
        // gets its own answer.
        if (batch.size() > 1 && !Transaction::openOnThisThread())
            return writeEachAlone(batch);
        return answerAll(batch.size(), error);
    };

    // One read for the whole batch, its conversations locked until commit so nobody else
    // appends to them in between.
    QStringList conversationIds;
    for (const OutgoingMessage &m : batch) {
        if (!conversationIds.contains(m.conversationId))
            conversationIds.append(m.conversationId);
    }
    Result<QHash<QString, SendTarget>> targets = m_repo.lockForSending(conversationIds);
    if (!targets)
        return failed(targets.error());

    // Each message's answer, in order, exactly as if it had been sent alone.
    QList<std::optional<Result<SentMessage>>> answers(batch.size());
    QList<MessageRow> rows;
    QList<QString> rowReceivers;
    QList<ModerationVerdict> rowVerdicts;
    QHash<qsizetype, qsizetype> rowOf; // message index -> its row
    QHash<qsizetype, qsizetype> sameAs; // message index -> row of an earlier copy in the batch
    QHash<QString, qsizetype> rowByKey;
    QHash<QString, quint64> lastSeqs;
    QList<qsizetype> refusedAsClosed; // unless it is a re-send of a message stored before
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QStringList ids = Sql::newIds(batch.size()); // one for each message stored
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const OutgoingMessage &m = batch.at(i);
        const auto target = targets->constFind(m.conversationId);
        if (target == targets->cend() || !target->conversation.isParticipant(m.senderId)) {
            answers[i] = ConversationRules::notFoundError();
            continue;
        }
        const QString key = keyOf(m);
        if (const auto earlier = rowByKey.constFind(key); earlier != rowByKey.cend()) {
            sameAs.insert(i, *earlier);
            continue;
        }
        const ConversationRow &conversation = target->conversation;
        if (conversation.state == QLatin1String("closed") || target->blocked) {
            answers[i] = ConversationRules::closedError();
            refusedAsClosed.append(i);
            continue;
        }
        const QString receiver = conversation.peerOf(m.senderId);
        const ModerationVerdict verdict =
            m_moderate(m.text, target->offLimitsTopicsOf(receiver),
                       conversation.state == QLatin1String("revealed"));
        if (verdict.action == ModerationVerdict::Block) {
            // Recorded with the batch: a batch undone and written again records it once.
            if (Status recorded =
                    recordModeration(event::MessageBlocked, conversation.id, m.senderId, verdict);
                !recorded)
                return failed(recorded.error());
            // Kept for moderators, never for the peer (a receiver's topic alone is no rule).
            if (m_evidence && !verdict.matchedRuleIds.isEmpty()) {
                if (Status kept = m_evidence({.blocked = true,
                                              .conversationId = conversation.id,
                                              .senderUserId = m.senderId,
                                              .receiverUserId = receiver,
                                              .messageId = {},
                                              .text = m.text,
                                              .label = verdict.label,
                                              .ruleIds = verdict.matchedRuleIds});
                    !kept)
                    return failed(kept.error());
            }
            answers[i] = refusedByModeration(verdict.label);
            continue;
        }
        MessageRow row;
        row.id = ids.at(rows.size());
        row.conversationId = conversation.id;
        row.senderUserId = m.senderId;
        row.seq = lastSeqs.value(conversation.id, target->lastSeq) + 1;
        row.clientMsgId = m.clientMsgId;
        row.text = m.text;
        row.containsSensitive = verdict.action != ModerationVerdict::Allow;
        row.moderationLabel = row.containsSensitive ? verdict.label : QString();
        row.createdAt = now;
        lastSeqs.insert(conversation.id, row.seq);
        rowOf.insert(i, rows.size());
        rowByKey.insert(key, rows.size());
        rows.append(row);
        rowReceivers.append(receiver);
        rowVerdicts.append(verdict);
    }

    // A re-send answers the stored message even once the conversation closed.
    if (!refusedAsClosed.isEmpty()) {
        QList<ClientMessageKey> keys;
        for (qsizetype i : refusedAsClosed)
            keys.append(
                {batch.at(i).conversationId, batch.at(i).senderId, batch.at(i).clientMsgId});
        Result<QList<MessageRow>> stored = m_repo.findByClientKeys(keys);
        if (!stored)
            return failed(stored.error());
        for (const MessageRow &row : *stored) {
            for (qsizetype i : refusedAsClosed) {
                if (keyOf(batch.at(i)) == keyOf(row))
                    answers[i] = SentMessage {row, true};
            }
        }
    }

    Result<bool> appended = m_repo.appendMessages(rows, lastSeqs);
    if (!appended)
        return failed(appended.error());
    if (!*appended) {
        // Some message re-sends one stored before. Alone, nothing was written: answer the
        // stored one. With others, their rows went in: start over one message at a time.
        if (rows.size() > 1) {
            tx.rollback();
            return writeEachAlone(batch);
        }
        const qsizetype i = rowOf.key(0);
        Result<QList<MessageRow>> stored = m_repo.findByClientKeys(
            {{batch.at(i).conversationId, batch.at(i).senderId, batch.at(i).clientMsgId}});
        if (!stored)
            return failed(stored.error());
        if (stored->isEmpty())
            return failed(AppError::internal());
        answers[i] = SentMessage {stored->constFirst(), true};
        for (auto same = sameAs.cbegin(); same != sameAs.cend(); ++same)
            answers[same.key()] = SentMessage {stored->constFirst(), true};
        rows.clear();
        rowReceivers.clear();
        rowVerdicts.clear();
        rowOf.clear();
        sameAs.clear();
    }
    // Only for messages stored now: a re-send was flagged when it was first stored.
    for (qsizetype r = 0; r < rows.size(); ++r) {
        if (!rows.at(r).containsSensitive)
            continue;
        if (Status recorded =
                recordModeration(event::MessageFlagged, rows.at(r).conversationId,
                                 rows.at(r).senderUserId, rowVerdicts.at(r), rows.at(r).id);
            !recorded)
            return failed(recorded.error());
        if (m_evidence && !rowVerdicts.at(r).matchedRuleIds.isEmpty()) {
            if (Status kept = m_evidence({.blocked = false,
                                          .conversationId = rows.at(r).conversationId,
                                          .senderUserId = rows.at(r).senderUserId,
                                          .receiverUserId = rowReceivers.at(r),
                                          .messageId = rows.at(r).id,
                                          .text = {},
                                          .label = rowVerdicts.at(r).label,
                                          .ruleIds = rowVerdicts.at(r).matchedRuleIds});
                !kept)
                return failed(kept.error());
        }
    }
    for (qsizetype r = 0; r < rows.size(); ++r) {
        Transaction::afterCommit(
            [this, row = rows.at(r), receiver = rowReceivers.at(r)] { m_deliver(row, receiver); });
    }
    if (!tx.commit())
        return answerAll(batch.size(), databaseUnavailable());
    m_stored += quint64(rows.size());

    QList<Result<SentMessage>> results;
    results.reserve(batch.size());
    for (qsizetype i = 0; i < batch.size(); ++i) {
        if (answers.at(i))
            results.append(*answers.at(i));
        else if (rowOf.contains(i))
            results.append(SentMessage {rows.at(rowOf.value(i)), false});
        else
            results.append(SentMessage {rows.at(sameAs.value(i)), true});
    }
    return results;
}

} // namespace fp
