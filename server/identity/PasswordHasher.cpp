#include "server/identity/PasswordHasher.h"

#include <QSemaphore>
#include <sodium.h>

namespace fp {

namespace {

QSemaphore g_hashSlots(PasswordHasher::kMaxConcurrentHashes);

class HashSlot
{
public:
    HashSlot() : m_taken(g_hashSlots.tryAcquire(1, 2000)) { }
    ~HashSlot()
    {
        if (m_taken)
            g_hashSlots.release();
    }
    bool taken() const { return m_taken; }

private:
    bool m_taken;
};

} // namespace

bool PasswordHasher::initialise()
{
    return sodium_init() >= 0;
}

std::optional<QByteArray> PasswordHasher::hash(const QString &password)
{
    HashSlot slot;
    if (!slot.taken())
        return std::nullopt;
    const QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, utf8.constData(), quint64(utf8.size()), kOpsLimit, kMemLimitBytes) !=
        0)
        return std::nullopt; // out of memory
    return QByteArray(out);
}

std::optional<bool> PasswordHasher::verify(const QByteArray &encodedHash, const QString &password)
{
    HashSlot slot;
    if (!slot.taken())
        return std::nullopt;
    const QByteArray utf8 = password.toUtf8();
    return crypto_pwhash_str_verify(encodedHash.constData(), utf8.constData(),
                                    quint64(utf8.size())) == 0;
}

void PasswordHasher::verifyDummy(const QString &password)
{
    // A hash of a random password made once with the same parameters: verifying against it
    // costs what a real verification costs.
    static const QByteArray dummy = [] {
        char out[crypto_pwhash_STRBYTES];
        const QByteArray random = randomPassword(24).toUtf8();
        if (crypto_pwhash_str(out, random.constData(), quint64(random.size()), kOpsLimit,
                              kMemLimitBytes) != 0)
            return QByteArray();
        return QByteArray(out);
    }();
    if (!dummy.isEmpty())
        (void)verify(dummy, password);
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
