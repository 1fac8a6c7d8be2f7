#include "server/storage/Database.h"

#include "common/Time.h"

#include "server/storage/WorkCounters.h"

#include "server/base/Log.h"
#include "server/storage/SqlText.h"

#include <QMutex>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QThread>
#include <QTimeZone>
#include <QUuid>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <mysql.h>
#include <sys/random.h>
#include <vector>

namespace fp {

namespace {

QMutex g_settingsMutex;
DbSettings g_settings;
thread_local int t_openTransactions = 0;
thread_local quint64 t_lockConflicts = 0;
std::atomic<quint64> g_failures {0};

// Transaction control counts as statements in this thread's work (WorkCounters.h), as MariaDB
// counts it in its Questions.
bool sendBegin(QSqlDatabase &db)
{
    ++workOnThisThread().sqlStatements;
    return db.transaction();
}

bool sendCommit(QSqlDatabase &db)
{
    ++workOnThisThread().sqlStatements;
    return db.commit();
}

bool sendRollback(QSqlDatabase &db)
{
    ++workOnThisThread().sqlStatements;
    return db.rollback();
}

QString threadConnectionName()
{
    return QStringLiteral("fp-%1").arg(quintptr(QThread::currentThreadId()));
}

// MySQL client error codes meaning the connection itself is gone.
bool isConnectionLoss(const QSqlError &error)
{
    const QString native = error.nativeErrorCode();
    return error.type() == QSqlError::ConnectionError || native == QLatin1String("2006") ||
        native == QLatin1String("2013") || native == QLatin1String("2002") ||
        native == QLatin1String("2003") || native == QLatin1String("4031") ||
        native == QLatin1String("1927");
}

DbFailure classify(const QSqlError &error)
{
    const QString native = error.nativeErrorCode();
    if (native == QLatin1String("1062") || native == QLatin1String("1586"))
        return DbFailure::DuplicateKey;
    if (native == QLatin1String("1451") || native == QLatin1String("1452"))
        return DbFailure::ForeignKey;
    if (native == QLatin1String("1213") || native == QLatin1String("1205"))
        return DbFailure::LockConflict;
    if (isConnectionLoss(error))
        return DbFailure::Unavailable;
    return DbFailure::Other;
}

void configureConnection(QSqlDatabase &db, const DbSettings &s)
{
    db.setDatabaseName(s.name);
    db.setUserName(s.user);
    db.setPassword(s.password);
    QString options = QStringLiteral("MYSQL_OPT_CONNECT_TIMEOUT=3;MYSQL_OPT_READ_TIMEOUT=30;"
                                     "MYSQL_OPT_WRITE_TIMEOUT=30");
    if (!s.socket.isEmpty()) {
        options += QStringLiteral(";UNIX_SOCKET=%1").arg(s.socket);
    } else {
        db.setHostName(s.host);
        db.setPort(s.port);
    }
    db.setConnectOptions(options);
}

} // namespace

void Database::configure(const DbSettings &settings)
{
    QMutexLocker lock(&g_settingsMutex);
    g_settings = settings;
}

namespace {

const QString kSessionSqlMode =
    QStringLiteral("STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
                   "NO_ENGINE_SUBSTITUTION");

// Qt's MySQL driver always connects with CLIENT_MULTI_STATEMENTS (for stored procedures), which
// would let one injected `;` run a second statement. Nothing here sends two at once.
bool turnOffMultipleStatements(QSqlDatabase &db)
{
    const QVariant handle = db.driver()->handle();
    if (qstrcmp(handle.typeName(), "MYSQL*") != 0 && qstrcmp(handle.typeName(), "st_mysql*") != 0)
        return false;
    MYSQL *mysql = *static_cast<MYSQL *const *>(handle.constData());
    return mysql && mysql_set_server_option(mysql, MYSQL_OPTION_MULTI_STATEMENTS_OFF) == 0;
}

} // namespace

bool Database::applySessionSettings(QSqlDatabase &db, QString *error)
{
    auto fail = [&db, error](const QString &why) {
        if (error)
            *error = why;
        db.close(); // never used with settings other than these
        return false;
    };
    if (!turnOffMultipleStatements(db))
        return fail(QStringLiteral("could not turn off multiple statements per call (%1)")
                        .arg(QString::fromLatin1(db.driver()->handle().typeName())));
    QSqlQuery q(db);
    // Every DATETIME is UTC; strict mode turns silent truncation into errors.
    if (!q.exec(QStringLiteral("SET time_zone = '+00:00', NAMES utf8mb4 COLLATE "
                               "utf8mb4_unicode_ci, sql_mode = '%1'")
                    .arg(kSessionSqlMode)))
        return fail(QStringLiteral("session settings refused: %1").arg(q.lastError().text()));
    const int lockWaitSeconds = [] {
        QMutexLocker lock(&g_settingsMutex);
        return g_settings.lockWaitSeconds;
    }();
    if (lockWaitSeconds > 0 &&
        !q.exec(QStringLiteral("SET innodb_lock_wait_timeout = %1").arg(lockWaitSeconds)))
        return fail(QStringLiteral("lock wait timeout refused: %1").arg(q.lastError().text()));
    if (!q.exec(QStringLiteral(
            "SELECT @@session.sql_mode, @@session.time_zone, @@session.character_set_client, "
            "@@session.character_set_connection, @@session.character_set_results")) ||
        !q.next())
        return fail(QStringLiteral("session settings unreadable: %1").arg(q.lastError().text()));
    const QString problem = sessionSettingsProblem(
        q.value(0).toString(), q.value(1).toString(),
        {q.value(2).toString(), q.value(3).toString(), q.value(4).toString()});
    if (!problem.isEmpty())
        return fail(problem);
    return true;
}

QString Database::sessionSettingsProblem(const QString &sqlMode, const QString &timeZone,
                                         const QStringList &characterSets)
{
    QStringList mode = sqlMode.split(QLatin1Char(','), Qt::SkipEmptyParts);
    QStringList wanted = kSessionSqlMode.split(QLatin1Char(','));
    mode.sort();
    wanted.sort();
    const bool allUtf8mb4 = !characterSets.isEmpty() &&
        std::all_of(characterSets.begin(), characterSets.end(),
                    [](const QString &set) { return set == QLatin1String("utf8mb4"); });
    if (mode == wanted && timeZone == QLatin1String("+00:00") && allUtf8mb4)
        return {};
    return QStringLiteral("session settings did not take effect (sql_mode %1, time zone %2, "
                          "character sets %3)")
        .arg(sqlMode, timeZone, characterSets.join(QLatin1Char('/')));
}

bool Database::openStandalone(QSqlDatabase &db, const QString &connectionName, QString *error)
{
    DbSettings settings;
    {
        QMutexLocker lock(&g_settingsMutex);
        settings = g_settings;
    }
    db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), connectionName);
    configureConnection(db, settings);
    if (!db.open()) {
        if (error)
            *error = db.lastError().text();
        return false;
    }
    return applySessionSettings(db, error);
}

