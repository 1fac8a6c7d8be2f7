#include "console/CredentialStore.h"

#include <qt6keychain/keychain.h>

namespace fp::console {

CredentialStore::CredentialStore(const QString &service, QObject *parent)
    : QObject(parent), m_service(service)
{ }

void CredentialStore::fallBack(const QString &why)
{
    if (m_memoryOnly)
        return;
    m_memoryOnly = true;
    m_message = tr("No keychain service is available (%1): you stay signed in only until the "
                   "console closes.")
                    .arg(why);
    Q_EMIT keychainUnavailable(m_message);
}

void CredentialStore::load(const QString &server, std::function<void(const QString &)> done)
{
    if (m_memoryOnly) {
        done(m_memory.value(server));
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(server);
    connect(job, &QKeychain::Job::finished, this, [this, server, done](QKeychain::Job *j) {
        const auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (j->error() == QKeychain::NoError) {
            done(read->textData());
            return;
        }
        if (j->error() != QKeychain::EntryNotFound)
            fallBack(j->errorString());
        done(m_memory.value(server));
    });
    job->start();
}

void CredentialStore::save(const QString &server, const QString &token)
{
    // Memory always holds the latest token, so a keychain failure mid-session loses nothing.
    m_memory.insert(server, token);
    if (m_memoryOnly) {
        Q_EMIT settled();
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(server);
    job->setTextData(token);
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError)
            fallBack(j->errorString());
        Q_EMIT settled();
    });
    job->start();
}

void CredentialStore::remove(const QString &server)
{
    m_memory.remove(server);
    if (m_memoryOnly) {
        Q_EMIT settled();
        return;
    }
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(server);
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            fallBack(j->errorString());
        Q_EMIT settled();
    });
    job->start();
}

} // namespace fp::console
