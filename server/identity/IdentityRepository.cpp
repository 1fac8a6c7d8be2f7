#include "server/identity/IdentityRepository.h"

#include "server/base/Validation.h"

#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

namespace fp {

namespace {

const QString kUserColumns =
    QStringLiteral("u.id, u.email, u.password_hash, u.status, u.role, u.created_at, "
                   "u.restricted_until, u.banned_at, u.deleted_at, u.last_seen_at");

UserRecord readUser(const SqlResult &r)
{
    UserRecord u;
    u.id = r.value(0).toString();
    u.email = r.value(1).toString();
    u.passwordHash = r.value(2).toByteArray();
    u.status = r.value(3).toString();
    u.role = roleFromName(r.value(4).toString()).value_or(Role::User);
    u.createdAt = Sql::toTime(r.value(5));
    u.restrictedUntil = Sql::toTime(r.value(6));
    u.bannedAt = Sql::toTime(r.value(7));
    u.deletedAt = Sql::toTime(r.value(8));
    u.lastSeenAt = Sql::toTime(r.value(9));
    return u;
}

Result<std::optional<UserRecord>> oneUser(const QString &where, const QVariant &value)
{
    return Sql::optionalRow<UserRecord>(
        Sql::exec(QStringLiteral("SELECT %1 FROM users u WHERE %2").arg(kUserColumns, where),
                  {value}),
        readUser);
}

} // namespace

Result<std::optional<UserRecord>> IdentityRepository::findUserByEmail(const QString &email) const
{
    return oneUser(QStringLiteral("u.email = ?"), email);
}

Result<std::optional<UserRecord>> IdentityRepository::findUserById(const QString &userId) const
{
    return oneUser(QStringLiteral("u.id = ?"), userId);
}

Result<bool> IdentityRepository::emailTaken(const QString &email) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT 1 FROM users WHERE email = ?"), {email});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Status IdentityRepository::insertUser(const NewUser &user) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("INSERT INTO users (id, email, password_hash, status, "
                       "role) VALUES (?, ?, ?, 'active', ?)"),
        {user.id, user.email, QString::fromLatin1(user.passwordHash), roleName(user.role)}));
}

Result<bool> IdentityRepository::adminExists() const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT 1 FROM users WHERE role = 'admin' AND status <> 'deleted' LIMIT 1"));
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Status IdentityRepository::updatePasswordHash(const QString &userId, const QByteArray &hash) const
{
    return Sql::status(Sql::exec(QStringLiteral("UPDATE users SET password_hash = ? WHERE id = ?"),
                                 {QString::fromLatin1(hash), userId}));
}

Status IdentityRepository::touchLastSeen(const QString &userId) const
{
    return Sql::status(Sql::exec(
        QStringLiteral("UPDATE users SET last_seen_at = UTC_TIMESTAMP(3) WHERE id = ?"), {userId}));
}

Status IdentityRepository::insertSession(const NewSession &s) const
{
    if (Status inserted = Sql::status(Sql::exec(
            QStringLiteral(
                "INSERT INTO user_sessions (id, user_id, refresh_token_hash, device_label, "
                "ip_address, user_agent, created_at, last_used_at, expires_at) VALUES (?, "
                "?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), ?)"),
            {s.id, s.userId, s.refreshTokenHash, Sql::nullableText(s.deviceLabel),
             Sql::nullableText(s.ipAddress), Sql::nullableText(s.userAgent),
             Sql::time(s.expiresAt)}));
        !inserted)
        return inserted;
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO user_session_refresh_tokens (token_hash, "
                                 "session_id, generation, issued_at) VALUES (?, ?, 0, "
                                 "UTC_TIMESTAMP(3))"),
                  {s.refreshTokenHash, s.id}));
}

Result<std::optional<IssuedRefreshToken>>
IdentityRepository::issuedRefreshToken(const QString &hash) const
{
    return Sql::optionalRow<IssuedRefreshToken>(
        Sql::exec(QStringLiteral("SELECT session_id, generation FROM user_session_refresh_tokens "
                                 "WHERE token_hash = ?"),
                  {hash}),
        [](const SqlResult &r) {
            return IssuedRefreshToken {r.value(0).toString(), r.value(1).toInt()};
        });
}

