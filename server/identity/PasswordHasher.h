#pragma once

// Password storage: argon2id through libsodium's crypto_pwhash_str, at OWASP's minimum or above
// (19 MiB memory, 2 passes). Hashing is deliberately expensive: callers run it on the worker
// pool, and at most `kMaxConcurrentHashes` run at once so a burst of logins cannot exhaust
// memory (the rest are told to retry).

#include <QByteArray>
#include <QString>
#include <optional>

namespace fp {

class PasswordHasher
{
public:
    static constexpr int kMaxConcurrentHashes = 4;
    static constexpr unsigned long long kOpsLimit = 2;
    static constexpr size_t kMemLimitBytes = 19 * 1024 * 1024;

    /// Initialises libsodium; call once at start. False when the library cannot be used.
    static bool initialise();

    /// The encoded hash, or nullopt when the concurrency budget is spent (retry later).
    static std::optional<QByteArray> hash(const QString &password);
    /// True when `password` matches; nullopt when the concurrency budget is spent.
    static std::optional<bool> verify(const QByteArray &encodedHash, const QString &password);
    /// Burns the same time as a verify, for unknown accounts (no timing oracle).
    static void verifyDummy(const QString &password);
    /// A random password of `length` characters (admin seeding).
    static QString randomPassword(int length = 20);
};

} // namespace fp
