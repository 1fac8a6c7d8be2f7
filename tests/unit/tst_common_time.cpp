// Timestamps as the API and MariaDB take them: written without QDateTime::toString's format
// parser, yet the same text it writes, for any instant and whatever zone the QDateTime is in;
// and read back to the same instant.

#include "common/Time.h"

#include <QRandomGenerator>
#include <QTest>
#include <QTimeZone>

using namespace fp;

class TestTime : public QObject
{
    Q_OBJECT

    static QString wireByQt(const QDateTime &t)
    {
        return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
    }
    static QString sqlByQt(const QDateTime &t)
    {
        return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    }

private Q_SLOTS:
    void writesWhatQtsFormatWrites_data()
    {
        QTest::addColumn<QDateTime>("time");
        const QTimeZone kolkata(QByteArrayLiteral("Asia/Kolkata"));
        QTest::newRow("now") << QDateTime::currentDateTimeUtc();
        QTest::newRow("epoch") << QDateTime::fromMSecsSinceEpoch(0, QTimeZone::utc());
        QTest::newRow("a leap day")
            << QDateTime(QDate(2028, 2, 29), QTime(23, 59, 59, 999), QTimeZone::utc());
        QTest::newRow("year 1") << QDateTime(QDate(1, 1, 1), QTime(0, 0), QTimeZone::utc());
        QTest::newRow("year 9999")
            << QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), QTimeZone::utc());
        QTest::newRow("a zone ahead of UTC")
            << QDateTime(QDate(2026, 12, 6), QTime(3, 4, 5, 6), kolkata);
        QTest::newRow("an offset behind UTC")
            << QDateTime(QDate(2026, 12, 31), QTime(22, 30), QTimeZone(-5 * 3600));
        QTest::newRow("local time") << QDateTime(QDate(2026, 7, 1), QTime(12, 0), Qt::LocalTime);
        QRandomGenerator random(20261206);
        for (int i = 0; i < 200; ++i) {
            const qint64 ms = qint64(random.bounded(4102444800.0)) * 1000 + random.bounded(1000);
            QTest::addRow("random %d", i) << QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc());
        }
    }

    void writesWhatQtsFormatWrites()
    {
        QFETCH(QDateTime, time);
        QCOMPARE(toWireTime(time), wireByQt(time));
        QCOMPARE(toSqlTime(time), sqlByQt(time));
        QCOMPARE(fromWireTime(toWireTime(time)).toMSecsSinceEpoch(), time.toMSecsSinceEpoch());
    }

    void yearsBeyondFourDigitsStillGoThroughQt()
    {
        const QDateTime far(QDate(12026, 1, 2), QTime(3, 4, 5, 6), QTimeZone::utc());
        QCOMPARE(toWireTime(far), wireByQt(far));
        QCOMPARE(toSqlTime(far), sqlByQt(far));
    }

    void nothingForAnInvalidTime()
    {
        QVERIFY(toWireTime({}).isEmpty());
        QVERIFY(toSqlTime({}).isEmpty());
    }

    void readsOnlyTimesWithAZone()
    {
        QCOMPARE(fromWireTime(QStringLiteral("2026-12-06T20:15:00.250Z")),
                 QDateTime(QDate(2026, 12, 6), QTime(20, 15, 0, 250), QTimeZone::utc()));
        QCOMPARE(fromWireTime(QStringLiteral("2026-12-06T21:15:00+01:00")),
                 QDateTime(QDate(2026, 12, 6), QTime(20, 15), QTimeZone::utc()));
        QVERIFY(!fromWireTime(QStringLiteral("2026-12-06T20:15:00")).isValid());
        QVERIFY(!fromWireTime(QStringLiteral("yesterday")).isValid());
    }
};

QTEST_APPLESS_MAIN(TestTime)
#include "tst_common_time.moc"