Result<std::optional<LockedSession>> IdentityRepository::lockSession(const QString &sessionId) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, user_id, refresh_token_hash, revoked_at, expires_at, "
                       "refresh_generation, "
                       "TIMESTAMPDIFF(MICROSECOND, refresh_rotated_at, UTC_TIMESTAMP(3)) DIV 1000 "
                       "FROM user_sessions WHERE id = ? FOR UPDATE"),
        {sessionId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<LockedSession>();
    LockedSession s;
    s.sessionId = r.value(0).toString();
    s.userId = r.value(1).toString();
    s.refreshTokenHash = r.value(2).toString();
    s.revoked = !r.value(3).isNull();
    s.expiresAt = Sql::toTime(r.value(4));
    s.refreshGeneration = r.value(5).toInt();
    if (!r.value(6).isNull())
        s.rotatedAgoMs = r.value(6).toLongLong();
    return std::optional<LockedSession>(s);
}

Result<bool> IdentityRepository::rotateRefreshToken(const QString &sessionId,
                                                    const QString &oldHash, int oldGeneration,
                                                    const QString &newHash,
                                                    const QString &ipAddress,
                                                    const QString &userAgent) const
{
    // The old hash is bound, not copied from the column: MariaDB applies SET assignments left
    // to right, so a later one would already see the new value.
    SqlResult r = Sql::exec(
        QStringLiteral("UPDATE user_sessions SET refresh_token_hash = ?, "
                       "previous_refresh_token_hash = ?, refresh_generation = ?, "
                       "refresh_rotated_at = UTC_TIMESTAMP(3), last_used_at = UTC_TIMESTAMP(3), "
                       "ip_address = ?, user_agent = ? WHERE id = ? AND refresh_token_hash = ? "
                       "AND refresh_generation = ? AND revoked_at IS NULL"),
        {newHash, oldHash, oldGeneration + 1, Sql::nullableText(ipAddress),
         Sql::nullableText(userAgent), sessionId, oldHash, oldGeneration});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() != 1)
        return false;
    if (Status remembered = Sql::status(Sql::exec(
            QStringLiteral("INSERT INTO user_session_refresh_tokens (token_hash, session_id, "
                           "generation, issued_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))"),
            {newHash, sessionId, oldGeneration + 1}));
        !remembered)
        return remembered.error();
    return true;
}

Result<bool> IdentityRepository::revokeSession(const QString &sessionId, const QString &userId,
                                               const QString &reason, Revocable which) const
{
    QString sql = QStringLiteral("UPDATE user_sessions SET revoked_at = UTC_TIMESTAMP(3), "
                                 "revoked_reason = ? WHERE id = ? AND user_id = ? AND "
                                 "revoked_at IS NULL");
    if (which == Revocable::Live)
        sql += QStringLiteral(" AND expires_at > UTC_TIMESTAMP(3)");
    SqlResult r = Sql::exec(sql, {reason, sessionId, userId});
    if (!r.ok())
        return r.toAppError();
    if (r.numRowsAffected() != 1)
        return false;
    if (Status recorded = recordAccessChange(userId, {sessionId}); !recorded)
        return recorded.error();
    return true;
}

Result<QStringList> IdentityRepository::revokeOtherSessions(const QString &userId,
                                                            const QString &keepSessionId,
                                                            const QString &reason) const
{
    SqlResult ids = Sql::exec(QStringLiteral("SELECT id FROM user_sessions WHERE user_id = ? AND "
                                             "revoked_at IS NULL AND id <> ? FOR UPDATE"),
                              {userId, keepSessionId});
    if (!ids.ok())
        return ids.toAppError();
    QStringList revoked;
    while (ids.next())
        revoked << ids.value(0).toString();
    if (revoked.isEmpty())
        return revoked;
    SqlResult r = Sql::exec(QStringLiteral("UPDATE user_sessions SET revoked_at = "
                                           "UTC_TIMESTAMP(3), revoked_reason = ? WHERE user_id = ? "
                                           "AND revoked_at IS NULL AND id <> ?"),
                            {reason, userId, keepSessionId});
    if (!r.ok())
        return r.toAppError();
    if (Status recorded = recordAccessChange(userId, revoked); !recorded)
        return recorded.error();
    return revoked;
}

