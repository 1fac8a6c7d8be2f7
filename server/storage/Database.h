#pragma once

// MySQL/MariaDB access through QtSql's QMYSQL driver. Connections are per thread (QtSql
// requires it): each worker thread opens its own on first use and reopens it after the server
// went away. SQL lives only in repositories, which use Sql::exec with bound values, never
// string-built queries.

#include "common/Result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>
#include <functional>
#include <optional>

namespace fp {

struct DbSettings
{
    QString host;
    quint16 port = 3306;
    QString socket;
    QString name;
    QString user;
    QString password;
    /// innodb_lock_wait_timeout of every session; 0 keeps the server's.
    int lockWaitSeconds = 0;
};

/// What went wrong with a statement, typed so repositories can map it to AppError.
/// LockConflict: chosen as a deadlock victim or a lock wait timed out; the transaction was
/// rolled back and trying again is the answer.
enum class DbFailure { None, DuplicateKey, ForeignKey, LockConflict, Unavailable, Other };

class Database
{
public:
    static void configure(const DbSettings &settings);
    /// This thread's open connection, or nullopt (and the reason logged) when the server
    /// cannot be reached.
    static std::optional<QSqlDatabase> connection();
    /// Drops this thread's connection, so the next use reconnects.
    static void resetConnection();
    /// Opens a connection outside the per-thread scheme (migrations, admin tools).
    static bool openStandalone(QSqlDatabase &db, const QString &connectionName, QString *error);
    /// Sets what every statement relies on (UTC, utf8mb4, strict sql_mode), turns off several
    /// statements per call, then reads the settings back. False (with `error`) unless all took
    /// effect: such a connection must not be used.
    static bool applySessionSettings(QSqlDatabase &db, QString *error = nullptr);
    /// What is wrong with a session's settings as read back (empty when all are as set).
    static QString sessionSettingsProblem(const QString &sqlMode, const QString &timeZone,
                                          const QStringList &characterSets);
    /// Statements on this thread that InnoDB refused for a lock: a deadlock (it rolled the
    /// transaction back) or a lock wait timeout. Read before and after an attempt.
    static quint64 lockConflictsOnThisThread();
    static void pauseBeforeRetry(int attempt);
    /// Statements that failed since start (exported as fp_db_errors_total).
    static quint64 failureCount();
};

/// The 503 every domain answers when the database cannot be reached (Retry-After: 2).
AppError databaseUnavailable();

/// A statement that ran, or the reason it did not.
class SqlResult
{
public:
    SqlResult(QSqlQuery query) : m_query(std::move(query)) { }
    SqlResult(DbFailure failure, QString message)
        : m_failure(failure), m_message(std::move(message))
    { }

