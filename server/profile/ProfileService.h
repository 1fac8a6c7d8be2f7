#pragma once

// The profile domain: the caller's own profile (read whole; sections replaced in one
// transaction, all or nothing), the derived onboarding state matching asks about, and the
// public part of profiles that other domains show once people may see each other (a revealed
// peer, a friend). No HTTP and no SQL here.

#include "common/Result.h"
#include "server/base/GroupCommit.h"
#include "server/profile/AvatarUrls.h"
#include "server/profile/Catalog.h"
#include "server/profile/ProfileRepository.h"

#include <QHash>
#include <QJsonValue>
#include <QSet>
#include <QString>

namespace fp {

class ProfileService
{
public:
    ProfileService(const ProfileRepository &repository, const Catalog &catalog,
                   const AvatarUrls &avatarUrls);

    const Catalog &catalog() const { return m_catalog; }

    /// The caller's whole profile; 404 when the account has no profile row.
    Result<Profile> profile(const QString &userId) const;
    /// Validates a PUT /api/profile body against the catalog and the caller's stored keys
    /// (ProfileValidation.h) and writes what it changes, or nothing (400 naming every bad
    /// field). PUTs of different people arriving together are written in one transaction
    /// (GroupCommit), each still all or nothing.
    Result<Profile> update(const QString &userId, const QJsonValue &body) const;
    /// Transactions that wrote PUTs outside a caller's transaction (a metric: PUTs / batches is
    /// the batch size).
    quint64 writeBatchCount() const { return m_updates.batchCount(); }
    /// Nickname, preferences, ≥3 values and ≥3 interests (false when there is no profile).
    Result<bool> onboardingComplete(const QString &userId) const;

    /// The profile row a new account starts with (registration, inside its transaction).
    Status createProfile(const QString &userId, const QString &nickname) const;
    /// The public part of one profile, for code that already established the right to see it
    /// (the reveal, a friend list, staff); nullopt when there is none. An uploaded avatar is
    /// in it as a signed URL (AvatarUrls).
    Result<std::optional<PublicProfile>> publicProfile(const QString &userId) const;
    /// Staff search: the accounts whose nickname starts with `prefix` (at most 1000).
    Result<QStringList> userIdsWithNicknamePrefix(const QString &prefix) const
    {
        return m_repository.userIdsWithNicknamePrefix(prefix, 1000);
    }
    /// The same for many people at once, by user id (people without a profile left out).
    Result<QHash<QString, PublicProfile>> publicProfiles(const QStringList &userIds) const;

    Result<QJsonObject> exportFor(const QString &userId) const
    {
        return m_repository.exportFor(userId);
    }
    Status eraseFor(const QString &userId, const QDateTime &now) const
    {
        return m_repository.eraseFor(userId, now);
    }

private:
    /// A PUT /api/profile waiting to be written with others.
    struct PendingUpdate
    {
        QString userId;
        QJsonValue body;
    };
    /// A batch of PUTs written in one transaction: each one's answer, or why nothing of the
    /// batch was written.
    struct BatchOutcome
    {
        QList<Result<Profile>> answers;
        std::optional<AppError> failure;
        explicit operator bool() const { return !failure; }
    };
    /// A PUT's answer from its batch, and whether InnoDB refused it for a lock (a deadlock, or
    /// a row another transaction held past the lock wait): such a PUT is tried again alone.
    struct PutOutcome
    {
        Result<Profile> answer;
        bool refusedForALock = false;
    };
    static constexpr int kMaxBatch = 32;

    /// Writes `batch` in one transaction, once; when that fails, each PUT alone, once, so that
    /// one person's write (or held row) cannot refuse the others'. Nothing here tries again: a
    /// batch's answers go out together, so a retry here would hold everyone in it back.
    QList<PutOutcome> writeBatch(const QList<PendingUpdate> &batch) const;
    BatchOutcome writeBatchOnce(const QList<PendingUpdate> &batch) const;
    /// One PUT applied to `current` (the batch's profiles as its PUTs so far leave them, by
    /// user id; `changed` names whose it changed), its events recorded: the answer, or why this
    /// PUT alone is refused.
    Result<Profile> applyUpdate(const PendingUpdate &put, QHash<QString, Profile> &current,
                                QSet<QString> &changed, const QDateTime &now) const;
    /// The owner's view: an uploaded avatar's signed URL shown as avatar_url.
    Profile withAvatarLink(Profile profile) const;

    const ProfileRepository &m_repository;
    const Catalog &m_catalog;
    const AvatarUrls &m_avatarUrls;
    mutable GroupCommit<PendingUpdate, PutOutcome> m_updates;
};

} // namespace fp