Result<QList<SessionRecord>>
IdentityRepository::listLiveSessions(const QString &userId, int limit,
                                     const std::optional<KeysetCursor> &after) const
{
    QString sql = QStringLiteral(
        "SELECT id, user_id, device_label, ip_address, user_agent, created_at, last_used_at, "
        "expires_at FROM user_sessions WHERE user_id = ? AND revoked_at IS NULL AND "
        "expires_at > UTC_TIMESTAMP(3)");
    QVariantList bindings {userId};
    if (after) {
        sql += QStringLiteral(" AND (last_used_at < ? OR (last_used_at = ? AND id < ?))");
        bindings << Sql::time(after->time) << Sql::time(after->time) << after->id;
    }
    sql += QStringLiteral(" ORDER BY last_used_at DESC, id DESC LIMIT ?");
    bindings << limit;
    SqlResult r = Sql::exec(sql, bindings);
    if (!r.ok())
        return r.toAppError();
    QList<SessionRecord> sessions;
    while (r.next()) {
        SessionRecord s;
        s.id = r.value(0).toString();
        s.userId = r.value(1).toString();
        s.deviceLabel = r.value(2).toString();
        s.ipAddress = r.value(3).toString();
        s.userAgent = r.value(4).toString();
        s.createdAt = Sql::toTime(r.value(5));
        s.lastUsedAt = Sql::toTime(r.value(6));
        s.expiresAt = Sql::toTime(r.value(7));
        sessions << s;
    }
    return sessions;
}

namespace {

const QString kSessionStateSelect =
    QStringLiteral("SELECT s.user_id, s.revoked_at, s.expires_at, u.status, u.role, "
                   "u.restricted_until, u.banned_at, u.deleted_at, s.id FROM user_sessions s "
                   "JOIN users u ON u.id = s.user_id WHERE ");

SessionState sessionStateFrom(const SqlResult &r)
{
    SessionState state;
    state.userId = r.value(0).toString();
    state.revoked = !r.value(1).isNull();
    state.expiresAt = Sql::toTime(r.value(2));
    state.user.id = state.userId;
    state.user.status = r.value(3).toString();
    state.user.role = roleFromName(r.value(4).toString()).value_or(Role::User);
    state.user.restrictedUntil = Sql::toTime(r.value(5));
    state.user.bannedAt = Sql::toTime(r.value(6));
    state.user.deletedAt = Sql::toTime(r.value(7));
    return state;
}

} // namespace

