#include "server/base/Log.h"

#include "common/Time.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <atomic>
#include <cstdio>

namespace fp::log {

namespace {

std::atomic<LogFormat> g_format {LogFormat::Json};
QMutex g_writeMutex;

const char *levelName(Level level)
{
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "info";
}

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    Level level = Level::Info;
    switch (type) {
    case QtDebugMsg:
        level = Level::Debug;
        break;
    case QtInfoMsg:
        level = Level::Info;
        break;
    case QtWarningMsg:
        level = Level::Warning;
        break;
    case QtCriticalMsg:
    case QtFatalMsg:
        level = Level::Error;
        break;
    }
    QJsonObject fields {{QStringLiteral("message"), message}};
    if (context.category && qstrcmp(context.category, "default") != 0)
        fields.insert(QStringLiteral("category"), QString::fromLatin1(context.category));
    write(level, QStringLiteral("qt"), fields);
}

} // namespace

void setFormat(LogFormat format)
{
    g_format = format;
}

void installQtMessageHandler()
{
    qInstallMessageHandler(qtMessageHandler);
}

namespace {

void writeLine(QByteArray line)
{
    line += '\n';
    QMutexLocker lock(&g_writeMutex);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

/// Now as toWireTime() writes it. Its "yyyy-MM-ddTHH:mm:ss" changes once a second, so each
/// thread keeps the last one and writes only the milliseconds.
QByteArray wireTimeNow()
{
    thread_local qint64 secondKept = -1;
    thread_local QByteArray prefixKept;
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    const qint64 second = ms / 1000;
    if (second != secondKept) {
        prefixKept = QDateTime::fromSecsSinceEpoch(second, Qt::UTC)
                         .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss."))
                         .toLatin1();
        secondKept = second;
    }
    const int millis = int(ms % 1000);
    QByteArray time = prefixKept;
    time.append(char('0' + millis / 100));
    time.append(char('0' + millis / 10 % 10));
    time.append(char('0' + millis % 10));
    time.append('Z');
    return time;
}

} // namespace

void write(Level level, QLatin1StringView event, JsonText::Object fields)
{
    if (g_format != LogFormat::Json) {
        write(level, QString(event), QJsonDocument::fromJson(fields.finish()).object());
        return;
    }
    const bool noFields = fields.isEmpty();
    const QByteArray members = fields.finish();
    QByteArray line;
    line.reserve(64 + members.size());
    line.append("{\"time\":\"");
    line.append(wireTimeNow());
    line.append("\",\"level\":\"");
    line.append(levelName(level));
    line.append("\",\"event\":");
    JsonText::appendString(line, QString(event));
    if (noFields)
        line.append('}');
    else
        line.append(',').append(QByteArrayView(members).sliced(1)); // without its '{'
    writeLine(std::move(line));
}

void write(Level level, const QString &event, const QJsonObject &fields)
{
    const QString time = QString::fromLatin1(wireTimeNow());
    QByteArray line;
    if (g_format == LogFormat::Json) {
        QJsonObject object = fields;
        object.insert(QStringLiteral("time"), time);
        object.insert(QStringLiteral("level"), QString::fromLatin1(levelName(level)));
        object.insert(QStringLiteral("event"), event);
        line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    } else {
        line = QStringLiteral("%1 %2 %3")
                   .arg(time, QString::fromLatin1(levelName(level)), event)
                   .toUtf8();
        for (auto it = fields.begin(); it != fields.end(); ++it) {
            const QJsonValue v = it.value();
            const QString text = v.isString()
                ? v.toString()
                : QString::fromUtf8(QJsonDocument(QJsonArray {v})
                                        .toJson(QJsonDocument::Compact)
                                        .mid(1)
                                        .chopped(1));
            line += ' ' + it.key().toUtf8() + '=' + text.toUtf8();
        }
    }
    writeLine(std::move(line));
}

} // namespace fp::log
