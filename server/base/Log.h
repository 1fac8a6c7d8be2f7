#pragma once

// Structured logging: one JSON object a line (or readable text), always with a time and a
// level, and the request id when there is one. Callers pass fields explicitly; nothing here
// ever receives a password, a token or a request body.

#include "server/base/Config.h"
#include "server/base/JsonText.h"

#include <QJsonObject>
#include <QString>

namespace fp::log {

enum class Level { Debug, Info, Warning, Error };

void setFormat(LogFormat format);
/// Routes qDebug/qWarning/... (including Qt's own) through this logger.
void installQtMessageHandler();

/// While one lives, the lines this thread writes name the request it serves (`request_id`),
/// unless they name one themselves: a db_error or a warning found in the log leads to the
/// request's own line, and to the X-Request-Id its client saw.
class RequestScope
{
public:
    explicit RequestScope(const QString &requestId);
    ~RequestScope();
    RequestScope(const RequestScope &) = delete;
    RequestScope &operator=(const RequestScope &) = delete;

private:
    QString m_outer; // the scope this one interrupts, if any
};

void write(Level level, const QString &event, const QJsonObject &fields = {});
/// The same with the fields already written as JSON text: for the line every HTTP request
/// writes, where building a QJsonObject and serialising it made a third of the request's
/// allocations (issue #16).
void write(Level level, QLatin1StringView event, JsonText::Object fields);
inline void info(const QString &event, const QJsonObject &fields = {})
{
    write(Level::Info, event, fields);
}
inline void warning(const QString &event, const QJsonObject &fields = {})
{
    write(Level::Warning, event, fields);
}
inline void error(const QString &event, const QJsonObject &fields = {})
{
    write(Level::Error, event, fields);
}

} // namespace fp::log
