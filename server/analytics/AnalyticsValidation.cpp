#include "server/analytics/AnalyticsValidation.h"

#include "common/AdminTypes.h"
#include "common/Time.h"
#include "server/analytics/AnalyticsMetrics.h"
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

namespace {

qint64 bucketSeconds(const QString &bucket)
{
    if (bucket == QLatin1String("minute"))
        return 60;
    if (bucket == QLatin1String("hour"))
        return 3600;
    if (bucket == QLatin1String("week"))
        return 7 * 86400;
    if (bucket == QLatin1String("month"))
        return 28 * 86400;
    return 86400;
}

/// A date given as YYYY-MM-DD or as an RFC 3339 time (its UTC day).
QDate dateOf(const QString &text)
{
    const QDate plain = QDate::fromString(text, Qt::ISODate);
    if (plain.isValid() && text.size() == 10)
        return plain;
    const QDateTime t = fromWireTime(text);
    return t.isValid() ? t.toUTC().date() : QDate();
}

/// Checks ?from ?to (RFC 3339, from before to, within the retention of `bucket`'s rows, at
/// most 1000 buckets) into `from`/`to`; `from` floored to its bucket.
void checkRange(const QString &fromText, const QString &toText, const QString &bucket,
                const QDateTime &now, Problems &problems, QDateTime *from, QDateTime *to)
{
    *from = fromWireTime(fromText);
    *to = fromWireTime(toText);
    if (!from->isValid())
        problems.add(QStringLiteral("query.from"), QStringLiteral("an RFC 3339 timestamp"));
    if (!to->isValid())
        problems.add(QStringLiteral("query.to"), QStringLiteral("an RFC 3339 timestamp"));
    if (!problems.empty())
        return;
    if (*from >= *to) {
        problems.add(QStringLiteral("query.to"), QStringLiteral("must be after from"));
        return;
    }
    if (bucket == QLatin1String("minute") && *from < now.addDays(-2))
        problems.add(QStringLiteral("query.from"),
                     QStringLiteral("minute buckets are kept for 2 days: choose a later from "
                                    "or a larger bucket"));
    if (bucket == QLatin1String("hour") && *from < now.addDays(-90))
        problems.add(QStringLiteral("query.from"),
                     QStringLiteral("hour buckets are kept for 90 days: choose a later from or "
                                    "a larger bucket"));
    *from = AnalyticsMetrics::floorTo(*from, bucket);
    if (from->secsTo(*to) / bucketSeconds(bucket) >= 1000)
        problems.add(QStringLiteral("query.to"), QStringLiteral("at most 1000 buckets"));
}

} // namespace

Result<SeriesQuery> parseSeriesQuery(const QString &metric, const QString &bucket,
                                     const QString &from, const QString &to, const QString &split,
                                     const QString &dimension, const QDateTime &now)
{
    Problems problems;
    SeriesQuery q;
    q.metric = metric;
    const std::optional<AnalyticsMetrics::Metric> m = AnalyticsMetrics::find(metric);
    if (!m) {
        QStringList keys;
        for (const AnalyticsMetrics::Metric &known : AnalyticsMetrics::all())
            keys << known.key;
        problems.add(QStringLiteral("query.metric"),
                     QStringLiteral("one of ") + keys.join(QStringLiteral(", ")));
    }
    q.bucket = !bucket.isEmpty()           ? bucket
        : (m && !m->fixedBucket.isEmpty()) ? m->fixedBucket
                                           : QStringLiteral("day");
    static const QStringList buckets {QStringLiteral("minute"), QStringLiteral("hour"),
                                      QStringLiteral("day"), QStringLiteral("week"),
                                      QStringLiteral("month")};
    if (!buckets.contains(q.bucket))
        problems.add(QStringLiteral("query.bucket"),
                     QStringLiteral("minute, hour, day, week or month"));
    else if (m && !m->fixedBucket.isEmpty() && q.bucket != m->fixedBucket)
        problems.add(QStringLiteral("query.bucket"),
                     QStringLiteral("%1 is counted by %2 only").arg(m->key, m->fixedBucket));
    if (split != QLatin1String("true") && split != QLatin1String("false") && !split.isEmpty())
        problems.add(QStringLiteral("query.split"), QStringLiteral("true or false"));
    q.split = split == QLatin1String("true");
    q.dimension = dimension;
    if (dimension.size() > 191)
        problems.add(QStringLiteral("query.dimension"), QStringLiteral("at most 191 characters"));
    if (m && (q.split || !dimension.isEmpty()) && m->dimensionName.isEmpty())
        problems.add(q.split ? QStringLiteral("query.split") : QStringLiteral("query.dimension"),
                     QStringLiteral("%1 has no dimension to split by").arg(m->key));
    if (q.split && !dimension.isEmpty())
        problems.add(QStringLiteral("query.dimension"),
                     QStringLiteral("either split or one dimension, not both"));
    if (buckets.contains(q.bucket))
        checkRange(from, to, q.bucket, now, problems, &q.from, &q.to);
    if (!problems.empty())
        return problems.error();
    return q;
}