std::optional<QSqlDatabase> Database::connection()
{
    const QString name = threadConnectionName();
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen())
            return db;
        QString error;
        if (db.open() && applySessionSettings(db, &error))
            return db;
        log::warning(QStringLiteral("db_connect_failed"),
                     {{QStringLiteral("error"), error.isEmpty() ? db.lastError().text() : error}});
        return std::nullopt;
    }
    QSqlDatabase db;
    QString error;
    if (!openStandalone(db, name, &error)) {
        log::warning(QStringLiteral("db_connect_failed"), {{QStringLiteral("error"), error}});
        return std::nullopt;
    }
    return db;
}

quint64 Database::lockConflictsOnThisThread()
{
    return t_lockConflicts;
}

void Database::pauseBeforeRetry(int attempt)
{
    // A few milliseconds, growing and jittered, so the two victims of one deadlock do not meet
    // again at once.
    const int ceilingMs = 4 * attempt;
    QThread::msleep(1 + QRandomGenerator::global()->bounded(ceilingMs));
}

quint64 Database::failureCount()
{
    return g_failures.load();
}

void Database::resetConnection()
{
    const QString name = threadConnectionName();
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase::database(name, false).close();
    }
}

AppError databaseUnavailable()
{
    return AppError::unavailable(QStringLiteral("The database is unavailable, try again shortly"),
                                 2);
}

AppError SqlResult::toAppError(const QString &requestId) const
{
    switch (m_failure) {
    case DbFailure::None:
        break;
    case DbFailure::Unavailable:
        return databaseUnavailable();
    case DbFailure::DuplicateKey:
        return AppError::conflict(QStringLiteral("That already exists"));
    case DbFailure::LockConflict:
        return AppError::unavailable(QStringLiteral("Busy with a conflicting change, try again"),
                                     1);
    case DbFailure::ForeignKey:
    case DbFailure::Other:
        log::error(QStringLiteral("db_error"),
                   {{QStringLiteral("request_id"), requestId},
                    {QStringLiteral("error"), Sql::loggableError(m_message)}});
        break;
    }
    return AppError::internal();
}

