#include "server/identity/TokenVerifier.h"

#include "server/base/Log.h"
#include "server/identity/IdentityRepository.h"
#include "server/identity/Jwt.h"
#include "server/storage/Redis.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QMutexLocker>
#include <QTimeZone>

namespace fp {

namespace {

constexpr qsizetype kMaxCachedSessions = 50000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

AppError invalidToken()
{
    return AppError::unauthorized(QStringLiteral("The access token is invalid or expired"));
}

QByteArray revokedMarker(const QString &sessionId)
{
    return Redis::key("session-revoked:" + sessionId.toLatin1());
}

template<typename Entry>
Result<Caller> callerFrom(const Entry &entry, const QString &sessionId, qint64 now)
{
    if (!entry.valid)
        return invalidToken();
    Caller caller;
    caller.userId = entry.userId;
    caller.sessionId = sessionId;
    caller.role = entry.role;
    // A restriction with an end lifts itself (UserRecord::restricted), however long the entry
    // is trusted.
    caller.restricted =
        entry.restricted && (entry.restrictedUntilMs == 0 || now < entry.restrictedUntilMs);
    return caller;
}

} // namespace

TokenVerifier::TokenVerifier(QList<QByteArray> secrets, const IdentityRepository &repository)
    : m_secrets(std::move(secrets)), m_repository(repository)
{ }

std::optional<TokenVerifier::CacheEntry> TokenVerifier::cached(const QString &sessionId,
                                                               quint64 *epoch) const
{
    QMutexLocker lock(&m_mutex);
    *epoch = m_epoch;
    const auto it = m_entries.find(sessionId);
    if (it == m_entries.end())
        return std::nullopt;
    const qint64 now = nowMs();
    if (now - vouchedAtMs(*it) >= kCacheTtlMs || now - it->checkedAtMs >= kRereadMs)
        return std::nullopt;
    if (it->valid && now >= it->sessionExpiresAtMs)
        return std::nullopt;
    // In use: refreshActiveSessions() keeps it fresh from now on.
    it->lastUsedMs = now;
    return *it;
}

qint64 TokenVerifier::vouchedAtMs(const CacheEntry &entry) const
{
    // A reading of access_changes lists every change that became visible since the reading
    // before it; so, in an unbroken run of readings, every change made after the entry was read
    // was seen by the last one (and forgot the entry).
    if (m_changesReadSinceMs > 0 && entry.checkedAtMs >= m_changesReadSinceMs)
        return std::max(entry.checkedAtMs, m_changesReadAtMs);
    return entry.checkedAtMs;
}

void TokenVerifier::store(const QString &sessionId, const CacheEntry &entry,
                          quint64 epochAtStart) const
{
    QMutexLocker lock(&m_mutex);
    if (m_epoch != epochAtStart)
        return;
    if (m_entries.size() >= kMaxCachedSessions) {
        const qint64 now = nowMs();
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = now - vouchedAtMs(*it) >= kCacheTtlMs ? m_entries.erase(it) : std::next(it);
        if (m_entries.size() >= kMaxCachedSessions)
            return; // the database answers the rest
    }
    m_entries.insert(sessionId, entry);
}

std::optional<QByteArray> TokenVerifier::bearerToken(const QByteArray &authorization)
{
    const QByteArray value = authorization.trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0 || value.left(space).toLower() != "bearer")
        return std::nullopt;
    const QByteArray token = value.mid(space + 1).trimmed();
    if (token.isEmpty())
        return std::nullopt;
    return token;
}

std::optional<AccessClaims> TokenVerifier::claimsOf(const QByteArray &accessToken, qint64 now) const
{
    {
        QMutexLocker lock(&m_tokensMutex);
        const auto it = m_verifiedTokens.constFind(accessToken);
        if (it != m_verifiedTokens.cend()) {
            // Only the expiry can change a checked token's verdict (it only gets older).
            if (now / 1000 < it->expiresAt)
                return *it;
            return std::nullopt;
        }
    }
    auto verified = Jwt::verify(accessToken, m_secrets, now / 1000);
    if (!std::holds_alternative<AccessClaims>(verified))
        return std::nullopt;
    QMutexLocker lock(&m_tokensMutex);
    if (m_verifiedTokens.size() >= kMaxVerifiedTokens)
        m_verifiedTokens.removeIf(
            [now](const auto &entry) { return now / 1000 >= entry.value().expiresAt; });
    if (m_verifiedTokens.size() >= kMaxVerifiedTokens)
        m_verifiedTokens.clear();
    m_verifiedTokens.insert(accessToken, std::get<AccessClaims>(verified));
    return std::get<AccessClaims>(std::move(verified));
}

