#pragma once

// Where media objects (avatars) live, behind one interface: files under a directory
// (LocalObjectStore, the default) or an S3-compatible service (S3ObjectStore). Calls block
// (disk, network): they are made on worker threads, never on the I/O thread. Keys are chosen by
// the server (random, never a user id) and checked by validKey before any store sees them.

#include "common/Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

namespace fp {

class ObjectStore
{
public:
    virtual ~ObjectStore() = default;

    /// Stores `bytes` under `key`, replacing what was there.
    virtual Status put(const QString &key, const QByteArray &bytes,
                       const QByteArray &contentType) const = 0;
    /// The object's bytes, or nullopt when there is none under `key`.
    virtual Result<std::optional<QByteArray>> get(const QString &key) const = 0;
    /// Removes the object; removing one that is not there succeeds.
    virtual Status remove(const QString &key) const = 0;
    /// "local" or "s3", for logs.
    virtual QString kind() const = 0;

    /// Lower-case letters, digits, '.', '_', '-' and '/' between non-empty segments, no "..",
    /// at most 200 characters: safe as a file path and as an S3 key without encoding.
    static bool validKey(const QString &key);
};

struct S3Settings
{
    QString endpoint; // http(s)://host[:port]
    QString bucket;
    QString region;
    QString accessKeyId;
    QString secretAccessKey;
    int timeoutMs = 10000;
};

struct ObjectStoreSettings
{
    QString kind; // "local" or "s3"
    QString localDirectory;
    S3Settings s3;
};

std::unique_ptr<ObjectStore> makeObjectStore(const ObjectStoreSettings &settings);

} // namespace fp
