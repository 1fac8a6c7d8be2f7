#include "server/matching/Safeguards.h"

namespace fp {

UserPair::UserPair(const QString &a, const QString &b)
{
    const bool ordered = a < b;
    low = ordered ? a : b;
    high = ordered ? b : a;
}

size_t qHash(const UserPair &pair, size_t seed) noexcept
{
    return qHashMulti(seed, pair.low, pair.high);
}

void SafeguardContext::addBlock(const QString &blocker, const QString &blocked)
{
    m_pairs[UserPair(blocker, blocked)].blocked = true;
}

void SafeguardContext::addPastMatch(const QString &a, const QString &b, const QDateTime &matchedAt)
{
    History &h = m_pairs[UserPair(a, b)];
    if (!h.lastMatchedAt.isValid() || matchedAt > h.lastMatchedAt)
        h.lastMatchedAt = matchedAt;
}

bool SafeguardContext::isBlocked(const QString &a, const QString &b) const
{
    if (m_pairs.isEmpty())
        return false;
    const auto it = m_pairs.constFind(UserPair(a, b));
    return it != m_pairs.constEnd() && it->blocked;
}

QDateTime SafeguardContext::lastMatchedAt(const QString &a, const QString &b) const
{
    if (m_pairs.isEmpty())
        return {};
    const auto it = m_pairs.constFind(UserPair(a, b));
    return it != m_pairs.constEnd() ? it->lastMatchedAt : QDateTime();
}

bool sameUser(const MatchProfile &a, const MatchProfile &b, const SafeguardContext &)
{
    return a.userId == b.userId;
}

bool blockedEitherWay(const MatchProfile &a, const MatchProfile &b, const SafeguardContext &context)
{
    return context.isBlocked(a.userId, b.userId);
}

bool matchedRecently(const MatchProfile &a, const MatchProfile &b, const SafeguardContext &context)
{
    const QDateTime last = context.lastMatchedAt(a.userId, b.userId);
    if (!last.isValid())
        return false;
    // Without a `now` the window cannot be measured: refuse rather than risk a repeat.
    if (!context.now.isValid())
        return true;
    return last > context.now.addDays(-context.thresholds.recentMatchDays);
}

namespace {

bool topicIsStrongInterest(const MatchProfile &owner, const MatchProfile &other,
                           const SafeguardContext &context)
{
    const int strong = context.thresholds.strongInterest;
    for (const QString &topic : owner.offLimitsTopics) {
        if (other.interests.value(topic, -1) >= strong)
            return true;
        const auto row = context.topicInterests.constFind(topic);
        if (row == context.topicInterests.constEnd())
            continue;
        for (const QString &interest : *row) {
            if (other.interests.value(interest, -1) >= strong)
                return true;
        }
    }
    return false;
}

bool unsafePeerFor(const MatchProfile &newcomer, const MatchProfile &peer,
                   const SafeguardThresholds &t)
{
    return isNewcomer(newcomer, t) &&
        (peer.trustScore < t.newcomerMinPeerTrust || peer.hasOpenReport);
}

constexpr SafeguardRule kRules[] = {
    {rules::kSameUser, &sameUser},
    {rules::kNewUserSafety, &unsafeForNewcomer},
    {rules::kOffLimitsTopic, &offLimitsConflict},
    {rules::kBlocked, &blockedEitherWay},
    {rules::kRecentlyMatched, &matchedRecently},
};

} // namespace

bool offLimitsConflict(const MatchProfile &a, const MatchProfile &b,
                       const SafeguardContext &context)
{
    return topicIsStrongInterest(a, b, context) || topicIsStrongInterest(b, a, context);
}

bool isNewcomer(const MatchProfile &profile, const SafeguardThresholds &thresholds)
{
    return profile.finishedConversations < thresholds.newcomerConversations;
}

bool isEstablished(const MatchProfile &profile, const SafeguardThresholds &thresholds)
{
    return !isNewcomer(profile, thresholds) && profile.trustScore >= thresholds.establishedTrust &&
        !profile.hasOpenReport;
}

bool unsafeForNewcomer(const MatchProfile &a, const MatchProfile &b,
                       const SafeguardContext &context)
{
    return unsafePeerFor(a, b, context.thresholds) || unsafePeerFor(b, a, context.thresholds);
}

std::span<const SafeguardRule> safeguardRules()
{
    return kRules;
}

std::optional<QString> whyNotPair(const MatchProfile &a, const MatchProfile &b,
                                  const SafeguardContext &context)
{
    for (const SafeguardRule &rule : kRules) {
        if (rule.forbids(a, b, context))
            return QString::fromLatin1(rule.name);
    }
    return std::nullopt;
}

} // namespace fp