Result<std::optional<SessionState>> IdentityRepository::sessionState(const QString &sessionId) const
{
    SqlResult r = Sql::exec(kSessionStateSelect + QStringLiteral("s.id = ?"), {sessionId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<SessionState>();
    return std::optional<SessionState>(sessionStateFrom(r));
}

Result<QHash<QString, SessionState>>
IdentityRepository::sessionStates(const QStringList &sessionIds) const
{
    QHash<QString, SessionState> states;
    if (sessionIds.isEmpty())
        return states;
    SqlResult r =
        Sql::exec(kSessionStateSelect + QStringLiteral("s.id IN (") +
                      Sql::repeated(QStringLiteral("?"), sessionIds.size()) + QLatin1Char(')'),
                  Sql::values(sessionIds));
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        states.insert(r.value(8).toString(), sessionStateFrom(r));
    return states;
}

Result<std::optional<UserRecord>> IdentityRepository::findAccount(const QString &userId,
                                                                  bool lockForUpdate) const
{
    return oneUser(
        lockForUpdate ? QStringLiteral("u.id = ? FOR UPDATE") : QStringLiteral("u.id = ?"), userId);
}

Result<QList<UserRecord>> IdentityRepository::searchAccounts(const QString &query,
                                                             const QStringList &alsoIds, int limit,
                                                             int offset) const
{
    // An exact id, a prefix of the email (LIKE wildcards in the input escaped), or one of the
    // ids the profile domain found by nickname.
    // The id is compared only when the text is one: ids are ASCII, and MariaDB refuses to
    // compare an ASCII column with text it cannot convert.
    const QString pattern = Sql::startsWithPattern(query);
    const bool anId = validation::isUuid(query);
    QString sql = QStringLiteral("SELECT %1 FROM users u WHERE %2u.email LIKE ? ESCAPE '!'")
                      .arg(kUserColumns, anId ? QStringLiteral("u.id = ? OR ") : QString());
    QVariantList bindings;
    if (anId)
        bindings << query;
    bindings << pattern;
    if (!alsoIds.isEmpty()) {
        sql += QStringLiteral(" OR u.id IN (") +
            Sql::repeated(QStringLiteral("?"), alsoIds.size()) + QLatin1Char(')');
        for (const QString &id : alsoIds)
            bindings << id;
    }
    sql += QStringLiteral(" ORDER BY u.created_at DESC, u.id LIMIT ? OFFSET ?");
    bindings << limit << offset;
    return Sql::rows<UserRecord>(Sql::exec(sql, bindings), readUser);
}

Result<QList<UserRecord>> IdentityRepository::accounts(const QStringList &userIds) const
{
    QList<UserRecord> users;
    if (userIds.isEmpty())
        return users;
    const QVariantList ids = Sql::values(userIds);
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT %1 FROM users u WHERE u.id IN (").arg(kUserColumns) +
                      Sql::repeated(QStringLiteral("?"), ids.size()) + QLatin1Char(')'),
                  ids);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        users.append(readUser(r));
    return users;
}

Result<QHash<QString, int>> IdentityRepository::liveSessionCounts(const QStringList &userIds) const
{
    QHash<QString, int> counts;
    if (userIds.isEmpty())
        return counts;
    QVariantList bindings;
    for (const QString &id : userIds)
        bindings << id;
    SqlResult r = Sql::exec(QStringLiteral("SELECT user_id, COUNT(*) FROM user_sessions WHERE "
                                           "revoked_at IS NULL AND expires_at > "
                                           "UTC_TIMESTAMP(3) AND user_id IN (") +
                                Sql::repeated(QStringLiteral("?"), bindings.size()) +
                                QStringLiteral(") GROUP BY user_id"),
                            bindings);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        counts.insert(r.value(0).toString(), r.value(1).toInt());
    return counts;
}

Status IdentityRepository::setStatus(const QString &userId, const QString &status,
                                     const QDateTime &restrictedUntil, const QDateTime &now) const
{
    Status updated = [&] {
        if (status == QLatin1String("banned"))
            // A ban also restricts: whatever checks restriction keeps a banned account out too.
            return Sql::status(
                Sql::exec(QStringLiteral("UPDATE users SET status = 'restricted', "
                                         "restricted_until = NULL, banned_at = ? WHERE id = ?"),
                          {Sql::time(now), userId}));
        if (status == QLatin1String("restricted"))
            return Sql::status(
                Sql::exec(QStringLiteral("UPDATE users SET status = 'restricted', "
                                         "restricted_until = ?, banned_at = NULL WHERE id = ?"),
                          {Sql::time(restrictedUntil), userId}));
        return Sql::status(
            Sql::exec(QStringLiteral("UPDATE users SET status = 'active', "
                                     "restricted_until = NULL, banned_at = NULL WHERE id = ?"),
                      {userId}));
    }();
    if (!updated)
        return updated;
    return recordAccessChange(userId);
}

Status IdentityRepository::setRole(const QString &userId, Role role) const
{
    if (Status s = Sql::status(Sql::exec(QStringLiteral("UPDATE users SET role = ? WHERE id = ?"),
                                         {roleName(role), userId}));
        !s)
        return s;
    return recordAccessChange(userId);
}

Status IdentityRepository::recordAccessChange(const QString &userId,
                                              const QStringList &sessionIds) const
{
    QString sql = QStringLiteral("INSERT INTO access_changes (user_id, session_id, changed_at) "
                                 "VALUES ");
    QVariantList bindings;
    if (sessionIds.isEmpty()) {
        sql += QStringLiteral("(?, NULL, UTC_TIMESTAMP(3))");
        bindings << userId;
    } else {
        sql += Sql::repeated(QStringLiteral("(?, ?, UTC_TIMESTAMP(3))"), sessionIds.size());
        for (const QString &id : sessionIds)
            bindings << userId << id;
    }
    if (!Transaction::openOnThisThread())
        return Sql::status(Sql::exec(sql, bindings));
    // The reader looks back a fixed time from now: the row's time should be when the change
    // becomes visible, not when the transaction that makes it began.
    Transaction::beforeCommit([sql, bindings] { return Sql::exec(sql, bindings).ok(); });
    return Ok {};
}

Result<QList<AccessChange>> IdentityRepository::accessChangesWithin(int seconds) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT id, user_id, session_id FROM access_changes WHERE changed_at >= "
                       "UTC_TIMESTAMP(3) - INTERVAL ? SECOND ORDER BY id"),
        {seconds});
    if (!r.ok())
        return r.toAppError();
    QList<AccessChange> changes;
    while (r.next())
        changes.append({r.value(0).toULongLong(), r.value(1).toString(), r.value(2).toString()});
    return changes;
}

