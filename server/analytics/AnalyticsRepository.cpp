#include "server/analytics/AnalyticsRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QHash>
#include <QJsonDocument>
#include <algorithm>

namespace fp {

Result<QList<AnalyticsEvent>>
AnalyticsRepository::insertEvents(const QString &userId, const QList<AnalyticsEvent> &events) const
{
    if (events.isEmpty())
        return QList<AnalyticsEvent>();
    QString sql = QStringLiteral("INSERT IGNORE INTO analytics_events (id, event_id, event_name, "
                                 "user_id, session_id, properties_json, occurred_at) VALUES ");
    QVariantList bindings;
    bindings.reserve(events.size() * 7);
    QHash<QString, qsizetype> eventOfRow; // our new row id -> its event in `events`
    for (qsizetype i = 0; i < events.size(); ++i) {
        const AnalyticsEvent &e = events.at(i);
        if (i > 0)
            sql += QLatin1Char(',');
        sql += QStringLiteral("(?, ?, ?, ?, ?, ?, ?)");
        const QString rowId = Sql::newId();
        eventOfRow.insert(rowId, i);
        bindings << rowId << e.eventId << e.eventName << userId << Sql::nullableText(e.sessionId)
                 << QString::fromUtf8(QJsonDocument(e.properties).toJson(QJsonDocument::Compact))
                 << Sql::time(e.occurredAt);
    }
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() == 0)
        return QList<AnalyticsEvent>();
    // The rows that carry an id made here are the ones this statement stored: the others were
    // ignored as repeats. Read in the caller's transaction, which sees its own rows.
    const QStringList rowIds = eventOfRow.keys();
    Result<QStringList> stored = Sql::strings(
        Sql::exec(QStringLiteral("SELECT id FROM analytics_events WHERE id IN (") +
                      Sql::repeated(QStringLiteral("?"), rowIds.size()) + QLatin1Char(')'),
                  Sql::values(rowIds)));
    if (!stored)
        return stored.error();
    QList<qsizetype> indexes;
    for (const QString &id : std::as_const(*stored))
        indexes << eventOfRow.value(id);
    std::sort(indexes.begin(), indexes.end());
    QList<AnalyticsEvent> accepted;
    for (qsizetype i : std::as_const(indexes))
        accepted << events.at(i);
    return accepted;
}

Result<QJsonObject> AnalyticsRepository::exportFor(const QString &userId) const
{
    return exportTables({{"analytics_events",
                          "SELECT event_id, event_name, session_id, properties_json, occurred_at, "
                          "ingested_at FROM analytics_events WHERE user_id = ? ORDER BY "
                          "occurred_at"}},
                        userId);
}

Status
AnalyticsRepository::addEventCounts(const QMap<QPair<QString, QDateTime>, qint64> &counts) const
{
    if (counts.isEmpty())
        return Ok {};
    QVariantList bindings;
    bindings.reserve(counts.size() * 3);
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) // QMap: in key order
        bindings << it.key().first << Sql::time(it.key().second) << it.value();
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO analytics_event_counts (event_type, bucket_start, events) "
                       "VALUES ") +
            Sql::repeated(QStringLiteral("(?, ?, ?)"), counts.size()) +
            QStringLiteral(" ON DUPLICATE KEY UPDATE events = events + VALUES(events)"),
        bindings));
}

Status AnalyticsRepository::lockRollups(bool exclusive) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("SELECT id FROM analytics_rollup_lock WHERE id = 1 ") +
        (exclusive ? QStringLiteral("FOR UPDATE") : QStringLiteral("LOCK IN SHARE MODE"))));
}