Result<FunnelQuery> parseFunnelQuery(const QString &cohortWeek, const QString &from,
                                     const QString &to, const QString &breakdown)
{
    Problems problems;
    FunnelQuery q;
    q.breakdown = breakdown;
    static const QStringList breakdowns {QStringLiteral("region"), QStringLiteral("age_range"),
                                         QStringLiteral("intention")};
    if (!breakdown.isEmpty() && !breakdowns.contains(breakdown))
        problems.add(QStringLiteral("query.breakdown"),
                     QStringLiteral("region, age_range or intention"));
    if (!cohortWeek.isEmpty()) {
        const QDate day = dateOf(cohortWeek);
        if (!day.isValid())
            problems.add(QStringLiteral("query.cohort_week"), QStringLiteral("a date"));
        if (!from.isEmpty() || !to.isEmpty())
            problems.add(QStringLiteral("query.cohort_week"),
                         QStringLiteral("either cohort_week or from and to, not both"));
        q.from = day.addDays(1 - day.dayOfWeek());
        q.to = q.from.addDays(7);
    } else {
        q.from = dateOf(from);
        q.to = dateOf(to);
        if (!q.from.isValid())
            problems.add(QStringLiteral("query.from"),
                         QStringLiteral("required (or cohort_week): a date"));
        if (!q.to.isValid())
            problems.add(QStringLiteral("query.to"),
                         QStringLiteral("required (or cohort_week): a date"));
        if (q.from.isValid() && q.to.isValid() && q.from >= q.to)
            problems.add(QStringLiteral("query.to"), QStringLiteral("must be after from"));
        else if (q.from.isValid() && q.to.isValid() && q.from.daysTo(q.to) > 400)
            problems.add(QStringLiteral("query.to"), QStringLiteral("at most 400 days after from"));
    }
    if (!problems.empty())
        return problems.error();
    return q;
}

Result<RetentionQuery> parseRetentionQuery(const QString &from, const QString &to,
                                           const QDate &today)
{
    Problems problems;
    const QDate fromDay = from.isEmpty() ? today.addDays(-7 * 11) : dateOf(from);
    const QDate toDay = to.isEmpty() ? today : dateOf(to);
    if (!fromDay.isValid())
        problems.add(QStringLiteral("query.from"), QStringLiteral("a date"));
    if (!toDay.isValid())
        problems.add(QStringLiteral("query.to"), QStringLiteral("a date"));
    RetentionQuery q;
    if (problems.empty()) {
        q.fromWeek = fromDay.addDays(1 - fromDay.dayOfWeek());
        q.toWeek = toDay.addDays(1 - toDay.dayOfWeek());
        if (q.fromWeek > q.toWeek)
            problems.add(QStringLiteral("query.to"), QStringLiteral("must not be before from"));
        else if (q.fromWeek.daysTo(q.toWeek) / 7 >= 104)
            problems.add(QStringLiteral("query.to"), QStringLiteral("at most 104 weeks"));
    }
    if (!problems.empty())
        return problems.error();
    return q;
}

Result<ClientEventsQuery> parseClientEventsQuery(const QString &bucket, const QString &from,
                                                 const QString &to, const QString &name,
                                                 const QString &property, const QDateTime &now)
{
    static const QRegularExpression namePattern(QStringLiteral("^[a-z][a-z0-9_.]{0,63}$"));
    Problems problems;
    ClientEventsQuery q;
    q.bucket = bucket.isEmpty() ? QStringLiteral("day") : bucket;
    q.name = name;
    q.property = property;
    const bool bucketOk = q.bucket == QLatin1String("hour") || q.bucket == QLatin1String("day");
    if (!bucketOk)
        problems.add(QStringLiteral("query.bucket"), QStringLiteral("hour or day"));
    if (!name.isEmpty() && !namePattern.match(name).hasMatch())
        problems.add(QStringLiteral("query.name"),
                     QStringLiteral("an event name: ^[a-z][a-z0-9_.]{0,63}$"));
    if (!property.isEmpty() && name.isEmpty())
        problems.add(QStringLiteral("query.property"), QStringLiteral("needs a name"));
    if (property.size() > 48 || property.contains(QChar(0x1f)))
        problems.add(QStringLiteral("query.property"), QStringLiteral("at most 48 characters"));
    if (bucketOk)
        checkRange(from, to, q.bucket, now, problems, &q.from, &q.to);
    if (!problems.empty())
        return problems.error();
    return q;
}

} // namespace AnalyticsValidation

} // namespace fp
