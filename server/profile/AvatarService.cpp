#include "server/profile/AvatarService.h"

#include "common/Time.h"
#include "server/base/Log.h"
#include "server/base/Validation.h"
#include "server/events/Outbox.h"
#include "server/media/ImageSanitizer.h"
#include "server/storage/Database.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <array>

namespace fp {

namespace {

QString newStorageKey()
{
    std::array<quint32, 4> words {};
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(words.data()), sizeof words).toHex());
}

bool isStorageKey(const QString &key)
{
    static const QRegularExpression shape(QStringLiteral("^[0-9a-f]{32}$"));
    return shape.match(key).hasMatch();
}

QString formatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg:
        return QStringLiteral("jpeg");
    case ImageFormat::Png:
        return QStringLiteral("png");
    case ImageFormat::Webp:
        return QStringLiteral("webp");
    }
    return {};
}

AppError notVisible()
{
    return AppError::notFound(QStringLiteral("No avatar to show"));
}

} // namespace

QString AvatarService::objectKey(const QString &storageKey, int size)
{
    return QStringLiteral("avatars/%1-%2.jpg").arg(storageKey).arg(size);
}

QStringList AvatarService::objectKeys(const QString &storageKey)
{
    return {objectKey(storageKey, AvatarUrls::kLargeSize),
            objectKey(storageKey, AvatarUrls::kSmallSize)};
}

void AvatarService::removeObjects(const QString &storageKey) const
{
    for (const QString &key : objectKeys(storageKey)) {
        // A failure leaves an orphan, never a visible avatar: the URLs answer only for the key
        // user_avatars holds. Logged so it can be cleaned up.
        if (Status s = m_store.remove(key); !s)
            log::warning(QStringLiteral("avatar_object_orphaned"),
                         {{QStringLiteral("key"), key}, {QStringLiteral("store"), m_store.kind()}});
    }
}

Result<AvatarLinks> AvatarService::upload(const QString &userId, const QByteArray &image) const
{
    if (image.isEmpty())
        return AppError::validation(
            {{QStringLiteral("image"),
              QStringLiteral("the body is empty: send the image itself (JPEG, PNG or WebP)")}},
            QStringLiteral("The image cannot be used"));
    if (image.size() > m_settings.maxBytes)
        return AppError {
            ErrorCode::PayloadTooLarge,
            QStringLiteral("The image is larger than %1 bytes").arg(m_settings.maxBytes),
            {}};
    const std::optional<ImageFormat> format = ImageSanitizer::sniff(image);
    Result<QList<QByteArray>> encoded =
        ImageSanitizer::squareJpegs(image, {AvatarUrls::kLargeSize, AvatarUrls::kSmallSize},
                                    ImageLimits {m_settings.maxPixels});
    if (!encoded)
        return encoded.error();

    // The objects first, under a key nobody knows yet: until the row names it they are
    // invisible, and if the row is never written they are deleted again.
    const QString storageKey = newStorageKey();
    const QStringList keys = objectKeys(storageKey);
    for (qsizetype i = 0; i < keys.size(); ++i) {
        if (Status s = m_store.put(keys[i], encoded->at(i), "image/jpeg"); !s) {
            removeObjects(storageKey);
            return s.error();
        }
    }

    Transaction tx;
    if (!tx.begin()) {
        removeObjects(storageKey);
        return databaseUnavailable();
    }
    Transaction::afterRollback([this, storageKey] { removeObjects(storageKey); });
    // Uploads of one person take turns on their profile row: the last one wins, and each
    // deletes the objects of the one it replaced.
    Result<bool> locked = m_repository.lockProfileRow(userId);
    if (!locked)
        return locked.error();
    if (!*locked)
        return AppError::notFound(QStringLiteral("No profile for this account"));
    Result<std::optional<StoredAvatar>> previous = m_repository.avatarOf(userId);
    if (!previous)
        return previous.error();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (Status s = m_repository.setAvatar(userId, {storageKey, formatName(*format), now}); !s)
        return s.error();
    if (Status s = Outbox::record({event::AvatarSet,
                                   QLatin1StringView("user"),
                                   userId,
                                   userId,
                                   {{QStringLiteral("source_format"), formatName(*format)},
                                    {QStringLiteral("replaced"), previous->has_value()}},
                                   {}});
        !s)
        return s.error();
    if (*previous)
        Transaction::afterCommit([this, old = (*previous)->storageKey] { removeObjects(old); });
    if (!tx.commit())
        return databaseUnavailable();
    return m_urls.linksFor(storageKey, now);
}

Result<bool> AvatarService::removeLocked(const QString &userId, const QString &actorUserId,
                                         const QString &by, bool recordEvent) const
{
    if (Result<bool> locked = m_repository.lockProfileRow(userId); !locked)
        return locked.error();
    Result<std::optional<StoredAvatar>> current = m_repository.avatarOf(userId);
    if (!current)
        return current.error();
    if (!*current)
        return false;
    if (Status s = m_repository.deleteAvatar(userId); !s)
        return s.error();
    if (recordEvent) {
        if (Status s = Outbox::record({event::AvatarRemoved,
                                       QLatin1StringView("user"),
                                       userId,
                                       actorUserId,
                                       {{QStringLiteral("by"), by}},
                                       {}});
            !s)
            return s.error();
    }
    Transaction::afterCommit([this, key = (*current)->storageKey] { removeObjects(key); });
    return true;
}

