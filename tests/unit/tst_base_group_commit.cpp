// GroupCommit: every request gets its own response, batches form while a batch is being
// written, never exceed the limit, and a writer that throws neither loses nor strands anybody.

#include "server/base/GroupCommit.h"

#include <QTest>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace fp;

namespace {

struct Recorder
{
    std::mutex mutex;
    QList<QList<int>> batches;

    void record(const QList<int> &batch)
    {
        std::lock_guard lock(mutex);
        batches.append(batch);
    }
};

QList<int> tenTimes(const QList<int> &batch)
{
    QList<int> out;
    for (int r : batch)
        out.append(r * 10);
    return out;
}

/// Submits 1..threads from as many threads; the first batch is held until everybody else is
/// queued behind it. Checks each thread got its own answer; returns the batches written.
QList<QList<int>> submitFromThreads(int threads, int maxBatch)
{
    Recorder recorder;
    std::atomic<bool> firstBatch {true};
    GroupCommit<int, int> *commitPtr = nullptr;
    GroupCommit<int, int> commit(
        [&](const QList<int> &batch) {
            if (firstBatch.exchange(false)) {
                while (commitPtr->waiting() < threads - int(batch.size()))
                    std::this_thread::yield();
            }
            recorder.record(batch);
            return tenTimes(batch);
        },
        maxBatch);
    commitPtr = &commit;
    std::vector<int> answers(size_t(threads), 0);
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i)
        running.emplace_back([&, i] { answers[size_t(i)] = commit.submit(i + 1); });
    for (auto &t : running)
        t.join();
    for (int i = 0; i < threads; ++i) {
        if (answers[size_t(i)] != (i + 1) * 10)
            qFatal("request %d got the answer %d", i + 1, answers[size_t(i)]);
    }
    return recorder.batches;
}

} // namespace

class TestGroupCommit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aLoneRequestIsABatchOfOne()
    {
        Recorder recorder;
        GroupCommit<int, int> commit(
            [&](const QList<int> &batch) {
                recorder.record(batch);
                return tenTimes(batch);
            },
            16);
        QCOMPARE(commit.submit(4), 40);
        QCOMPARE(commit.submit(5), 50);
        QCOMPARE(recorder.batches, (QList<QList<int>> {{4}, {5}}));
        QCOMPARE(commit.batchCount(), quint64(2));
    }

    void requestsArrivingDuringABatchShareTheNext()
    {
        constexpr int kThreads = 8;
        const QList<QList<int>> batches = submitFromThreads(kThreads, 64);
        QCOMPARE(batches.size(), 2); // the first, then everybody who waited for it
        QCOMPARE(batches[0].size() + batches[1].size(), qsizetype(kThreads));
        QVERIFY(batches[1].size() >= 2);
    }

    void batchesNeverExceedTheLimit()
    {
        constexpr int kThreads = 10;
        const QList<QList<int>> batches = submitFromThreads(kThreads, 3);
        qsizetype total = 0;
        for (const QList<int> &batch : batches) {
            QVERIFY(batch.size() <= 3);
            total += batch.size();
        }
        QCOMPARE(total, qsizetype(kThreads));
    }

    void aThrowingWriterStrandsNobody()
    {
        constexpr int kThreads = 6;
        std::atomic<bool> thrown {false};
        GroupCommit<int, int> commit(
            [&](const QList<int> &batch) -> QList<int> {
                if (batch.contains(-1) && !thrown.exchange(true))
                    throw std::runtime_error("the store failed");
                return tenTimes(batch);
            },
            64);
        std::atomic<int> exceptions {0};
        std::vector<int> answers(kThreads, 0);
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                try {
                    answers[size_t(i)] = commit.submit(i == 0 ? -1 : i);
                } catch (const std::runtime_error &) {
                    ++exceptions;
                }
            });
        }
        for (auto &t : threads)
            t.join();
        // Exactly the thread that led the failed batch saw the exception; everybody else was
        // answered by a later leader (the -1 request too, if another thread led that batch).
        QCOMPARE(exceptions.load(), 1);
        int answered = 0;
        for (int i = 0; i < kThreads; ++i)
            answered += answers[size_t(i)] != 0 ? 1 : 0;
        QCOMPARE(answered, kThreads - 1);
        QCOMPARE(commit.waiting(), 0);
    }
};

QTEST_APPLESS_MAIN(TestGroupCommit)
#include "tst_base_group_commit.moc"
