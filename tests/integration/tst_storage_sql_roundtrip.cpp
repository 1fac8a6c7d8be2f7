// Sql::exec against the real MariaDB: values bound into the statement text (SqlText.h) come back
// exactly as they went in, whatever characters or bytes they hold, and with the column types the
// repositories read them as. Hostile strings stay data.

#include "server/storage/Database.h"
#include "server/storage/SqlText.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/IntegrationTest.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QTimeZone>
#include <limits>

using namespace fp;
using namespace fp::test;

class TestStorageSqlRoundtrip : public IntegrationTest
{
    Q_OBJECT

public:
    // No server: Sql::exec in this process against a database of the test's own.
    TestStorageSqlRoundtrip() : IntegrationTest(OwnServers {}) { }

    ~TestStorageSqlRoundtrip() override { Database::resetConnection(); }

private:
    void prepare() override
    {
        m_db = std::make_unique<TestDatabase>(QStringLiteral("sqlroundtrip"));
        useDatabaseInProcess(m_db->name());
        QVERIFY(Sql::exec(QStringLiteral(
                              "CREATE TABLE samples (id INT PRIMARY KEY, text_value TEXT NULL, "
                              "bytes_value BLOB NULL, big BIGINT NULL, ubig BIGINT UNSIGNED NULL, "
                              "flag TINYINT(1) NULL, ratio DOUBLE NULL, at DATETIME(3) NULL)"))
                    .ok());
    }

private Q_SLOTS:
    void textComesBackExactly_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("quotes") << QStringLiteral("it's \"quoted\" `ticked`");
        QTest::newRow("backslashes") << QStringLiteral("C:\\path\\ \\' \\\\");
        QTest::newRow("injection") << QStringLiteral("x'); DROP TABLE samples; -- ");
        QTest::newRow("placeholder") << QStringLiteral("? ?? '?'");
        QTest::newRow("comment markers") << QStringLiteral("/* # -- */");
        QTest::newRow("control characters")
            << QString(QChar(0)) + QStringLiteral("\n\r\t") + QChar(0x1a) + QChar(0x7f);
        QTest::newRow("unicode") << QStringLiteral("héllo wörld 😀 日本語 \u200b");
        QTest::newRow("empty") << QString(QLatin1String(""));
    }

    void textComesBackExactly()
    {
        QFETCH(QString, text);
        const int id = ++m_nextId;
        SqlResult insert = Sql::exec(
            QStringLiteral("INSERT INTO samples (id, text_value) VALUES (?, ?)"), {id, text});
        QVERIFY2(insert.ok(), qPrintable(insert.message()));
        SqlResult read =
            Sql::exec(QStringLiteral("SELECT text_value FROM samples WHERE id = ?"), {id});
        QVERIFY2(read.ok() && read.next(), qPrintable(read.message()));
        QCOMPARE(read.value(0).toString(), text);
        QVERIFY(!read.value(0).isNull());
        SqlResult match = Sql::exec(
            QStringLiteral("SELECT COUNT(*) FROM samples WHERE id = ? AND text_value = ?"),
            {id, text});
        QVERIFY(match.next());
        QCOMPARE(match.value(0).toInt(), 1); // the bound value compares equal in SQL too
    }

    // A connection whose session missed Database's settings still reads every literal as the
    // same data: none depends on NO_BACKSLASH_ESCAPES or ANSI_QUOTES.
    void literalsMeanTheSameInEverySqlMode_data() { textComesBackExactly_data(); }

    void literalsMeanTheSameInEverySqlMode()
    {
        QFETCH(QString, text);
        const int id = ++m_nextId;
        QVERIFY(Sql::exec(QStringLiteral("INSERT INTO samples (id, text_value) VALUES (?, ?)"),
                          {id, text})
                    .ok());
        for (const QString &mode :
             {QStringLiteral("NO_BACKSLASH_ESCAPES,ANSI_QUOTES"), QStringLiteral("ANSI"),
              QStringLiteral("TRADITIONAL"), QString(QLatin1String(""))}) {
            QSqlDatabase raw = rawConnection();
            QSqlQuery q(raw);
            QVERIFY2(q.exec(QStringLiteral("SET NAMES utf8mb4, sql_mode = '%1'").arg(mode)),
                     qPrintable(q.lastError().text()));
            const std::optional<QString> sql = Sql::bindValues(
                QStringLiteral("SELECT ?, (SELECT COUNT(*) FROM samples WHERE id = ? AND "
                               "text_value = ?)"),
                {text, id, text});
            QVERIFY(sql.has_value());
            QVERIFY2(q.exec(*sql) && q.next(),
                     qPrintable(mode + QLatin1String(": ") + q.lastError().text() +
                                QLatin1String(" in ") + *sql));
            QCOMPARE(q.value(0).toString(), text);
            QCOMPARE(q.value(1).toInt(), 1);
        }
    }

    void oneCallRunsOneStatement()
    {
        SqlResult two = Sql::exec(
            QStringLiteral("INSERT INTO samples (id) VALUES (9001); INSERT INTO samples (id) "
                           "VALUES (9002)"));
        QVERIFY(!two.ok());
        SqlResult count =
            Sql::exec(QStringLiteral("SELECT COUNT(*) FROM samples WHERE id IN (9001, 9002)"));
        QVERIFY(count.next());
        QCOMPARE(count.value(0).toInt(), 0);
    }

    void aSessionIsUsedOnlyWithItsSettingsInEffect()
    {
        QSqlDatabase raw = rawConnection();
        QSqlQuery q(raw);
        QVERIFY(q.exec(QStringLiteral("SET sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES', "
                                      "time_zone = '+05:00'")));
        QString problem;
        QVERIFY2(Database::applySessionSettings(raw, &problem), qPrintable(problem));
        QVERIFY(q.exec(QStringLiteral("SELECT @@session.sql_mode, @@session.time_zone")) &&
                q.next());
        QVERIFY(!q.value(0).toString().contains(QLatin1String("NO_BACKSLASH_ESCAPES")));
        QVERIFY(q.value(0).toString().contains(QLatin1String("STRICT_ALL_TABLES")));
        QCOMPARE(q.value(1).toString(), QStringLiteral("+00:00"));

        // What is read back is compared whole: any difference refuses the connection.
        const QStringList utf8mb4(3, QStringLiteral("utf8mb4"));
        const QString wanted = QStringLiteral("STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                                              "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION");
        QVERIFY(
            Database::sessionSettingsProblem(wanted, QStringLiteral("+00:00"), utf8mb4).isEmpty());
        QVERIFY(!Database::sessionSettingsProblem(wanted + QLatin1String(",NO_BACKSLASH_ESCAPES"),
                                                  QStringLiteral("+00:00"), utf8mb4)
                     .isEmpty());
        QVERIFY(!Database::sessionSettingsProblem(QStringLiteral("ANSI_QUOTES"),
                                                  QStringLiteral("+00:00"), utf8mb4)
                     .isEmpty());
        QVERIFY(
            !Database::sessionSettingsProblem(wanted, QStringLiteral("SYSTEM"), utf8mb4).isEmpty());
        QVERIFY(
            !Database::sessionSettingsProblem(
                 wanted, QStringLiteral("+00:00"),
                 {QStringLiteral("utf8mb4"), QStringLiteral("latin1"), QStringLiteral("utf8mb4")})
                 .isEmpty());
    }

    void everyByteComesBack()
    {
        QByteArray bytes;
        for (int b = 0; b < 256; ++b)
            bytes.append(char(b));
        SqlResult insert = Sql::exec(
            QStringLiteral("INSERT INTO samples (id, bytes_value) VALUES (?, ?)"), {1000, bytes});
        QVERIFY2(insert.ok(), qPrintable(insert.message()));
        SqlResult read =
            Sql::exec(QStringLiteral("SELECT bytes_value FROM samples WHERE id = ?"), {1000});
        QVERIFY(read.next());
        QCOMPARE(read.value(0).toByteArray(), bytes);
    }

    void numbersTimesAndNulls()
    {
        const QDateTime at(QDate(2026, 11, 26), QTime(23, 59, 58, 123), QTimeZone::utc());
        SqlResult insert = Sql::exec(
            QStringLiteral("INSERT INTO samples (id, big, ubig, flag, ratio, at, text_value) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)"),
            {2000, std::numeric_limits<qint64>::min(), std::numeric_limits<quint64>::max(), true,
             0.1, Sql::time(at), QVariant(QMetaType::fromType<QString>())});
        QVERIFY2(insert.ok(), qPrintable(insert.message()));
        SqlResult read = Sql::exec(
            QStringLiteral(
                "SELECT big, ubig, flag, ratio, at, text_value FROM samples WHERE id = ?"),
            {2000});
        QVERIFY(read.next());
        QCOMPARE(read.value(0).toLongLong(), std::numeric_limits<qint64>::min());
        QCOMPARE(read.value(1).toULongLong(), std::numeric_limits<quint64>::max());
        QCOMPARE(read.value(2).toBool(), true);
        QCOMPARE(read.value(3).toDouble(), 0.1);
        QCOMPARE(Sql::toTime(read.value(4)), at);
        QVERIFY(read.value(5).isNull());
    }

    void affectedRowsAreCounted()
    {
        for (int id = 3000; id < 3003; ++id)
            QVERIFY(Sql::exec(QStringLiteral("INSERT INTO samples (id, big) VALUES (?, 7)"), {id})
                        .ok());
        SqlResult update =
            Sql::exec(QStringLiteral("UPDATE samples SET big = big + 1 WHERE id >= ? AND id < ?"),
                      {3000, 3003});
        QVERIFY(update.ok());
        QCOMPARE(update.numRowsAffected(), 3);
    }

    void aMisboundStatementFailsWithoutRunning()
    {
        auto rows = [] {
            SqlResult count = Sql::exec(QStringLiteral("SELECT COUNT(*) FROM samples"));
            return count.next() ? count.value(0).toInt() : -1;
        };
        const int before = rows();
        QVERIFY(before > 0);
        SqlResult wrong =
            Sql::exec(QStringLiteral("DELETE FROM samples WHERE id > ? OR id < ?"), {0});
        QVERIFY(!wrong.ok());
        QCOMPARE(wrong.failure(), DbFailure::Other);
        QCOMPARE(rows(), before);
    }

    // What a transaction writes just before its commit (the outbox flush, an access change)
    // belongs to it: if the connection is lost meanwhile, nothing of it is written, rather than
    // the statement being run again on a fresh connection where it would commit alone.
    void aLostConnectionAtTheCommitWritesNothingOfTheTransaction()
    {
        auto stored = [](int id) {
            SqlResult count =
                Sql::exec(QStringLiteral("SELECT COUNT(*) FROM samples WHERE id = ?"), {id});
            return count.next() ? count.value(0).toInt() : -1;
        };
        const int early = 7101;
        const int atCommit = 7102;
        Transaction tx;
        QVERIFY(tx.begin());
        QVERIFY(Sql::exec(QStringLiteral("INSERT INTO samples (id) VALUES (?)"), {early}).ok());
        bool openWhileActing = false;
        Transaction::beforeCommit([&] {
            openWhileActing = Transaction::openOnThisThread();
            // MariaDB drops this transaction's connection (a restart, a KILL) right now.
            QSqlDatabase raw = rawConnection();
            SqlResult own = Sql::exec(QStringLiteral("SELECT CONNECTION_ID()"));
            if (!own.next())
                return false;
            QSqlQuery(raw).exec(
                QStringLiteral("KILL CONNECTION %1").arg(own.value(0).toLongLong()));
            return Sql::exec(QStringLiteral("INSERT INTO samples (id) VALUES (?)"), {atCommit})
                .ok();
        });
        QVERIFY(!tx.commit());
        QVERIFY(openWhileActing);
        QCOMPARE(stored(early), 0);
        QCOMPARE(stored(atCommit), 0);
    }

private:
    // A connection of the test's own to the same database, with the server's defaults only.
    QSqlDatabase rawConnection() { return m_db->openConnection(QStringLiteral("raw")); }

    std::unique_ptr<TestDatabase> m_db;
    int m_nextId = 0;
};

QTEST_GUILESS_MAIN(TestStorageSqlRoundtrip)
#include "tst_storage_sql_roundtrip.moc"
