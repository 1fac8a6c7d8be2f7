#pragma once

// Binds values into a statement's `?` placeholders as escaped SQL literals, so the statement
// travels in MySQL's text protocol: one round trip. Qt 6.4's QMYSQL driver runs every prepared
// QSqlQuery as prepare + execute (and resets a re-used one first), two round trips plus a
// close, and ws_bench showed those round trips dominating the chat path (the server mostly
// switching threads while it waited on MariaDB). Repositories still write `?` and pass values;
// only this function turns a value into SQL, the way MySQL Connector/J and PHP's PDO do by
// default.
//
// Literals mean the same whatever the session's sql_mode (NO_BACKSLASH_ESCAPES, ANSI_QUOTES): a
// quote is doubled, and text with a backslash or a control character travels as a hexadecimal
// utf8mb4 literal. The statement templates themselves quote strings with '...' only.

#include <QString>
#include <QVariant>
#include <QVariantList>
#include <optional>

namespace fp::Sql {

/// `sql` with each `?` outside quotes, backticks and comments replaced by the next value as a
/// literal. nullopt (with `error` set) when the counts differ or a value has no SQL form.
std::optional<QString> bindValues(const QString &sql, const QVariantList &values,
                                  QString *error = nullptr);

/// One value as a MySQL literal: NULL, a number, X'..' for bytes, '...' with doubled quotes or
/// _utf8mb4 X'..' for text.
std::optional<QString> literal(const QVariant &value);

} // namespace fp::Sql
