#include "server/engagement/EngagementRepository.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

namespace fp {

namespace {

const QString kPromptColumns =
    QStringLiteral("id, prompt_key, prompt_type, text, topic_tags_json, active");

PromptRecord promptFrom(const SqlResult &r)
{
    PromptRecord p;
    p.id = r.value(0).toString();
    p.key = r.value(1).toString();
    p.type = r.value(2).toString();
    p.text = r.value(3).toString();
    for (const QJsonValue &tag : QJsonDocument::fromJson(r.value(4).toString().toUtf8()).array())
        p.topicTags << tag.toString();
    p.active = r.value(5).toInt() != 0;
    return p;
}

QString dateText(const QDate &day)
{
    return day.toString(Qt::ISODate);
}

} // namespace

Status EngagementRepository::seedPrompts(const QList<PromptSeed> &prompts) const
{
    QSet<QString> keys;
    for (const PromptSeed &p : prompts) {
        keys.insert(p.key);
        SqlResult r = Sql::exec(
            QStringLiteral(
                "INSERT INTO prompt_catalog (id, prompt_key, prompt_type, text, topic_tags_json, "
                "active) VALUES (?, ?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE "
                "prompt_type = VALUES(prompt_type), text = VALUES(text), "
                "topic_tags_json = VALUES(topic_tags_json), active = 1"),
            {Sql::newId(), p.key, p.type, p.text,
             QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(p.topicTags))
                                   .toJson(QJsonDocument::Compact))});
        if (!r.ok())
            return r.toAppError();
    }
    SqlResult active =
        Sql::exec(QStringLiteral("SELECT prompt_key FROM prompt_catalog WHERE active = 1"));
    if (!active.ok())
        return active.toAppError();
    QStringList removed;
    while (active.next()) {
        const QString key = active.value(0).toString();
        if (!keys.contains(key))
            removed << key;
    }
    for (const QString &key : std::as_const(removed)) {
        SqlResult r = Sql::exec(
            QStringLiteral("UPDATE prompt_catalog SET active = 0 WHERE prompt_key = ?"), {key});
        if (!r.ok())
            return r.toAppError();
    }
    return Ok {};
}

Result<QList<PromptRecord>> EngagementRepository::activeDailyPrompts() const
{
    return Sql::rows<PromptRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM prompt_catalog WHERE prompt_type = "
                                 "'daily' AND active = 1 ORDER BY prompt_key")
                      .arg(kPromptColumns)),
        promptFrom);
}

Result<std::optional<PromptRecord>> EngagementRepository::findPrompt(const QString &promptId) const
{
    return Sql::optionalRow<PromptRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM prompt_catalog WHERE id = ?").arg(kPromptColumns),
                  {promptId}),
        promptFrom);
}

Result<bool> EngagementRepository::answered(const QString &userId, const QString &promptId,
                                            const QDate &day) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT 1 FROM daily_prompt_answers WHERE user_id = ? "
                                           "AND prompt_id = ? AND answer_date = ?"),
                            {userId, promptId, dateText(day)});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Result<DailyAnswerRecord> EngagementRepository::insertDailyAnswer(const QString &userId,
                                                                  const QString &promptId,
                                                                  const QDate &day,
                                                                  const QString &answer,
                                                                  const QDateTime &now) const
{
    DailyAnswerRecord record {Sql::newId(), promptId, now};
    SqlResult r = Sql::exec(QStringLiteral("INSERT INTO daily_prompt_answers (id, prompt_id, "
                                           "user_id, answer_date, answer, created_at) "
                                           "VALUES (?, ?, ?, ?, ?, ?)"),
                            {record.id, promptId, userId, dateText(day), answer, Sql::time(now)});
    if (r.failure() == DbFailure::DuplicateKey)
        return AppError::conflict(QStringLiteral("You already answered today's prompt"));
    if (!r.ok())
        return r.toAppError();
    return record;
}

