#include "server/engagement/EngagementService.h"

#include "common/Time.h"
#include "server/storage/Database.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

namespace fp {

namespace {

qsizetype codePoints(const QString &text)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (!(text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate()))
            ++n;
    }
    return n;
}

bool hasControlCharacters(const QString &text)
{
    for (const QChar c : text) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QLatin1Char('\t'))
            continue;
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

/// Collects every problem of a body, first problem per path wins.
class Problems
{
public:
    void add(const QString &path, const QString &what)
    {
        if (!m_fields.contains(path))
            m_fields.insert(path, what);
    }
    bool empty() const { return m_fields.isEmpty(); }
    AppError error() const { return AppError::validation(m_fields); }

private:
    QJsonObject m_fields;
};

/// The JSON object of a body, with its unknown members reported.
QJsonObject bodyObject(const QJsonValue &body, const QStringList &known, Problems &p)
{
    if (!body.isObject()) {
        p.add(QStringLiteral("body"), QStringLiteral("must be a JSON object"));
        return {};
    }
    const QJsonObject o = body.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key()))
            p.add(it.key(), QStringLiteral("is not a known field"));
    }
    return o;
}

/// A required text of 1..max characters (code points) after trimming.
QString requiredText(const QJsonObject &o, const QString &name, int max, Problems &p)
{
    const QJsonValue v = o.value(name);
    if (v.isUndefined() || v.isNull()) {
        p.add(name, QStringLiteral("is required"));
        return {};
    }
    if (!v.isString() || !v.toString().isValidUtf16()) {
        p.add(name, QStringLiteral("must be a string"));
        return {};
    }
    const QString text = v.toString().trimmed();
    const qsizetype length = codePoints(text);
    if (length == 0)
        p.add(name, QStringLiteral("must not be empty"));
    else if (length > max)
        p.add(name, QStringLiteral("must be at most %1 characters").arg(max));
    else if (hasControlCharacters(text))
        p.add(name, QStringLiteral("must not contain control characters"));
    return text;
}

PromptRecord pickToday(const QList<PromptRecord> &prompts, const QDate &day)
{
    return prompts.at(EngagementRules::dailyPromptIndex(day, prompts.size()));
}

} // namespace

