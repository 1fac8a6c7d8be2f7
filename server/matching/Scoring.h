#pragma once

// Pair compatibility, 0-100, as the weighted sum of backend-proposal.md section 6: values 35%,
// communication 25%, interests 20%, conversation depth 10%, availability 10%. Each dimension is
// its own function so each formula is tested on its own; docs/matching.md gives the formulas and
// why each field feeds the dimension it does. Pure: no I/O, no clock (the pass's `now` is given).
//
// Scoring runs on ScoringProfile, a compact copy of a MatchProfile made by a ScoringSpace: keys are
// interned to small indexes and availability is converted once to UTC minutes, so scoring a pair
// costs a few hundred nanoseconds, which is what lets the matcher score millions of candidates.

#include "server/matching/MatchProfile.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QTimeZone>
#include <QVarLengthArray>
#include <array>
#include <vector>

namespace fp {

namespace scoring {
inline constexpr double kValuesWeight = 0.35;
inline constexpr double kCommunicationWeight = 0.25;
inline constexpr double kInterestsWeight = 0.20;
inline constexpr double kDepthWeight = 0.10;
inline constexpr double kAvailabilityWeight = 0.10;
/// A dimension with nothing to compare (unanswered on either side) scores this: unknown is
/// neither a reason to pair nor a reason not to.
inline constexpr double kNoSignal = 50.0;
/// Minutes of weekly overlap that count as "enough to find a slot" for full availability.
inline constexpr int kAvailabilityFullOverlapMinutes = 120;
/// A slider at or above this counts as "rated highly" / "enjoys" in match reasons.
inline constexpr int kReasonHighValue = 70;
inline constexpr int kReasonHighInterest = 60;
/// Extra weight of a non-negotiable by rank (rank 1 -> 3, 2 -> 2, 3 -> 1); summed over both users.
inline constexpr int nonNegotiableBoost(int rank)
{
    return rank >= 1 && rank <= 3 ? 4 - rank : 0;
}
/// A gap on a key someone holds non-negotiable counts this many times its size (capped at 100).
inline constexpr double kNonNegotiableGapFactor = 1.5;
} // namespace scoring

/// Preference fields a "preference" non-negotiable may name.
enum class PreferenceKey {
    Directness,
    Humor,
    ResponsePace,
    ContactFrequency,
    ConversationDepth,
    GroupComfort,
    FriendshipIntention,
    VoiceNoteOk,
    Count
};

/// Half-open [start, end) in UTC minutes since Monday 00:00 (0..10080).
struct MinuteInterval
{
    int start = 0;
    int end = 0;
};

/// A MatchProfile reduced to what scoring reads. Only meaningful with the ScoringSpace that made
/// it (key indexes and the UTC week are the space's).
struct ScoringProfile
{
    // Sliders by key index (-1 = not answered) and this user's non-negotiable boost per key, in
    // one block [values | value boosts | interests | interest boosts]: scoring a pair then reads
    // two contiguous blocks, which matters when it runs for a million candidate pairs. Inline for
    // catalogs up to 96 slots (today 2 x 16 values + 2 x 26 interests = 84): no pointer to chase.
    QVarLengthArray<qint8, 96> sliders;
    int valueCount = 0;
    int interestCount = 0;
    const qint8 *values() const { return sliders.data(); }
    const qint8 *valueBoost() const { return sliders.data() + valueCount; }
    const qint8 *interests() const { return sliders.data() + 2 * valueCount; }
    const qint8 *interestBoost() const { return sliders.data() + 2 * valueCount + interestCount; }

