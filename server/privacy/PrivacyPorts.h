#pragma once

// What the privacy domain asks of every domain that holds personal data (docs/architecture.md
// "How domains talk"): its part of a person's data export, and what it erases when the person
// deletes their account. The application registers each holder once, before the first request.

#include "common/Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <functional>

namespace fp {

struct PersonalDataHolder
{
    QString name; // for the log when one fails
    /// {<storage table>: [rows]} of this domain's tables; may be empty (holds nothing to show).
    std::function<Result<QJsonObject>(const QString &userId)> exportFor;
    /// Runs inside the deletion's transaction; may be empty (keeps nothing of the person).
    std::function<Status(const QString &userId, const QDateTime &now)> eraseFor;
};

struct PrivacyPorts
{
    /// In order: erasures run in this order (the identity domain's first locks the account).
    QList<PersonalDataHolder> holders;
};

} // namespace fp
