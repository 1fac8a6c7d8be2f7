#include "server/engagement/EngagementValidation.h"

#include "server/base/Validation.h"
#include "server/engagement/EngagementRules.h"

#include <QRegularExpression>
#include <QUuid>

namespace fp::EngagementValidation {

namespace {

// The answer is prose; an intent is one line ("Meet someone who hikes").
const TextRule answerRule {.policy = TextPolicy::MultiLine,
                           .maxLength = EngagementRules::kAnswerMax};
const TextRule intentRule {.policy = TextPolicy::SingleLine,
                           .maxLength = EngagementRules::kIntentMax};

} // namespace

Result<DailyAnswerInput> parseDailyAnswer(const QJsonValue &body)
{
    Problems p;
    ObjectReader fields(body, {"prompt_id", "answer"}, p);
    DailyAnswerInput input;
    if (fields.isObject()) {
        const QJsonValue id = fields.value("prompt_id");
        const QUuid uuid = QUuid::fromString(id.toString());
        if (id.isUndefined() || id.isNull())
            p.add(QStringLiteral("prompt_id"), QStringLiteral("is required"));
        else if (!id.isString() || id.toString().size() != 36 || uuid.isNull())
            p.add(QStringLiteral("prompt_id"), QStringLiteral("must be a UUID"));
        else
            input.promptId = uuid.toString(QUuid::WithoutBraces); // lowercase, as stored
        input.answer = fields.text("answer", answerRule).value_or(QString());
    }
    if (!p.empty())
        return p.error();
    return input;
}

Result<WeeklyIntentInput> parseWeeklyIntent(const QJsonValue &body, const QDate &utcToday)
{
    Problems p;
    ObjectReader fields(body, {"intent", "week_start_date"}, p);
    WeeklyIntentInput input;
    const QDate current = EngagementRules::weekStart(utcToday);
    const QDate next = current.addDays(7);
    input.weekStartDate = current;
    if (fields.isObject()) {
        input.intent = fields.text("intent", intentRule).value_or(QString());
        const QString path = QStringLiteral("week_start_date");
        const QJsonValue v = fields.value("week_start_date");
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

} // namespace fp::EngagementValidation
