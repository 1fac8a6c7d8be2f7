#pragma once

// Turns a bearer access token into the Caller (HttpServer::Authenticator; runs on a worker
// thread). The JWT proves who signed it; the session and account state say whether it still
// counts: a revoked session, or a deleted or banned account, is refused within seconds, not when
// the token expires. That state is cached in process for at most kCacheTtlMs and read from the
// database otherwise; verification never needs Redis, so a Redis outage neither refuses a valid
// token nor admits a revoked one. Revocations are announced through Redis for the others.

#include "common/Result.h"
#include "server/core/Config.h"
#include "server/core/Http.h"

#include <QByteArray>
#include <QList>
#include <QStringList>
#include <functional>
#include <optional>

namespace fp {

class TokenVerifier
{
public:
    static constexpr qint64 kCacheTtlMs = 3000;
    /// Lifetime of the fp:session-revoked:<sid> marker: longer than any access token lives.
    static constexpr int kRevokedMarkerSeconds = 16 * 60;
    /// Redis channel (under the key prefix) announcing revocations to every instance (the
    /// WebSocket gateway closes the sockets of those sessions):
    /// {"user_id": "...", "session_ids": ["...", ...]}.
    static constexpr const char *kRevokedChannel = "sessions-revoked";

    explicit TokenVerifier(const Config &config);

    /// The Authenticator: reads `Authorization: Bearer <token>`.
    Result<Caller> operator()(const RequestContext &context) const;
    /// Any access token (also the WebSocket auth frame's).
    Result<Caller> verify(const QByteArray &accessToken) const;

    /// After revoking sessions (once committed): forget them here at once, mark them in Redis
    /// (fp:session-revoked:<sid>) and tell every instance on kRevokedChannel.
    static void announceRevoked(const QString &userId, const QStringList &sessionIds);
    /// Refuses these sessions from now on in this process (e.g. on a notice from kRevokedChannel:
    /// without it another instance's revocation takes up to kCacheTtlMs to be seen here).
    static void forgetSessions(const QString &userId, const QStringList &sessionIds);
    /// Forgets what this process cached about a user's sessions (status, role or ban changed).
    static void forgetUser(const QString &userId);
    /// Told of every revocation made in this process, before Redis is asked to spread it, so
    /// this instance's sockets close even while Redis is down.
    static void
    setLocalRevocationListener(std::function<void(const QString &, const QStringList &)> listener);

    /// The token of an Authorization header value "Bearer <token>", if it has that form.
    static std::optional<QByteArray> bearerToken(const QByteArray &authorization);

private:
    QList<QByteArray> m_secrets; // the current secret first, then the previous one
};

} // namespace fp