Result<std::optional<QDateTime>> IdentityRepository::sessionOpenedAt(const QString &sessionId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT created_at FROM user_sessions WHERE id = ?"), {sessionId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(Sql::toTime(r.value(0)));
}

Result<std::optional<QString>> IdentityRepository::userIdForIdentity(const QString &provider,
                                                                     const QString &subject) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT user_id FROM user_auth_identities WHERE "
                                           "provider = ? AND provider_subject = ?"),
                            {provider, subject});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QString>();
    return std::optional<QString>(r.value(0).toString());
}

Status IdentityRepository::insertIdentity(const NewIdentity &identity) const
{
    return Sql::status(
        Sql::exec(QStringLiteral("INSERT INTO user_auth_identities (id, user_id, provider, "
                                 "provider_subject) VALUES (?, ?, ?, ?)"),
                  {identity.id, identity.userId, identity.provider, identity.subject}));
}

Result<QList<AuthIdentity>> IdentityRepository::identitiesOf(const QString &userId) const
{
    SqlResult r = Sql::exec(QStringLiteral("SELECT provider, created_at FROM user_auth_identities "
                                           "WHERE user_id = ? ORDER BY created_at, provider"),
                            {userId});
    if (!r.ok())
        return r.toAppError();
    QList<AuthIdentity> out;
    while (r.next())
        out.append({r.value(0).toString(), Sql::toTime(r.value(1))});
    return out;
}

Result<QHash<QString, QStringList>>
IdentityRepository::providersOf(const QStringList &userIds) const
{
    QHash<QString, QStringList> out;
    if (userIds.isEmpty())
        return out;
    QVariantList params;
    for (const QString &id : userIds)
        params << id;
    SqlResult r = Sql::exec(QStringLiteral("SELECT user_id, provider FROM user_auth_identities "
                                           "WHERE user_id IN (") +
                                Sql::repeated(QStringLiteral("?"), params.size()) +
                                QStringLiteral(") ORDER BY created_at"),
                            params);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        out[r.value(0).toString()].append(r.value(1).toString());
    return out;
}

Result<bool> IdentityRepository::deleteIdentity(const QString &userId,
                                                const QString &provider) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("DELETE FROM user_auth_identities WHERE user_id = ? AND provider = ?"),
        {userId, provider});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() > 0;
}

Result<bool> IdentityRepository::useNonce(const QString &nonceHash, const QDateTime &expiresAt,
                                          const QDateTime &now) const
{
    if (Status s = Sql::status(
            Sql::exec(QStringLiteral("DELETE FROM oidc_used_nonces WHERE expires_at < ? LIMIT 100"),
                      {Sql::time(now)}));
        !s)
        return s.error();
    SqlResult r =
        Sql::exec(QStringLiteral(
                      "INSERT IGNORE INTO oidc_used_nonces (nonce_hash, expires_at) VALUES (?, ?)"),
                  {nonceHash, Sql::time(expiresAt)});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected() == 1;
}