namespace EngagementRules {

qsizetype dailyPromptIndex(const QDate &utcDay, qsizetype count)
{
    if (count <= 0)
        return -1;
    const qint64 days = QDate(1970, 1, 1).daysTo(utcDay);
    return qsizetype(((days % count) + count) % count);
}

QDate weekStart(const QDate &day)
{
    return day.addDays(1 - day.dayOfWeek()); // dayOfWeek: Monday = 1
}

Result<DailyAnswerInput> parseDailyAnswer(const QJsonValue &body)
{
    Problems p;
    const QJsonObject o =
        bodyObject(body, {QStringLiteral("prompt_id"), QStringLiteral("answer")}, p);
    DailyAnswerInput input;
    if (body.isObject()) {
        const QJsonValue id = o.value(QStringLiteral("prompt_id"));
        const QUuid uuid = QUuid::fromString(id.toString());
        if (id.isUndefined() || id.isNull())
            p.add(QStringLiteral("prompt_id"), QStringLiteral("is required"));
        else if (!id.isString() || id.toString().size() != 36 || uuid.isNull())
            p.add(QStringLiteral("prompt_id"), QStringLiteral("must be a UUID"));
        else
            input.promptId = uuid.toString(QUuid::WithoutBraces); // lowercase, as stored
        input.answer = requiredText(o, QStringLiteral("answer"), kAnswerMax, p);
    }
    if (!p.empty())
        return p.error();
    return input;
}

Result<WeeklyIntentInput> parseWeeklyIntent(const QJsonValue &body, const QDate &utcToday)
{
    Problems p;
    const QJsonObject o =
        bodyObject(body, {QStringLiteral("intent"), QStringLiteral("week_start_date")}, p);
    WeeklyIntentInput input;
    const QDate current = weekStart(utcToday);
    const QDate next = current.addDays(7);
    input.weekStartDate = current;
    if (body.isObject()) {
        input.intent = requiredText(o, QStringLiteral("intent"), kIntentMax, p);
        const QString path = QStringLiteral("week_start_date");
        const QJsonValue v = o.value(path);
        if (!v.isUndefined() && !v.isNull()) {
            static const QRegularExpression shape(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
            const QDate date = QDate::fromString(v.toString(), Qt::ISODate);
            if (!v.isString() || !shape.match(v.toString()).hasMatch() || !date.isValid())
                p.add(path, QStringLiteral("must be a date YYYY-MM-DD"));
            else if (date.dayOfWeek() != Qt::Monday)
                p.add(path, QStringLiteral("must be a Monday (weeks start on Monday)"));
            else if (date != current && date != next)
                p.add(path,
                      QStringLiteral("must be this week's Monday (%1) or next week's (%2)")
                          .arg(current.toString(Qt::ISODate), next.toString(Qt::ISODate)));
            else
                input.weekStartDate = date;
        }
    }
    if (!p.empty())
        return p.error();
    return input;
}

Result<QList<PromptSeed>> parsePromptCatalog(const QByteArray &json)
{
    const auto bad = [](const QString &what) {
        AppError e = AppError::internal();
        e.message = QStringLiteral("prompts.json: %1").arg(what);
        return e;
    };
    QJsonParseError parseError {};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray())
        return bad(QStringLiteral("not a JSON list (%1)").arg(parseError.errorString()));
    static const QRegularExpression keyShape(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    static const QStringList types {QStringLiteral("icebreaker"), QStringLiteral("daily"),
                                    QStringLiteral("room")};
    QList<PromptSeed> prompts;
    QSet<QString> keys;
    const QJsonArray list = document.array();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list[i].toObject();
        PromptSeed seed {o.value(QStringLiteral("key")).toString(),
                         o.value(QStringLiteral("type")).toString(),
                         o.value(QStringLiteral("text")).toString().trimmed(),
                         {}};
        const QString where = QStringLiteral("entry %1 (\"%2\")").arg(i).arg(seed.key);
        if (!keyShape.match(seed.key).hasMatch())
            return bad(where + QStringLiteral(": \"key\" must be snake_case"));
        if (keys.contains(seed.key))
            return bad(where + QStringLiteral(": \"key\" is repeated"));
        if (!types.contains(seed.type))
            return bad(where + QStringLiteral(": \"type\" must be icebreaker, daily or room"));
        if (seed.text.isEmpty())
            return bad(where + QStringLiteral(": \"text\" is empty"));
        for (const QJsonValue &tag : o.value(QStringLiteral("topic_tags")).toArray()) {
            if (!keyShape.match(tag.toString()).hasMatch())
                return bad(where + QStringLiteral(": a topic tag is not snake_case"));
            seed.topicTags << tag.toString();
        }
        keys.insert(seed.key);
        prompts.append(seed);
    }
    return prompts;
}

} // namespace EngagementRules

Result<TodaysPrompt> EngagementService::todaysPrompt(const QString &userId) const
{
    const QDate today = QDateTime::currentDateTimeUtc().date();
    Result<QList<PromptRecord>> prompts = m_repository.activeDailyPrompts();
    if (!prompts)
        return prompts.error();
    if (prompts->isEmpty())
        return AppError::notFound(QStringLiteral("No daily prompt is active"));
    TodaysPrompt result {pickToday(*prompts, today), false};
    Result<bool> answered = m_repository.answered(userId, result.prompt.id, today);
    if (!answered)
        return answered.error();
    result.answered = *answered;
    return result;
}

Result<DailyAnswerCreated> EngagementService::answerDailyPrompt(const QString &userId,
                                                                const DailyAnswerInput &input) const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDate today = now.date();
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<std::optional<PromptRecord>> prompt = m_repository.findPrompt(input.promptId);
    if (!prompt)
        return prompt.error();
    if (!*prompt || !(*prompt)->active || (*prompt)->type != QLatin1String("daily"))
        return AppError::notFound(QStringLiteral("No such daily prompt"));
    Result<QList<PromptRecord>> prompts = m_repository.activeDailyPrompts();
    if (!prompts)
        return prompts.error();
    // Today's prompt only (UTC day): yesterday's, answered after midnight, would let one
    // person collect several days' XP at once.
    if (prompts->isEmpty() || pickToday(*prompts, today).id != input.promptId)
        return AppError::validation(
            {{QStringLiteral("prompt_id"),
              QStringLiteral("is not today's prompt (see GET /api/daily_prompts/today)")}});
    Result<DailyAnswerRecord> answer =
        m_repository.insertDailyAnswer(userId, input.promptId, today, input.answer, now);
    if (!answer)
        return answer.error();
    Result<int> xp = m_repository.awardXp(userId, XpSource::DailyAnswer, answer->id);
    if (!xp)
        return xp.error();
    if (!tx.commit())
        return databaseUnavailable();
    return DailyAnswerCreated {*answer, *xp};
}

