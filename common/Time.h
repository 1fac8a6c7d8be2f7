#pragma once

// Timestamps on the wire are RFC 3339 UTC with milliseconds: 2026-11-25T21:07:01.123Z.

#include <QDateTime>
#include <QString>

namespace fp {

QString toWireTime(const QDateTime &time);
/// Invalid QDateTime when `text` is not an RFC 3339 timestamp.
QDateTime fromWireTime(const QString &text);

} // namespace fp
