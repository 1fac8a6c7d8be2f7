#include "server/base/Paging.h"

#include "server/base/Validation.h"

#include <QJsonDocument>
#include <QTimeZone>

namespace fp::paging {

namespace {

constexpr qsizetype kMaxCursorLength = 512;

QString envelope(const QJsonObject &position)
{
    return QString::fromLatin1(
        QJsonDocument(position)
            .toJson(QJsonDocument::Compact)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::optional<QJsonObject> open(const QString &cursor)
{
    if (cursor.isEmpty() || cursor.size() > kMaxCursorLength)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(),
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals |
            QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded);
    if (!document.isObject())
        return std::nullopt;
    return document.object();
}

} // namespace

QString encode(const KeysetCursor &position)
{
    return envelope({{QStringLiteral("t"), double(position.time.toMSecsSinceEpoch())},
                     {QStringLiteral("i"), position.id}});
}

QString encode(int offset)
{
    return envelope({{QStringLiteral("o"), offset}});
}

std::optional<KeysetCursor> decodeKeyset(const QString &cursor)
{
    const std::optional<QJsonObject> position = open(cursor);
    if (!position || position->size() != 2)
        return std::nullopt;
    const QJsonValue t = position->value(QStringLiteral("t"));
    const QString id = position->value(QStringLiteral("i")).toString();
    if (!t.isDouble() || !validation::isUuid(id))
        return std::nullopt;
    return KeysetCursor {QDateTime::fromMSecsSinceEpoch(qint64(t.toDouble()), QTimeZone::utc()),
                         id};
}

std::optional<int> decodeOffset(const QString &cursor)
{
    const std::optional<QJsonObject> position = open(cursor);
    if (!position || position->size() != 1)
        return std::nullopt;
    const std::optional<int> offset =
        integerIn(position->value(QStringLiteral("o")), 0, 1000 * 1000 * 1000);
    return offset;
}

} // namespace fp::paging