Result<WeeklyIntentRecord> EngagementService::setWeeklyIntent(const QString &userId,
                                                              const WeeklyIntentInput &input) const
{
    return m_repository.upsertWeeklyIntent(userId, input.weekStartDate, input.intent,
                                           QDateTime::currentDateTimeUtc());
}

Result<WeeklyIntentRecord> EngagementService::currentWeeklyIntent(const QString &userId) const
{
    const QDate monday = EngagementRules::weekStart(QDateTime::currentDateTimeUtc().date());
    Result<std::optional<WeeklyIntentRecord>> intent = m_repository.weeklyIntent(userId, monday);
    if (!intent)
        return intent.error();
    if (!*intent)
        return AppError::notFound(QStringLiteral("No intent set for this week"));
    return **intent;
}

Result<XpSummary> EngagementService::xp(const QString &userId) const
{
    // One transaction: the total and the recent entries describe the same ledger state.
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<XpSummary> summary = m_repository.xpSummary(userId, EngagementRules::kRecentXpEntries);
    tx.commit();
    return summary;
}

QString seedPromptCatalog()
{
    QFile file(QStringLiteral(":/resources/catalog/prompts.json"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("prompts.json is not embedded in the binary");
    Result<QList<PromptSeed>> prompts = EngagementRules::parsePromptCatalog(file.readAll());
    if (!prompts)
        return prompts.error().message;
    Transaction tx;
    if (!tx.begin())
        return QStringLiteral("cannot seed the prompt catalog: the database is unavailable");
    if (Status seeded = EngagementRepository().seedPrompts(*prompts); !seeded)
        return QStringLiteral("cannot seed the prompt catalog: %1").arg(seeded.error().message);
    if (!tx.commit())
        return QStringLiteral("cannot seed the prompt catalog: the commit failed");
    return {};
}

QJsonObject todaysPromptToJson(const TodaysPrompt &today)
{
    return QJsonObject {{QStringLiteral("prompt"),
                         QJsonObject {{QStringLiteral("id"), today.prompt.id},
                                      {QStringLiteral("text"), today.prompt.text},
                                      {QStringLiteral("topic_tags"),
                                       QJsonArray::fromStringList(today.prompt.topicTags)}}},
                        {QStringLiteral("answered"), today.answered}};
}

QJsonObject dailyAnswerToJson(const DailyAnswerCreated &created)
{
    return QJsonObject {{QStringLiteral("id"), created.answer.id},
                        {QStringLiteral("prompt_id"), created.answer.promptId},
                        {QStringLiteral("created_at"), toWireTime(created.answer.createdAt)},
                        {QStringLiteral("xp_awarded"), created.xpAwarded}};
}

QJsonObject weeklyIntentToJson(const WeeklyIntentRecord &intent)
{
    return QJsonObject {
        {QStringLiteral("week_start_date"), intent.weekStartDate.toString(Qt::ISODate)},
        {QStringLiteral("intent"), intent.intent},
        {QStringLiteral("updated_at"), toWireTime(intent.updatedAt)}};
}

QJsonObject xpSummaryToJson(const XpSummary &summary)
{
    QJsonArray recent;
    for (const XpEntry &e : summary.recent)
        recent.append(QJsonObject {{QStringLiteral("xp_delta"), e.xpDelta},
                                   {QStringLiteral("source_type"), e.sourceType},
                                   {QStringLiteral("created_at"), toWireTime(e.createdAt)}});
    return QJsonObject {{QStringLiteral("total"), summary.total},
                        {QStringLiteral("recent"), recent}};
}

} // namespace fp
