#include "server/media/ObjectStore.h"

#include "server/media/LocalObjectStore.h"
#include "server/media/S3ObjectStore.h"

#include <QRegularExpression>

namespace fp {

bool ObjectStore::validKey(const QString &key)
{
    static const QRegularExpression shape(
        QStringLiteral("^[a-z0-9_-][a-z0-9._-]*(/[a-z0-9_-][a-z0-9._-]*)*$"));
    return key.size() <= 200 && !key.contains(QLatin1String("..")) && shape.match(key).hasMatch();
}

std::unique_ptr<ObjectStore> makeObjectStore(const ObjectStoreSettings &settings)
{
    if (settings.kind == QLatin1String("s3"))
        return std::make_unique<S3ObjectStore>(settings.s3);
    return std::make_unique<LocalObjectStore>(settings.localDirectory);
}

} // namespace fp
