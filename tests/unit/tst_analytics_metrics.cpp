// The pure parts of product analytics: the metric catalogue, the queue-wait histogram and its
// percentiles, the small-cell rule, buckets, the median, and which counters an event adds to.

#include "server/analytics/AnalyticsMetrics.h"
#include "server/analytics/AnalyticsRollups.h"
#include "server/events/EventTypes.h"

#include <QSet>
#include <QTest>

using namespace fp;

class TestAnalyticsMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyMetricIsDescribedOnce()
    {
        QSet<QString> keys;
        for (const AnalyticsMetrics::Metric &m : AnalyticsMetrics::all()) {
            QVERIFY2(!keys.contains(m.key), qPrintable(m.key));
            keys.insert(m.key);
            QVERIFY(!m.title.isEmpty() && !m.unit.isEmpty() && !m.definition.isEmpty());
            QVERIFY(m.title != m.key); // words, not raw keys
            QVERIFY(AnalyticsMetrics::find(m.key).has_value());
        }
        QVERIFY(!AnalyticsMetrics::find(QStringLiteral("nonsense")).has_value());
        QCOMPARE(AnalyticsMetrics::funnelSteps().size(), 9);
    }

    void waitBins()
    {
        QCOMPARE(AnalyticsMetrics::waitBinFor(0), QStringLiteral("000001"));
        QCOMPARE(AnalyticsMetrics::waitBinFor(1), QStringLiteral("000001"));
        QCOMPARE(AnalyticsMetrics::waitBinFor(4), QStringLiteral("000005"));
        QCOMPARE(AnalyticsMetrics::waitBinFor(3600), QStringLiteral("003600"));
        QCOMPARE(AnalyticsMetrics::waitBinFor(3601), QStringLiteral("inf"));
    }

    void percentiles()
    {
        using Bins = QList<QPair<QString, qint64>>;
        QVERIFY(!AnalyticsMetrics::percentile({}, 0.5).has_value());
        const Bins bins {{QStringLiteral("000010"), 1},
                         {QStringLiteral("000001"), 2},
                         {QStringLiteral("000060"), 1}};
        // Sorted waits by bin: 1, 1, 10, 60.
        QCOMPARE(*AnalyticsMetrics::percentile(bins, 0.5), 1.0);
        QCOMPARE(*AnalyticsMetrics::percentile(bins, 0.75), 10.0);
        QCOMPARE(*AnalyticsMetrics::percentile(bins, 0.95), 60.0);
        QCOMPARE(*AnalyticsMetrics::percentile({{QStringLiteral("inf"), 3}}, 0.5), 3600.0);
    }

    void smallCells()
    {
        QVERIFY(!AnalyticsMetrics::suppressed(0, 5));
        QVERIFY(AnalyticsMetrics::suppressed(1, 5));
        QVERIFY(AnalyticsMetrics::suppressed(4, 5));
        QVERIFY(!AnalyticsMetrics::suppressed(5, 5));
        QVERIFY(!AnalyticsMetrics::suppressed(1, 1));
    }

    void buckets()
    {
        const QDateTime t(QDate(2026, 12, 3), QTime(17, 42, 13), Qt::UTC); // a Thursday
        QCOMPARE(AnalyticsMetrics::floorTo(t, QStringLiteral("minute")),
                 QDateTime(QDate(2026, 12, 3), QTime(17, 42), Qt::UTC));
        QCOMPARE(AnalyticsMetrics::floorTo(t, QStringLiteral("hour")),
                 QDateTime(QDate(2026, 12, 3), QTime(17, 0), Qt::UTC));
        QCOMPARE(AnalyticsMetrics::floorTo(t, QStringLiteral("week")),
                 QDateTime(QDate(2026, 11, 30), QTime(0, 0), Qt::UTC));
        QCOMPARE(AnalyticsMetrics::floorTo(t, QStringLiteral("month")),
                 QDateTime(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC));
        QCOMPARE(AnalyticsMetrics::nextBucket(QDateTime(QDate(2026, 12, 1), QTime(0, 0), Qt::UTC),
                                              QStringLiteral("month")),
                 QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC));
        QCOMPARE(AnalyticsMetrics::grainFor(QStringLiteral("week")), QStringLiteral("day"));
        QCOMPARE(AnalyticsRollups::weekOf(QDate(2026, 12, 6)), QDate(2026, 11, 30));
    }

    void funnelGapsAreBinnedAndTheirMedianIsABinsBound()
    {
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(-3), qint64(0));
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(0), qint64(0));
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(0.2), qint64(1));
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(4), qint64(5));
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(3601), qint64(5400));
        QCOMPARE(AnalyticsMetrics::funnelGapBinFor(400.0 * 86400), qint64(365 * 86400));
        QVERIFY(!AnalyticsMetrics::binnedMedian({}).has_value());
        QVERIFY(!AnalyticsMetrics::binnedMedian({{5, 0}}).has_value());
        // Three people: the second is in the 10 s bin.
        QCOMPARE(*AnalyticsMetrics::binnedMedian({{5, 1}, {10, 1}, {60, 1}}), 10.0);
        // Four: the lower middle (the second).
        QCOMPARE(*AnalyticsMetrics::binnedMedian({{5, 2}, {60, 2}}), 5.0);
        QCOMPARE(*AnalyticsMetrics::binnedMedian({{0, 1}, {3600, 4}}), 3600.0);
    }

    void aPersonIsCountedInEachBreakdownOfEachStepReached()
    {
        const QDateTime signedUp(QDate(2026, 12, 3), QTime(17, 0), Qt::UTC);
        FunnelPerson person;
        person.signedUpDay = signedUp.date();
        person.region = QStringLiteral("DE");
        person.steps = {signedUp, signedUp.addSecs(100), QDateTime(), signedUp.addSecs(200)};
        QMap<FunnelCellKey, qint64> cells;
        AnalyticsRollups::addFunnelCellsOf(person, 1, &cells);
        // Three steps, in four breakdowns.
        QCOMPARE(cells.size(), qsizetype(12));
        const auto cell = [&](const char *breakdown, const char *value, int step, qint64 bin) {
            return cells.value(
                {QLatin1String(breakdown), person.signedUpDay, QLatin1String(value), step, bin});
        };
        QCOMPARE(cell("none", "", 0, -1), qint64(1));
        QCOMPARE(cell("region", "DE", 1, 120), qint64(1));
        QCOMPARE(cell("age_range", "", 1, 120), qint64(1));
        // Matched without having joined the queue (in these rows): no time from the step before.
        QCOMPARE(cell("intention", "", 3, -1), qint64(1));
        // Uncounting the same row leaves nothing.
        AnalyticsRollups::addFunnelCellsOf(person, -1, &cells);
        for (qint64 n : std::as_const(cells))
            QCOMPARE(n, qint64(0));
    }

    void countersOfAnEvent()
    {
        StreamEvent match;
        match.type = QString(event::Matched.name);
        match.occurredAt = QDateTime(QDate(2026, 12, 3), QTime(17, 0), Qt::UTC);
        match.payload = {{QStringLiteral("wait_seconds_a"), 4},
                         {QStringLiteral("wait_seconds_b"), 100}};
        QStringList got;
        for (const CounterHit &h : AnalyticsRollups::countersOf(match))
            got << h.metric + QLatin1Char('/') + h.dimension + QLatin1Char('+') +
                    QString::number(h.amount);
        // The waits by bin, and their sum in seconds.
        QCOMPARE(got,
                 (QStringList {
                     QStringLiteral("matches/+1"), QStringLiteral("queue_exits/matched+1"),
                     QStringLiteral("queue_exits/matched+1"), QStringLiteral("queue_wait/000005+1"),
                     QStringLiteral("queue_wait_seconds/+4"), QStringLiteral("queue_wait/000120+1"),
                     QStringLiteral("queue_wait_seconds/+100")}));

        StreamEvent client;
        client.type = QString(event::ClientEvent.name);
        client.payload = {
            {QStringLiteral("name"), QStringLiteral("screen.view")},
            {QStringLiteral("properties"),
             QJsonObject {{QStringLiteral("screen"), QStringLiteral("home")},
                          {QStringLiteral("nested"), QJsonObject {{QStringLiteral("a"), 1}}},
                          {QStringLiteral("long"), QString(65, QLatin1Char('x'))}}}};
        got.clear();
        for (const CounterHit &h : AnalyticsRollups::countersOf(client))
            got << h.metric + QLatin1Char('/') + h.dimension;
        QCOMPARE(
            got,
            (QStringList {QStringLiteral("client_events/screen.view"),
                          QStringLiteral("client_event_properties/screen.view") + QChar(0x1f) +
                              QStringLiteral("screen") + QChar(0x1f) + QStringLiteral("home")}));
    }
};

QTEST_APPLESS_MAIN(TestAnalyticsMetrics)
#include "tst_analytics_metrics.moc"
