#include "server/base/EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimerEvent>
#include <QVarLengthArray>
#include <cerrno>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace fp {

namespace {

constexpr int kEventsPerWait = 256;

qint64 nowNs()
{
    timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

qint64 msToNs(qint64 ms)
{
    return ms * 1'000'000;
}

void addToEpoll(int epoll, int fd)
{
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0)
        qFatal("EpollEventDispatcher: cannot watch its wake-up descriptor (errno %d)", errno);
}

/// Whether the notifier belongs to Qt's socket engine (QTcpSocket, QUdpSocket), whose write
/// handler takes a write the kernel refuses (EAGAIN) as nothing written yet.
bool isTcpSocketEngine(const QSocketNotifier *notifier)
{
    const QObject *owner = notifier->parent();
    return owner && owner->inherits("QNativeSocketEngine");
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wakeOnly = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_wakeOnly < 0 || m_wakeFd < 0)
        qFatal("EpollEventDispatcher: cannot create epoll or eventfd descriptors (errno %d)",
               errno);
    addToEpoll(m_epoll, m_wakeFd);
    addToEpoll(m_wakeOnly, m_wakeFd);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wakeFd);
    ::close(m_wakeOnly);
    ::close(m_epoll);
}

// --- sockets ----------------------------------------------------------------------------------

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    Watched &watched = m_watched[fd];
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        watched.read = notifier;
        break;
    case QSocketNotifier::Write:
        watched.write = notifier;
        if (isTcpSocketEngine(notifier))
            m_newTcpWriters.append(fd);
        break;
    case QSocketNotifier::Exception:
        watched.exception = notifier;
        break;
    }
    interestChanged(fd, watched);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    auto it = m_watched.find(fd);
    if (it == m_watched.end())
        return;
    Watched &watched = *it;
    if (watched.read == notifier)
        watched.read = nullptr;
    if (watched.write == notifier)
        watched.write = nullptr;
    if (watched.exception == notifier)
        watched.exception = nullptr;
    if (watched.read || watched.write || watched.exception) {
        interestChanged(fd, watched);
        return;
    }
    // The last notifier of a descriptor goes when its socket is closed, and the number may come
    // back for another socket in the same pass: the kernel must forget it now, not at the wait.
    updateInterest(fd, watched);
    m_watched.erase(it);
}

void EpollEventDispatcher::interestChanged(int fd, Watched &watched)
{
    if (watched.interestChanged)
        return;
    watched.interestChanged = true;
    m_interestChanged.append(fd);
}

void EpollEventDispatcher::applyInterestChanges()
{
    for (int fd : std::as_const(m_interestChanged)) {
        const auto it = m_watched.find(fd);
        if (it == m_watched.end() || !it->interestChanged)
            continue; // gone meanwhile, or listed twice (its number came back)
        it->interestChanged = false;
        updateInterest(fd, *it);
    }
    m_interestChanged.clear();
    // Writers not fired early (a pass without socket notifiers) are now watched by epoll.
    m_newTcpWriters.clear();
}

void EpollEventDispatcher::updateInterest(int fd, Watched &watched)
{
    const bool wasAlwaysReady = !watched.inEpoll && watched.events != 0;
    updateEpoll(fd, watched);
    const bool alwaysReady = !watched.inEpoll && watched.events != 0;
    m_alwaysReady += int(alwaysReady) - int(wasAlwaysReady);
}

