#pragma once

// Applies the ordered migrations of sql/ (built into the binary, or a directory given by
// FP_MIGRATIONS_DIR) and records each in schema_migrations with a SHA-256 checksum.
// An already-applied migration whose text changed is refused: migrations are never edited
// after they land; a change is a new migration.

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace fp {

class Migrator
{
public:
    struct Migration
    {
        QString version; // file name, e.g. "0001_init.sql"
        QByteArray text;
        QString checksum;
    };

    /// Empty `directory` means the migrations compiled into the binary (:/sql).
    explicit Migrator(const QString &directory = {});

    /// Applies what is missing. Returns an empty string on success, else one line saying why.
    QString migrate(QSqlDatabase &db, QStringList *applied = nullptr);

    QList<Migration> available(QString *error) const;
    /// Splits a migration into statements: each ends with ';' at the end of a line.
    static QStringList statements(const QByteArray &text);

private:
    QString m_directory;
};

} // namespace fp
