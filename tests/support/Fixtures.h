#pragma once

// Small helpers the integration tests share.

#include "tests/support/HttpClient.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>
#include <QTest>
#include <QUuid>

namespace fp::test {

/// A fresh lowercase UUID, the form ids take in this API.
inline QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

/// The field paths a validation_failed answer names in details.fields, sorted.
inline QStringList fieldsOf(const HttpResult &r)
{
    QStringList keys =
        r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().keys();
    keys.sort();
    return keys;
}

/// A PUT /api/profile body that completes onboarding: every preference, three values and three
/// interests (these, or books, hiking and music), always available.
inline QJsonObject completeProfile(const QString &nickname, const QJsonObject &interests = {})
{
    QJsonArray windows;
    for (const char *day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
        windows.append(
            QJsonObject {{"day", QLatin1String(day)}, {"start", "00:00"}, {"end", "24:00"}});
    return {{"nickname", nickname},
            {"preferences",
             QJsonObject {{"conversation_depth", "deep"},
                          {"contact_frequency", "weekly"},
                          {"directness_score", 60},
                          {"humor_score", 70},
                          {"response_pace", "flexible"},
                          {"group_comfort", "one_to_one"},
                          {"friendship_intention", "long_term"},
                          {"voice_note_ok", true},
                          {"timezone", "UTC"},
                          {"availability_windows", windows}}},
            {"values", QJsonObject {{"honesty", 90}, {"empathy", 85}, {"curiosity", 80}}},
            {"interests",
             interests.isEmpty() ? QJsonObject {{"books", 80}, {"hiking", 70}, {"music", 60}}
                                 : interests}};
}

inline QDateTime minutesAgo(int minutes)
{
    return QDateTime::currentDateTimeUtc().addSecs(-60LL * minutes);
}

/// Checks `condition` every `intervalMs` (serving events meanwhile) until it holds, for at most
/// `timeoutMs`. For conditions that cost a request or a query each time they are asked.
template<typename Condition> bool pollUntil(Condition condition, int timeoutMs, int intervalMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(intervalMs);
    }
    return true;
}

} // namespace fp::test
