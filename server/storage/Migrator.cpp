#include "server/storage/Migrator.h"

#include "server/base/Log.h"
#include "server/storage/Database.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace fp {

Migrator::Migrator(const QString &directory)
    : m_directory(directory.isEmpty() ? QStringLiteral(":/sql") : directory)
{ }

QList<Migrator::Migration> Migrator::available(QString *error) const
{
    QList<Migration> result;
    QDir dir(m_directory);
    if (!dir.exists()) {
        *error = QStringLiteral("migrations directory %1 does not exist").arg(m_directory);
        return result;
    }
    const QStringList files = dir.entryList({QStringLiteral("*.sql")}, QDir::Files, QDir::Name);
    for (const QString &name : files) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read migration %1").arg(name);
            return {};
        }
        Migration m;
        m.version = name;
        m.text = file.readAll();
        m.checksum = QString::fromLatin1(
            QCryptographicHash::hash(m.text, QCryptographicHash::Sha256).toHex());
        result.append(m);
    }
    return result;
}

QStringList Migrator::statements(const QByteArray &text)
{
    QStringList result;
    QString current;
    const QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(QLatin1String("--")) || (trimmed.isEmpty() && current.isEmpty()))
            continue;
        current += line + QLatin1Char('\n');
        if (trimmed.endsWith(QLatin1Char(';'))) {
            QString statement = current.trimmed();
            statement.chop(1);
            if (!statement.trimmed().isEmpty())
                result << statement;
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        result << current.trimmed();
    return result;
}

QString Migrator::migrate(QSqlDatabase &db, QStringList *applied)
{
    QString error;
    const QList<Migration> migrations = available(&error);
    if (!error.isEmpty())
        return error;

    QSqlQuery q(db);
    // One instance migrates at a time; the others wait here and then find nothing to do.
    if (!q.exec(QStringLiteral("SELECT GET_LOCK('fp_schema_migrations', 60)")) || !q.next() ||
        q.value(0).toInt() != 1)
        return QStringLiteral("could not take the migration lock: %1").arg(q.lastError().text());
    struct Unlock
    {
        QSqlDatabase &db;
        ~Unlock() { QSqlQuery(db).exec(QStringLiteral("DO RELEASE_LOCK('fp_schema_migrations')")); }
    } unlock {db};

    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                               " version VARCHAR(255) CHARACTER SET ascii NOT NULL PRIMARY KEY,"
                               " checksum CHAR(64) CHARACTER SET ascii NOT NULL,"
                               " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
                               ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")))
        return QStringLiteral("cannot create schema_migrations: %1").arg(q.lastError().text());

    QHash<QString, QString> done;
    if (!q.exec(QStringLiteral("SELECT version, checksum FROM schema_migrations")))
        return QStringLiteral("cannot read schema_migrations: %1").arg(q.lastError().text());
    while (q.next())
        done.insert(q.value(0).toString(), q.value(1).toString());

    for (const Migration &m : migrations) {
        if (done.contains(m.version)) {
            if (done.value(m.version) != m.checksum)
                return QStringLiteral(
                           "migration %1 was edited after it was applied (checksum %2 in "
                           "the database, %3 now): add a new migration instead")
                    .arg(m.version, done.value(m.version).left(12), m.checksum.left(12));
            continue;
        }
        for (const QString &statement : statements(m.text)) {
            QSqlQuery s(db);
            if (!s.exec(statement))
                return QStringLiteral("migration %1 failed: %2")
                    .arg(m.version, s.lastError().text());
        }
        QSqlQuery record(db);
        record.prepare(
            QStringLiteral("INSERT INTO schema_migrations (version, checksum) VALUES (?, ?)"));
        record.addBindValue(m.version);
        record.addBindValue(m.checksum);
        if (!record.exec())
            return QStringLiteral("cannot record migration %1: %2")
                .arg(m.version, record.lastError().text());
        log::info(QStringLiteral("migration_applied"), {{QStringLiteral("version"), m.version}});
        if (applied)
            applied->append(m.version);
    }
    for (auto it = done.cbegin(); it != done.cend(); ++it) {
        const bool known = std::any_of(migrations.begin(), migrations.end(),
                                       [&](const Migration &m) { return m.version == it.key(); });
        if (!known)
            log::warning(QStringLiteral("migration_unknown"),
                         {{QStringLiteral("version"), it.key()},
                          {QStringLiteral("hint"),
                           QStringLiteral("the database is newer than this server")}});
    }
    return {};
}

} // namespace fp
