#include "server/media/LocalObjectStore.h"

#include "server/base/Log.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace fp {

namespace {

AppError storeFailure(const QString &what, const QString &key, const QString &cause)
{
    log::error(QStringLiteral("media_store_failed"),
               {{QStringLiteral("store"), QStringLiteral("local")},
                {QStringLiteral("operation"), what},
                {QStringLiteral("key"), key},
                {QStringLiteral("cause"), cause}});
    return AppError::unavailable(QStringLiteral("The media store is not available, try again"), 1);
}

} // namespace

LocalObjectStore::LocalObjectStore(QString directory) : m_directory(QDir(directory).absolutePath())
{ }

QString LocalObjectStore::pathOf(const QString &key) const
{
    return m_directory + QLatin1Char('/') + key;
}

Status LocalObjectStore::put(const QString &key, const QByteArray &bytes, const QByteArray &) const
{
    if (!validKey(key))
        return AppError::internal();
    const QString path = pathOf(key);
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return storeFailure(QStringLiteral("put"), key, QStringLiteral("cannot create directory"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return storeFailure(QStringLiteral("put"), key, file.errorString());
    return Ok {};
}

Result<std::optional<QByteArray>> LocalObjectStore::get(const QString &key) const
{
    if (!validKey(key))
        return std::optional<QByteArray>();
    QFile file(pathOf(key));
    if (!file.exists())
        return std::optional<QByteArray>();
    if (!file.open(QIODevice::ReadOnly))
        return storeFailure(QStringLiteral("get"), key, file.errorString());
    return std::optional<QByteArray>(file.readAll());
}

Status LocalObjectStore::remove(const QString &key) const
{
    if (!validKey(key))
        return Ok {};
    QFile file(pathOf(key));
    if (file.exists() && !file.remove())
        return storeFailure(QStringLiteral("remove"), key, file.errorString());
    return Ok {};
}

} // namespace fp
