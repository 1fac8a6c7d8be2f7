// The epoll event dispatcher keeps Qt's contract: timers (single-shot, repeating, zero
// interval, killed in their own handler, never re-fired inside their own nested loop, moved to
// another thread), posted events from other threads, interrupt from another thread, sockets
// by the hundred, child-process pipes and descriptors epoll cannot watch. And what it does beyond
// Qt's: an answer written to a TCP socket goes out in the pass that queued it without asking
// epoll anything, and one the kernel cannot take yet waits for epoll, whole and in order. The
// whole server runs on it too, so every integration test exercises it again.

#include "server/base/EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QProcess>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <atomic>
#include <memory>
#include <sys/socket.h>
#include <thread>
#include <vector>

using namespace fp;

namespace {

class TimerCounter : public QObject
{
public:
    int fired = 0;
    std::function<void(int)> onFire;

protected:
    void timerEvent(QTimerEvent *event) override
    {
        ++fired;
        if (onFire)
            onFire(event->timerId());
    }
};

/// Serves events until a timer of `intervalMs` has fired `times` times: a timer of that
/// interval that was still running would have fired in that time too.
bool letTimersFire(int intervalMs, int times)
{
    int fired = 0;
    QTimer probe;
    QObject::connect(&probe, &QTimer::timeout, [&] { ++fired; });
    probe.start(intervalMs);
    return QTest::qWaitFor([&] { return fired >= times; }, 5000);
}

EpollEventDispatcher &dispatcher()
{
    return *static_cast<EpollEventDispatcher *>(QCoreApplication::eventDispatcher());
}

/// A connected pair of TCP sockets on loopback, both on this thread.
struct SocketPair
{
    QTcpServer server;
    QTcpSocket client;
    std::unique_ptr<QTcpSocket> accepted;

