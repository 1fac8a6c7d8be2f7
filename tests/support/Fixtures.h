#pragma once

// Small helpers the integration tests share.

#include "tests/support/HttpClient.h"

#include <QDateTime>
#include <QDeadlineTimer>
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
