#pragma once

// Avatars (docs/avatars.md): a person uploads one image, which is sanitised (ImageSanitizer:
// format by magic bytes, pixel limit before decoding, encoded again) into two square JPEGs kept
// in the media store under a random key; the row in user_avatars says whose it is. Who may see
// it is decided here, when a URL is handed out (the owner, friends, staff); the URLs are
// short-lived and signed (AvatarUrls), and answer only while the avatar is current. Objects of
// a replaced or removed avatar are deleted once the change has committed.

#include "common/Result.h"
#include "server/base/Caller.h"
#include "server/media/ObjectStore.h"
#include "server/profile/AvatarUrls.h"
#include "server/profile/ProfilePorts.h"
#include "server/profile/ProfileRepository.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace fp {

struct AvatarSettings
{
    qint64 maxBytes = 5 * 1024 * 1024;
    qint64 maxPixels = 40'000'000;
};

class AvatarService
{
public:
    AvatarService(const ProfileRepository &repository, const ObjectStore &store,
                  const AvatarUrls &urls, AvatarSettings settings)
        : m_repository(repository), m_store(store), m_urls(urls), m_settings(settings)
    { }
    void connect(ProfilePorts ports) { m_ports = std::move(ports); }

    /// PUT /api/profile/avatar: replaces the caller's avatar with `image`; the new URLs.
    Result<AvatarLinks> upload(const QString &userId, const QByteArray &image) const;
    /// DELETE /api/profile/avatar: false when there was none.
    Result<bool> remove(const QString &userId) const;
    /// A moderator's removal (IdentityService audits it): 404 when the person has none.
    Status removeByStaff(const QString &userId, const QString &staffUserId) const;
    /// The URLs of `ownerId`'s avatar for `viewer`: the owner, a friend, staff. 404 for anyone
    /// else, and when there is no avatar: a stranger cannot tell the two apart.
    Result<AvatarLinks> visibleTo(const Caller &viewer, const QString &ownerId) const;
    /// The URLs of someone's avatar for code that established the right to see it (staff
    /// views); nullopt without one.
    Result<std::optional<AvatarLinks>> linksOf(const QString &userId) const;
    /// GET /api/avatars/{key}: the JPEG of a signed URL. 403 when the signature or expiry is
    /// wrong, 404 when the avatar is no longer current.
    Result<QByteArray> image(const QString &storageKey, const QString &size, const QString &expires,
                             const QString &signature) const;

    /// The person's avatar for the data export (`user_avatars`: none or one row, with the
    /// 512 px JPEG in base64).
    Result<QJsonObject> exportFor(const QString &userId) const;
    /// Account deletion: the row, and the objects once the deletion commits.
    Status eraseFor(const QString &userId) const;

    /// The media store keys of an avatar's two images.
    static QStringList objectKeys(const QString &storageKey);
    static QString objectKey(const QString &storageKey, int size);

private:
    /// Deletes the row of `userId`'s avatar in the caller's transaction, and its objects after
    /// the commit; false when there was none.
    Result<bool> removeLocked(const QString &userId, const QString &actorUserId, const QString &by,
                              bool recordEvent) const;
    void removeObjects(const QString &storageKey) const;

    const ProfileRepository &m_repository;
    const ObjectStore &m_store;
    const AvatarUrls &m_urls;
    AvatarSettings m_settings;
    ProfilePorts m_ports;
};

} // namespace fp
