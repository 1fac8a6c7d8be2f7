#include "server/storage/RowExport.h"

#include "common/Time.h"
#include "server/storage/Database.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlRecord>

namespace fp {

namespace {

bool isJsonColumn(const QString &name)
{
    return name.endsWith(QLatin1String("_json")) || name == QLatin1String("availability_windows");
}

bool isFlagColumn(const QString &name)
{
    return name == QLatin1String("contains_sensitive") || name == QLatin1String("voice_note_ok") ||
        name == QLatin1String("cooldown_applied");
}

QJsonValue columnToJson(const QString &name, const QVariant &value)
{
    if (value.isNull())
        return QJsonValue::Null;
    if (isJsonColumn(name)) {
        const QJsonDocument document = QJsonDocument::fromJson(value.toString().toUtf8());
        if (document.isObject())
            return document.object();
        if (document.isArray())
            return document.array();
        return value.toString();
    }
    if (isFlagColumn(name))
        return value.toInt() != 0;
    switch (value.metaType().id()) {
    case QMetaType::QDateTime:
        return toWireTime(Sql::toTime(value));
    case QMetaType::QDate:
        return value.toDate().toString(Qt::ISODate);
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::UChar:
    case QMetaType::SChar:
        return value.toLongLong();
    case QMetaType::Double:
    case QMetaType::Float:
        return value.toDouble();
    default:
        return value.toString();
    }
}

} // namespace

Result<QJsonArray> exportRows(const QString &sql, const QVariantList &bindings)
{
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QJsonArray rows;
    while (r.next()) {
        const QSqlRecord record = r.query().record();
        QJsonObject row;
        for (int i = 0; i < record.count(); ++i)
            row.insert(record.fieldName(i), columnToJson(record.fieldName(i), r.value(i)));
        rows.append(row);
    }
    return rows;
}

Result<QJsonObject> exportTables(std::initializer_list<TableExport> tables, const QString &userId)
{
    QJsonObject exported;
    for (const TableExport &t : tables) {
        QVariantList bindings;
        for (int i = 0; i < t.userIdBindings; ++i)
            bindings << userId;
        Result<QJsonArray> rows = exportRows(QString::fromLatin1(t.sql), bindings);
        if (!rows)
            return rows.error();
        exported.insert(QLatin1String(t.table), *rows);
    }
    return exported;
}

} // namespace fp