namespace {

/// Adds to counts kept by key: one multi-row upsert per 1,000 rows (a rebuild's large batches
/// stay within the packet size). `columns` end with the count, which a duplicate key adds to;
/// `bind` appends one key's values in that order.
template<typename Key, typename Bind>
Status addCounts(const QString &table, const QStringList &columns, const QList<Key> &keys,
                 Bind bind)
{
    constexpr qsizetype kChunk = 1000;
    const QString row =
        QLatin1Char('(') + Sql::repeated(QStringLiteral("?"), columns.size()) + QLatin1Char(')');
    const QString insert = QStringLiteral("INSERT INTO %1 (%2) VALUES ")
                               .arg(table, columns.join(QStringLiteral(", ")));
    const QString addTo =
        QStringLiteral(" ON DUPLICATE KEY UPDATE %1 = %1 + VALUES(%1)").arg(columns.last());
    for (qsizetype start = 0; start < keys.size(); start += kChunk) {
        const qsizetype n = std::min(kChunk, keys.size() - start);
        QVariantList bindings;
        bindings.reserve(n * columns.size());
        for (qsizetype i = start; i < start + n; ++i)
            bind(keys.at(i), bindings);
        if (Status s = Sql::status(Sql::exec(insert + Sql::repeated(row, n) + addTo, bindings)); !s)
            return s;
    }
    return Ok {};
}

} // namespace

Status AnalyticsRepository::addCounters(const QMap<CounterKey, qint64> &counters) const
{
    // A null QString binds as NULL: "no dimension" is the empty string.
    return addCounts(QStringLiteral("analytics_counters"),
                     {QStringLiteral("metric"), QStringLiteral("grain"),
                      QStringLiteral("dimension"), QStringLiteral("bucket_start"),
                      QStringLiteral("value")},
                     counters.keys(), // QMap: in key order
                     [&](const CounterKey &k, QVariantList &bindings) {
                         bindings << k.metric << k.grain
                                  << (k.dimension.isNull() ? QStringLiteral("") : k.dimension)
                                  << Sql::time(k.bucketStart) << counters.value(k);
                     });
}

Status AnalyticsRepository::addCohortActivity(const QMap<CohortKey, qint64> &cells) const
{
    if (cells.isEmpty())
        return Ok {};
    QVariantList bindings;
    bindings.reserve(cells.size() * 4);
    for (auto it = cells.cbegin(); it != cells.cend(); ++it)
        bindings << it.key().cohortWeek << it.key().period << it.key().offset << it.value();
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO analytics_cohort_activity (cohort_week, period, offset_n, "
                       "people) VALUES ") +
            Sql::repeated(QStringLiteral("(?, ?, ?, ?)"), cells.size()) +
            QStringLiteral(" ON DUPLICATE KEY UPDATE people = people + VALUES(people)"),
        bindings));
}

Result<bool> AnalyticsRepository::markActiveDay(const QDate &day, const QString &person) const
{
    const SqlResult r = Sql::exec(
        QStringLiteral("INSERT IGNORE INTO analytics_active_days (day, person) VALUES (?, ?)"),
        {day, person});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
}

Result<bool> AnalyticsRepository::markActiveWeek(const QDate &week, const QString &person) const
{
    const SqlResult r = Sql::exec(
        QStringLiteral("INSERT IGNORE INTO analytics_active_weeks (week, person) VALUES (?, ?)"),
        {week, person});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
}

Result<std::optional<PersonCohort>> AnalyticsRepository::personCohort(const QString &person) const
{
    return Sql::optionalRow<PersonCohort>(
        Sql::exec(QStringLiteral("SELECT DATE(signed_up_at), cohort_week FROM analytics_people "
                                 "WHERE person = ? LOCK IN SHARE MODE"),
                  {person}),
        [](const SqlResult &r) {
            return PersonCohort {r.value(0).toDate(), r.value(1).toDate()};
        });
}

Result<bool> AnalyticsRepository::insertPerson(const QString &person, const QDateTime &signedUpAt,
                                               const QDate &cohortWeek) const
{
    const SqlResult r = Sql::exec(QStringLiteral("INSERT IGNORE INTO analytics_people (person, "
                                                 "signed_up_at, cohort_week) VALUES (?, ?, ?)"),
                                  {person, Sql::time(signedUpAt), cohortWeek});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
}

