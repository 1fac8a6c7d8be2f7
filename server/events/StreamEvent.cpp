#include "server/events/StreamEvent.h"

#include <QJsonDocument>

namespace fp {

QList<QByteArray> StreamEvent::fields() const
{
    return {QByteArrayLiteral("id"),
            eventId.toLatin1(),
            QByteArrayLiteral("type"),
            type.toLatin1(),
            QByteArrayLiteral("v"),
            QByteArray::number(version),
            QByteArrayLiteral("at"),
            occurredAt.toUTC().toString(Qt::ISODateWithMs).toLatin1(),
            QByteArrayLiteral("actor"),
            actorUserId.toLatin1(),
            QByteArrayLiteral("subject_type"),
            subjectType.toLatin1(),
            QByteArrayLiteral("subject_id"),
            subjectId.toLatin1(),
            QByteArrayLiteral("payload"),
            QJsonDocument(payload).toJson(QJsonDocument::Compact),
            QByteArrayLiteral("seq"),
            QByteArray::number(outboxSeq)};
}

std::optional<StreamEvent> StreamEvent::fromFields(const QByteArray &streamId,
                                                   const QList<RedisReply> &fields)
{
    StreamEvent e;
    e.streamId = streamId;
    bool haveId = false, haveType = false, haveVersion = false, haveAt = false;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
        const QByteArray &name = fields.at(i).string;
        const QByteArray &value = fields.at(i + 1).string;
        if (name == "id") {
            e.eventId = QString::fromLatin1(value);
            haveId = !value.isEmpty();
        } else if (name == "type") {
            e.type = QString::fromLatin1(value);
            haveType = !value.isEmpty();
        } else if (name == "v") {
            e.version = value.toInt(&haveVersion);
        } else if (name == "at") {
            e.occurredAt = QDateTime::fromString(QString::fromLatin1(value), Qt::ISODateWithMs);
            haveAt = e.occurredAt.isValid();
        } else if (name == "actor") {
            e.actorUserId = QString::fromLatin1(value);
        } else if (name == "subject_type") {
            e.subjectType = QString::fromLatin1(value);
        } else if (name == "subject_id") {
            e.subjectId = QString::fromLatin1(value);
        } else if (name == "payload") {
            const QJsonDocument doc = QJsonDocument::fromJson(value);
            if (!doc.isObject())
                return std::nullopt;
            e.payload = doc.object();
        } else if (name == "seq") {
            e.outboxSeq = value.toLongLong();
        }
    }
    if (!haveId || !haveType || !haveVersion || !haveAt)
        return std::nullopt;
    return e;
}

std::optional<StreamId> StreamId::parse(const QByteArray &text)
{
    const qsizetype dash = text.indexOf('-');
    if (dash <= 0)
        return std::nullopt;
    bool okMs = false, okSeq = false;
    const StreamId id {text.left(dash).toULongLong(&okMs), text.mid(dash + 1).toULongLong(&okSeq)};
    if (!okMs || !okSeq)
        return std::nullopt;
    return id;
}

QByteArray StreamId::text() const
{
    return QByteArray::number(ms) + '-' + QByteArray::number(seq);
}

} // namespace fp
