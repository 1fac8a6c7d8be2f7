#pragma once

// The hard rules that forbid a pair whatever its score, in one place: whyNotPair() is the only
// gate the matcher uses, and each rule is also callable alone so each is tested alone.
// Thresholds are in docs/matching.md ("Safeguards").

#include "server/matching/MatchProfile.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <optional>
#include <span>

namespace fp {

struct SafeguardThresholds
{
    /// Two users matched less than this many days ago are not matched again.
    int recentMatchDays = 30;
    /// Fewer finished conversations than this makes a user a newcomer.
    int newcomerConversations = 3;
    /// A newcomer is never paired with a peer below this trust score (new users start at 50).
    int newcomerMinPeerTrust = 40;
    /// An interest slider at or above this is "strong" for the off-limits filter.
    int strongInterest = 70;
    /// Established and trusted: the peers a newcomer is steered towards (a priority bonus in the
    /// matcher, not a rule).
    int establishedTrust = 60;
};

/// Two user ids, unordered: (a, b) and (b, a) are the same pair.
struct UserPair
{
    UserPair(const QString &a, const QString &b);
    QString low;
    QString high;
    bool operator==(const UserPair &) const = default;
};
size_t qHash(const UserPair &pair, size_t seed = 0) noexcept;

/// What the safeguards know besides the two profiles: blocks and match history of the users in
/// the queue, the topic/interest table, and the pass's `now`.
class SafeguardContext
{
public:
    QDateTime now;
    SafeguardThresholds thresholds;
    TopicInterestMap topicInterests;

    /// A block in either direction forbids the pair.
    void addBlock(const QString &blocker, const QString &blocked);
    /// A past match (match_sessions.matched_at); only the latest per pair matters.
    void addPastMatch(const QString &a, const QString &b, const QDateTime &matchedAt);

    bool isBlocked(const QString &a, const QString &b) const;
    /// Invalid when the two were never matched (as far as this context knows).
    QDateTime lastMatchedAt(const QString &a, const QString &b) const;

private:
    struct History
    {
        bool blocked = false;
        QDateTime lastMatchedAt;
    };
    // One lookup answers both history rules: this is on the matcher's hot path.
    QHash<UserPair, History> m_pairs;
};
using PairContext = SafeguardContext;

/// Rule names, as returned by whyNotPair() and counted in the matcher's stats.
namespace rules {
inline constexpr char kSameUser[] = "same_user";
inline constexpr char kBlocked[] = "blocked";
inline constexpr char kRecentlyMatched[] = "recently_matched";
inline constexpr char kOffLimitsTopic[] = "off_limits_topic";
inline constexpr char kNewUserSafety[] = "new_user_safety";
} // namespace rules

using SafeguardCheck = bool (*)(const MatchProfile &, const MatchProfile &,
                                const SafeguardContext &);
struct SafeguardRule
{
    const char *name;
    /// True when the rule forbids pairing the two (symmetric in its arguments).
    SafeguardCheck forbids;
};
/// Every rule, in the order whyNotPair() applies them (cheapest first).
std::span<const SafeguardRule> safeguardRules();

bool sameUser(const MatchProfile &a, const MatchProfile &b, const SafeguardContext &context);
bool blockedEitherWay(const MatchProfile &a, const MatchProfile &b,
                      const SafeguardContext &context);
bool matchedRecently(const MatchProfile &a, const MatchProfile &b, const SafeguardContext &context);
/// Someone's off-limits topic is a strong interest of the other (either way round).
bool offLimitsConflict(const MatchProfile &a, const MatchProfile &b,
                       const SafeguardContext &context);
/// A newcomer with a peer under the trust floor or with an open report (either way round).
bool unsafeForNewcomer(const MatchProfile &a, const MatchProfile &b,
                       const SafeguardContext &context);

bool isNewcomer(const MatchProfile &profile, const SafeguardThresholds &thresholds);
/// Not a newcomer, trust at or above establishedTrust and no open report.
bool isEstablished(const MatchProfile &profile, const SafeguardThresholds &thresholds);

/// The name of the first rule that forbids the pair, or nullopt when it may be made.
std::optional<QString> whyNotPair(const MatchProfile &a, const MatchProfile &b,
                                  const SafeguardContext &context);

} // namespace fp