Status AnalyticsRepository::setPersonStep(const QString &person, const QString &column,
                                          const QDateTime &at) const
{
    // `column` is one of AnalyticsMetrics::funnelSteps(), never input.
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_people SET %1 = ? WHERE person = ? AND %1 IS NULL")
            .arg(column),
        {Sql::time(at), person}));
}

Status AnalyticsRepository::setPersonDimensions(const QString &person, const QString &region,
                                                const QString &ageRange,
                                                const QString &intention) const
{
    return Sql::status(Sql::exec(QStringLiteral("UPDATE analytics_people SET region = ?, "
                                                "age_range = ?, intention = ? WHERE person = ?"),
                                 {Sql::nullableText(region), Sql::nullableText(ageRange),
                                  Sql::nullableText(intention), person}));
}

Status AnalyticsRepository::addPersonFriendship(const QString &person, const QDateTime &at) const
{
    // MariaDB assigns left to right: the second friendship is decided on the first's old value.
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_people SET second_friendship_at = IF("
                       "first_friendship_at IS NOT NULL AND second_friendship_at IS NULL, ?, "
                       "second_friendship_at), first_friendship_at = COALESCE("
                       "first_friendship_at, ?) WHERE person = ?"),
        {Sql::time(at), Sql::time(at), person}));
}

namespace {

// analytics_people's columns as FunnelPerson reads them: the sign-up day, the breakdowns, then
// every step in AnalyticsMetrics::funnelSteps() order.
const QString kFunnelPersonColumns = QStringLiteral(
    "DATE(signed_up_at), region, age_range, intention, signed_up_at, onboarded_at, "
    "first_queue_at, first_match_at, first_gate_at, first_reveal_at, first_friendship_at, "
    "first_reflection_at, second_friendship_at");

FunnelPerson funnelPersonFrom(const SqlResult &r, int first = 0)
{
    FunnelPerson p;
    p.signedUpDay = r.value(first).toDate();
    p.region = r.value(first + 1).toString();
    p.ageRange = r.value(first + 2).toString();
    p.intention = r.value(first + 3).toString();
    for (int i = first + 4; i <= first + 12; ++i)
        p.steps.append(r.value(i).isNull() ? QDateTime() : Sql::toTime(r.value(i)));
    return p;
}

} // namespace

Result<std::optional<FunnelPerson>> AnalyticsRepository::funnelPerson(const QString &person) const
{
    return Sql::optionalRow<FunnelPerson>(
        Sql::exec(QStringLiteral("SELECT %1 FROM analytics_people WHERE person = ? FOR UPDATE")
                      .arg(kFunnelPersonColumns),
                  {person}),
        [](const SqlResult &r) { return funnelPersonFrom(r); });
}

Result<QMap<QString, FunnelPerson>>
AnalyticsRepository::funnelPeopleBefore(const QDateTime &cutoff, const QString &afterPerson,
                                        int limit) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT person, %1 FROM analytics_people WHERE "
                                           "signed_up_at < ? AND person > ? ORDER BY person "
                                           "LIMIT ?")
                                .arg(kFunnelPersonColumns),
                            {Sql::time(cutoff), afterPerson, limit});
    if (!r.ok())
        return r.toAppError();
    QMap<QString, FunnelPerson> people;
    while (r.next())
        people.insert(r.value(0).toString(), funnelPersonFrom(r, 1));
    return people;
}

