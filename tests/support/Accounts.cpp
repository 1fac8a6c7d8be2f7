#include "tests/support/Accounts.h"

#include <QTest>
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

void failAt(const char *what, const HttpResult &r, const std::source_location &where)
{
    QTest::qFail(qPrintable(QStringLiteral("%1 failed: %2 %3")
                                .arg(QLatin1String(what))
                                .arg(r.status)
                                .arg(QString::fromUtf8(r.body))),
                 where.file_name(), int(where.line()));
}

} // namespace

QString uniqueEmail()
{
    return QStringLiteral("user-%1@example.test")
        .arg(QUuid::createUuid().toString(QUuid::Id128).left(16));
}

TestAccount signUp(quint16 port, const QString &nickname, std::source_location where)
{
    TestAccount account;
    account.email = uniqueEmail();
    account.password = QStringLiteral("correct horse battery staple ") +
        QUuid::createUuid().toString(QUuid::Id128).left(6);
    account.nickname = nickname;
    HttpClient client(port);
    const HttpResult r = client.post(QStringLiteral("/api/auth/register"),
                                     {{QStringLiteral("email"), account.email},
                                      {QStringLiteral("password"), account.password},
                                      {QStringLiteral("nickname"), nickname}});
    readTokens(r, account);
    if (r.status != 201 || account.accessToken.isEmpty() || account.userId.isEmpty())
        failAt("signing up", r, where);
    return account;
}

TestAccount logIn(quint16 port, const TestAccount &account, const QString &deviceLabel,
                  std::source_location where)
{
    TestAccount again = account;
    HttpClient client(port);
    QJsonObject body {{QStringLiteral("email"), account.email},
                      {QStringLiteral("password"), account.password}};
    if (!deviceLabel.isEmpty())
        body.insert(QStringLiteral("device_label"), deviceLabel);
    const HttpResult r = client.post(QStringLiteral("/api/auth/login"), body);
    readTokens(r, again);
    if (r.status != 200 || again.accessToken.isEmpty())
        failAt("logging in", r, where);
    return again;
}

TestAccount logIn(quint16 port, const QString &email, const QString &password,
                  std::source_location where)
{
    TestAccount account;
    account.email = email;
    account.password = password;
    return logIn(port, account, {}, where);
}

std::unique_ptr<HttpClient> clientFor(quint16 port, const TestAccount &account)
{
    auto client = std::make_unique<HttpClient>(port);
    client->setBearer(account.accessToken);
    return client;
}

} // namespace fp::test
