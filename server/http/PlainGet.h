#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>
#include <optional>

namespace fp {

/// The parts of a plain GET that answering it from memory needs, read from a head the
/// connection guard has already accepted (RequestStreamReader): its path, and its headers as
/// Qt's parser would give them (names lower-cased, values trimmed, in the order sent).
struct PlainGet
{
    QString path;
    QList<QPair<QByteArray, QByteArray>> headers;
};

/// The head as a PlainGet, or nothing for anything Qt's parser might read differently from a
/// plain reading: another method, a query or fragment, percent-escapes, dot segments, an odd
/// Host, empty lines before the request line. Those are left to Qt's HTTP server.
std::optional<PlainGet> readPlainGet(QByteArrayView head);

} // namespace fp