Status AnalyticsRepository::addFunnelCells(const QMap<FunnelCellKey, qint64> &delta) const
{
    QList<FunnelCellKey> keys;
    for (auto it = delta.cbegin(); it != delta.cend(); ++it) // QMap: in key order
        if (it.value() != 0)
            keys.append(it.key());
    if (Status s = addCounts(QStringLiteral("analytics_funnel_cells"),
                             {QStringLiteral("breakdown"), QStringLiteral("signup_day"),
                              QStringLiteral("value"), QStringLiteral("step"),
                              QStringLiteral("gap_bin"), QStringLiteral("people")},
                             keys,
                             [&](const FunnelCellKey &k, QVariantList &bindings) {
                                 bindings << k.breakdown << k.signupDay
                                          << (k.value.isNull() ? QStringLiteral("") : k.value)
                                          << k.step << k.gapBin << delta.value(k);
                             });
        !s)
        return s;
    // A cell nobody is counted in any more is dropped, so the table is the same however the
    // people arrived at it (live or rebuilt).
    for (const FunnelCellKey &k : std::as_const(keys)) {
        if (delta.value(k) > 0)
            continue;
        if (Status s = Sql::status(Sql::exec(
                QStringLiteral("DELETE FROM analytics_funnel_cells WHERE breakdown = ? AND "
                               "signup_day = ? AND value = ? AND step = ? AND gap_bin = ? AND "
                               "people = 0"),
                {k.breakdown, k.signupDay, k.value.isNull() ? QStringLiteral("") : k.value, k.step,
                 k.gapBin}));
            !s)
            return s;
    }
    return Ok {};
}

Status AnalyticsRepository::trackConversation(const QString &conversationId, const QString &personA,
                                              const QString &personB,
                                              const QDateTime &startedAt) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT IGNORE INTO analytics_conversations (conversation_id, person_a, "
                       "person_b, started_at) VALUES (?, ?, ?, ?)"),
        {conversationId, personA, personB, Sql::time(startedAt)}));
}

Result<std::optional<TrackedConversation>>
AnalyticsRepository::trackedConversation(const QString &conversationId) const
{
    return Sql::optionalRow<TrackedConversation>(
        Sql::exec(QStringLiteral("SELECT person_a, person_b, started_at, reached_gate, ended FROM "
                                 "analytics_conversations WHERE conversation_id = ? FOR UPDATE"),
                  {conversationId}),
        [](const SqlResult &r) {
            return TrackedConversation {r.value(0).toString(), r.value(1).toString(),
                                        Sql::toTime(r.value(2)), r.value(3).toInt(),
                                        r.value(4).toString()};
        });
}

Status AnalyticsRepository::setConversationGate(const QString &conversationId, int gate) const
{
    return Sql::status(Sql::exec(QStringLiteral("UPDATE analytics_conversations SET reached_gate "
                                                "= ? WHERE conversation_id = ?"),
                                 {gate, conversationId}));
}

Status AnalyticsRepository::setConversationEnded(const QString &conversationId,
                                                 const QString &outcome) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_conversations SET ended = ? WHERE conversation_id = ?"),
        {outcome, conversationId}));
}

Status AnalyticsRepository::wipeRollups() const
{
    for (const char *table :
         {"analytics_counters", "analytics_active_days", "analytics_active_weeks",
          "analytics_people", "analytics_cohort_activity", "analytics_conversations",
          "analytics_funnel_cells"}) {
        if (Status s =
                Sql::status(Sql::exec(QStringLiteral("DELETE FROM %1").arg(QLatin1String(table))));
            !s)
            return s;
    }
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_rollup_lock SET rebuilt_at = NOW(3) WHERE id = 1")));
}

