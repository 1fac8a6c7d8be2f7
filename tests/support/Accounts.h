#pragma once

// Signing people up and in through the real API, for tests of everything behind a login.

#include "tests/support/HttpClient.h"

#include <QString>

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

/// Registers a new account with a unique email (POST /api/auth/register); QVERIFY-style
/// failures are reported through `ok`.
TestAccount registerAccount(quint16 port, const QString &nickname = QStringLiteral("tester"),
                            bool *ok = nullptr);
/// Logs an existing account in again (a second device), returning fresh tokens.
TestAccount loginAccount(quint16 port, const TestAccount &account, const QString &deviceLabel = {},
                         bool *ok = nullptr);
/// An HttpClient already carrying the account's access token.
std::unique_ptr<HttpClient> clientFor(quint16 port, const TestAccount &account);

} // namespace fp::test
