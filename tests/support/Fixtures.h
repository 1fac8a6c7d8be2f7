#pragma once

// Small helpers the integration tests share.

#include "tests/support/HttpClient.h"

#include <QJsonObject>
#include <QStringList>
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

} // namespace fp::test
