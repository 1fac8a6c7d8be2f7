#pragma once

#include "server/media/ObjectStore.h"

namespace fp {

/// Objects as files under a directory (created when missing): a key's segments are its path.
/// A put writes a temporary file and renames it, so a reader sees the old bytes or the new,
/// never half of them.
class LocalObjectStore final : public ObjectStore
{
public:
    explicit LocalObjectStore(QString directory);

    Status put(const QString &key, const QByteArray &bytes,
               const QByteArray &contentType) const override;
    Result<std::optional<QByteArray>> get(const QString &key) const override;
    Status remove(const QString &key) const override;
    QString kind() const override { return QStringLiteral("local"); }

private:
    QString pathOf(const QString &key) const;
    QString m_directory;
};

} // namespace fp
