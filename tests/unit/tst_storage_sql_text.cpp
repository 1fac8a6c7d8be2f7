// Values bound into SQL text: every placeholder outside quotes and comments takes one literal,
// strings are escaped as mysql_real_escape_string does, and a count mismatch is refused. And the
// ids rows are stored under.
// tst_storage_sql_roundtrip sends the same literals to a real MariaDB.

#include "server/storage/Database.h"
#include "server/storage/SqlText.h"

#include <QDateTime>
#include <QSet>
#include <QTest>
#include <QTimeZone>
#include <QUuid>
#include <limits>

using namespace fp;

class TestSqlText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void literals_data()
    {
        QTest::addColumn<QVariant>("value");
        QTest::addColumn<QString>("literal");
        QTest::newRow("plain") << QVariant(QStringLiteral("hello")) << "'hello'";
        QTest::newRow("quote") << QVariant(QStringLiteral("it's")) << "'it''s'";
        QTest::newRow("double quote") << QVariant(QStringLiteral("a\"b")) << "'a\"b'";
        QTest::newRow("backslash") << QVariant(QStringLiteral("a\\b")) << "_utf8mb4 X'615c62'";
        QTest::newRow("backslash before quote") << QVariant(QStringLiteral("\\' OR 1=1 -- "))
                                                << "_utf8mb4 X'5c27204f5220313d31202d2d20'";
        QTest::newRow("quote then comment")
            << QVariant(QStringLiteral("x'); -- ")) << "'x''); -- '";
        QTest::newRow("nul") << QVariant(QString(QChar(0))) << "_utf8mb4 X'00'";
        QTest::newRow("newlines and tab")
            << QVariant(QStringLiteral("a\nb\rc\td")) << "'a\nb\rc\td'";
        QTest::newRow("ctrl-z") << QVariant(QString(QChar(0x1a))) << "_utf8mb4 X'1a'";
        QTest::newRow("delete") << QVariant(QString(QChar(0x7f))) << "_utf8mb4 X'7f'";
        QTest::newRow("unicode with backslash")
            << QVariant(QStringLiteral("é\\")) << "_utf8mb4 X'c3a95c'";
        QTest::newRow("unicode") << QVariant(QStringLiteral("héllo 😀")) << "'héllo 😀'";
        QTest::newRow("question mark") << QVariant(QStringLiteral("?")) << "'?'";
        QTest::newRow("empty string") << QVariant(QStringLiteral("")) << "''";
        QTest::newRow("null string") << QVariant(QString()) << "NULL";
        QTest::newRow("typed null") << QVariant(QMetaType::fromType<QString>()) << "NULL";
        QTest::newRow("invalid") << QVariant() << "NULL";
        QTest::newRow("true") << QVariant(true) << "1";
        QTest::newRow("false") << QVariant(false) << "0";
        QTest::newRow("int") << QVariant(-42) << "-42";
        QTest::newRow("int64 max")
            << QVariant(std::numeric_limits<qint64>::max()) << "9223372036854775807";
        QTest::newRow("uint64 max")
            << QVariant(std::numeric_limits<quint64>::max()) << "18446744073709551615";
        QTest::newRow("double") << QVariant(0.1) << "0.10000000000000001";
        QTest::newRow("bytes") << QVariant(QByteArray("\x00\x27\xff", 3)) << "X'0027ff'";
        QTest::newRow("null bytes") << QVariant(QByteArray()) << "NULL";
        QTest::newRow("utc time") << QVariant(QDateTime(QDate(2026, 11, 26), QTime(1, 2, 3, 45),
                                                        QTimeZone::utc()))
                                  << "'2026-11-26 01:02:03.045'";
        QTest::newRow("offset time converted to utc")
            << QVariant(QDateTime(QDate(2026, 11, 26), QTime(1, 2, 3), QTimeZone(3600)))
            << "'2026-11-26 00:02:03.000'";
        QTest::newRow("invalid time") << QVariant(QDateTime()) << "NULL";
    }

    void literals()
    {
        QFETCH(QVariant, value);
        QFETCH(QString, literal);
        const std::optional<QString> got = Sql::literal(value);
        QVERIFY(got.has_value());
        QCOMPARE(*got, literal);
    }

    void valuesWithoutSqlForm()
    {
        QVERIFY(!Sql::literal(std::numeric_limits<double>::quiet_NaN()).has_value());
        QVERIFY(!Sql::literal(std::numeric_limits<double>::infinity()).has_value());
        QVERIFY(!Sql::literal(QVariant::fromValue(QRect(1, 2, 3, 4))).has_value());
    }

    void placeholders_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QVariantList>("values");
        QTest::addColumn<QString>("bound");
        QTest::newRow("two") << "SELECT a FROM t WHERE b = ? AND c = ?"
                             << QVariantList {QStringLiteral("x"), 3}
                             << "SELECT a FROM t WHERE b = 'x' AND c = 3";
        QTest::newRow("none") << "SELECT 1" << QVariantList {} << "SELECT 1";
        QTest::newRow("inside single quotes")
            << "SELECT '?', ?" << QVariantList {1} << "SELECT '?', 1";
        QTest::newRow("escaped quote inside a literal")
            << "SELECT 'it\\'s ?', ?" << QVariantList {1} << "SELECT 'it\\'s ?', 1";
        QTest::newRow("doubled quote inside a literal")
            << "SELECT 'a''?', ?" << QVariantList {1} << "SELECT 'a''?', 1";
        QTest::newRow("double quotes")
            << "SELECT \"?\", ?" << QVariantList {2} << "SELECT \"?\", 2";
        QTest::newRow("backticks") << "SELECT `a?` FROM t WHERE x = ?" << QVariantList {2}
                                   << "SELECT `a?` FROM t WHERE x = 2";
        QTest::newRow("line comment")
            << "SELECT ? -- why?\n, ?" << QVariantList {1, 2} << "SELECT 1 -- why?\n, 2";
        QTest::newRow("hash comment")
            << "SELECT ? # why?\n, ?" << QVariantList {1, 2} << "SELECT 1 # why?\n, 2";
        QTest::newRow("block comment")
            << "SELECT /* ? */ ?" << QVariantList {1} << "SELECT /* ? */ 1";
        QTest::newRow("a value that looks like a placeholder")
            << "SELECT ?, ?" << QVariantList {QStringLiteral("?"), 2} << "SELECT '?', 2";
        QTest::newRow("a value that ends a literal")
            << "SELECT ?" << QVariantList {QStringLiteral("'; DROP TABLE users; --")}
            << "SELECT '''; DROP TABLE users; --'";
    }

    void placeholders()
    {
        QFETCH(QString, sql);
        QFETCH(QVariantList, values);
        QFETCH(QString, bound);
        QString error;
        const std::optional<QString> got = Sql::bindValues(sql, values, &error);
        QVERIFY2(got.has_value(), qPrintable(error));
        QCOMPARE(*got, bound);
    }

    void countMismatchIsRefused()
    {
        QString error;
        QVERIFY(!Sql::bindValues(QStringLiteral("SELECT ?, ?"), {1}, &error).has_value());
        QVERIFY2(error.contains(QLatin1String("placeholders")), qPrintable(error));
        error.clear();
        QVERIFY(!Sql::bindValues(QStringLiteral("SELECT ?"), {1, 2}, &error).has_value());
        QVERIFY2(error.contains(QLatin1String("2 values")), qPrintable(error));
        QVERIFY(!Sql::bindValues(QStringLiteral("SELECT ?"),
                                 {std::numeric_limits<double>::quiet_NaN()}, &error)
                     .has_value());
        QVERIFY2(error.contains(QLatin1String("no SQL literal")), qPrintable(error));
    }

    // Ids are random version 4 UUIDs as QUuid::createUuid makes them, each its own.
    // What a failed statement logs never quotes what was bound into it.
    void loggedErrorsWithholdTheStatementsValues()
    {
        const QString syntax = QStringLiteral(
            "You have an error in your SQL syntax; check the manual that corresponds to your "
            "MariaDB server version for the right syntax to use near 'secret message text', "
            "'a1b2c3') AT' at line 1 QMYSQL: Unable to execute query");
        const QString logged = Sql::loggableError(syntax);
        QVERIFY(!logged.contains(QStringLiteral("secret message")));
        QVERIFY(!logged.contains(QStringLiteral("a1b2c3")));
        QVERIFY(logged.contains(QStringLiteral("near '(withheld)' at line 1")));
        QVERIFY(logged.contains(QStringLiteral("Unable to execute query")));

        const QString bytes =
            QStringLiteral("Incorrect string value: '\\xF0\\x9F\\x98\\x80 hi' for column "
                           "`t`.`conversation_messages`.`message_text` at row 1");
        QCOMPARE(Sql::loggableError(bytes),
                 QStringLiteral("Incorrect string value: '(withheld)' for column "
                                "`t`.`conversation_messages`.`message_text` at row 1"));

        const QString plain = QStringLiteral("Deadlock found when trying to get lock");
        QCOMPARE(Sql::loggableError(plain), plain);
    }

    void idsAreVersionFourUuids()
    {
        QVERIFY(Sql::newIds(0).isEmpty());
        QStringList ids = Sql::newIds(500);
        QCOMPARE(ids.size(), 500);
        for (int i = 0; i < 100; ++i)
            ids << Sql::newId();
        QSet<QString> seen;
        for (const QString &id : std::as_const(ids)) {
            const QUuid uuid(id);
            QVERIFY2(!uuid.isNull(), qPrintable(id));
            QCOMPARE(uuid.toString(QUuid::WithoutBraces), id); // lower case, no braces
            QCOMPARE(uuid.version(), QUuid::Random);
            QCOMPARE(uuid.variant(), QUuid::DCE);
            seen.insert(id);
        }
        QCOMPARE(seen.size(), ids.size());
    }
};

QTEST_APPLESS_MAIN(TestSqlText)
#include "tst_storage_sql_text.moc"