void EpollEventDispatcher::updateEpoll(int fd, Watched &watched)
{
    quint32 events = 0;
    if (watched.read)
        events |= EPOLLIN;
    if (watched.write)
        events |= EPOLLOUT;
    if (watched.exception)
        events |= EPOLLPRI;
    if (events == watched.events && (watched.inEpoll || events == 0))
        return;
    epoll_event event {};
    event.events = events;
    event.data.fd = fd;
    if (events == 0) {
        if (watched.inEpoll) {
            ++m_interestUpdates;
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &event);
        }
        watched.inEpoll = false;
    } else if (watched.inEpoll) {
        ++m_interestUpdates;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
    } else {
        ++m_interestUpdates;
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) == 0) {
            watched.inEpoll = true;
        } else if (errno == EEXIST) {
            // The number came back (closed and reused) before its old entry was removed.
            ++m_interestUpdates;
            epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event);
            watched.inEpoll = true;
        }
    }
    // Anything else epoll refuses (EPERM: a regular file) stays out of the set; poll() calls
    // such a descriptor always ready, and activateSocketNotifiers() does the same.
    watched.events = events;
}

int EpollEventDispatcher::activateSocketNotifiers(const epoll_event *events, int count)
{
    // Ready descriptors first, then those epoll cannot watch. A notifier may be unregistered or
    // deleted by an earlier one's handler, so each is looked up again right before its event.
    struct Ready
    {
        int fd;
        quint32 events;
    };
    QVarLengthArray<Ready, kEventsPerWait> ready;
    for (int i = 0; i < count; ++i) {
        if (events[i].data.fd != m_wakeFd)
            ready.append({events[i].data.fd, events[i].events});
    }
    if (m_alwaysReady > 0) {
        for (auto it = m_watched.cbegin(); it != m_watched.cend(); ++it) {
            if (!it->inEpoll && it->events != 0)
                ready.append({it.key(), it->events});
        }
    }
    int activated = 0;
    auto fire = [&](int fd, QSocketNotifier *Watched::*slot) {
        const auto it = m_watched.constFind(fd);
        if (it == m_watched.cend())
            return;
        QSocketNotifier *notifier = (*it).*slot;
        if (!notifier)
            return;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(notifier, &event);
        ++activated;
    };
    for (const Ready &r : ready) {
        // The same mapping as Qt's poll() dispatcher: hang-ups and errors wake the reader,
        // errors the writer too, so each finds out by reading or writing.
        if (r.events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            fire(r.fd, &Watched::read);
        if (r.events & (EPOLLOUT | EPOLLERR))
            fire(r.fd, &Watched::write);
        if (r.events & EPOLLPRI)
            fire(r.fd, &Watched::exception);
    }
    return activated;
}

int EpollEventDispatcher::activateNewTcpWriters()
{
    int activated = 0;
    // A writer's handler may switch on others (an answer to one socket becomes a frame for
    // another): they are fired in the next round. Whatever is left after a few rounds waits for
    // epoll, which applyInterestChanges() asks to watch them.
    for (int round = 0; round < 4 && !m_newTcpWriters.isEmpty(); ++round) {
        // A copy: a handler may run a nested event loop that comes back here.
        const QVarLengthArray<int, 64> fds(m_newTcpWriters.cbegin(), m_newTcpWriters.cend());
        m_newTcpWriters.clear();
        for (int fd : fds) {
            const auto it = m_watched.constFind(fd);
            if (it == m_watched.cend() || !it->write)
                continue; // switched off or closed meanwhile
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(it->write, &event);
            ++activated;
        }
    }
    return activated;
}

// --- timers -----------------------------------------------------------------------------------

void EpollEventDispatcher::schedule(int timerId, Timer &timer, qint64 dueNs)
{
    m_due.erase({timer.dueNs, timerId});
    timer.dueNs = dueNs;
    m_due.insert({dueNs, timerId});
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    Timer timer;
    timer.intervalMs = std::max<qint64>(0, interval);
    timer.type = timerType;
    timer.object = object;
    timer.dueNs = nowNs() + msToNs(timer.intervalMs);
    m_timers.insert(timerId, timer);
    m_timersByObject.insert(object, timerId);
    m_due.insert({timer.dueNs, timerId});
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_due.erase({it->dueNs, timerId});
    m_timersByObject.remove(it->object, timerId);
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    const QList<int> ids = m_timersByObject.values(object);
    for (int id : ids)
        unregisterTimer(id);
    return !ids.isEmpty();
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    for (auto it = m_timersByObject.constFind(object);
         it != m_timersByObject.cend() && it.key() == object; ++it) {
        const Timer &timer = m_timers.value(*it);
        timers.append(TimerInfo(*it, int(timer.intervalMs), timer.type));
    }
    return timers;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const qint64 left = it->dueNs - nowNs();
    return left <= 0 ? 0 : int((left + 999'999) / 1'000'000);
}

int EpollEventDispatcher::timerWaitMs() const
{
    for (const auto &[dueNs, id] : m_due) {
        if (m_timers.value(id).firing)
            continue; // cannot fire before its handler returns: no reason to wake for it
        const qint64 left = dueNs - nowNs();
        // Rounded up: waking a little early would only spin until the timer is due.
        return left <= 0 ? 0 : int(std::min<qint64>((left + 999'999) / 1'000'000, 1 << 30));
    }
    return -1;
}

int EpollEventDispatcher::activateTimers()
{
    // The timers due now, soonest first; those due later, or re-armed meanwhile, wait for the
    // next pass.
    const qint64 now = nowNs();
    QVarLengthArray<int, 16> due;
    for (const auto &[dueNs, id] : m_due) {
        if (dueNs > now)
            break;
        due.append(id);
    }
    int activated = 0;
    for (int id : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end() || it->firing || it->dueNs > now)
            continue;
        // Re-arm before firing: precise timers keep their phase unless they fell a whole
        // interval behind; the others count from now.
        qint64 next = it->type == Qt::PreciseTimer ? it->dueNs + msToNs(it->intervalMs)
                                                   : now + msToNs(it->intervalMs);
        if (next < now)
            next = now + msToNs(it->intervalMs);
        schedule(id, *it, next);
        it->firing = true;
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++activated;
        // The handler may have killed this timer, or others, and so moved the hash around.
        if (auto after = m_timers.find(id); after != m_timers.end())
            after->firing = false;
    }
    return activated;
}

// --- the loop ---------------------------------------------------------------------------------

void EpollEventDispatcher::wakeUp()
{
    if (m_wakePending.exchange(true))
        return; // a wake-up is already on its way
    const quint64 one = 1;
    ssize_t written;
    do {
        written = ::write(m_wakeFd, &one, sizeof one);
    } while (written < 0 && errno == EINTR);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted = true;
    wakeUp();
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted = false;
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    // Answers handed over by other threads were queued by the posted events: out they go.
    const int firedEarly = includeNotifiers ? activateNewTcpWriters() : 0;
    const bool canWait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted;
    if (canWait)
        Q_EMIT aboutToBlock();
    if (m_interrupted)
        return false;

    applyInterestChanges(); // before reading m_alwaysReady, which it updates
    int timeoutMs = 0;
    if (canWait && !(includeNotifiers && m_alwaysReady > 0)) {
        timeoutMs = includeTimers ? timerWaitMs() : -1;
        // Posted events that arrived after sendPostedEvents() set the eventfd, so epoll_wait
        // returns at once for them.
    }
    epoll_event events[kEventsPerWait];
    int count;
    do {
        count =
            epoll_wait(includeNotifiers ? m_epoll : m_wakeOnly, events, kEventsPerWait, timeoutMs);
    } while (count < 0 && errno == EINTR);

    int handled = firedEarly;
    for (int i = 0; i < count; ++i) {
        if (events[i].data.fd == m_wakeFd) {
            quint64 value;
            while (::read(m_wakeFd, &value, sizeof value) > 0) { }
            m_wakePending = false;
            ++handled;
        }
    }
    if (includeNotifiers) {
        handled += activateSocketNotifiers(events, std::max(count, 0));
        handled += activateNewTcpWriters();
    }
    if (includeTimers) {
        handled += activateTimers();
        if (includeNotifiers)
            handled += activateNewTcpWriters();
    }
    return handled > 0;
}

} // namespace fp
