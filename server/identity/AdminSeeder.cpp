#include "server/identity/AdminSeeder.h"

#include "server/core/Log.h"
#include "server/identity/PasswordHasher.h"
#include "server/storage/Database.h"

#include <cstdio>

namespace fp {

QString seedFirstAdmin(const Config &config)
{
    SqlResult existing = Sql::exec(
        QStringLiteral("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status <> 'deleted'"));
    if (!existing.ok() || !existing.next())
        return QStringLiteral("cannot look for an admin account: %1").arg(existing.message());
    if (existing.value(0).toLongLong() > 0)
        return {};

    const QString email = config.adminEmail.trimmed().toLower();
    SqlResult taken = Sql::exec(QStringLiteral("SELECT id FROM users WHERE email = ?"), {email});
    if (taken.ok() && taken.next()) {
        log::warning(QStringLiteral("admin_seed_skipped"),
                     {{QStringLiteral("reason"),
                       QStringLiteral("FP_ADMIN_EMAIL belongs to an existing non-admin account")}});
        return {};
    }

    const bool generated = config.adminPassword.isEmpty();
    const QString password = generated ? PasswordHasher::randomPassword(20) : config.adminPassword;
    const std::optional<QByteArray> hash = PasswordHasher::hash(password);
    if (!hash)
        return QStringLiteral("cannot hash the admin password");

    const QString id = Sql::newId();
    Transaction tx;
    if (!tx.begin())
        return QStringLiteral("cannot open a transaction to create the admin account");
    SqlResult user =
        Sql::exec(QStringLiteral("INSERT INTO users (id, email, password_hash, status, role) "
                                 "VALUES (?, ?, ?, 'active', 'admin')"),
                  {id, email, QString::fromLatin1(*hash)});
    SqlResult profile = user.ok()
        ? Sql::exec(QStringLiteral("INSERT INTO user_profiles (user_id, nickname) VALUES (?, ?)"),
                    {id, QStringLiteral("admin")})
        : user;
    if (!user.ok() || !profile.ok() || !tx.commit())
        return QStringLiteral("cannot create the admin account: %1").arg(profile.message());

    log::info(QStringLiteral("admin_seeded"), {{QStringLiteral("user_id"), id}});
    // Printed once, on stdout rather than the log, so it is not kept with the logs.
    std::printf("\n  First admin account created.\n    email:    %s\n    password: %s\n\n",
                qPrintable(email),
                generated ? qPrintable(password) : "(the one in FP_ADMIN_PASSWORD)");
    std::fflush(stdout);
    return {};
}

} // namespace fp