namespace Sql {

QString loggableError(const QString &driverError)
{
    // "... near '<statement text>' at line 1" and "Incorrect string value: '<bytes>' for
    // column ...": the quoted part may run to the end of the message.
    static const QRegularExpression quoted(
        QStringLiteral("(near |value: )'.*?'(?= at line| for column|$)"),
        QRegularExpression::DotMatchesEverythingOption);
    QString safe = driverError;
    safe.replace(quoted, QStringLiteral("\\1'(withheld)'"));
    return safe;
}

SqlResult exec(QSqlDatabase &db, const QString &sql, const QVariantList &bindings)
{
    QString bindError;
    const std::optional<QString> statement = bindValues(sql, bindings, &bindError);
    if (!statement) {
        ++g_failures;
        return {DbFailure::Other, QStringLiteral("%1: %2").arg(bindError, sql)};
    }
    QSqlQuery query(db);
    query.setForwardOnly(true);
    ++workOnThisThread().sqlStatements;
    if (!query.exec(*statement)) {
        ++g_failures;
        const QSqlError e = query.lastError();
        const DbFailure failure = classify(e);
        if (failure == DbFailure::LockConflict)
            ++t_lockConflicts;
        return {failure, e.text()};
    }
    return SqlResult(std::move(query));
}

SqlResult exec(const QString &sql, const QVariantList &bindings)
{
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::optional<QSqlDatabase> db = Database::connection();
        if (!db)
            return {DbFailure::Unavailable, QStringLiteral("no database connection")};
        SqlResult result = exec(*db, sql, bindings);
        if (result.failure() != DbFailure::Unavailable || Transaction::openOnThisThread())
            return result;
        // The server went away (restart, idle timeout): reconnect once and try again.
        Database::resetConnection();
        if (attempt == 1)
            return result;
    }
    return {DbFailure::Unavailable, QStringLiteral("unreachable")};
}

QVariant time(const QDateTime &utc)
{
    if (!utc.isValid())
        return QVariant(QMetaType::fromType<QString>());
    return toSqlTime(utc);
}

QDateTime toTime(const QVariant &column)
{
    if (column.isNull())
        return {};
    QDateTime value = column.toDateTime();
    if (!value.isValid())
        return {};
    // The column holds UTC; the driver hands it back without a zone.
    return QDateTime(value.date(), value.time(), QTimeZone::utc());
}

QVariant nullableText(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

namespace {

// From getrandom(2) rather than QRandomGenerator::system(), which on this machine reads the
// CPU's RDSEED four bytes at a time: 1.1 us an id, where getrandom takes 0.36 us for one and
// 0.08 us each for ten at once (a chat batch's rows).
void fillRandom(void *buffer, size_t size)
{
    auto *out = static_cast<char *>(buffer);
    while (size > 0) {
        const ssize_t got = getrandom(out, size, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) { // no getrandom (a very old kernel): what Qt offers, byte by byte
            // (the buffer need not be aligned for quint32, nor its rest a multiple of four)
            for (size_t i = 0; i < size; ++i)
                out[i] = char(QRandomGenerator::system()->generate());
            return;
        }
        out += got;
        size -= size_t(got);
    }
}

} // namespace

QString newId()
{
    return newIds(1).constFirst();
}

QStringList newIds(qsizetype count)
{
    std::vector<std::array<char, 16>> random(size_t(std::max<qsizetype>(count, 0)));
    fillRandom(random.data(), random.size() * 16);
    QStringList ids;
    ids.reserve(count);
    for (std::array<char, 16> &bytes : random) {
        // As QUuid::createUuid marks its own: version 4 (random), variant 10 (RFC 4122).
        bytes[6] = char((uchar(bytes[6]) & 0x0f) | 0x40);
        bytes[8] = char((uchar(bytes[8]) & 0x3f) | 0x80);
        ids.append(QUuid::fromRfc4122(QByteArrayView(bytes.data(), qsizetype(bytes.size())))
                       .toString(QUuid::WithoutBraces));
    }
    return ids;
}

Status status(const SqlResult &result)
{
    if (!result.ok())
        return result.toAppError();
    return Ok {};
}

Result<QStringList> strings(SqlResult result)
{
    if (!result.ok())
        return result.toAppError();
    QStringList texts;
    while (result.next())
        texts << result.value(0).toString();
    return texts;
}

QString startsWithPattern(const QString &text)
{
    // '!' rather than LIKE's default '\\', which NO_BACKSLASH_ESCAPES turns off.
    QString pattern;
    pattern.reserve(text.size() + 4);
    for (QChar c : text) {
        if (c == QLatin1Char('!') || c == QLatin1Char('%') || c == QLatin1Char('_'))
            pattern += QLatin1Char('!');
        pattern += c;
    }
    return pattern + QLatin1Char('%');
}

QVariantList values(const QStringList &ids)
{
    QVariantList list;
    list.reserve(ids.size());
    for (const QString &id : ids)
        list << id;
    return list;
}

QString repeated(const QString &part, qsizetype count, const QString &separator)
{
    QStringList parts;
    parts.reserve(count);
    for (qsizetype i = 0; i < count; ++i)
        parts << part;
    return parts.join(separator);
}

} // namespace Sql