Result<bool> AvatarService::remove(const QString &userId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<bool> removed = removeLocked(userId, userId, QStringLiteral("owner"), true);
    if (!removed)
        return removed;
    if (!tx.commit())
        return databaseUnavailable();
    return removed;
}

Status AvatarService::removeByStaff(const QString &userId, const QString &staffUserId) const
{
    Transaction tx;
    if (!tx.begin())
        return databaseUnavailable();
    Result<bool> removed = removeLocked(userId, staffUserId, QStringLiteral("staff"), true);
    if (!removed)
        return removed.error();
    if (!*removed)
        return AppError::notFound(QStringLiteral("This person has no avatar"));
    if (!tx.commit())
        return databaseUnavailable();
    return Ok {};
}

Status AvatarService::eraseFor(const QString &userId) const
{
    // No event: the deletion's own account.deleted says it, and this person's id is being
    // forgotten in the events kept.
    Result<bool> removed = removeLocked(userId, {}, QStringLiteral("account_deleted"), false);
    if (!removed)
        return removed.error();
    return Ok {};
}

Result<AvatarLinks> AvatarService::visibleTo(const Caller &viewer, const QString &ownerId) const
{
    if (!validation::isUuid(ownerId))
        return notVisible();
    bool allowed = viewer.userId == ownerId || viewer.isStaff();
    if (!allowed && m_ports.friendsNow) {
        Result<bool> friends = m_ports.friendsNow(viewer.userId, ownerId);
        if (!friends)
            return friends.error();
        allowed = *friends;
    }
    if (!allowed)
        return notVisible();
    Result<std::optional<StoredAvatar>> avatar = m_repository.avatarOf(ownerId);
    if (!avatar)
        return avatar.error();
    if (!*avatar)
        return notVisible();
    return m_urls.linksFor((*avatar)->storageKey, QDateTime::currentDateTimeUtc());
}

Result<std::optional<AvatarLinks>> AvatarService::linksOf(const QString &userId) const
{
    Result<std::optional<StoredAvatar>> avatar = m_repository.avatarOf(userId);
    if (!avatar)
        return avatar.error();
    if (!*avatar)
        return std::optional<AvatarLinks>();
    return std::optional<AvatarLinks>(
        m_urls.linksFor((*avatar)->storageKey, QDateTime::currentDateTimeUtc()));
}

Result<QByteArray> AvatarService::image(const QString &storageKey, const QString &size,
                                        const QString &expires, const QString &signature) const
{
    if (!isStorageKey(storageKey))
        return notVisible();
    Problems problems;
    bool expiresOk = false;
    const qint64 expiry = expires.toLongLong(&expiresOk);
    if (size != QLatin1String("128") && size != QLatin1String("512"))
        problems.add(QStringLiteral("query.size"), QStringLiteral("128 or 512"));
    if (!expiresOk)
        problems.add(QStringLiteral("query.expires"),
                     QStringLiteral("required: the expiry of the signed URL"));
    if (signature.isEmpty())
        problems.add(QStringLiteral("query.sig"), QStringLiteral("required: the URL's signature"));
    if (!problems.empty())
        return problems.error();
    if (!m_urls.verify(storageKey, expiry, signature, QDateTime::currentDateTimeUtc()))
        return AppError::forbidden(
            QStringLiteral("This avatar link is not valid or has expired: ask for a new one"));
    // Only the current avatar of someone: a removed or replaced one is gone at once, even
    // while its signed URLs have not expired and whatever became of its objects.
    Result<std::optional<QString>> owner = m_repository.avatarOwner(storageKey);
    if (!owner)
        return owner.error();
    if (!*owner)
        return notVisible();
    Result<std::optional<QByteArray>> bytes = m_store.get(objectKey(storageKey, size.toInt()));
    if (!bytes)
        return bytes.error();
    if (!*bytes)
        return notVisible();
    return std::move(**bytes);
}

Result<QJsonObject> AvatarService::exportFor(const QString &userId) const
{
    Result<std::optional<StoredAvatar>> avatar = m_repository.avatarOf(userId);
    if (!avatar)
        return avatar.error();
    if (!*avatar)
        return QJsonObject {{QStringLiteral("user_avatars"), QJsonArray()}};
    Result<std::optional<QByteArray>> bytes =
        m_store.get(objectKey((*avatar)->storageKey, AvatarUrls::kLargeSize));
    if (!bytes)
        return bytes.error();
    QJsonObject entry {{QStringLiteral("uploaded_format"), (*avatar)->sourceFormat},
                       {QStringLiteral("created_at"), toWireTime((*avatar)->createdAt)},
                       {QStringLiteral("content_type"), QStringLiteral("image/jpeg")},
                       {QStringLiteral("size"), AvatarUrls::kLargeSize},
                       {QStringLiteral("image_base64"),
                        *bytes ? QJsonValue(QString::fromLatin1((*bytes)->toBase64()))
                               : QJsonValue(QJsonValue::Null)}};
    return QJsonObject {{QStringLiteral("user_avatars"), QJsonArray {entry}}};
}

} // namespace fp
