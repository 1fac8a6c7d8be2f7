#pragma once

// Turns a bearer access token into the Caller (HttpServer::Authenticator; runs on a worker
// thread). The JWT proves who signed it; the session and account state say whether it still
// counts: a revoked session, or a deleted or banned account, is refused within seconds, not when
// the token expires. Revocations are announced through Redis for the others; verification never
// needs Redis, so a Redis outage neither refuses a valid token nor admits a revoked one.
//
// The state is cached in process and read from MariaDB otherwise. A cached state is trusted for
// kCacheTtlMs after the last moment it is known to be right: its own read, or the last reading
// of access_changes (refreshActiveSessions(), every second), which lists every revocation and
// account change of the last kAccessChangeWindowSeconds and forgets what they touch. So a
// session in use is not read again every few seconds, and a change made on another instance
// whose Redis notice was lost is still seen here within kCacheTtlMs. When those readings fail
// or fall too far apart, each state is trusted kCacheTtlMs after its own read, as before.
// One instance per process, owned by the identity domain: every worker shares what the others
// learned, and a revocation made here is seen by all of them at once.

#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/identity/IdentityTypes.h"
#include "server/identity/Jwt.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QSet>
#include <QStringList>
#include <atomic>
#include <functional>
#include <optional>

namespace fp {

class IdentityRepository;

class TokenVerifier
{
public:
    static constexpr qint64 kCacheTtlMs = 3000;
    /// refreshActiveSessions() re-reads a session in use this long before its entry would
    /// expire, so that a busy socket or client never waits on its own read.
    static constexpr qint64 kRefreshAheadMs = 1500;
    /// How far back each reading of access_changes looks (by MariaDB's clock). Far longer than
    /// readings may lie apart (kAccessChangeMaxGapMs), so that a change is listed by the reading
    /// after it became visible although its recorded time came a little earlier (the commit
    /// after the record, a Galera node's clock a few seconds apart).
    static constexpr int kAccessChangeWindowSeconds = 30;
    /// Two readings of access_changes further apart than this may have missed a change between
    /// them: what was cached before the later one is trusted only kCacheTtlMs after its own read.
    static constexpr qint64 kAccessChangeMaxGapMs = 5000;
    /// However long the readings vouch for it, a session in use is read again this often: a
    /// change made behind the server's back (by hand in MariaDB, without a record) is seen then.
    static constexpr qint64 kRereadMs = 60000;
    /// A session used within this long counts as in use for refreshActiveSessions(): a chat
    /// socket sends a frame every few seconds, and one that waited a little longer than the
    /// cache lives would otherwise read its state alone (on a worker) at every frame.
    static constexpr qint64 kInUseMs = 15000;
    /// Sessions read by one statement of refreshActiveSessions().
    static constexpr qsizetype kRefreshBatch = 500;
    /// Lifetime of the fp:session-revoked:<sid> marker: longer than any access token lives.
    static constexpr int kRevokedMarkerSeconds = 16 * 60;
    /// Redis channel (under the key prefix) announcing revocations to every instance (the
    /// WebSocket gateway closes the sockets of those sessions):
    /// {"user_id": "...", "session_ids": ["...", ...]}.
    static constexpr const char *kRevokedChannel = "sessions-revoked";

    using RevocationListener = std::function<void(const QString &, const QStringList &)>;

    /// `secrets`: the current signing secret first, then a previous one still accepted.
    TokenVerifier(QList<QByteArray> secrets, const IdentityRepository &repository);

    /// An access token (a bearer header's, or the WebSocket auth frame's).
    Result<Caller> verify(const QByteArray &accessToken) const;
    /// verify() when its answer needs no database read (the session's state is cached), or
    /// nothing: for the I/O thread, which never waits on MariaDB.
    std::optional<Result<Caller>> verifyFromCache(const QByteArray &accessToken) const;
    /// The same caller as the session and account stand now (role, restriction), or 401 when
    /// the session was revoked or the account banned or deleted since its token was verified:
    /// what an open WebSocket is checked against before each frame it sends. Cached like
    /// verify(): until kCacheTtlMs after it was last known right.
    Result<Caller> recheck(const Caller &caller) const;
    /// recheck() when its answer needs no database read, or nothing (for the I/O thread).
    std::optional<Result<Caller>> recheckFromCache(const Caller &caller) const;

