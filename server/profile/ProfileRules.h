#pragma once

// The profile domain's rules that others share: the limits of each field, what makes a
// nickname acceptable (registration checks it too), and when onboarding is complete. Pure.

#include "server/profile/ProfileTypes.h"

namespace fp {

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

/// Empty when acceptable, else what is wrong with this (trimmed) nickname.
QString nicknameProblem(const QString &trimmedNickname);
/// Derived, never written: nickname set, preferences answered, ≥3 values, ≥3 interests.
bool onboardingComplete(const QString &nickname, const std::optional<ProfilePreferences> &prefs,
                        qsizetype valueCount, qsizetype interestCount);

/// One of the profile row's own text fields: its wire name (also its column's), where a PUT
/// carries it and where a profile holds it, and whether an empty text is stored NULL (all but
/// the nickname). What compares, applies, names or writes these fields goes through this list.
struct TextField
{
    const char *name;
    std::optional<QString> ProfileUpdate::*given;
    QString Profile::*held;
    bool nullable;
};
/// In the order a read shows them.
const QList<TextField> &textFields();

/// What of the update `u` differs from the `stored` profile: every field and section equal to
/// what is stored is dropped, so that a PUT writes only what changed (and nothing when it
/// changes nothing). Lists compare in the order a read returns them: sort them first.
ProfileUpdate changesFrom(const Profile &stored, ProfileUpdate u);
/// The wire names of the fields and sections `changes` holds, as profile.updated lists them.
QStringList changedSections(const ProfileUpdate &changes);
} // namespace ProfileRules

} // namespace fp
