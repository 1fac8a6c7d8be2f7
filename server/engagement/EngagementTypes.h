#pragma once

// The engagement domain's data: the prompt catalog, daily answers, weekly intents and the XP
// ledger, and the typed inputs of its routes.

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace fp {

/// One entry of resources/catalog/prompts.json.
struct PromptSeed
{
    QString key; // prompt_key, stable across deploys
    QString type; // icebreaker, daily, room
    QString text;
    QStringList topicTags;
};

struct PromptRecord
{
    QString id;
    QString key;
    QString type;
    QString text;
    QStringList topicTags;
    bool active = false;
};

struct DailyAnswerRecord
{
    QString id;
    QString promptId;
    QDateTime createdAt;
};

struct WeeklyIntentRecord
{
    QDate weekStartDate;
    QString intent;
    QDateTime updatedAt;
};

struct XpEntry
{
    int xpDelta = 0;
    QString sourceType;
    QDateTime createdAt;
};

struct XpSummary
{
    qint64 total = 0;
    QList<XpEntry> recent; // newest first
};

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

} // namespace fp
