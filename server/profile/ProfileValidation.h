#pragma once

// The rules of a profile (API_SPEC "Profile and onboarding", backend-proposal §13.B): what a
// PUT /api/profile body may hold, checked whole so that one 400 names every bad field, and
// turned into a typed ProfileUpdate. Pure: no I/O, no clock; the catalog and the caller's stored
// keys come in as arguments.

#include "common/Result.h"
#include "server/profile/Catalog.h"

#include <QJsonValue>
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

namespace ProfileRules {
inline constexpr int kNicknameMin = 2;
inline constexpr int kNicknameMax = 32;
inline constexpr int kBioMax = 280; // user_profiles.bio is VARCHAR(280)
inline constexpr int kCityMax = 100;
inline constexpr int kAvatarUrlMax = 2048;
// Three per day on average: enough for morning/lunch/evening every day, small enough that
// matching's overlap computation stays cheap.
inline constexpr int kMaxWindows = 21;
inline constexpr int kMaxNonNegotiables = 3;
// What counts as "enough" of the profile to be matched (API_SPEC: ≥3 values, ≥3 interests).
inline constexpr int kMinValuesForOnboarding = 3;
inline constexpr int kMinInterestsForOnboarding = 3;

/// age_range values, as openapi.yaml lists them.
const QStringList &ageRanges();
/// Preference fields a non-negotiable of dimension "preference" may name (the ones matching
/// weighs; availability and time zone are not preferences one compares).
const QStringList &preferenceFieldNames();

/// Unicode code points, as people count characters (and as MariaDB's utf8mb4 VARCHAR does).
qsizetype codePoints(const QString &text);
/// Empty when acceptable, else what is wrong with this (trimmed) nickname.
QString nicknameProblem(const QString &trimmedNickname);
/// Derived, never written: nickname set, preferences answered, ≥3 values, ≥3 interests.
bool onboardingComplete(const QString &nickname, const std::optional<ProfilePreferences> &prefs,
                        qsizetype valueCount, qsizetype interestCount);
} // namespace ProfileRules

/// Checks a PUT /api/profile body. On failure the AppError is 400 validation_failed whose
/// details.fields maps every bad path ("preferences.humor_score", "values.honestyy",
/// "preferences.availability_windows[2].start", ...) to its problem.
Result<ProfileUpdate> validateProfileUpdate(const QJsonValue &body, const Catalog &catalog,
                                            const ProfileKeysOnFile &onFile);

} // namespace fp
