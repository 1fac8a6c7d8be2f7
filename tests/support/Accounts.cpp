#include "tests/support/Accounts.h"

#include <QUuid>

namespace fp::test {

namespace {

void readTokens(const HttpResult &r, TestAccount &account)
{
    const QJsonObject body = r.json();
    account.accessToken = body.value(QStringLiteral("access_token")).toString();
    account.refreshToken = body.value(QStringLiteral("refresh_token")).toString();
    const QJsonObject user = body.value(QStringLiteral("user")).toObject();
    if (!user.isEmpty())
        account.userId = user.value(QStringLiteral("id")).toString();
}

} // namespace

TestAccount registerAccount(quint16 port, const QString &nickname, bool *ok)
{
    TestAccount account;
    account.email = QStringLiteral("user-%1@example.test")
                        .arg(QUuid::createUuid().toString(QUuid::Id128).left(16));
    account.password = QStringLiteral("correct horse battery staple ") +
        QUuid::createUuid().toString(QUuid::Id128).left(6);
    account.nickname = nickname;
    HttpClient client(port);
    const HttpResult r = client.post(QStringLiteral("/api/auth/register"),
                                     {{QStringLiteral("email"), account.email},
                                      {QStringLiteral("password"), account.password},
                                      {QStringLiteral("nickname"), nickname}});
    readTokens(r, account);
    const bool success =
        r.status == 201 && !account.accessToken.isEmpty() && !account.userId.isEmpty();
    if (!success)
        qWarning("registration failed: %d %s", r.status, r.body.constData());
    if (ok)
        *ok = success;
    return account;
}

TestAccount loginAccount(quint16 port, const TestAccount &account, const QString &deviceLabel,
                         bool *ok)
{
    TestAccount again = account;
    HttpClient client(port);
    QJsonObject body {{QStringLiteral("email"), account.email},
                      {QStringLiteral("password"), account.password}};
    if (!deviceLabel.isEmpty())
        body.insert(QStringLiteral("device_label"), deviceLabel);
    const HttpResult r = client.post(QStringLiteral("/api/auth/login"), body);
    readTokens(r, again);
    const bool success = r.status == 200 && !again.accessToken.isEmpty();
    if (!success)
        qWarning("login failed: %d %s", r.status, r.body.constData());
    if (ok)
        *ok = success;
    return again;
}

std::unique_ptr<HttpClient> clientFor(quint16 port, const TestAccount &account)
{
    auto client = std::make_unique<HttpClient>(port);
    client->setBearer(account.accessToken);
    return client;
}

} // namespace fp::test
