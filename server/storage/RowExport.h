#pragma once

// Rows as JSON for a person's data export (GET /api/me/export): each domain's repository
// selects its own tables' rows about the person, with the columns listed (never `*`, so a
// secret added to a table later cannot leak by accident), and this turns them into JSON the same
// way for every table: times as RFC 3339, JSON columns parsed, flags as booleans.

#include "common/Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVariantList>
#include <initializer_list>

namespace fp {

/// Runs `sql` and returns every row as an object keyed by column name (or alias).
Result<QJsonArray> exportRows(const QString &sql, const QVariantList &bindings);

/// One table's rows about a person: `sql` binds the person's id `userIdBindings` times.
struct TableExport
{
    const char *table;
    const char *sql;
    int userIdBindings = 1;
};

/// {<table>: [rows]} for each of `tables`.
Result<QJsonObject> exportTables(std::initializer_list<TableExport> tables, const QString &userId);

} // namespace fp