Result<WeeklyIntentRecord> EngagementRepository::upsertWeeklyIntent(const QString &userId,
                                                                    const QDate &weekStart,
                                                                    const QString &intent,
                                                                    const QDateTime &now) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO weekly_intents (id, user_id, week_start_date, intent, "
                       "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY "
                       "UPDATE intent = VALUES(intent), updated_at = VALUES(updated_at), "
                       "deleted_at = NULL"),
        {Sql::newId(), userId, dateText(weekStart), intent, Sql::time(now), Sql::time(now)});
    if (!r.ok())
        return r.toAppError();
    return WeeklyIntentRecord {weekStart, intent, now};
}

Result<std::optional<WeeklyIntentRecord>>
EngagementRepository::weeklyIntent(const QString &userId, const QDate &weekStart) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT week_start_date, intent, updated_at FROM "
                                           "weekly_intents WHERE user_id = ? AND "
                                           "week_start_date = ? AND deleted_at IS NULL"),
                            {userId, dateText(weekStart)});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<WeeklyIntentRecord>();
    return std::optional<WeeklyIntentRecord>(
        WeeklyIntentRecord {r.value(0).toDate(), r.value(1).toString(), Sql::toTime(r.value(2))});
}

Result<int> EngagementRepository::awardXp(const QString &userId, XpSource source,
                                          const QString &sourceRefId) const
{
    const int xp = XpRules::xpFor(source);
    SqlResult r =
        Sql::exec(QStringLiteral("INSERT INTO xp_ledger (id, user_id, xp_delta, source_type, "
                                 "source_ref_id, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
                  {Sql::newId(), userId, xp, XpRules::sourceType(source), sourceRefId,
                   Sql::time(QDateTime::currentDateTimeUtc())});
    // UNIQUE (user_id, source_type, source_ref_id): a second award for one source is a no-op.
    // In InnoDB a duplicate key fails only the statement, never the caller's transaction.
    if (r.failure() == DbFailure::DuplicateKey)
        return 0;
    if (!r.ok())
        return r.toAppError();
    return xp;
}

Result<XpSummary> EngagementRepository::xpSummary(const QString &userId, int recentLimit) const
{
    SqlResult total = Sql::exec(
        QStringLiteral("SELECT COALESCE(SUM(xp_delta), 0) FROM xp_ledger WHERE user_id = ?"),
        {userId});
    if (!total.ok())
        return total.toAppError();
    XpSummary summary;
    if (total.next())
        summary.total = total.value(0).toLongLong();
    SqlResult recent = Sql::exec(QStringLiteral("SELECT xp_delta, source_type, created_at FROM "
                                                "xp_ledger WHERE user_id = ? "
                                                "ORDER BY created_at DESC, id DESC LIMIT ?"),
                                 {userId, recentLimit});
    if (!recent.ok())
        return recent.toAppError();
    while (recent.next())
        summary.recent.append(
            {recent.value(0).toInt(), recent.value(1).toString(), Sql::toTime(recent.value(2))});
    return summary;
}

Result<QJsonObject> EngagementRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {
            {"daily_prompt_answers",
             "SELECT a.id, a.prompt_id, p.text AS prompt_text, a.answer_date, a.answer, "
             "a.created_at, "
             "a.deleted_at FROM daily_prompt_answers a LEFT JOIN prompt_catalog p ON p.id = "
             "a.prompt_id WHERE a.user_id = ? ORDER BY a.created_at"},
            {"weekly_intents",
             "SELECT id, week_start_date, intent, created_at, updated_at, deleted_at FROM "
             "weekly_intents WHERE user_id = ? ORDER BY week_start_date"},
            {"xp_ledger",
             "SELECT id, xp_delta, source_type, source_ref_id, created_at FROM xp_ledger WHERE "
             "user_id = ? ORDER BY created_at"},
        },
        userId);
}

Status EngagementRepository::eraseFor(const QString &userId) const
{
    for (const char *sql : {"DELETE FROM daily_prompt_answers WHERE user_id = ?",
                            "DELETE FROM weekly_intents WHERE user_id = ?",
                            "DELETE FROM xp_ledger WHERE user_id = ?"}) {
        if (SqlResult r = Sql::exec(QString::fromLatin1(sql), {userId}); !r.ok())
            return r.toAppError();
    }
    return Ok {};
}

} // namespace fp