    bool connect()
    {
        if (!server.listen(QHostAddress::LocalHost))
            return false;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!QTest::qWaitFor([&] { return server.hasPendingConnections(); }, 5000))
            return false;
        accepted.reset(server.nextPendingConnection());
        return QTest::qWaitFor([&] { return client.state() == QAbstractSocket::ConnectedState; },
                               5000);
    }
};

} // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theApplicationRunsOnIt()
    {
        QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void singleShotAndRepeatingTimers()
    {
        int single = 0;
        QTimer::singleShot(10, this, [&] { ++single; });
        int ticks = 0;
        QTimer repeating;
        connect(&repeating, &QTimer::timeout, this, [&] { ++ticks; });
        repeating.start(5);
        QTRY_VERIFY_WITH_TIMEOUT(ticks >= 5 && single == 1, 5000);
        repeating.stop();
        const int stoppedAt = ticks;
        QVERIFY(letTimersFire(5, 10));
        QCOMPARE(ticks, stoppedAt);
        QCOMPARE(single, 1);
    }

    void zeroIntervalTimersRunEveryPassWithoutStarvingOthers()
    {
        int zero = 0;
        QTimer idle;
        connect(&idle, &QTimer::timeout, this, [&] { ++zero; });
        idle.start(0);
        bool later = false;
        QTimer::singleShot(20, this, [&] { later = true; });
        QTRY_VERIFY_WITH_TIMEOUT(later, 5000);
        idle.stop();
        QVERIFY(zero > 1);
    }

    void aTimerKilledInItsOwnHandlerStops()
    {
        TimerCounter counter;
        int other = 0;
        other = counter.startTimer(1);
        const int self = counter.startTimer(1);
        bool killed = false;
        counter.onFire = [&](int id) {
            if (id == self) {
                counter.killTimer(self);
                counter.killTimer(other);
                killed = true;
            }
        };
        QTRY_VERIFY(killed);
        const int fired = counter.fired;
        QVERIFY(fired >= 1 && fired <= 2); // the other may have fired once before
        QVERIFY(letTimersFire(1, 20));
        QCOMPARE(counter.fired, fired);
    }

    void aTimerNeverFiresInsideItsOwnNestedLoop()
    {
        TimerCounter counter;
        int inner = 0;
        int reentered = 0;
        bool inHandler = false;
        const int id = counter.startTimer(2);
        counter.onFire = [&](int) {
            if (inHandler)
                ++reentered;
            if (counter.fired > 1)
                return;
            inHandler = true;
            QEventLoop nested;
            QTimer tick;
            connect(&tick, &QTimer::timeout, &nested, [&] {
                if (++inner == 10)
                    nested.quit();
            });
            tick.start(2);
            nested.exec();
            inHandler = false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(counter.fired >= 3, 5000);
        counter.killTimer(id);
        QCOMPARE(inner, 10);
        QCOMPARE(reentered, 0);
    }

    void remainingTimeAndRegisteredTimers()
    {
        auto *dispatcher = QAbstractEventDispatcher::instance();
        TimerCounter counter;
        const int id = counter.startTimer(1000, Qt::PreciseTimer);
        const int left = dispatcher->remainingTime(id);
        QVERIFY2(left > 0 && left <= 1000, qPrintable(QString::number(left)));
        const QList<QAbstractEventDispatcher::TimerInfo> timers =
            dispatcher->registeredTimers(&counter);
        QCOMPARE(timers.size(), 1);
        QCOMPARE(timers.first().timerId, id);
        QCOMPARE(timers.first().interval, 1000);
        QCOMPARE(timers.first().timerType, Qt::PreciseTimer);
        counter.killTimer(id);
        QCOMPARE(dispatcher->remainingTime(id), -1);
        QVERIFY(dispatcher->registeredTimers(&counter).isEmpty());
    }

    void postedEventsFromOtherThreadsArriveInOrder()
    {
        static constexpr int kEach = 2000;
        QList<int> seen;
        QObject receiver;
        std::vector<std::thread> senders;
        for (int t = 0; t < 3; ++t) {
            senders.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i)
                    QMetaObject::invokeMethod(
                        &receiver, [&seen, t, i] { seen.append(t * kEach + i); },
                        Qt::QueuedConnection);
            });
        }
        for (auto &s : senders)
            s.join();
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), 3 * kEach, 10000);
        for (int t = 0; t < 3; ++t) {
            int previous = -1;
            for (int v : seen) {
                if (v / kEach != t)
                    continue;
                QVERIFY(v > previous);
                previous = v;
            }
        }
    }

    void aThreadOnItQuitsWhenToldFromAnother()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        std::atomic<int> ticks {0};
        QTimer timer;
        timer.setInterval(1);
        timer.moveToThread(&thread);
        connect(&timer, &QTimer::timeout, &timer, [&] { ++ticks; });
        connect(&thread, &QThread::started, &timer, qOverload<>(&QTimer::start));
        thread.start();
        QTRY_VERIFY_WITH_TIMEOUT(ticks.load() > 5, 5000);
        QMetaObject::invokeMethod(&timer, &QTimer::stop, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }

    void aRunningTimerMovesToAnotherThread()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        auto *counter = new TimerCounter;
        std::atomic<bool> onOtherThread {false};
        counter->onFire = [&](int) {
            if (QThread::currentThread() == &thread)
                onOtherThread = true;
        };
        counter->startTimer(2);
        QTRY_VERIFY_WITH_TIMEOUT(counter->fired > 0, 5000);
        counter->moveToThread(&thread);
        QTRY_VERIFY_WITH_TIMEOUT(onOtherThread.load(), 5000);
        QMetaObject::invokeMethod(
            counter, [counter] { delete counter; }, Qt::BlockingQueuedConnection);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }

    void hundredsOfSocketsEchoAndHangUp()
    {
        constexpr int kClients = 300;
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        std::vector<std::unique_ptr<QTcpSocket>> accepted;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
                accepted.emplace_back(s);
            }
        });
        std::vector<std::unique_ptr<QTcpSocket>> clients;
        std::vector<QByteArray> echoes(kClients);
        int complete = 0;
        int disconnected = 0;
        for (int i = 0; i < kClients; ++i) {
            auto client = std::make_unique<QTcpSocket>();
            QTcpSocket *c = client.get();
            const QByteArray line = "client " + QByteArray::number(i) + '\n';
            connect(c, &QTcpSocket::connected, c, [c, line] { c->write(line); });
            connect(c, &QTcpSocket::readyRead, c, [c, i, &echoes, &complete] {
                echoes[size_t(i)] += c->readAll();
                if (echoes[size_t(i)].endsWith('\n'))
                    ++complete;
            });
            connect(c, &QTcpSocket::disconnected, c, [&disconnected] { ++disconnected; });
            c->connectToHost(QHostAddress::LocalHost, server.serverPort());
            clients.push_back(std::move(client));
        }
        QTRY_COMPARE_WITH_TIMEOUT(complete, kClients, 20000);
        for (int i = 0; i < kClients; ++i)
            QCOMPARE(echoes[size_t(i)], "client " + QByteArray::number(i) + '\n');
        // The far side hangs up: every client learns it through its read notifier.
        for (auto &s : accepted)
            s->disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(disconnected, kClients, 20000);
    }

    void anAnswerGoesOutInThePassThatQueuedItWithoutAskingEpoll()
    {
        SocketPair pair;
        QVERIFY(pair.connect());
        QTcpSocket &server = *pair.accepted;
        // Settle: the connection's own notifiers are registered with the kernel by now.
        QCoreApplication::processEvents();
        for (int i = 0; i < 50; ++i) {
            const quint64 before = dispatcher().interestUpdates();
            const QByteArray answer = "answer " + QByteArray::number(i) + '\n';
            server.write(answer);
            QCOMPARE(server.bytesToWrite(), answer.size()); // QTcpSocket only queued it
            QCoreApplication::processEvents(); // one pass, without waiting
            QCOMPARE(server.bytesToWrite(), 0);
            // Qt switched the write notifier on and, once it was written, off again: neither
            // reached the kernel.
            QCOMPARE(dispatcher().interestUpdates(), before);
            QTRY_COMPARE_WITH_TIMEOUT(pair.client.bytesAvailable(), answer.size(), 5000);
            QCOMPARE(pair.client.readAll(), answer);
        }
    }

    void anAnswerTheKernelCannotTakeYetWaitsForEpollWholeAndInOrder()
    {
        SocketPair pair;
        QVERIFY(pair.connect());
        QTcpSocket &server = *pair.accepted;
        // Fill the connection past what the kernel will buffer, behind Qt's back, so that the
        // early write below meets a full socket (EAGAIN).
        const int fd = int(server.socketDescriptor());
        int small = 4096;
        QCOMPARE(::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
        const QByteArray block(4096, 'x');
        qint64 filled = 0;
        for (;;) {
            const ssize_t sent = ::send(fd, block.constData(), size_t(block.size()), MSG_DONTWAIT);
            if (sent <= 0)
                break;
            filled += sent;
        }
        QVERIFY(errno == EAGAIN || errno == EWOULDBLOCK);
        bool failed = false;
        connect(&server, &QAbstractSocket::errorOccurred, this, [&] { failed = true; });
        QByteArray tail;
        for (int i = 0; i < 1000; ++i)
            tail += "tail " + QByteArray::number(i) + '\n';
        server.write(tail);
        QCoreApplication::processEvents();
        QVERIFY2(!failed, qPrintable(server.errorString()));
        QVERIFY(server.bytesToWrite() > 0); // refused for now, still queued
        // The reader drains everything: the filling first, then the tail, nothing lost.
        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.client.readAll()).size() >= filled + tail.size(),
                                 10000);
        QVERIFY(!failed);
        QCOMPARE(received.size(), filled + tail.size());
        QVERIFY(received.first(filled) == QByteArray(filled, 'x'));
        QCOMPARE(received.sliced(filled), tail);
        QCOMPARE(server.bytesToWrite(), 0);
    }

    void childProcessPipes()
    {
        QProcess process;
        process.start(QStringLiteral("sh"),
                      {QStringLiteral("-c"), QStringLiteral("cat; echo done")});
        QVERIFY(process.waitForStarted(5000));
        process.write("piped through\n");
        process.closeWriteChannel();
        QByteArray out;
        connect(&process, &QProcess::readyReadStandardOutput, this,
                [&] { out += process.readAllStandardOutput(); });
        bool finished = false;
        connect(&process, &QProcess::finished, this, [&] { finished = true; });
        QTRY_VERIFY_WITH_TIMEOUT(finished, 10000);
        out += process.readAllStandardOutput();
        QCOMPARE(out, QByteArray("piped through\ndone\n"));
    }

    void aDescriptorEpollRefusesIsAlwaysReady()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("x");
        file.flush();
        QSocketNotifier notifier(file.handle(), QSocketNotifier::Read);
        int activations = 0;
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            if (++activations == 3)
                notifier.setEnabled(false);
        });
        QTRY_COMPARE_WITH_TIMEOUT(activations, 3, 5000);
        // Another always-ready file is activated on every pass: a hundred passes later, the
        // disabled notifier has stayed quiet.
        QTemporaryFile other;
        QVERIFY(other.open());
        QSocketNotifier control(other.handle(), QSocketNotifier::Read);
        int passes = 0;
        connect(&control, &QSocketNotifier::activated, this, [&] { ++passes; });
        QTRY_VERIFY_WITH_TIMEOUT(passes >= 100, 5000);
        QCOMPARE(activations, 3);
    }
};

int main(int argc, char **argv)
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_base_epoll_dispatcher.moc"
