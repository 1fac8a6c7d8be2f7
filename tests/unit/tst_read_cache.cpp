// ReadCache: answers kept in memory are found until evicted or expired, never stored once an
// eviction happened after their read began, and nothing is kept while it is off.

#include "server/base/ReadCache.h"

#include <QTest>
#include <QThread>
#include <atomic>
#include <thread>
#include <vector>

using fp::ReadCache;

class TestReadCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void keptUntilEvicted()
    {
        ReadCache cache(60000, 100);
        cache.setEnabled(true);
        QVERIFY(!cache.find(QStringLiteral("ann")));
        cache.store(QStringLiteral("ann"), "A1", cache.ticket());
        cache.store(QStringLiteral("ben"), "B1", cache.ticket());
        QCOMPARE(cache.find(QStringLiteral("ann")).value_or(""), QByteArray("A1"));
        cache.evict(QStringLiteral("ann"));
        QVERIFY(!cache.find(QStringLiteral("ann")));
        QCOMPARE(cache.find(QStringLiteral("ben")).value_or(""), QByteArray("B1"));
        cache.evictAll();
        QVERIFY(!cache.find(QStringLiteral("ben")));
        QCOMPARE(cache.hits(), 2u);
        QCOMPARE(cache.misses(), 3u);
    }

    // A read that began before a change and ends after its eviction holds the old answer:
    // it must not be kept, whichever key the eviction named.
    void anAnswerReadBeforeAnEvictionIsNotKept()
    {
        ReadCache cache(60000, 100);
        cache.setEnabled(true);
        const ReadCache::Ticket before = cache.ticket();
        cache.evict(QStringLiteral("someone else"));
        cache.store(QStringLiteral("ann"), "old", before);
        QVERIFY(!cache.find(QStringLiteral("ann")));
        cache.store(QStringLiteral("ann"), "new", cache.ticket());
        QCOMPARE(cache.find(QStringLiteral("ann")).value_or(""), QByteArray("new"));
    }

    void offKeepsNothingAndOnStartsEmpty()
    {
        ReadCache cache(60000, 100);
        cache.store(QStringLiteral("ann"), "A", cache.ticket());
        QVERIFY(!cache.find(QStringLiteral("ann"))); // off until told otherwise
        cache.setEnabled(true);
        cache.store(QStringLiteral("ann"), "A", cache.ticket());
        const ReadCache::Ticket during = cache.ticket();
        cache.setEnabled(false);
        QVERIFY(!cache.find(QStringLiteral("ann")));
        cache.setEnabled(true);
        QVERIFY(!cache.find(QStringLiteral("ann"))); // dropped on the way off
        cache.store(QStringLiteral("ann"), "read while off", during);
        QVERIFY(!cache.find(QStringLiteral("ann")));
    }

    void entriesExpire()
    {
        ReadCache cache(150, 100);
        cache.setEnabled(true);
        cache.store(QStringLiteral("ann"), "A", cache.ticket());
        cache.store(QStringLiteral("ben"), "B", cache.ticket(),
                    QDateTime::currentMSecsSinceEpoch() - 1); // already past its own limit
        QVERIFY(cache.find(QStringLiteral("ann")));
        QVERIFY(!cache.find(QStringLiteral("ben")));
        QTRY_VERIFY_WITH_TIMEOUT(!cache.find(QStringLiteral("ann")), 5000);
        ReadCache none(0, 100);
        none.setEnabled(true);
        none.store(QStringLiteral("ann"), "A", none.ticket());
        QVERIFY(!none.find(QStringLiteral("ann")));
    }

    void boundedInEntries()
    {
        ReadCache cache(60000, 160); // 10 per shard
        cache.setEnabled(true);
        for (int i = 0; i < 10000; ++i)
            cache.store(QString::number(i), QByteArray(100, 'x'), cache.ticket());
        QVERIFY2(cache.size() <= 160, qPrintable(QString::number(cache.size())));
        QVERIFY(cache.size() > 0);
    }

    // Readers and writers at once: once a writer's eviction returned, no reader that began
    // before it can leave the value it replaced in the cache.
    void concurrentReadersNeverResurrectAnOldValue()
    {
        ReadCache cache(60000, 1000);
        cache.setEnabled(true);
        std::atomic<int> version {0};
        std::atomic<bool> running {true};
        std::vector<std::thread> readers;
        for (int r = 0; r < 4; ++r) {
            readers.emplace_back([&] {
                while (running) {
                    if (cache.find(QStringLiteral("k")))
                        continue;
                    const ReadCache::Ticket ticket = cache.ticket();
                    const int read = version.load(); // "the database"
                    std::this_thread::yield();
                    cache.store(QStringLiteral("k"), QByteArray::number(read), ticket);
                }
            });
        }
        for (int v = 1; v <= 2000; ++v) {
            version.store(v); // the commit
            cache.evict(QStringLiteral("k")); // then its eviction
            const std::optional<QByteArray> seen = cache.find(QStringLiteral("k"));
            if (seen)
                QVERIFY2(seen->toInt() == v, seen->constData());
        }
        running = false;
        for (std::thread &t : readers)
            t.join();
        const std::optional<QByteArray> last = cache.find(QStringLiteral("k"));
        QVERIFY(!last || last->toInt() == 2000);
    }
};

QTEST_GUILESS_MAIN(TestReadCache)
#include "tst_read_cache.moc"
