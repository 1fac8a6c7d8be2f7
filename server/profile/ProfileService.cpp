#include "server/profile/ProfileService.h"

#include "server/events/Outbox.h"
#include "server/profile/ProfileRules.h"
#include "server/profile/ProfileValidation.h"
#include "server/storage/Database.h"

#include <QJsonArray>

#include <algorithm>
#include <tuple>

namespace fp {

namespace {

ProfileKeysOnFile keysOnFile(const std::optional<Profile> &stored)
{
    ProfileKeysOnFile keys;
    if (!stored)
        return keys;
    for (auto it = stored->values.constBegin(); it != stored->values.constEnd(); ++it)
        keys.values.insert(it.key());
    for (auto it = stored->interests.constBegin(); it != stored->interests.constEnd(); ++it)
        keys.interests.insert(it.key());
    keys.nonNegotiables = stored->nonNegotiables;
    return keys;
}

} // namespace

ProfileService::ProfileService(const ProfileRepository &repository, const Catalog &catalog,
                               const AvatarUrls &avatarUrls)
    : m_repository(repository), m_catalog(catalog), m_avatarUrls(avatarUrls),
      m_updates([this](const QList<PendingUpdate> &batch) { return writeBatch(batch); }, kMaxBatch)
{ }

Result<Profile> ProfileService::profile(const QString &userId) const
{
    // One statement, one snapshot: never half of a PUT, and no transaction to open.
    Result<std::optional<Profile>> loaded = m_repository.load(userId);
    if (!loaded)
        return loaded.error();
    if (!*loaded)
        return AppError::notFound(QStringLiteral("No profile for this account"));
    return withAvatarLink(std::move(**loaded));
}

Profile ProfileService::withAvatarLink(Profile profile) const
{
    if (!profile.avatarKey.isEmpty()) {
        const AvatarLinks links =
            m_avatarUrls.linksFor(profile.avatarKey, QDateTime::currentDateTimeUtc());
        profile.avatarLink = links.large;
        profile.avatarLinkFreshUntil = links.expiresAt.addSecs(-m_avatarUrls.ttlSeconds());
    }
    return profile;
}

namespace {

// profile.updated names what changed, never a value: a bio or a city is the person's own words.
Status recordProfileUpdated(const QString &userId, const QStringList &changedSections, bool created)
{
    return Outbox::record(
        {.type = event::ProfileUpdated,
         .subjectType = QLatin1StringView("user"),
         .subjectId = userId,
         .actorUserId = userId,
         .payload = {{QStringLiteral("sections"), QJsonArray::fromStringList(changedSections)},
                     {QStringLiteral("created"), created}},
         .occurredAt = {}});
}

// profile.onboarding_completed, once per person, with the breakdowns analytics groups people by,
// as chosen codes (never the city or the bio).
Status recordOnboardingCompleted(const Profile &after)
{
    const auto orNull = [](const QString &code) {
        return code.isEmpty() ? QJsonValue() : QJsonValue(code);
    };
    return Outbox::record(
        {.type = event::OnboardingCompleted,
         .subjectType = QLatin1StringView("user"),
         .subjectId = after.userId,
         .actorUserId = after.userId,
         .payload = {{QStringLiteral("country"), orNull(after.locationCountry)},
                     {QStringLiteral("age_range"), orNull(after.ageRange)},
                     {QStringLiteral("friendship_intention"),
                      orNull(after.preferences ? after.preferences->friendshipIntention
                                               : QString())}},
         .occurredAt = {}});
}

// The sections in the order a read returns them, so that a PUT listing the same topics or
// non-negotiables in another order changes nothing.
ProfileUpdate inStoredOrder(ProfileUpdate u)
{
    if (u.offLimitsTopics)
        std::sort(u.offLimitsTopics->begin(), u.offLimitsTopics->end());
    if (u.nonNegotiables)
        std::sort(u.nonNegotiables->begin(), u.nonNegotiables->end(),
                  [](const ProfileNonNegotiable &a, const ProfileNonNegotiable &b) {
                      return std::tie(a.priorityRank, a.key) < std::tie(b.priorityRank, b.key);
                  });
    return u;
}

// What a read returns after `u` is written over `before` at `now`: the answer to a PUT, without
// reading back what was just written. Text written empty is stored NULL and read back empty.
Profile appliedTo(Profile p, const ProfileUpdate &u, const QDateTime &now)
{
    for (const ProfileRules::TextField &field : ProfileRules::textFields()) {
        if (const std::optional<QString> &given = u.*field.given)
            p.*field.held = *given;
    }
    if (u.preferences)
        p.preferences = u.preferences;
    if (u.values)
        p.values = *u.values;
    if (u.interests)
        p.interests = *u.interests;
    if (u.offLimitsTopics)
        p.offLimitsTopics = *u.offLimitsTopics;
    if (u.nonNegotiables)
        p.nonNegotiables = *u.nonNegotiables;
    p.updatedAt = now;
    return p;
}

} // namespace

Result<Profile> ProfileService::update(const QString &userId, const QJsonValue &body) const
{
    // Inside a caller's transaction the PUT belongs to it, on this thread. Otherwise PUTs
    // arriving together share one: MariaDB runs a statement for many people at about the cost
    // of one, where 64 concurrent PUTs of their own queued for it (issue #16).
    const PendingUpdate put {userId, body};
    if (Transaction::openOnThisThread()) // which decides about trying again
        return writeBatch({put}).first().answer;
    PutOutcome outcome = m_updates.submit(put);
    if (!outcome.refusedForALock)
        return std::move(outcome.answer);
    // Tried again alone, on this request's own thread: the PUTs it was batched with have their
    // answers already, and those queued behind it are written meanwhile.
    const BatchOutcome alone = retryingLockConflicts([&] { return writeBatchOnce({put}); }, 3);
    return alone ? alone.answers.first() : Result<Profile>(*alone.failure);
}

QList<ProfileService::PutOutcome>
ProfileService::writeBatch(const QList<PendingUpdate> &batch) const
{
    const quint64 conflictsBefore = Database::lockConflictsOnThisThread();
    const BatchOutcome outcome = writeBatchOnce(batch);
    QList<PutOutcome> outcomes;
    if (outcome) {
        for (const Result<Profile> &answer : outcome.answers)
            outcomes.append({answer});
        return outcomes;
    }
    if (batch.size() == 1)
        return {{*outcome.failure, Database::lockConflictsOnThisThread() != conflictsBefore}};
    // Different people never wait on each other's rows, but InnoDB may still pick a victim (two
    // inserts next to each other in a unique index), a row may be held by another transaction,
    // or one PUT cannot be written: each alone then.
    for (const PendingUpdate &put : batch)
        outcomes << writeBatch({put}).first();
    return outcomes;
}

ProfileService::BatchOutcome ProfileService::writeBatchOnce(const QList<PendingUpdate> &batch) const
{
    const auto failed = [](AppError error) {
        return BatchOutcome {{}, std::move(error)};
    };
    Transaction tx;
    if (!tx.begin())
        return failed(databaseUnavailable());
    QStringList people;
    for (const PendingUpdate &put : batch) {
        if (!people.contains(put.userId))
            people << put.userId;
    }
    // Locking the profile rows first makes concurrent PUTs of one person take turns, so each is
    // validated against what the other committed, and the rows are written as differences from
    // what is read here.
    const Result<QHash<QString, Profile>> stored = m_repository.loadLocked(people);
    if (!stored)
        return failed(stored.error());
    // Milliseconds, as the database keeps them, so the answer equals a later read.
    const QDateTime now =
        QDateTime::fromMSecsSinceEpoch(QDateTime::currentMSecsSinceEpoch(), Qt::UTC);
    QHash<QString, Profile> current = *stored;
    QSet<QString> changed;
    BatchOutcome outcome;
    for (const PendingUpdate &put : batch)
        outcome.answers << applyUpdate(put, current, changed, now);
    QList<ProfileWrite> writes;
    for (const QString &userId : people) {
        if (!changed.contains(userId))
            continue;
        const auto before = stored->constFind(userId);
        writes.append({before == stored->constEnd() ? std::nullopt : std::optional(*before),
                       current.value(userId)});
    }
    // Any failure returns before commit: the Transaction rolls the whole batch back.
    if (Status s = m_repository.write(writes); !s)
        return failed(s.error());
    if (!tx.commit())
        return failed(databaseUnavailable());
    return outcome;
}

Result<Profile> ProfileService::applyUpdate(const PendingUpdate &put,
                                            QHash<QString, Profile> &current,
                                            QSet<QString> &changed, const QDateTime &now) const
{
    const auto found = current.constFind(put.userId);
    const std::optional<Profile> stored =
        found == current.constEnd() ? std::nullopt : std::optional<Profile>(*found);
    Result<ProfileUpdate> parsed = validateProfileUpdate(put.body, m_catalog, keysOnFile(stored));
    if (!parsed)
        return parsed.error();
    const ProfileUpdate u = inStoredOrder(*std::move(parsed));
    if (!stored && !u.nickname)
        return AppError::validation(
            {{QStringLiteral("nickname"),
              QStringLiteral("is required: this account has no profile yet")}});
    Profile before = stored.value_or(Profile {});
    before.userId = put.userId;
    // Only what differs from the stored profile is written: a PUT that repeats every field to
    // move one slider writes that slider's row, the profile row's updated_at and the event.
    const ProfileUpdate changes = ProfileRules::changesFrom(before, u);
    const QStringList changedSections = ProfileRules::changedSections(changes);
    if (stored && changedSections.isEmpty()) // the same PUT again: nothing to write
        return withAvatarLink(std::move(before));

    Profile after = appliedTo(before, changes, now);
    // The write that first makes the profile complete stamps it; a profile complete before
    // the stamp existed is stamped by its next change, without an event.
    const bool stampsCompletion =
        !after.onboardingCompletedAt.isValid() && after.onboardingComplete();
    if (stampsCompletion)
        after.onboardingCompletedAt = now;
    if (Status s = recordProfileUpdated(put.userId, changedSections, !stored); !s)
        return s.error();
    if (stampsCompletion && !(stored && before.onboardingComplete())) {
        if (Status s = recordOnboardingCompleted(after); !s)
            return s.error();
    }
    current.insert(put.userId, after);
    changed.insert(put.userId);
    return withAvatarLink(std::move(after));
}

Result<bool> ProfileService::onboardingComplete(const QString &userId) const
{
    // One statement reads the whole profile consistently: no transaction needed.
    Result<std::optional<Profile>> loaded = m_repository.load(userId);
    if (!loaded)
        return loaded.error();
    return *loaded && (*loaded)->onboardingComplete();
}

Status ProfileService::createProfile(const QString &userId, const QString &nickname) const
{
    return m_repository.createProfileRow(userId, nickname, QDateTime::currentDateTimeUtc());
}

Result<std::optional<PublicProfile>> ProfileService::publicProfile(const QString &userId) const
{
    Result<QHash<QString, PublicProfile>> found = publicProfiles({userId});
    if (!found)
        return found.error();
    if (!found->contains(userId))
        return std::optional<PublicProfile>();
    return std::optional<PublicProfile>(found->value(userId));
}

Result<QHash<QString, PublicProfile>>
ProfileService::publicProfiles(const QStringList &userIds) const
{
    Result<QHash<QString, PublicProfile>> found = m_repository.publicProfiles(userIds);
    if (!found)
        return found;
    // Callers established the right to see these people (a friend list, a reveal, staff): an
    // uploaded avatar is shown to them by a signed URL, in place of any external one.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (PublicProfile &p : *found) {
        if (!p.avatarKey.isEmpty())
            p.avatarUrl = m_avatarUrls.linksFor(p.avatarKey, now).large;
    }
    return found;
}

} // namespace fp
