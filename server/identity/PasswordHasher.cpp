#include "server/identity/PasswordHasher.h"

#include <QDeadlineTimer>
#include <QMutex>
#include <QMutexLocker>
#include <QWaitCondition>
#include <algorithm>
#include <deque>
#include <sodium.h>

namespace fp {

namespace {

enum class Job { Check, NewHash };

// The process-wide budget (see the header): slots shared by two FIFO queues, new hashes capped.
class HashBudget
{
public:
    bool acquire(Job job)
    {
        QMutexLocker lock(&m_mutex);
        std::deque<quint64> &queue = job == Job::Check ? m_checks : m_newHashes;
        if (job == Job::NewHash && int(m_newHashes.size()) >= PasswordHasher::kMaxWaitingNewHashes)
            return false;
        const quint64 ticket = ++m_lastTicket;
        queue.push_back(ticket);
        QDeadlineTimer deadline(job == Job::Check ? PasswordHasher::kCheckWaitMs
                                                  : PasswordHasher::kNewHashWaitMs);
        while (!(queue.front() == ticket && mayStart(job))) {
            if (!m_changed.wait(&m_mutex, deadline)) {
                if (queue.front() == ticket && mayStart(job))
                    break;
                queue.erase(std::find(queue.begin(), queue.end(), ticket));
                m_changed.wakeAll(); // the one behind may now be first
                return false;
            }
        }
        queue.pop_front();
        ++m_running;
        if (job == Job::NewHash)
            ++m_runningNewHashes;
        m_changed.wakeAll();
        return true;
    }

    void release(Job job)
    {
        QMutexLocker lock(&m_mutex);
        --m_running;
        if (job == Job::NewHash)
            --m_runningNewHashes;
        m_changed.wakeAll();
    }

private:
    bool mayStart(Job job) const
    {
        if (m_running >= PasswordHasher::kMaxConcurrentHashes)
            return false;
        return job == Job::Check || m_runningNewHashes < PasswordHasher::kMaxConcurrentNewHashes;
    }

    QMutex m_mutex;
    QWaitCondition m_changed;
    std::deque<quint64> m_checks;
    std::deque<quint64> m_newHashes;
    quint64 m_lastTicket = 0;
    int m_running = 0;
    int m_runningNewHashes = 0;
};

HashBudget g_budget;

class HashSlot
{
public:
    explicit HashSlot(Job job) : m_job(job), m_taken(g_budget.acquire(job)) { }
    ~HashSlot()
    {
        if (m_taken)
            g_budget.release(m_job);
    }
    HashSlot(const HashSlot &) = delete;
    HashSlot &operator=(const HashSlot &) = delete;
    bool taken() const { return m_taken; }

private:
    Job m_job;
    bool m_taken;
};

std::optional<QByteArray> hashUnbudgeted(const QString &password)
{
    const QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, utf8.constData(), quint64(utf8.size()), PasswordHasher::kOpsLimit,
                          PasswordHasher::kMemLimitBytes) != 0)
        return std::nullopt; // out of memory
    return QByteArray(out);
}

// A hash of a random password made once with the same parameters: verifying against it costs
// what a real verification costs.
const QByteArray &standInHash()
{
    static const QByteArray hash =
        hashUnbudgeted(PasswordHasher::randomPassword(24)).value_or(QByteArray());
    return hash;
}

} // namespace

bool PasswordHasher::initialise()
{
    return sodium_init() >= 0 && !standInHash().isEmpty();
}

std::optional<QByteArray> PasswordHasher::hash(const QString &password)
{
    HashSlot slot(Job::NewHash);
    if (!slot.taken())
        return std::nullopt;
    return hashUnbudgeted(password);
}

std::optional<bool> PasswordHasher::verify(const QByteArray &encodedHash, const QString &password)
{
    HashSlot slot(Job::Check);
    if (!slot.taken())
        return std::nullopt;
    const QByteArray utf8 = password.toUtf8();
    return crypto_pwhash_str_verify(encodedHash.constData(), utf8.constData(),
                                    quint64(utf8.size())) == 0;
}

std::optional<bool> PasswordHasher::verifyUnknown(const QString &password)
{
    const std::optional<bool> verified = verify(standInHash(), password);
    if (!verified)
        return std::nullopt;
    return false; // even if someone guessed the random stand-in
}

QString PasswordHasher::randomPassword(int length)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    QString out;
    for (int i = 0; i < length; ++i)
        out += QLatin1Char(alphabet[randombytes_uniform(sizeof(alphabet) - 1)]);
    return out;
}

} // namespace fp