Result<QJsonObject> IdentityRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {
            {"users",
             "SELECT id, email, status, role, restricted_until, banned_at, created_at, updated_at, "
             "last_seen_at, deleted_at FROM users WHERE id = ?"},
            {"user_auth_identities",
             "SELECT id, provider, provider_subject, created_at FROM user_auth_identities "
             "WHERE user_id = ? ORDER BY created_at"},
            {"user_sessions",
             "SELECT id, device_label, ip_address, user_agent, created_at, last_used_at, "
             "expires_at, "
             "revoked_at, revoked_reason FROM user_sessions WHERE user_id = ? ORDER BY created_at"},
        },
        userId);
}

Result<std::optional<QString>> IdentityRepository::lockStatus(const QString &userId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT status FROM users WHERE id = ? FOR UPDATE"), {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QString>();
    return std::optional<QString>(r.value(0).toString());
}

Status IdentityRepository::scrub(const QString &userId, const QDateTime &now) const
{
    // The users row stays (reports, blocks and the trust ledger point at it); the email is
    // released so the address can register again.
    if (Status s = Sql::status(Sql::exec(
            QStringLiteral("UPDATE users SET status = 'deleted', deleted_at = ?, email = NULL, "
                           "password_hash = NULL, last_seen_at = NULL WHERE id = ?"),
            {Sql::time(now), userId}));
        !s)
        return s;
    if (Status s = Sql::status(Sql::exec(
            QStringLiteral("DELETE FROM user_auth_identities WHERE user_id = ?"), {userId}));
        !s)
        return s;
    // Sessions are revoked separately; what identified the devices goes.
    if (Status s = Sql::status(
            Sql::exec(QStringLiteral("UPDATE user_sessions SET device_label = NULL, "
                                     "ip_address = NULL, user_agent = NULL WHERE user_id = ?"),
                      {userId}));
        !s)
        return s;
    return recordAccessChange(userId);
}

Result<int> IdentityRepository::purgeEndedSessions(const QDateTime &tokensBefore,
                                                   const QDateTime &sessionsBefore, int limit) const
{
    int purged = 0;
    // One statement per way a session ends, each reading a range of its own index: an OR of
    // both scanned the table, and the reads of a DELETE lock what they scan.
    for (const char *endedAt : {"expires_at", "revoked_at"}) {
        // Only sessions that still keep hashes, and only those that ended in the week before:
        // chosen among every ended session, the same ones (their hashes long gone) came first
        // in every run once there were more than `limit`. The week lets a purge that stopped
        // for days catch up; hashes older still go with their session (the key cascades).
        const SqlResult tokens = Sql::exec(
            QStringLiteral("DELETE t FROM user_session_refresh_tokens t JOIN (SELECT DISTINCT "
                           "s.id FROM user_sessions s JOIN user_session_refresh_tokens kept ON "
                           "kept.session_id = s.id WHERE s.%1 >= ? AND s.%1 < ? LIMIT ?) ended "
                           "ON ended.id = t.session_id")
                .arg(QLatin1String(endedAt)),
            {Sql::time(tokensBefore.addDays(-7)), Sql::time(tokensBefore), limit});
        if (!tokens.ok())
            return tokens.toAppError();
        const SqlResult sessions =
            Sql::exec(QStringLiteral("DELETE FROM user_sessions WHERE %1 < ? LIMIT ?")
                          .arg(QLatin1String(endedAt)),
                      {Sql::time(sessionsBefore), limit});
        if (!sessions.ok())
            return sessions.toAppError();
        purged += tokens.numRowsAffected() + sessions.numRowsAffected();
    }
    // Ten times as many: one a logout, tiny, and never read once 30 s old.
    const SqlResult changes =
        Sql::exec(QStringLiteral("DELETE FROM access_changes WHERE changed_at < ? LIMIT ?"),
                  {Sql::time(tokensBefore), 10 * limit});
    if (!changes.ok())
        return changes.toAppError();
    return purged + changes.numRowsAffected();
}

} // namespace fp
