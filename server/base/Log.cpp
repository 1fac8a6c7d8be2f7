#include "server/base/Log.h"

#include "common/Time.h"
#include "server/base/ThreadName.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>

namespace fp::log {

namespace {

std::atomic<LogFormat> g_format {LogFormat::Json};

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

// Lines leave a burst at a time, from a thread of their own: one write, and one wake-up of
// whoever reads the log (journald, a pipe), per burst instead of per line, which at thousands of
// requests a second was a system call and a reader's wake-up per request (issue #16). A burst
// is what arrives within kGatherMs of a first line. An error goes out at once, after everything
// logged before it, so a crash that follows still shows it; so does everything once the process
// is exiting.
class LineWriter
{
public:
    static constexpr int kGatherMs = 2;
    static constexpr qsizetype kMaxPending = 256 * 1024;

    void add(const QByteArray &line, bool now)
    {
        std::unique_lock lock(m_mutex);
        m_pending += line;
        if (now || m_stopped || m_pending.size() >= kMaxPending) {
            writeOut(lock);
            return;
        }
        if (!m_thread.joinable()) {
            m_thread = std::thread([this] { run(); });
            nameThread(m_thread, "log writer");
        }
        if (!std::exchange(m_scheduled, true))
            m_wake.notify_one();
    }

    /// Writes what is pending and stops the thread; later lines are written at once.
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopped = true;
        }
        m_wake.notify_one();
        if (m_thread.joinable())
            m_thread.join();
        std::unique_lock lock(m_mutex);
        writeOut(lock);
    }

private:
    void run()
    {
        std::unique_lock lock(m_mutex);
        while (!m_stopped) {
            m_wake.wait(lock, [this] { return m_scheduled || m_stopped; });
            m_wake.wait_for(lock, std::chrono::milliseconds(kGatherMs),
                            [this] { return m_stopped; });
            m_scheduled = false;
            writeOut(lock);
        }
    }

    /// Writes the pending lines, in order with any other writer: the output is taken before
    /// `lock` (on m_mutex) is let go, so lines leave in the order they were added.
    void writeOut(std::unique_lock<std::mutex> &lock)
    {
        if (m_pending.isEmpty())
            return;
        const QByteArray out = std::exchange(m_pending, {});
        {
            std::lock_guard output(m_outputMutex);
            lock.unlock();
            std::fwrite(out.constData(), 1, size_t(out.size()), stderr);
            std::fflush(stderr);
        }
        lock.lock();
    }

    std::mutex m_mutex;
    std::mutex m_outputMutex;
    std::condition_variable m_wake;
    QByteArray m_pending;
    bool m_scheduled = false;
    bool m_stopped = false;
    std::thread m_thread;
};

LineWriter &lineWriter()
{
    // Never destroyed: lines may be logged while other statics are torn down. Its thread is
    // stopped, and what is pending written, when the process exits normally.
    static LineWriter *const writer = [] {
        auto *w = new LineWriter;
        std::atexit([] { lineWriter().stop(); });
        return w;
    }();
    return *writer;
}

thread_local QString t_requestId; // of the RequestScope this thread is in

void writeLine(QByteArray line, Level level)
{
    line += '\n';
    lineWriter().add(line, level == Level::Error);
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
        // toWireTime()'s own text of that second, without its ".zzzZ".
        prefixKept = toWireTime(QDateTime::fromSecsSinceEpoch(second, Qt::UTC)).toLatin1();
        prefixKept.chop(4);
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
    writeLine(std::move(line), level);
}

RequestScope::RequestScope(const QString &requestId)
    : m_outer(std::exchange(t_requestId, requestId))
{ }

RequestScope::~RequestScope()
{
    t_requestId = std::move(m_outer);
}

void write(Level level, const QString &event, const QJsonObject &fields)
{
    if (!t_requestId.isEmpty() && !fields.contains(QLatin1String("request_id"))) {
        QJsonObject named = fields;
        named.insert(QStringLiteral("request_id"), t_requestId);
        write(level, event, named);
        return;
    }
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
    writeLine(std::move(line), level);
}

} // namespace fp::log
