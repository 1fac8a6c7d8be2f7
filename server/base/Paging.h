#pragma once

// Lists (API_SPEC "Lists"): ?limit= (1-200, default 50) and an opaque ?cursor= that only this
// server issues. Every cursor is the same envelope (base64url of a small JSON object), so one
// decoder refuses forged or foreign cursors for every list. Most lists are newest first by
// (time, id), a keyset that stays stable while rows are added; staff lists that filter and
// sort freely page by offset.

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace fp {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 200;

/// A position in a list ordered by (time, id): the last row of the page before.
struct KeysetCursor
{
    QDateTime time;
    QString id;
};

/// One page of a list and where the next one starts (nullopt: this was the last).
template<typename T, typename Position = KeysetCursor> struct Page
{
    QList<T> items;
    std::optional<Position> next;
};

/// What a list route was asked for.
template<typename Position = KeysetCursor> struct PageRequest
{
    int limit = kDefaultPageSize;
    std::optional<Position> after;
};

namespace paging {

QString encode(const KeysetCursor &position);
QString encode(int offset);
/// nullopt for anything this server did not issue.
std::optional<KeysetCursor> decodeKeyset(const QString &cursor);
std::optional<int> decodeOffset(const QString &cursor);

/// The next page of `rows` fetched with limit + 1 (the extra row only says there is more):
/// trims it and sets the next position from the last kept row.
template<typename T, typename PositionOf>
Page<T> keysetPage(QList<T> rows, int limit, PositionOf positionOf)
{
    Page<T> page;
    if (rows.size() > limit) {
        rows.resize(limit);
        page.next = positionOf(rows.last());
    }
    page.items = std::move(rows);
    return page;
}

/// The same for a list paged by offset: the next page starts `limit` rows further.
template<typename T> Page<T, int> offsetPage(QList<T> rows, int limit, int offset)
{
    Page<T, int> page;
    if (rows.size() > limit) {
        rows.resize(limit);
        page.next = offset + limit;
    }
    page.items = std::move(rows);
    return page;
}

} // namespace paging

} // namespace fp
