#include "server/identity/IdentityRoutes.h"

#include "server/http/ListQuery.h"
#include "server/http/Router.h"
#include "server/identity/IdentityJson.h"
#include "server/identity/IdentityService.h"
#include "server/identity/IdentityValidation.h"

#include <QJsonArray>

namespace fp {

namespace {

ClientInfo clientOf(const RequestContext &ctx)
{
    ClientInfo client;
    bool isV4 = false;
    const quint32 v4 = ctx.clientAddress.toIPv4Address(&isV4);
    if (isV4) {
        client.ipAddress = QHostAddress(v4).toString(); // also for ::ffff:a.b.c.d
    } else {
        QHostAddress plain = ctx.clientAddress;
        plain.setScopeId(QString());
        client.ipAddress = plain.toString();
    }
    client.userAgent = IdentityValidation::storedUserAgent(ctx.header("user-agent"));
    return client;
}

HttpResponse tokenResponse(int status, const Result<IssuedTokens> &tokens)
{
    if (!tokens)
        return tokens.error();
    // Tokens must never be kept by a cache between the client and us (RFC 6749 5.1).
    return HttpResponse::json(status, issuedTokensToJson(*tokens))
        .withHeader("Cache-Control", "no-store");
}

// The body of a provider's route; 404 for a provider that is not configured (it does not
// exist here).
Result<OidcInput> oidcInput(const RequestContext &ctx, const IdentityService &identity,
                            bool forLinking)
{
    const QString provider = ctx.param(QStringLiteral("provider"));
    if (!identity.oidcEnabled(provider))
        return AppError::notFound(QStringLiteral("No such sign-in provider"));
    return IdentityValidation::parseOidc(provider, ctx.json, forLinking);
}

} // namespace

void registerIdentityRoutes(Router &router, IdentityService &identity)
{
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/register"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<RegisterInput> input = IdentityValidation::parseRegister(ctx.json);
                          if (!input)
                              return input.error();
                          return tokenResponse(201,
                                               identity.registerAccount(*input, clientOf(ctx)));
                      }});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/login"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<LoginInput> input = IdentityValidation::parseLogin(ctx.json);
                          if (!input)
                              return input.error();
                          return tokenResponse(200, identity.login(*input, clientOf(ctx)));
                      }});
    // Sign in with Google or Apple. A provider that is not configured does not exist.
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/oidc/{provider}"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<OidcInput> input = oidcInput(ctx, identity, false);
                          if (!input)
                              return input.error();
                          Result<IssuedTokens> tokens =
                              identity.signInWithProvider(*input, clientOf(ctx));
                          return tokenResponse(tokens && tokens->created ? 201 : 200, tokens);
                      }});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/refresh"),
                      .access = Access::Public,
                      .rate = RateClass::Auth,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<QString> token = IdentityValidation::parseRefreshToken(ctx.json);
                          if (!token)
                              return token.error();
                          return tokenResponse(200, identity.refresh(*token, clientOf(ctx)));
                      }});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/logout"),
                      .access = Access::Public,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<QString> token = IdentityValidation::parseRefreshToken(ctx.json);
                          if (!token)
                              return token.error();
                          return noContentOr(identity.logout(*token));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/auth/sessions"),
                      .access = Access::User,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          return keysetList(
                              ctx,
                              [&](const PageRequest<> &page) {
                                  return identity.listSessions(*ctx.caller, page);
                              },
                              [&ctx](const SessionRecord &session) {
                                  return sessionToJson(session, ctx.caller->sessionId);
                              });
                      }});
    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/auth/sessions/{id}"),
                      .access = Access::User,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          const QString id = ctx.param(QStringLiteral("id"));
                          if (!validation::isUuid(id))
                              return AppError::notFound(QStringLiteral("No such session"));
                          return noContentOr(identity.revokeSession(*ctx.caller, id));
                      }});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/logout-all"),
                      .access = Access::User,
                      .takesNoBody = true,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          return noContentOr(identity.logoutOtherSessions(*ctx.caller));
                      }});
    router.add(Route {
        .method = "PUT",
        .pattern = QStringLiteral("/api/auth/password"),
        .access = Access::User,
        .handler = [&identity](RequestContext &ctx) -> HttpResponse {
            Result<PasswordChangeInput> input = IdentityValidation::parsePasswordChange(ctx.json);
            if (!input)
                return input.error();
            return noContentOr(identity.changePassword(*ctx.caller, *input, clientOf(ctx)));
        }});

    router.add(
        Route {.method = "GET",
               .pattern = QStringLiteral("/api/auth/identities"),
               .access = Access::User,
               .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                   Result<QList<AuthIdentity>> all = identity.identities(*ctx.caller);
                   if (!all)
                       return all.error();
                   QJsonArray items;
                   for (const AuthIdentity &a : *all)
                       items.append(authIdentityToJson(a));
                   return HttpResponse::json(200, QJsonObject {{QStringLiteral("items"), items}});
               }});
    router.add(Route {.method = "POST",
                      .pattern = QStringLiteral("/api/auth/identities/{provider}"),
                      .access = Access::User,
                      .rate = RateClass::Auth,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<OidcInput> input = oidcInput(ctx, identity, true);
                          if (!input)
                              return input.error();
                          Result<AuthIdentity> linked = identity.linkIdentity(*ctx.caller, *input);
                          if (!linked)
                              return linked.error();
                          return HttpResponse::json(201, authIdentityToJson(*linked));
                      }});
    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/auth/identities/{provider}"),
                      .access = Access::User,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          const QString provider = ctx.param(QStringLiteral("provider"));
                          // A provider switched off can still be unlinked; a password cannot.
                          if (!OidcSignIn::knownProviders().contains(provider))
                              return AppError::notFound(QStringLiteral("No such sign-in provider"));
                          return noContentOr(identity.unlinkIdentity(*ctx.caller, provider));
                      }});

    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users"),
                      .access = Access::Moderator,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Problems problems;
                          const PageRequest<int> page = offsetPageRequest(ctx, problems);
                          const QString q = queryText(ctx, "q").trimmed();
                          if (q.isEmpty() || q.size() > 254)
                              problems.add(QStringLiteral("query.q"),
                                           QStringLiteral("an id, or the start of an email or "
                                                          "nickname"));
                          if (!problems.empty())
                              return problems.error();
                          Result<Page<admin::User, int>> users =
                              identity.searchUsers(*ctx.caller, q, page);
                          if (!users)
                              return users.error();
                          return HttpResponse::json(200, pageJson(*users, [](const admin::User &u) {
                                                        return u.toJson();
                                                    }));
                      }});
    router.add(Route {.method = "GET",
                      .pattern = QStringLiteral("/api/admin/users/{id}"),
                      .access = Access::Moderator,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          return reply(identity.user(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});
    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/admin/users/{id}/status"),
                      .access = Access::Moderator,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<admin::StatusChange> change =
                              admin::readRequest<admin::StatusChange>(ctx.jsonObject());
                          if (!change)
                              return change.error();
                          return reply(identity.changeStatus(
                              *ctx.caller, ctx.param(QStringLiteral("id")), *change));
                      }});
    router.add(Route {.method = "DELETE",
                      .pattern = QStringLiteral("/api/admin/users/{id}/avatar"),
                      .access = Access::Moderator,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          return noContentOr(
                              identity.removeAvatar(*ctx.caller, ctx.param(QStringLiteral("id"))));
                      }});
    router.add(Route {.method = "PUT",
                      .pattern = QStringLiteral("/api/admin/users/{id}/role"),
                      .access = Access::Admin,
                      .handler = [&identity](RequestContext &ctx) -> HttpResponse {
                          Result<admin::RoleChange> change =
                              admin::readRequest<admin::RoleChange>(ctx.jsonObject());
                          if (!change)
                              return change.error();
                          return reply(identity.changeRole(
                              *ctx.caller, ctx.param(QStringLiteral("id")), *change));
                      }});
}

} // namespace fp