Result<int> AnalyticsRepository::backfillPeopleBefore(const QDateTime &cutoff) const
{
    // Monday of the sign-up week: WEEKDAY() is 0 on Mondays.
    const SqlResult people = Sql::exec(
        QStringLiteral(
            "INSERT IGNORE INTO analytics_people (person, signed_up_at, cohort_week, region, "
            "age_range, intention, onboarded_at) SELECT IF(u.status = 'deleted', UUID(), u.id), "
            "u.created_at, DATE(u.created_at) - INTERVAL WEEKDAY(u.created_at) DAY, "
            "IF(p.onboarding_completed_at IS NULL, NULL, p.location_country), "
            "IF(p.onboarding_completed_at IS NULL, NULL, p.age_range), "
            "IF(p.onboarding_completed_at IS NULL, NULL, s.friendship_intention), "
            "p.onboarding_completed_at FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id "
            "LEFT JOIN user_preference_settings s ON s.user_id = u.id "
            "WHERE u.role = 'user' AND u.created_at < ?"),
        {Sql::time(cutoff)});
    if (!people.ok())
        return people.toAppError();
    const int added = people.numRowsAffected();
    if (added == 0)
        return 0;
    // Their sign-ups and onboardings as counters, and their cohorts' sizes.
    for (const char *grain : {"minute", "hour", "day"}) {
        const QString floor = QLatin1String(grain) == QLatin1String("minute")
            ? QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d %H:%i:00')")
            : QLatin1String(grain) == QLatin1String("hour")
            ? QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d %H:00:00')")
            : QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%d 00:00:00')");
        const int keepDays = QLatin1String(grain) == QLatin1String("minute") ? 2
            : QLatin1String(grain) == QLatin1String("hour")                  ? 90
                                                                             : 36500;
        for (const auto &[metric, column] : {std::pair {"signups", "signed_up_at"},
                                             std::pair {"onboarding_completed", "onboarded_at"}}) {
            if (Status s = Sql::status(Sql::exec(
                    QStringLiteral("INSERT INTO analytics_counters (metric, grain, dimension, "
                                   "bucket_start, value) SELECT ?, ?, '', b, n FROM (SELECT %1 "
                                   "AS b, COUNT(*) AS n FROM analytics_people WHERE "
                                   "signed_up_at < ? AND %2 IS NOT NULL AND %2 >= NOW() - "
                                   "INTERVAL ? DAY GROUP BY b) x ON DUPLICATE KEY UPDATE value "
                                   "= value + x.n")
                        .arg(floor.arg(QLatin1String(column)), QLatin1String(column)),
                    {QLatin1String(metric), QLatin1String(grain), Sql::time(cutoff), keepDays}));
                !s)
                return s.error();
        }
    }
    if (Status s = Sql::status(Sql::exec(
            QStringLiteral("INSERT INTO analytics_cohort_activity (cohort_week, period, offset_n, "
                           "people) SELECT cohort_week, 'size', 0, n FROM (SELECT cohort_week, "
                           "COUNT(*) AS n FROM analytics_people WHERE signed_up_at < ? GROUP BY "
                           "cohort_week) x ON DUPLICATE KEY UPDATE people = people + x.n"),
            {Sql::time(cutoff)}));
        !s)
        return s.error();
    return added;
}

Result<int> AnalyticsRepository::purgeRollups(const QDateTime &now, int limit) const
{
    int purged = 0;
    const QList<std::pair<QString, QVariantList>> statements {
        {QStringLiteral("DELETE FROM analytics_counters WHERE grain = 'minute' AND bucket_start "
                        "< ? LIMIT ?"),
         {Sql::time(now.addDays(-2)), limit}},
        {QStringLiteral("DELETE FROM analytics_counters WHERE grain = 'hour' AND bucket_start < "
                        "? LIMIT ?"),
         {Sql::time(now.addDays(-90)), limit}},
        {QStringLiteral("DELETE FROM analytics_conversations WHERE started_at < ? LIMIT ?"),
         {Sql::time(now.addDays(-90)), limit}},
    };
    for (const auto &[sql, bindings] : statements) {
        const SqlResult r = Sql::exec(sql, bindings);
        if (!r.ok())
            return r.toAppError();
        purged += r.numRowsAffected();
    }
    return purged;
}

Status AnalyticsRepository::pseudonymise(const QString &userId) const
{
    const QString pseudonym = Sql::newId();
    for (const char *sql : {"UPDATE analytics_people SET person = ? WHERE person = ?",
                            "UPDATE analytics_active_days SET person = ? WHERE person = ?",
                            "UPDATE analytics_active_weeks SET person = ? WHERE person = ?",
                            "UPDATE analytics_conversations SET person_a = ? WHERE person_a = ?",
                            "UPDATE analytics_conversations SET person_b = ? WHERE person_b = ?"}) {
        if (Status s = Sql::status(Sql::exec(QLatin1String(sql), {pseudonym, userId})); !s)
            return s;
    }
    return Ok {};
}

