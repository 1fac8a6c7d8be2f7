#pragma once

// Timestamps on the wire are RFC 3339 UTC with milliseconds: 2026-11-25T21:07:01.123Z.

#include <QDateTime>
#include <QString>

namespace fp {

/// Empty for an invalid time.
QString toWireTime(const QDateTime &time);
/// "2026-11-25 21:07:01.123", UTC, as DATETIME(3) columns take it; empty for an invalid time.
QString toSqlTime(const QDateTime &time);
/// Invalid QDateTime when `text` is not an RFC 3339 timestamp.
QDateTime fromWireTime(const QString &text);

} // namespace fp
