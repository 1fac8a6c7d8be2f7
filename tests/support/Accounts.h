#pragma once

// Signing people up and in through the real API, for tests of everything behind a login. A
// sign-up or log-in that does not succeed fails the calling test, at the caller's line.

#include "tests/support/HttpClient.h"

#include <QString>
#include <memory>
#include <source_location>

namespace fp::test {

struct TestAccount
{
    QString userId;
    QString email;
    QString password;
    QString nickname;
    QString accessToken;
    QString refreshToken;
};

/// An address nobody has used yet.
QString uniqueEmail();
/// A new account with a unique email (POST /api/auth/register), signed in on one device.
TestAccount signUp(quint16 port, const QString &nickname = QStringLiteral("tester"),
                   std::source_location where = std::source_location::current());
/// The account signed in again (POST /api/auth/login): another device, or a session that sees a
/// changed role; fresh tokens.
TestAccount logIn(quint16 port, const TestAccount &account, const QString &deviceLabel = {},
                  std::source_location where = std::source_location::current());
/// An account known only by its credentials (the first admin), signed in.
TestAccount logIn(quint16 port, const QString &email, const QString &password,
                  std::source_location where = std::source_location::current());
/// An HttpClient already carrying the account's access token.
std::unique_ptr<HttpClient> clientFor(quint16 port, const TestAccount &account);

} // namespace fp::test