Result<Caller> TokenVerifier::verify(const QByteArray &accessToken) const
{
    const qint64 now = nowMs();
    const std::optional<AccessClaims> checked = claimsOf(accessToken, now);
    if (!checked)
        return invalidToken();
    const AccessClaims &claims = *checked;

    Result<Caller> caller = sessionCaller(claims.sessionId, claims.userId, now);
    if (caller)
        caller->expiresAtMs = claims.expiresAt * 1000;
    return caller;
}

std::optional<Result<Caller>> TokenVerifier::verifyFromCache(const QByteArray &accessToken) const
{
    const std::optional<AccessClaims> checked = claimsOf(accessToken, nowMs());
    if (!checked)
        return Result<Caller>(invalidToken());
    return cachedCaller(checked->sessionId, checked->userId, checked->expiresAt * 1000);
}

std::optional<Result<Caller>> TokenVerifier::cachedCaller(const QString &sessionId,
                                                          const QString &userId,
                                                          qint64 expiresAtMs) const
{
    quint64 epoch = 0;
    const std::optional<CacheEntry> hit = cached(sessionId, &epoch);
    if (!hit)
        return std::nullopt;
    if (hit->valid && hit->userId != userId)
        return Result<Caller>(invalidToken());
    Result<Caller> caller = callerFrom(*hit, sessionId, nowMs());
    if (caller)
        caller->expiresAtMs = expiresAtMs;
    return caller;
}

Result<Caller> TokenVerifier::recheck(const Caller &caller) const
{
    const qint64 now = nowMs();
    if (caller.expiresAtMs > 0 && now >= caller.expiresAtMs)
        return invalidToken();
    Result<Caller> current = sessionCaller(caller.sessionId, caller.userId, now);
    if (current)
        current->expiresAtMs = caller.expiresAtMs;
    return current;
}

std::optional<Result<Caller>> TokenVerifier::recheckFromCache(const Caller &caller) const
{
    if (caller.expiresAtMs > 0 && nowMs() >= caller.expiresAtMs)
        return Result<Caller>(invalidToken());
    return cachedCaller(caller.sessionId, caller.userId, caller.expiresAtMs);
}

Result<Caller> TokenVerifier::sessionCaller(const QString &sessionId, const QString &userId,
                                            qint64 now) const
{
    quint64 epoch = 0;
    if (const std::optional<CacheEntry> hit = cached(sessionId, &epoch)) {
        if (hit->valid && hit->userId != userId)
            return invalidToken();
        return callerFrom(*hit, sessionId, now);
    }

    // The database is the truth (a revocation commits there before anything else hears of
    // it), so a cache miss needs nothing but it: no Redis on this path.
    Result<std::optional<SessionState>> state = m_repository.sessionState(sessionId);
    if (!state)
        return state.error();
    ++m_readAlone;
    CacheEntry entry = entryFrom(*state, now);
    entry.lastUsedMs = now;
    store(sessionId, entry, epoch);
    if (entry.valid && entry.userId != userId)
        return invalidToken();
    return callerFrom(entry, sessionId, now);
}

TokenVerifier::CacheEntry TokenVerifier::entryFrom(const std::optional<SessionState> &state,
                                                   qint64 now)
{
    CacheEntry entry;
    entry.checkedAtMs = now;
    if (!state)
        return entry; // no such session: refused
    const QDateTime nowTime = QDateTime::fromMSecsSinceEpoch(now, QTimeZone::utc());
    const SessionState &s = *state;
    entry.userId = s.userId;
    entry.role = s.user.role;
    entry.restricted = s.user.restricted(nowTime);
    if (entry.restricted && s.user.restrictedUntil.isValid())
        entry.restrictedUntilMs = s.user.restrictedUntil.toMSecsSinceEpoch();
    entry.sessionExpiresAtMs = s.expiresAt.toMSecsSinceEpoch();
    entry.valid = !s.revoked && s.expiresAt > nowTime && !s.user.deleted() && !s.user.banned();
    return entry;
}