    /// After revoking sessions (once committed): forget them here at once, mark them in Redis
    /// (fp:session-revoked:<sid>) and tell every instance on kRevokedChannel.
    void announceRevoked(const QString &userId, const QStringList &sessionIds);
    /// Refuses these sessions from now on in this process (e.g. on a notice from kRevokedChannel:
    /// without it another instance's revocation takes up to kCacheTtlMs to be seen here).
    void forgetSessions(const QString &userId, const QStringList &sessionIds);
    /// Reads the access changes of the last kAccessChangeWindowSeconds and forgets what they
    /// touch; then re-reads, a few hundred per statement, the state of every session used within
    /// kInUseMs that would expire within kRefreshAheadMs (none while the readings keep vouching
    /// for them, except once every kRereadMs). Called every second or so on a worker: the
    /// sockets and clients in use then find their state cached, at most kCacheTtlMs from known
    /// right, instead of each reading it alone. Returns the sessions re-read (an error when
    /// the access changes could not be read, after re-reading what they no longer vouch for).
    Result<qsizetype> refreshActiveSessions() const;
    /// Session states read from the database: one at a time (a cache miss), and in batches.
    quint64 sessionsReadAlone() const { return m_readAlone.load(); }
    quint64 sessionsReadInBatches() const { return m_readInBatches.load(); }
    /// Readings of access_changes that succeeded, and the changes they applied here.
    quint64 accessChangeReadings() const { return m_changeReadings.load(); }
    quint64 accessChangesApplied() const { return m_changesApplied.load(); }

    /// Forgets what this process cached about a user's sessions (status, role or ban changed).
    void forgetUser(const QString &userId);
    /// Told of every revocation made in this process, before Redis is asked to spread it, so
    /// this instance's sockets close even while Redis is down. Set once, at start.
    void setLocalRevocationListener(RevocationListener listener)
    {
        m_localListener = std::move(listener);
    }

    /// The token of an Authorization header value "Bearer <token>", if it has that form.
    static std::optional<QByteArray> bearerToken(const QByteArray &authorization);

private:
    struct CacheEntry
    {
        qint64 checkedAtMs = 0;
        bool valid = false;
        QString userId;
        Role role = Role::User;
        bool restricted = false;
        qint64 restrictedUntilMs = 0; // 0: until lifted (when restricted)
        qint64 sessionExpiresAtMs = 0;
        qint64 lastUsedMs = 0; // when a request or frame last found it cached
    };
    static CacheEntry entryFrom(const std::optional<SessionState> &state, qint64 nowMs);
    std::optional<CacheEntry> cached(const QString &sessionId, quint64 *epoch) const;
    /// Since when the entry is known to be right (needs m_mutex).
    qint64 vouchedAtMs(const CacheEntry &entry) const;
    /// The first half of refreshActiveSessions().
    Status readAccessChanges() const;
    /// Drops what is cached about every session of `userId` (needs m_mutex).
    void eraseEntriesOf(const QString &userId) const;
    /// The caller of a session whose state is cached, or nothing.
    std::optional<Result<Caller>> cachedCaller(const QString &sessionId, const QString &userId,
                                               qint64 expiresAtMs) const;
    Result<Caller> sessionCaller(const QString &sessionId, const QString &userId,
                                 qint64 nowMs) const;
    void store(const QString &sessionId, const CacheEntry &entry, quint64 epochAtStart) const;

    QList<QByteArray> m_secrets; // the current secret first, then the previous one
    const IdentityRepository &m_repository;
    RevocationListener m_localListener;

    /// The claims of a token whose signature and claims were checked before (its expiry is
    /// checked again), or of one checked now: the same client sends the same token with every
    /// request for its quarter of an hour, and a request answered from memory should not spend
    /// most of its time checking it again.
    std::optional<AccessClaims> claimsOf(const QByteArray &accessToken, qint64 nowMs) const;
    static constexpr qsizetype kMaxVerifiedTokens = 20000;
    mutable QMutex m_tokensMutex;
    mutable QHash<QByteArray, AccessClaims> m_verifiedTokens;

    mutable QMutex m_mutex;
    mutable QHash<QString, CacheEntry> m_entries;
    // Bumped by every revocation or forget: a lookup that started before one does not store
    // what it read (it may be the state from just before the revocation).
    mutable quint64 m_epoch = 0;
    // The last reading of access_changes that succeeded, and the first of the unbroken run of
    // readings it ends (none further than kAccessChangeMaxGapMs apart): an entry read since
    // then is right as of the last (0: no reading yet).
    mutable qint64 m_changesReadAtMs = 0;
    mutable qint64 m_changesReadSinceMs = 0;
    // The ids of the changes still within the window that were applied already.
    mutable QSet<quint64> m_changesSeen;
    mutable std::atomic<quint64> m_readAlone {0};
    mutable std::atomic<quint64> m_readInBatches {0};
    mutable std::atomic<quint64> m_changeReadings {0};
    mutable std::atomic<quint64> m_changesApplied {0};
};

} // namespace fp
