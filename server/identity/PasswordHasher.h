#pragma once

// Password storage: argon2id through libsodium's crypto_pwhash_str, at OWASP's minimum or above
// (19 MiB memory, 2 passes). Hashing is deliberately expensive: callers run it on the worker
// pool, and a process-wide budget bounds how many run at once (memory) and who gets a turn.
//
// The budget is `kMaxConcurrentHashes` slots shared by two kinds of job, each served in arrival
// order (a fair queue, not a scramble for the next free slot):
// - checks of a password (login, password change, account deletion) may use every slot and
//   wait up to kCheckWaitMs for one;
// - new hashes (registration, a new password) may hold at most kMaxConcurrentNewHashes slots,
//   and at most kMaxWaitingNewHashes may queue (up to kNewHashWaitMs); the rest are told at once
//   to retry.
// So a registration flood fills its own share and gets 503s of its own, while logins keep at
// least kMaxConcurrentHashes - kMaxConcurrentNewHashes slots and are not queued behind it; and a
// flood holds no worker threads beyond the few it may queue.

#include <QByteArray>
#include <QString>
#include <optional>

namespace fp {

class PasswordHasher
{
public:
    static constexpr int kMaxConcurrentHashes = 4;
    static constexpr int kMaxConcurrentNewHashes = 2;
    static constexpr int kMaxWaitingNewHashes = 4;
    static constexpr int kCheckWaitMs = 5000;
    static constexpr int kNewHashWaitMs = 2000;
    static constexpr unsigned long long kOpsLimit = 2;
    static constexpr size_t kMemLimitBytes = 19 * 1024 * 1024;

    /// Initialises libsodium and prepares the stand-in hash of verifyUnknown(); call once at
    /// start. False when the library cannot be used.
    static bool initialise();

    /// The encoded hash of a new password, or nullopt when its share of the budget is spent
    /// (retry later).
    static std::optional<QByteArray> hash(const QString &password);
    /// True when `password` matches; nullopt when no slot freed up in time.
    static std::optional<bool> verify(const QByteArray &encodedHash, const QString &password);
    /// A check for an account that has no password to check (unknown email): the same work,
    /// the same queue and the same busy answer as verify(), and always false. Nothing in the
    /// answer or its time tells the two apart.
    static std::optional<bool> verifyUnknown(const QString &password);
    /// A random password of `length` characters (admin seeding).
    static QString randomPassword(int length = 20);
};

} // namespace fp
