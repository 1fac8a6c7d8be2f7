// WorkerPool: every task runs once whoever submits it, a full queue refuses, a light load stays
// on one warm thread, and a busy pool takes queued work without waking anyone.

#include "server/base/WorkerPool.h"

#include <QSet>
#include <QTest>
#include <QThread>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace fp;

namespace {

/// Holds the tasks that wait on it until opened.
class Gate
{
public:
    void wait()
    {
        std::unique_lock lock(m_mutex);
        ++m_waiting;
        m_changed.notify_all();
        m_changed.wait(lock, [this] { return m_open; });
    }
    void waitForWaiters(int count)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this, count] { return m_waiting >= count; });
    }
    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_changed.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_waiting = 0;
    bool m_open = false;
};

} // namespace

class TestWorkerPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyTaskRunsOnceWhoeverSubmitsIt()
    {
        WorkerPool pool(4, 100000);
        constexpr int kSubmitters = 8;
        constexpr int kEach = 500;
        std::vector<std::atomic<int>> runs(kSubmitters * kEach);
        std::vector<std::thread> submitters;
        std::atomic<int> refused {0};
        for (int s = 0; s < kSubmitters; ++s) {
            submitters.emplace_back([&, s] {
                for (int i = 0; i < kEach; ++i) {
                    if (!pool.trySubmit([&runs, n = s * kEach + i] { ++runs[size_t(n)]; }))
                        ++refused;
                }
            });
        }
        for (std::thread &t : submitters)
            t.join();
        QVERIFY(pool.waitForDone(-1));
        QCOMPARE(refused.load(), 0);
        for (size_t n = 0; n < runs.size(); ++n)
            QCOMPARE(runs[n].load(), 1);
        QCOMPARE(pool.pending(), 0);
        QVERIFY(pool.startedThreads() <= 4);
    }

    void aTaskMaySubmitAnother()
    {
        WorkerPool pool(2, 10);
        std::atomic<int> inner {0};
        std::atomic<int> accepted {0};
        QVERIFY(pool.trySubmit([&] {
            for (int i = 0; i < 5; ++i)
                accepted += pool.trySubmit([&] { ++inner; }) ? 1 : 0;
        }));
        QVERIFY(pool.waitForDone(-1));
        QCOMPARE(accepted.load(), 5);
        QCOMPARE(inner.load(), 5);
    }

    void aFullQueueRefusesAndRunsNothing()
    {
        WorkerPool pool(2, 3);
        Gate gate;
        std::atomic<int> ran {0};
        const auto held = [&] {
            gate.wait();
            ++ran;
        };
        QVERIFY(pool.trySubmit(held));
        QVERIFY(pool.trySubmit(held));
        gate.waitForWaiters(2); // both threads busy
        for (int i = 0; i < 3; ++i)
            QVERIFY(pool.trySubmit([&] { ++ran; }));
        QCOMPARE(pool.pending(), 5);
        QVERIFY(!pool.trySubmit([&] { ran += 100; }));
        QCOMPARE(pool.pending(), 5);
        gate.open();
        QVERIFY(pool.waitForDone(-1));
        QCOMPARE(ran.load(), 5);
        // Room again once the queue drained.
        QVERIFY(pool.trySubmit([&] { ++ran; }));
        QVERIFY(pool.waitForDone(-1));
        QCOMPARE(ran.load(), 6);
    }

    void waitingGivesUpWhileATaskRuns()
    {
        WorkerPool pool(1, 1);
        Gate gate;
        QVERIFY(pool.trySubmit([&] { gate.wait(); }));
        gate.waitForWaiters(1);
        QVERIFY(!pool.waitForDone(20));
        gate.open();
        QVERIFY(pool.waitForDone(-1));
    }

    void aLightLoadStaysOnOneWarmThread()
    {
        WorkerPool pool(8, 100);
        QSet<Qt::HANDLE> threads;
        std::mutex mutex;
        for (int i = 0; i < 50; ++i) {
            QVERIFY(pool.trySubmit([&] {
                std::lock_guard lock(mutex);
                threads.insert(QThread::currentThreadId());
            }));
            QVERIFY(pool.waitForDone(-1));
        }
        QCOMPARE(threads.size(), 1);
        QCOMPARE(pool.startedThreads(), 1);
        // The first task started the thread; every later one woke it from its sleep.
        QCOMPARE(pool.wakeUps(), quint64(49));
    }

    void aBusyPoolTakesQueuedWorkWithoutWakingAnyone()
    {
        WorkerPool pool(2, 1000);
        Gate gate;
        QVERIFY(pool.trySubmit([&] { gate.wait(); }));
        QVERIFY(pool.trySubmit([&] { gate.wait(); }));
        gate.waitForWaiters(2);
        std::atomic<int> ran {0};
        for (int i = 0; i < 500; ++i)
            QVERIFY(pool.trySubmit([&] { ++ran; }));
        gate.open();
        QVERIFY(pool.waitForDone(-1));
        QCOMPARE(ran.load(), 500);
        QCOMPARE(pool.startedThreads(), 2);
        // Both threads were started for the first two tasks and never slept until the queue
        // was empty: the 500 queued tasks woke nobody.
        QCOMPARE(pool.wakeUps(), quint64(0));
    }

    void destroyingThePoolRunsWhatWasSubmitted()
    {
        std::atomic<int> ran {0};
        {
            WorkerPool pool(3, 100);
            for (int i = 0; i < 30; ++i) {
                QVERIFY(pool.trySubmit([&] {
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                    ++ran;
                }));
            }
        }
        QCOMPARE(ran.load(), 30);
    }
};

QTEST_GUILESS_MAIN(TestWorkerPool)
#include "tst_base_worker_pool.moc"