Status TokenVerifier::readAccessChanges() const
{
    // Stamped before the read: it vouches for the entries as of no later than the moment
    // MariaDB was asked.
    const qint64 started = nowMs();
    Result<QList<AccessChange>> changes =
        m_repository.accessChangesWithin(kAccessChangeWindowSeconds);
    if (!changes)
        return changes.error();
    QMutexLocker lock(&m_mutex);
    QSet<quint64> seen;
    seen.reserve(changes->size());
    bool forgot = false;
    for (const AccessChange &change : *changes) {
        seen.insert(change.id);
        if (m_changesSeen.contains(change.id))
            continue;
        if (change.sessionId.isEmpty())
            eraseEntriesOf(change.userId);
        else
            m_entries.remove(change.sessionId);
        forgot = true;
        ++m_changesApplied;
    }
    // A read alone that started before a change became visible must not store what it read.
    if (forgot)
        ++m_epoch;
    m_changesSeen = std::move(seen); // the others have left the window: never listed again
    if (m_changesReadAtMs == 0 || started - m_changesReadAtMs > kAccessChangeMaxGapMs)
        m_changesReadSinceMs = started;
    m_changesReadAtMs = started;
    ++m_changeReadings;
    return Ok {};
}

Result<qsizetype> TokenVerifier::refreshActiveSessions() const
{
    // Should the reading fail, the states it can no longer vouch for are re-read all the same.
    const Status changesRead = readAccessChanges();
    const qint64 started = nowMs();
    QStringList due;
    quint64 epoch = 0;
    {
        QMutexLocker lock(&m_mutex);
        epoch = m_epoch;
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
            if (started - it->lastUsedMs < kInUseMs &&
                (started - vouchedAtMs(*it) >= kCacheTtlMs - kRefreshAheadMs ||
                 started - it->checkedAtMs >= kRereadMs - kRefreshAheadMs))
                due << it.key();
        }
    }
    for (qsizetype from = 0; from < due.size(); from += kRefreshBatch) {
        const QStringList ids = due.mid(from, kRefreshBatch);
        // Stamped with the time before the read: the entry never claims to be fresher than the
        // moment the database was asked.
        const qint64 now = nowMs();
        Result<QHash<QString, SessionState>> states = m_repository.sessionStates(ids);
        if (!states)
            return states.error();
        m_readInBatches += quint64(ids.size());
        QMutexLocker lock(&m_mutex);
        if (m_epoch != epoch)
            return from; // a revocation came in between: what was read may predate it
        for (const QString &id : ids) {
            const auto found = states->constFind(id);
            CacheEntry entry = entryFrom(
                found == states->cend() ? std::nullopt : std::optional<SessionState>(*found), now);
            entry.lastUsedMs = m_entries.value(id).lastUsedMs;
            m_entries.insert(id, entry);
        }
    }
    if (!changesRead)
        return changesRead.error();
    return due.size();
}

void TokenVerifier::forgetSessions(const QString &userId, const QStringList &sessionIds)
{
    QMutexLocker lock(&m_mutex);
    ++m_epoch;
    const qint64 now = nowMs();
    for (const QString &id : sessionIds)
        m_entries.insert(id, CacheEntry {now, false, userId, Role::User, false, 0, 0});
}

void TokenVerifier::announceRevoked(const QString &userId, const QStringList &sessionIds)
{
    if (sessionIds.isEmpty())
        return;
    forgetSessions(userId, sessionIds);
    if (m_localListener)
        m_localListener(userId, sessionIds);

    // One round trip for the markers, one for the notice.
    QList<QByteArray> setMarkers {"EVAL",
                                  "for _, key in ipairs(KEYS) do "
                                  "redis.call('SET', key, '1', 'EX', ARGV[1]) end "
                                  "return #KEYS",
                                  QByteArray::number(sessionIds.size())};
    for (const QString &id : sessionIds)
        setMarkers << revokedMarker(id);
    setMarkers << QByteArray::number(kRevokedMarkerSeconds);
    const auto marked = Redis::command(setMarkers);
    const QByteArray message = QJsonDocument(QJsonObject {{QStringLiteral("user_id"), userId},
                                                          {QStringLiteral("session_ids"),
                                                           QJsonArray::fromStringList(sessionIds)}})
                                   .toJson(QJsonDocument::Compact);
    const auto published = marked && !marked->isError()
        ? Redis::command({"PUBLISH", Redis::key(kRevokedChannel), message})
        : std::nullopt;
    if (!published || published->isError()) {
        // This instance already refuses them; the others do once their cache entry expires
        // (seconds). Only WebSockets held elsewhere stay open until their token expires.
        log::warning(QStringLiteral("session_revocation_not_published"),
                     {{QStringLiteral("user_id"), userId},
                      {QStringLiteral("sessions"), int(sessionIds.size())}});
    }
}

void TokenVerifier::forgetUser(const QString &userId)
{
    QMutexLocker lock(&m_mutex);
    ++m_epoch;
    eraseEntriesOf(userId);
}

void TokenVerifier::eraseEntriesOf(const QString &userId) const
{
    for (auto it = m_entries.begin(); it != m_entries.end();)
        it = it->userId == userId ? m_entries.erase(it) : std::next(it);
}

} // namespace fp
