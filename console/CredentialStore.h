#pragma once

// Keeps the refresh token per server in the OS keychain (QtKeychain), so the next start signs in
// silently. Where no keychain service answers, it says so once and keeps tokens in memory only.

#include <QHash>
#include <QObject>
#include <QString>
#include <functional>

namespace fp::console {

class CredentialStore : public QObject
{
    Q_OBJECT

public:
    explicit CredentialStore(const QString &service = QStringLiteral("friendship-console"),
                             QObject *parent = nullptr);

    /// Calls `done` with the stored token for `server` (empty when none).
    void load(const QString &server, std::function<void(const QString &token)> done);
    void save(const QString &server, const QString &token);
    void remove(const QString &server);

    bool memoryOnly() const { return m_memoryOnly; }
    QString message() const { return m_message; }

Q_SIGNALS:
    /// The keychain failed: from now on tokens live in memory only.
    void keychainUnavailable(const QString &message);
    /// A save or remove reached its end (keychain or memory): tests wait on it.
    void settled();

private:
    void fallBack(const QString &why);

    QString m_service;
    QHash<QString, QString> m_memory;
    bool m_memoryOnly = false;
    QString m_message;
};

} // namespace fp::console
