#include "server/analytics/AnalyticsValidation.h"

#include "common/AdminTypes.h"
#include "common/Time.h"
#include "server/base/Validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTimeZone>

namespace fp {

namespace AnalyticsValidation {

namespace {

bool printableAscii(const QString &text)
{
    for (const QChar c : text) {
        if (c.unicode() < 0x21 || c.unicode() > 0x7e)
            return false;
    }
    return true;
}

/// Validates one event, adding "<prefix>.<field>" problems to `fields`.
std::optional<AnalyticsEvent> parseEvent(const QJsonValue &value, const QString &prefix,
                                         const QDateTime &now, QJsonObject &fields)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-z][a-z0-9_.]{0,63}$"));
    static const QStringList known {QStringLiteral("event_id"), QStringLiteral("event_name"),
                                    QStringLiteral("occurred_at"), QStringLiteral("session_id"),
                                    QStringLiteral("properties")};
    if (!value.isObject()) {
        fields.insert(prefix, QStringLiteral("must be an object"));
        return std::nullopt;
    }
    const QJsonObject o = value.toObject();
    const qsizetype problemsBefore = fields.size();
    auto problem = [&](const QString &field, const QString &text) {
        fields.insert(prefix + QLatin1Char('.') + field, text);
    };
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key()))
            problem(it.key(), QStringLiteral("is not a known field"));
    }

    AnalyticsEvent event;
    const QJsonValue id = o.value(QStringLiteral("event_id"));
    if (!id.isString() || id.toString().isEmpty() || id.toString().size() > 64 ||
        !printableAscii(id.toString()))
        problem(QStringLiteral("event_id"),
                QStringLiteral("required: 1-64 printable ASCII characters, no spaces"));
    else
        event.eventId = id.toString();

    const QJsonValue name = o.value(QStringLiteral("event_name"));
    if (!name.isString() || !namePattern.match(name.toString()).hasMatch())
        problem(QStringLiteral("event_name"),
                QStringLiteral("required: must match ^[a-z][a-z0-9_.]{0,63}$"));
    else
        event.eventName = name.toString();

    const QJsonValue at = o.value(QStringLiteral("occurred_at"));
    const QDateTime occurred = at.isString() ? fromWireTime(at.toString()) : QDateTime();
    if (!occurred.isValid())
        problem(QStringLiteral("occurred_at"), QStringLiteral("required: an RFC 3339 timestamp"));
    else if (occurred > now.addSecs(kMaxFutureSeconds))
        problem(QStringLiteral("occurred_at"),
                QStringLiteral("must not be more than 24 hours in the future"));
    else if (occurred < now.addSecs(-kMaxPastSeconds))
        problem(QStringLiteral("occurred_at"),
                QStringLiteral("must not be more than 30 days in the past"));
    else
        event.occurredAt = occurred;

    const QJsonValue session = o.value(QStringLiteral("session_id"));
    if (!session.isUndefined() && !session.isNull()) {
        if (!session.isString() || session.toString().isEmpty() || session.toString().size() > 64)
            problem(QStringLiteral("session_id"),
                    QStringLiteral("must be a string of 1-64 characters"));
        else
            event.sessionId = session.toString();
    }

    const QJsonValue properties = o.value(QStringLiteral("properties"));
    if (!properties.isObject())
        problem(QStringLiteral("properties"), QStringLiteral("required: a JSON object"));
    else if (QJsonDocument(properties.toObject()).toJson(QJsonDocument::Compact).size() >
             kMaxPropertiesBytes)
        problem(QStringLiteral("properties"),
                QStringLiteral("must be at most 4096 bytes serialized"));
    else
        event.properties = properties.toObject();

    if (fields.size() != problemsBefore)
        return std::nullopt;
    return event;
}

} // namespace

Result<QList<AnalyticsEvent>> parseBatch(const QJsonValue &body, const QDateTime &now)
{
    QJsonObject fields;
    const QJsonObject o = body.toObject();
    if (!body.isObject()) {
        return AppError::validation(
            {{QStringLiteral("events"), QStringLiteral("required: an array of 1-100 events")}});
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != QLatin1String("events"))
            fields.insert(it.key(), QStringLiteral("is not a known field"));
    }
    const QJsonValue eventsValue = o.value(QStringLiteral("events"));
    QList<AnalyticsEvent> events;
    if (!eventsValue.isArray()) {
        fields.insert(QStringLiteral("events"),
                      QStringLiteral("required: an array of 1-100 events"));
    } else {
        const QJsonArray array = eventsValue.toArray();
        if (array.isEmpty()) {
            fields.insert(QStringLiteral("events"), QStringLiteral("must hold at least 1 event"));
        } else if (array.size() > kMaxEventsPerBatch) {
            // Not looked at one by one: the client has to split the batch anyway.
            fields.insert(QStringLiteral("events"),
                          QStringLiteral("must hold at most %1 events").arg(kMaxEventsPerBatch));
        } else {
            for (qsizetype i = 0; i < array.size(); ++i) {
                std::optional<AnalyticsEvent> event =
                    parseEvent(array.at(i), QStringLiteral("events[%1]").arg(i), now, fields);
                if (event)
                    events.append(std::move(*event));
            }
        }
    }
    if (!fields.isEmpty())
        return AppError::validation(fields);
    return events;
}

QDateTime floorTo(const QDateTime &t, const QString &bucket)
{
    const QDateTime utc = t.toUTC();
    if (bucket == QLatin1String("hour"))
        return QDateTime(utc.date(), QTime(utc.time().hour(), 0), QTimeZone::utc());
    return QDateTime(utc.date(), QTime(0, 0), QTimeZone::utc());
}

Result<TimeSeriesQuery> parseTimeSeriesQuery(const QString &metric, const QString &bucket,
                                             const QString &from, const QString &to)
{
    constexpr int kMaxBuckets = 1000;
    Problems problems;
    TimeSeriesQuery q {metric, bucket.isEmpty() ? QStringLiteral("day") : bucket,
                       fromWireTime(from), fromWireTime(to)};
    if (!admin::TimeSeries::metrics().contains(q.metric))
        problems.add(QStringLiteral("query.metric"),
                     QStringLiteral("one of ") +
                         admin::TimeSeries::metrics().join(QStringLiteral(", ")));
    if (q.bucket != QLatin1String("hour") && q.bucket != QLatin1String("day"))
        problems.add(QStringLiteral("query.bucket"), QStringLiteral("hour or day"));
    if (!q.from.isValid())
        problems.add(QStringLiteral("query.from"), QStringLiteral("an RFC 3339 timestamp"));
    if (!q.to.isValid())
        problems.add(QStringLiteral("query.to"), QStringLiteral("an RFC 3339 timestamp"));
    if (problems.empty() && q.from >= q.to)
        problems.add(QStringLiteral("query.to"), QStringLiteral("must be after from"));
    const qint64 width = q.bucket == QLatin1String("hour") ? 3600 : 86400;
    if (problems.empty() && floorTo(q.from, q.bucket).secsTo(q.to) / width >= kMaxBuckets)
        problems.add(QStringLiteral("query.to"), QStringLiteral("at most 1000 buckets"));
    if (!problems.empty())
        return problems.error();
    q.from = floorTo(q.from, q.bucket);
    return q;
}

} // namespace AnalyticsValidation

} // namespace fp