    qint8 directness = -1; // 0-100, -1 = not answered
    qint8 humor = -1;
    qint8 pace = -1; // ResponsePace
    qint8 frequency = -1; // ContactFrequency (ordinal: daily < weekly < occasional)
    qint8 depth = -1; // ConversationDepth (ordinal: light < moderate < deep)
    qint8 group = -1;
    qint8 intention = -1;
    qint8 voiceNoteOk = 0;
    std::array<quint8, size_t(PreferenceKey::Count)> preferenceBoost {};
    QVarLengthArray<MinuteInterval, 10> availability; // sorted, disjoint, never wrapping
    int availableMinutes = 0;
    /// Offset of the user's zone at `now`, to name overlaps in each user's local time.
    int utcOffsetMinutes = 0;
};

/// Catalog key -> small dense index. Open addressing over FNV-1a: a pass interns about forty keys
/// per profile, and QHash's seeded SipHash was most of the cost of preparing a profile.
class KeyInterner
{
public:
    /// -1 when absent.
    int find(QStringView key) const;
    int intern(const QString &key);
    int size() const { return int(m_names.size()); }
    QString name(int index) const { return m_names.value(index); }

private:
    static quint64 hash(QStringView key);
    void rehash(size_t slots);

    QStringList m_names;
    std::vector<quint64> m_hashes; // by index
    std::vector<int> m_slots; // index, or -1 when empty
};

/// Interns catalog keys and converts time zones for one matching pass. Not thread-safe; one per
/// pass (or per test).
class ScoringSpace
{
public:
    /// `now` fixes which real week local windows are converted in, so DST is the one in force
    /// over the coming seven days.
    explicit ScoringSpace(const QDateTime &now);

    ScoringProfile compile(const MatchProfile &profile);

    QString valueKey(int index) const { return m_values.name(index); }
    QString interestKey(int index) const { return m_interests.name(index); }
    int valueKeyCount() const { return m_values.size(); }
    int interestKeyCount() const { return m_interests.size(); }
    const QDateTime &now() const { return m_now; }

private:
    int zoneIndex(const QString &name);
    qint64 utcSeconds(int zone, const QDate &localDate, const QTime &localTime);

    QDateTime m_now;
    KeyInterner m_values;
    KeyInterner m_interests;
    QHash<QString, int> m_zoneIndex;
    std::vector<QTimeZone> m_zones;
    std::vector<QDate> m_zoneToday;
    std::vector<int> m_zoneOffsetMinutes;
    QHash<quint64, qint64> m_utcCache; // (zone, local day, local minute) -> UTC seconds
};

/// 0-100 per dimension, unrounded; `total()` is the weighted sum.
struct ScoreBreakdown
{
    double values = 0;
    double communication = 0;
    double interests = 0;
    double depth = 0;
    double availability = 0;

    double total() const;
    /// score_breakdown_json: {values, communication, interests, depth, availability}, ints 0-100.
    QJsonObject toJson() const;
};

struct MatchReason
{
    QString dimension; // values | communication | interests | depth | availability
    QString text;

    QJsonObject toJson() const;
    bool operator==(const MatchReason &) const = default;
};

double valuesScore(const ScoringProfile &a, const ScoringProfile &b);
double communicationScore(const ScoringProfile &a, const ScoringProfile &b);
double interestsScore(const ScoringProfile &a, const ScoringProfile &b);
double depthScore(const ScoringProfile &a, const ScoringProfile &b);
double availabilityScore(const ScoringProfile &a, const ScoringProfile &b);
/// Minutes per week both are free (in UTC, so across time zones).
int availabilityOverlapMinutes(const ScoringProfile &a, const ScoringProfile &b);

ScoreBreakdown scorePair(const ScoringProfile &a, const ScoringProfile &b);

/// 2-4 short sentences naming what the two share, strongest first. They only ever state what
/// both answered alike ("You both..."), never one side's answer and never a number.
QList<MatchReason> matchReasons(const ScoringProfile &a, const ScoringProfile &b,
                                const ScoreBreakdown &breakdown, const ScoringSpace &space);
/// match_reasons_json: [{dimension, text}].
QJsonArray matchReasonsToJson(const QList<MatchReason> &reasons);

/// One pair on its own (tests, tools): compiles both into a fresh space at `now`.
ScoreBreakdown scoreProfiles(const MatchProfile &a, const MatchProfile &b, const QDateTime &now);
QList<MatchReason> explainProfiles(const MatchProfile &a, const MatchProfile &b,
                                   const QDateTime &now);

} // namespace fp
