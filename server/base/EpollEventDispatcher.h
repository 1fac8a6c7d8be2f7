#pragma once

// A Qt event dispatcher on Linux epoll, for threads that hold thousands of sockets.
//
// Qt 6.4's dispatchers on Linux (glib's and Qt's own) wait with poll(): on every pass of the
// event loop the kernel walks every descriptor the thread has, whether anything happened on it
// or not. With 5,000 WebSocket clients on the server's I/O thread that walk was most of the
// thread's time (ws_bench: sock_poll, fdget and fput at the top of the profile) and the relay
// fell behind at 2,000 messages/s. epoll keeps the interest list in the kernel and reports only
// the descriptors that are ready, so a pass costs what happened, not how many are open.
//
// It implements the whole QAbstractEventDispatcher contract the way Qt's own UNIX dispatcher
// does: posted events first, socket notifiers (level-triggered, like poll), timers (a timer due
// at the start of a pass fires once in it, never again inside its own handler's nested loop;
// precise timers keep their phase), zero-interval timers, wakeUp() from any thread (an
// eventfd) and interrupt(). VeryCoarse and Coarse timers are kept precisely, which Qt allows.
//
// Two things make a socket's answer cheaper than with Qt's dispatchers (issue #16: a request cost
// two epoll_ctl calls and a loop pass of its own on top of its read and its write):
// - What epoll is asked to watch is told to the kernel once per pass, just before it waits, and
//   only where it differs from what the kernel already watches. A notifier switched on and off
//   within one pass costs no system call.
// - A TCP socket's write notifier that is switched on fires within the same pass, without waiting
//   for epoll to report the socket writable. Qt's QTcpSocket only queues what it is given and
//   switches that notifier on; its data went out on the next pass, after an epoll_ctl to ask for
//   writability and another to stop asking once the buffer was empty. A socket whose kernel
//   buffer is full answers the early write with EAGAIN, which Qt's socket engine takes as
//   "nothing written yet", and its notifier then waits for epoll as before. Only Qt's own TCP
//   socket engine is treated so: other writers (QProcess's pipes) take an early write that
//   fails as an error.
// Installed on the server's main thread (server/main.cpp; FP_EVENT_LOOP=qt falls back to Qt's
// own) and on ws_bench's client threads.

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QMultiHash>
#include <atomic>
#include <set>
#include <utility>

struct epoll_event;

namespace fp {

class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    /// epoll_ctl calls made so far: what the tests count.
    quint64 interestUpdates() const { return m_interestUpdates; }

    void wakeUp() override;
    void interrupt() override;

private:
    struct Watched // the notifiers of one descriptor, at most one per type
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 events = 0; // what epoll was last asked to report
        bool inEpoll = false; // false for what epoll refuses (regular files): always ready
        bool interestChanged = false; // listed in m_interestChanged
    };
    struct Timer
    {
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        QObject *object = nullptr;
        qint64 dueNs = 0;
        bool firing = false; // inside its own timerEvent: not again until that returns
    };

    void interestChanged(int fd, Watched &watched);
    /// Tells epoll what changed since the last pass: called just before it waits.
    void applyInterestChanges();
    void updateInterest(int fd, Watched &watched);
    void updateEpoll(int fd, Watched &watched);
    int activateSocketNotifiers(const epoll_event *events, int count);
    /// Fires the TCP write notifiers switched on since the last wait (see the top of this file).
    int activateNewTcpWriters();
    int activateTimers();
    /// Milliseconds to sleep at most: until the next timer, or -1 without timers.
    int timerWaitMs() const;
    void schedule(int timerId, Timer &timer, qint64 dueNs);

    int m_epoll = -1; // the wake-up eventfd and every watched descriptor
    int m_wakeOnly = -1; // the wake-up eventfd alone (for ExcludeSocketNotifiers)
    int m_wakeFd = -1;
    std::atomic<bool> m_wakePending {false};
    std::atomic<bool> m_interrupted {false};
    quint64 m_interestUpdates = 0;

    QHash<int, Watched> m_watched;
    QList<int> m_interestChanged; // descriptors whose notifiers changed since the last wait
    QList<int> m_newTcpWriters; // descriptors whose TCP write notifier was switched on
    int m_alwaysReady = 0; // watched descriptors epoll refused
    QHash<int, Timer> m_timers;
    QMultiHash<QObject *, int> m_timersByObject;
    std::set<std::pair<qint64, int>> m_due; // (due time, timer id), soonest first
};

} // namespace fp
