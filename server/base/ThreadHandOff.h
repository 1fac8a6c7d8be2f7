#pragma once

// Items handed from any thread to the thread a QObject lives on (the I/O thread), with one
// wake-up of that thread per burst rather than one per item: the first item of a burst posts a
// call, and that call takes everything handed over by the time it runs. Under load a worker's
// answers and the message writer's outcomes arrive in bursts, and each wake-up of the busiest
// thread costs more than the work it carries (HttpServer, Gateway).

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <functional>
#include <utility>
#include <vector>

namespace fp {

template<typename Item> class ThreadHandOff
{
public:
    /// `take` runs on `receiver`'s thread with the items in the order they were handed over.
    ThreadHandOff(QObject *receiver, std::function<void(std::vector<Item> &)> take)
        : m_receiver(receiver), m_take(std::move(take))
    { }

    /// Thread-safe.
    void push(Item item)
    {
        bool wake = false;
        {
            QMutexLocker lock(&m_mutex);
            m_items.push_back(std::move(item));
            wake = !std::exchange(m_scheduled, true);
        }
        if (wake)
            QMetaObject::invokeMethod(
                m_receiver, [this] { takeAll(); }, Qt::QueuedConnection);
    }

private:
    void takeAll()
    {
        std::vector<Item> items;
        {
            QMutexLocker lock(&m_mutex);
            items.swap(m_items);
            m_scheduled = false;
        }
        m_take(items);
    }

    QObject *m_receiver;
    std::function<void(std::vector<Item> &)> m_take;
    QMutex m_mutex;
    std::vector<Item> m_items;
    bool m_scheduled = false;
};

} // namespace fp