namespace {

struct ThreadTransactionState
{
    bool rollbackOnly = false;
    std::vector<std::function<bool()>> beforeCommit;
    std::vector<std::function<void()>> afterCommit;
    std::vector<std::function<void()>> afterRollback;
};
thread_local ThreadTransactionState t_transaction;

} // namespace

Transaction::Transaction() = default;

Transaction::~Transaction()
{
    if (m_active)
        rollback();
}

bool Transaction::begin()
{
    if (t_openTransactions > 0) { // join the one already open on this thread
        m_active = true;
        m_outermost = false;
        ++t_openTransactions;
        return true;
    }
    m_db = Database::connection();
    if (!m_db)
        return false;
    if (!sendBegin(*m_db)) {
        // Likely a stale connection: reconnect once (nothing has run in it yet).
        Database::resetConnection();
        m_db = Database::connection();
        if (!m_db || !sendBegin(*m_db))
            return false;
    }
    m_active = true;
    m_outermost = true;
    t_transaction = {};
    ++t_openTransactions;
    return true;
}

bool Transaction::commit()
{
    if (!m_active)
        return false;
    if (!m_outermost) {
        m_active = false;
        --t_openTransactions;
        return !t_transaction.rollbackOnly;
    }
    // Actions may add more (a flush that records further work): run until none is left. The
    // transaction still counts as open on this thread while they run, as their statements are
    // part of it: Sql::exec must not reconnect and run one again on another connection, where
    // it would commit alone, and a Transaction an action begins joins this one.
    bool actionsDone = !t_transaction.rollbackOnly;
    for (std::size_t i = 0; actionsDone && i < t_transaction.beforeCommit.size(); ++i) {
        std::function<bool()> action = std::move(t_transaction.beforeCommit[i]);
        actionsDone = action() && !t_transaction.rollbackOnly;
    }
    m_active = false;
    --t_openTransactions;
    if (!actionsDone) {
        sendRollback(*m_db);
        runAfterRollback();
        return false;
    }
    if (!sendCommit(*m_db)) {
        sendRollback(*m_db);
        runAfterRollback();
        return false;
    }
    std::vector<std::function<void()>> actions = std::move(t_transaction.afterCommit);
    t_transaction = {};
    for (auto &action : actions)
        action();
    return true;
}

void Transaction::rollback()
{
    if (!m_active)
        return;
    m_active = false;
    --t_openTransactions;
    if (!m_outermost) {
        t_transaction.rollbackOnly = true;
        return;
    }
    if (!sendRollback(*m_db))
        Database::resetConnection(); // a failed rollback leaves the connection in doubt
    runAfterRollback();
}

void Transaction::runAfterRollback()
{
    std::vector<std::function<void()>> actions = std::move(t_transaction.afterRollback);
    t_transaction = {};
    for (auto &action : actions)
        action();
}

bool Transaction::openOnThisThread()
{
    return t_openTransactions > 0;
}

void Transaction::afterRollback(std::function<void()> action)
{
    if (t_openTransactions == 0) {
        action(); // already undone
        return;
    }
    t_transaction.afterRollback.push_back(std::move(action));
}

void Transaction::beforeCommit(std::function<bool()> action)
{
    if (t_openTransactions == 0) {
        action(); // the statements before it have committed already
        return;
    }
    t_transaction.beforeCommit.push_back(std::move(action));
}

void Transaction::afterCommit(std::function<void()> action)
{
    if (t_openTransactions == 0) {
        action(); // nothing to wait for
        return;
    }
    t_transaction.afterCommit.push_back(std::move(action));
}

} // namespace fp
