#pragma once

// A transaction of the test's own on the server's database, on a connection of its own, kept
// open until released: it holds the locks its statements took (or the rows it wrote,
// uncommitted) the way another instance's transaction would, so a test can make the server
// wait for it at a chosen moment.

#include "tests/support/TestServer.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace fp::test {

class HeldTransaction
{
public:
    explicit HeldTransaction(const TestDatabase &database)
        : m_name(QStringLiteral("fp-test-held-") + QUuid::createUuid().toString())
    {
        QSqlDatabase db = database.openConnection(m_name);
        m_open = db.isOpen() && QSqlQuery(db).exec(QStringLiteral("BEGIN"));
    }
    ~HeldTransaction()
    {
        release();
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    HeldTransaction(const HeldTransaction &) = delete;
    HeldTransaction &operator=(const HeldTransaction &) = delete;

    /// Runs `sql` inside the transaction; the rows it returned, or -1 when it failed.
    int exec(const QString &sql)
    {
        if (!m_open)
            return -1;
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        if (!q.exec(sql)) {
            qWarning("held transaction: %s", qPrintable(q.lastError().text()));
            return -1;
        }
        return q.isSelect() ? q.size() : q.numRowsAffected();
    }
    bool open() const { return m_open; }
    /// Ends it: what it wrote becomes visible to all, its locks go.
    bool commit() { return finish(QStringLiteral("COMMIT")); }
    /// Ends it, undoing what it wrote.
    void release() { finish(QStringLiteral("ROLLBACK")); }

private:
    bool finish(const QString &how)
    {
        if (!m_open)
            return false;
        m_open = false;
        return QSqlQuery(QSqlDatabase::database(m_name, false)).exec(how);
    }

    QString m_name;
    bool m_open = false;
};

} // namespace fp::test
