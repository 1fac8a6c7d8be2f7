#include "server/storage/SqlText.h"

#include "common/Time.h"

#include <QByteArray>
#include <QDate>
#include <QDateTime>
#include <QTime>
#include <QTimeZone>
#include <cmath>

namespace fp::Sql {

namespace {

// What the binary protocol sent as NULL: an unset variant, or a null string, bytes or time.
bool isNullValue(const QVariant &value)
{
    if (value.isNull())
        return true;
    switch (value.typeId()) {
    case QMetaType::QString:
        return value.toString().isNull();
    case QMetaType::QByteArray:
        return value.toByteArray().isNull();
    case QMetaType::QDateTime:
        return !value.toDateTime().isValid();
    case QMetaType::QDate:
        return !value.toDate().isValid();
    case QMetaType::QTime:
        return !value.toTime().isValid();
    default:
        return false;
    }
}

// A '...' literal that means the same in every sql_mode: a quote is doubled (which both modes
// read as one quote) and text holding a backslash or a control character, the characters whose
// meaning depends on NO_BACKSLASH_ESCAPES, goes as a hexadecimal utf8mb4 literal instead. So a
// session whose mode is not what Database::applySessionSettings asked for still reads data as
// data.
QString quoted(const QString &text)
{
    bool needsHex = false;
    qsizetype quotes = 0;
    for (QChar c : text) {
        const bool control = (c.unicode() < 0x20 && c != QLatin1Char('\n') &&
                              c != QLatin1Char('\r') && c != QLatin1Char('\t')) ||
            c.unicode() == 0x7f;
        if (c == QLatin1Char('\\') || control) {
            needsHex = true;
            break;
        }
        if (c == QLatin1Char('\''))
            ++quotes;
    }
    if (needsHex) {
        return QStringLiteral("_utf8mb4 X'") + QString::fromLatin1(text.toUtf8().toHex()) +
            QLatin1Char('\'');
    }
    QString out;
    out.reserve(text.size() + quotes + 2);
    out += QLatin1Char('\'');
    for (QChar c : text) {
        out += c;
        if (c == QLatin1Char('\''))
            out += c;
    }
    out += QLatin1Char('\'');
    return out;
}

} // namespace

std::optional<QString> literal(const QVariant &value)
{
    if (isNullValue(value))
        return QStringLiteral("NULL");
    switch (value.typeId()) {
    case QMetaType::Bool:
        return value.toBool() ? QStringLiteral("1") : QStringLiteral("0");
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::SChar:
        return QString::number(value.toLongLong());
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::ULong:
    case QMetaType::ULongLong:
    case QMetaType::UChar:
        return QString::number(value.toULongLong());
    case QMetaType::Double:
    case QMetaType::Float: {
        const double d = value.toDouble();
        if (!std::isfinite(d))
            return std::nullopt; // MySQL has no NaN or infinity
        return QString::number(d, 'g', 17);
    }
    case QMetaType::QByteArray:
        return QStringLiteral("X'%1'").arg(QString::fromLatin1(value.toByteArray().toHex()));
    case QMetaType::QDateTime:
        return quoted(toSqlTime(value.toDateTime()));
    case QMetaType::QDate:
        return quoted(value.toDate().toString(Qt::ISODate));
    case QMetaType::QTime:
        return quoted(value.toTime().toString(QStringLiteral("HH:mm:ss.zzz")));
    default:
        break;
    }
    if (value.canConvert<QString>())
        return quoted(value.toString());
    return std::nullopt;
}

std::optional<QString> bindValues(const QString &sql, const QVariantList &values, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<QString> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QString out;
    out.reserve(sql.size() + 16 * values.size());
    qsizetype next = 0;
    QChar quote; // the quote character while inside '...', "..." or `...`
    enum class Comment { None, Line, Block } comment = Comment::None;
    for (qsizetype i = 0; i < sql.size(); ++i) {
        const QChar c = sql.at(i);
        const QChar following = i + 1 < sql.size() ? sql.at(i + 1) : QChar();
        if (comment == Comment::Line) {
            comment = c == QLatin1Char('\n') ? Comment::None : comment;
        } else if (comment == Comment::Block) {
            if (c == QLatin1Char('*') && following == QLatin1Char('/')) {
                out += c;
                out += following;
                ++i;
                comment = Comment::None;
                continue;
            }
        } else if (!quote.isNull()) {
            if (c == QLatin1Char('\\') && quote != QLatin1Char('`') && i + 1 < sql.size()) {
                out += c;
                out += following;
                ++i;
                continue;
            }
            if (c == quote)
                quote = QChar();
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"') || c == QLatin1Char('`')) {
            quote = c;
        } else if (c == QLatin1Char('#') ||
                   (c == QLatin1Char('-') && following == QLatin1Char('-'))) {
            comment = Comment::Line;
        } else if (c == QLatin1Char('/') && following == QLatin1Char('*')) {
            comment = Comment::Block;
        } else if (c == QLatin1Char('?')) {
            if (next >= values.size())
                return fail(QStringLiteral("more placeholders than the %1 values given")
                                .arg(values.size()));
            const std::optional<QString> value = literal(values.at(next));
            if (!value)
                return fail(QStringLiteral("value %1 (%2) has no SQL literal")
                                .arg(next + 1)
                                .arg(QString::fromLatin1(values.at(next).typeName())));
            out += *value;
            ++next;
            continue;
        }
        out += c;
    }
    if (next != values.size())
        return fail(
            QStringLiteral("%1 values given for %2 placeholders").arg(values.size()).arg(next));
    return out;
}

} // namespace fp::Sql
