#pragma once

// Rituals and XP: the daily prompt (one for everyone per UTC day), answers to it, the weekly
// intent, and the XP they earn. Request bodies are checked by the pure parse* functions below
// (every bad field at once, the date passed in); the service applies the rules that need the
// database. No HTTP and no SQL here.

#include "common/Result.h"
#include "server/engagement/EngagementRepository.h"

#include <QByteArray>
#include <QDate>
#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace fp {

struct DailyAnswerInput
{
    QString promptId; // lowercase UUID
    QString answer; // trimmed
};

struct WeeklyIntentInput
{
    QDate weekStartDate; // a Monday: the current week's or the next one's
    QString intent; // trimmed
};

struct TodaysPrompt
{
    PromptRecord prompt;
    bool answered = false;
};

struct DailyAnswerCreated
{
    DailyAnswerRecord answer;
    int xpAwarded = 0;
};

namespace EngagementRules {
inline constexpr int kAnswerMax = 2000;
inline constexpr int kIntentMax = 280; // weekly_intents.intent is VARCHAR(280)
inline constexpr int kRecentXpEntries = 20;

/// Which of `count` active daily prompts (ordered by prompt_key) is the prompt of `utcDay`:
/// days since 1970-01-01 modulo count, so everyone gets the same one and it rotates daily.
qsizetype dailyPromptIndex(const QDate &utcDay, qsizetype count);
/// The Monday on or before `day`.
QDate weekStart(const QDate &day);
/// POST /api/daily_prompts/answers: {prompt_id, answer}.
Result<DailyAnswerInput> parseDailyAnswer(const QJsonValue &body);
/// POST /api/weekly_intent: {intent, week_start_date?}; the week defaults to the current one
/// and may only be the current or the next (weeks start on Monday, in UTC).
Result<WeeklyIntentInput> parseWeeklyIntent(const QJsonValue &body, const QDate &utcToday);
/// Parses resources/catalog/prompts.json; an error names the bad entry.
Result<QList<PromptSeed>> parsePromptCatalog(const QByteArray &json);
} // namespace EngagementRules

class EngagementService
{
public:
    /// 404 when no daily prompt is active.
    Result<TodaysPrompt> todaysPrompt(const QString &userId) const;
    /// 404 for an unknown or inactive daily prompt, 400 for an active one that is not today's,
    /// 409 for a second answer; the answer and its XP commit together.
    Result<DailyAnswerCreated> answerDailyPrompt(const QString &userId,
                                                 const DailyAnswerInput &input) const;
    Result<WeeklyIntentRecord> setWeeklyIntent(const QString &userId,
                                               const WeeklyIntentInput &input) const;
    /// The current week's intent, or 404.
    Result<WeeklyIntentRecord> currentWeeklyIntent(const QString &userId) const;
    Result<XpSummary> xp(const QString &userId) const;

private:
    EngagementRepository m_repository;
};

/// Loads the prompts embedded at ":/resources/catalog/prompts.json" into prompt_catalog
/// (upsert by prompt_key; prompts gone from the file become inactive). Idempotent; runs at
/// start after the migrations. Returns an error line, or an empty string.
QString seedPromptCatalog();

QJsonObject todaysPromptToJson(const TodaysPrompt &today);
QJsonObject dailyAnswerToJson(const DailyAnswerCreated &created);
QJsonObject weeklyIntentToJson(const WeeklyIntentRecord &intent);
QJsonObject xpSummaryToJson(const XpSummary &summary);

} // namespace fp
