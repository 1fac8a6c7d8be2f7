#include "server/profile/ProfileRules.h"

#include "server/base/Validation.h"

#include <QRegularExpression>

namespace fp {

bool ProfilePreferences::complete() const
{
    return !conversationDepth.isEmpty() && !contactFrequency.isEmpty() &&
        directnessScore.has_value() && humorScore.has_value() && !responsePace.isEmpty() &&
        !groupComfort.isEmpty() && !friendshipIntention.isEmpty();
}

namespace ProfileRules {

const QStringList &ageRanges()
{
    static const QStringList ranges {QStringLiteral("18-24"), QStringLiteral("25-34"),
                                     QStringLiteral("35-44"), QStringLiteral("45-54"),
                                     QStringLiteral("55-64"), QStringLiteral("65+")};
    return ranges;
}

const QStringList &preferenceFieldNames()
{
    static const QStringList names {
        QStringLiteral("conversation_depth"),   QStringLiteral("contact_frequency"),
        QStringLiteral("directness_score"),     QStringLiteral("humor_score"),
        QStringLiteral("response_pace"),        QStringLiteral("group_comfort"),
        QStringLiteral("friendship_intention"), QStringLiteral("voice_note_ok")};
    return names;
}

QString nicknameProblem(const QString &nickname)
{
    // Letters of any script (with their combining marks), digits, spaces, _ . and -: readable
    // names in every language, and nothing that can impersonate layout or markup.
    static const QRegularExpression allowed(QStringLiteral("^[\\p{L}\\p{M}\\p{N} _.\\-]+$"));
    static const QRegularExpression letterOrDigit(QStringLiteral("[\\p{L}\\p{N}]"));
    const qsizetype length = validation::codePoints(nickname);
    if (length < kNicknameMin || length > kNicknameMax)
        return QStringLiteral("must be %1 to %2 characters").arg(kNicknameMin).arg(kNicknameMax);
    if (!nickname.isValidUtf16() || !allowed.match(nickname).hasMatch() ||
        !letterOrDigit.match(nickname).hasMatch())
        return QStringLiteral("may contain letters, digits, spaces, _ . and - only");
    return {};
}

bool onboardingComplete(const QString &nickname, const std::optional<ProfilePreferences> &prefs,
                        qsizetype valueCount, qsizetype interestCount)
{
    return !nickname.trimmed().isEmpty() && prefs && prefs->complete() &&
        valueCount >= kMinValuesForOnboarding && interestCount >= kMinInterestsForOnboarding;
}

const QList<TextField> &textFields()
{
    static const QList<TextField> fields {
        {"nickname", &ProfileUpdate::nickname, &Profile::nickname, false},
        {"age_range", &ProfileUpdate::ageRange, &Profile::ageRange, true},
        {"location_city", &ProfileUpdate::locationCity, &Profile::locationCity, true},
        {"location_country", &ProfileUpdate::locationCountry, &Profile::locationCountry, true},
        {"avatar_url", &ProfileUpdate::avatarUrl, &Profile::avatarUrl, true},
        {"bio", &ProfileUpdate::bio, &Profile::bio, true},
    };
    return fields;
}

ProfileUpdate changesFrom(const Profile &stored, ProfileUpdate u)
{
    // Text stored NULL reads back empty, so an empty text given for it is no change either.
    const auto keepIfChanged = [](auto &given, const auto &current) {
        if (given && *given == current)
            given.reset();
    };
    for (const TextField &field : textFields())
        keepIfChanged(u.*field.given, stored.*field.held);
    if (u.preferences && u.preferences == stored.preferences)
        u.preferences.reset();
    keepIfChanged(u.values, stored.values);
    keepIfChanged(u.interests, stored.interests);
    keepIfChanged(u.offLimitsTopics, stored.offLimitsTopics);
    keepIfChanged(u.nonNegotiables, stored.nonNegotiables);
    return u;
}

QStringList changedSections(const ProfileUpdate &changes)
{
    QStringList names;
    for (const TextField &field : textFields()) {
        if ((changes.*field.given).has_value())
            names << QString::fromLatin1(field.name);
    }
    const std::pair<bool, const char *> sections[] = {
        {changes.preferences.has_value(), "preferences"},
        {changes.values.has_value(), "values"},
        {changes.interests.has_value(), "interests"},
        {changes.offLimitsTopics.has_value(), "off_limits_topics"},
        {changes.nonNegotiables.has_value(), "non_negotiables"},
    };
    for (const auto &[changed, name] : sections) {
        if (changed)
            names << QString::fromLatin1(name);
    }
    return names;
}

} // namespace ProfileRules

bool Profile::onboardingComplete() const
{
    return ProfileRules::onboardingComplete(nickname, preferences, values.size(), interests.size());
}

} // namespace fp