    bool ok() const { return m_failure == DbFailure::None; }
    DbFailure failure() const { return m_failure; }
    const QString &message() const { return m_message; }
    QSqlQuery &query() { return *m_query; }
    bool next() { return m_query && m_query->next(); }
    QVariant value(int i) const { return m_query ? m_query->value(i) : QVariant(); }
    QVariant value(const QString &column) const
    {
        return m_query ? m_query->value(column) : QVariant();
    }
    int numRowsAffected() const { return m_query ? m_query->numRowsAffected() : 0; }
    /// The AppError a client sees for this failure (details go to the log, never the client).
    AppError toAppError(const QString &requestId = {}) const;

private:
    std::optional<QSqlQuery> m_query;
    DbFailure m_failure = DbFailure::None;
    QString m_message;
};

namespace Sql {
/// Runs `sql` with `bindings` bound positionally (`?`, see SqlText.h for how), on this thread's
/// connection. A statement that fails because the server went away is retried once on a new
/// connection when no transaction is open.
SqlResult exec(const QString &sql, const QVariantList &bindings = {});
SqlResult exec(QSqlDatabase &db, const QString &sql, const QVariantList &bindings = {});

/// DATETIME(3) columns hold UTC; these convert at the boundary.
QVariant time(const QDateTime &utc);
QDateTime toTime(const QVariant &column);
/// A NULL for a string column when `value` is empty.
QVariant nullableText(const QString &value);
QString newId(); // UUID v4 string
/// `count` UUID v4 strings, from one read of the kernel's randomness.
QStringList newIds(qsizetype count);
/// Success, or the statement's failure: for statements that return nothing.
Status status(const SqlResult &result);
/// The first row read by `read`, nullopt without rows; the statement's failure otherwise.
template<typename T, typename Read>
Result<std::optional<T>> optionalRow(SqlResult result, Read read)
{
    if (!result.ok())
        return result.toAppError();
    if (!result.next())
        return std::optional<T>();
    return std::optional<T>(read(result));
}
/// Every row read by `read`; the statement's failure otherwise.
template<typename T, typename Read> Result<QList<T>> rows(SqlResult result, Read read)
{
    if (!result.ok())
        return result.toAppError();
    QList<T> list;
    while (result.next())
        list.append(read(result));
    return list;
}
/// The first column of every row of a statement that ran, as text (ids, keys); its failure
/// otherwise.
Result<QStringList> strings(SqlResult result);
/// A LIKE pattern for what starts with `text` (LIKE's wildcards in it escaped with '!'): use it
/// as `column LIKE ? ESCAPE '!'`.
QString startsWithPattern(const QString &text);
/// The ids as bindings (for an IN list made with repeated()).
QVariantList values(const QStringList &ids);
/// `part` `count` times, joined by `separator`: the "?, ?, ?" of an IN list, or the
/// "(?, ?), (?, ?)" rows of a multi-row INSERT, so a statement over many values still binds
/// every one.
QString repeated(const QString &part, qsizetype count,
                 const QString &separator = QStringLiteral(", "));
/// A driver's error as it may be logged: values are bound into the statement's text, and
/// MariaDB quotes the text near a syntax error and the bytes of a value it refused, which may
/// be a message or a token's hash. Those quotes are withheld; the rest is kept.
QString loggableError(const QString &driverError);
} // namespace Sql

/// Rolls back unless committed: `Transaction tx; if (!tx.begin()) ...; ...; tx.commit();`
/// Transactions nest by joining: an inner one opened while another is open on this thread
/// becomes part of it (its commit is deferred to the outermost; its rollback dooms the whole).
/// That is how the idempotency stage stores a response in the same transaction as the effect.
class Transaction
{
public:
    Transaction();
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    bool begin();
    /// False when the commit failed, or when an inner transaction rolled the whole back.
    bool commit();
    void rollback();
    bool active() const { return m_active; }
    /// Whether any Transaction is open on this thread (Sql::exec does not retry inside one).
    static bool openOnThisThread();
    /// Runs `action` after the outermost transaction commits (never if it rolls back): for
    /// side effects others may observe, such as events to WebSocket clients.
    static void afterCommit(std::function<void()> action);
    /// Runs `action` inside the outermost transaction just before it commits; if it fails the
    /// whole is rolled back and commit() answers false. For writes gathered during the
    /// transaction and sent as one statement at its end, such as the event outbox's rows.
    static void beforeCommit(std::function<bool()> action);
    /// Runs `action` once the outermost transaction was rolled back, on its own (at once when
    /// none is open): for what must be kept although the change was undone, such as the audit
    /// of a refused staff action.
    static void afterRollback(std::function<void()> action);

private:
    static void runAfterRollback();
    std::optional<QSqlDatabase> m_db;
    bool m_active = false;
    bool m_outermost = false;
};

/// Runs `attempt`, which opens and commits a Transaction of its own, again when InnoDB refused
/// it for a lock (chose it as a deadlock victim, whose whole transaction it rolled back, or a
/// lock wait timed out): at most `attempts` times in all, before the 503 reaches anyone. Inside
/// an outer transaction it runs once: the outer one was rolled back with it and decides.
template<typename Attempt> auto retryingLockConflicts(Attempt attempt, int attempts = 4)
{
    for (int n = 1;; ++n) {
        const quint64 before = Database::lockConflictsOnThisThread();
        auto result = attempt();
        if (result || n >= attempts || Transaction::openOnThisThread() ||
            Database::lockConflictsOnThisThread() == before)
            return result;
        Database::pauseBeforeRetry(n);
    }
}

} // namespace fp