Result<QList<CounterValue>>
AnalyticsRepository::counters(const QString &metric, const QString &grain, const QDateTime &from,
                              const QDateTime &to, const std::optional<QString> &dimension,
                              const QString &dimensionPrefix) const
{
    QString sql = QStringLiteral("SELECT dimension, bucket_start, value FROM analytics_counters "
                                 "WHERE metric = ? AND grain = ? AND bucket_start >= ? AND "
                                 "bucket_start < ?");
    QVariantList bindings {metric, grain, Sql::time(from), Sql::time(to)};
    if (dimension) {
        sql += QStringLiteral(" AND dimension = ?");
        bindings << *dimension;
    } else if (!dimensionPrefix.isEmpty()) {
        sql += QStringLiteral(" AND dimension LIKE ? ESCAPE '!'");
        bindings << Sql::startsWithPattern(dimensionPrefix);
    }
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QList<CounterValue> values;
    while (r.next())
        values.append({r.value(0).toString(), Sql::toTime(r.value(1)), r.value(2).toLongLong()});
    return values;
}

Result<QMap<QDate, qint64>>
AnalyticsRepository::activePeople(const QString &bucket, const QDate &from, const QDate &to) const
{
    QString sql;
    if (bucket == QLatin1String("week"))
        sql = QStringLiteral("SELECT week, COUNT(*) FROM analytics_active_weeks WHERE week >= ? "
                             "AND week < ? GROUP BY week");
    else if (bucket == QLatin1String("month"))
        sql = QStringLiteral("SELECT DATE_FORMAT(day, '%Y-%m-01') AS m, COUNT(DISTINCT person) "
                             "FROM analytics_active_days WHERE day >= ? AND day < ? GROUP BY m");
    else
        sql = QStringLiteral("SELECT day, COUNT(*) FROM analytics_active_days WHERE day >= ? AND "
                             "day < ? GROUP BY day");
    SqlResult r = Sql::exec(sql, {from, to});
    if (!r.ok())
        return r.toAppError();
    QMap<QDate, qint64> people;
    while (r.next())
        people.insert(QDate::fromString(r.value(0).toString().left(10), Qt::ISODate),
                      r.value(1).toLongLong());
    return people;
}

Result<QList<FunnelCell>> AnalyticsRepository::funnelCells(const FunnelQuery &query) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT value, step, gap_bin, SUM(people) FROM analytics_funnel_cells "
                       "WHERE breakdown = ? AND signup_day >= ? AND signup_day < ? GROUP BY "
                       "value, step, gap_bin"),
        {query.breakdown.isEmpty() ? QStringLiteral("none") : query.breakdown, query.from,
         query.to});
    if (!r.ok())
        return r.toAppError();
    QList<FunnelCell> cells;
    while (r.next())
        cells.append({r.value(0).toString(), r.value(1).toInt(), r.value(2).toLongLong(),
                      r.value(3).toLongLong()});
    return cells;
}

Result<QMap<CohortKey, qint64>> AnalyticsRepository::cohortActivity(const QDate &fromWeek,
                                                                    const QDate &toWeek) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT cohort_week, period, offset_n, people FROM "
                                           "analytics_cohort_activity WHERE cohort_week >= ? AND "
                                           "cohort_week <= ?"),
                            {fromWeek, toWeek});
    if (!r.ok())
        return r.toAppError();
    QMap<CohortKey, qint64> cells;
    while (r.next())
        cells.insert({r.value(0).toDate(), r.value(1).toString(), r.value(2).toInt()},
                     r.value(3).toLongLong());
    return cells;
}

Status AnalyticsRepository::anonymise(const QString &userId) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE analytics_events SET user_id = NULL WHERE user_id = ?"), {userId}));
}

} // namespace fp
