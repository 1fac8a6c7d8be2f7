#pragma once

// The profile domain's data (API_SPEC "Profile and onboarding", backend-proposal §13.B): a
// profile as stored and shown, a validated update, and the public part others see once
// revealed.

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

/// One weekly availability window, in the user's time zone: day "mon".."sun", "HH:MM" times
/// (end may be "24:00").
struct ProfileWindow
{
    QString day;
    QString start;
    QString end;

    bool operator==(const ProfileWindow &) const = default;
};

/// The preferences section (user_preference_settings). Text fields hold enum names; an empty
/// one (or an empty optional) is a column left NULL, which only rows written outside the API have.
struct ProfilePreferences
{
    QString conversationDepth;
    QString contactFrequency;
    std::optional<int> directnessScore;
    std::optional<int> humorScore;
    QString responsePace;
    QString groupComfort;
    QString friendshipIntention;
    bool voiceNoteOk = false;
    QList<ProfileWindow> availabilityWindows;
    QString timezone = QStringLiteral("UTC");

    /// Every field matching needs is answered (the onboarding condition).
    bool complete() const;
    bool operator==(const ProfilePreferences &) const = default;
};

struct ProfileNonNegotiable
{
    QString dimension; // value, interest, preference
    QString key; // a value key, an interest key, or a preference field name
    int priorityRank = 0; // 1..3

    bool operator==(const ProfileNonNegotiable &) const = default;
};

/// A validated PUT /api/profile: each section present replaces that section. For the nullable
/// scalars an empty string means "clear it" (stored as NULL).
struct ProfileUpdate
{
    std::optional<QString> nickname; // trimmed
    std::optional<QString> ageRange;
    std::optional<QString> locationCity; // trimmed
    std::optional<QString> locationCountry;
    std::optional<QString> avatarUrl;
    std::optional<QString> bio; // trimmed
    std::optional<ProfilePreferences> preferences;
    std::optional<QMap<QString, int>> values;
    std::optional<QMap<QString, int>> interests;
    std::optional<QStringList> offLimitsTopics;
    std::optional<QList<ProfileNonNegotiable>> nonNegotiables;
};

/// What of the caller's stored profile a PUT is checked against: non-negotiables must point at
/// keys among the caller's values and interests after the update.
struct ProfileKeysOnFile
{
    QSet<QString> values;
    QSet<QString> interests;
    QList<ProfileNonNegotiable> nonNegotiables;
};

/// Everything the caller's GET /api/profile shows.
struct Profile
{
    QString userId;
    QString nickname;
    QString ageRange; // empty = null
    QString locationCity; // empty = null
    QString locationCountry; // empty = null
    QString avatarUrl; // empty = null
    QString bio; // empty = null
    std::optional<ProfilePreferences> preferences; // nullopt until first written
    QMap<QString, int> values;
    QMap<QString, int> interests;
    QStringList offLimitsTopics;
    QList<ProfileNonNegotiable> nonNegotiables; // by priority_rank
    QDateTime updatedAt;
    /// When the profile first became complete; invalid until then (and for profiles completed
    /// before this was kept, until their next write).
    QDateTime onboardingCompletedAt;
    /// The uploaded avatar's storage key (user_avatars), empty without one; never on the wire.
    QString avatarKey;
    /// Its signed URL (512 px), set by the service for the owner; shown instead of avatarUrl.
    QString avatarLink;
    /// Until when avatarLink may still be handed out: after it, a link made now would live
    /// longer (an answer kept in memory is dropped by then).
    QDateTime avatarLinkFreshUntil;

    /// Derived, never written: nickname set, preferences answered, ≥3 values, ≥3 interests.
    bool onboardingComplete() const;
};

/// One person's part of a batch of profile writes: the rows go from `before` (nullopt: the person
/// has no user_profiles row yet) to `after`. Only what differs is written.
struct ProfileWrite
{
    std::optional<Profile> before;
    Profile after;
};

/// The part of a profile others see once revealed (API_SPEC: peer {user_id, nickname,
/// avatar_url, bio}).
struct PublicProfile
{
    QString userId;
    QString nickname;
    /// What people allowed to see it get: the uploaded avatar's signed URL when there is one
    /// (ProfileService fills it in), else the external URL set with PUT /api/profile.
    QString avatarUrl; // empty = null
    QString bio; // empty = null
    QString avatarKey; // the uploaded avatar's storage key, empty without one; never on the wire
};

/// An uploaded avatar (user_avatars): its images are in the media store under keys made from
/// storageKey (AvatarService).
struct StoredAvatar
{
    QString storageKey; // 32 hex characters, random
    QString sourceFormat; // jpeg, png, webp: what was uploaded (the stored images are JPEG)
    QDateTime createdAt;
};

} // namespace fp
