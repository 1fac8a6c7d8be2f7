#pragma once

// One matching pass over the waiting users: which pairs to make now. Pure: profiles, safeguard
// context and `now` in, pairs (with score, breakdown and reasons) and pass statistics out.
//
// It never scores all n^2 pairs: each user gets a shortlist of neighbours in a few random
// projections of a compact feature vector (plus a wider sample for long waiters), the shortlist
// is filtered by whyNotPair() and scored exactly, and a greedy maximum-weight matching on the
// wait-aged scores picks the pairs. Cost O(n log n); docs/matching.md has the details and the
// measured quality against an exact maximum-weight matching.

#include "server/matching/MatchProfile.h"
#include "server/matching/Safeguards.h"
#include "server/matching/Scoring.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <vector>

namespace fp {

struct MatcherConfig
{
    /// Lowest acceptable score for a user who just joined...
    double minScoreAtJoin = 55;
    /// ...falling linearly to 0 after this many minutes of waiting, so a user whose every allowed
    /// partner is a poor fit still gets one. A pair is acceptable when its score reaches the lower
    /// of the two users' minimums: the longer waiter's patience decides.
    double relaxMinutes = 10;
    /// Each user adds this much priority per minute waited (capped), so among similar pairs the
    /// one with the longer waiters is made first.
    double agingPointsPerMinute = 1.0;
    double agingCapPoints = 15;
    /// Priority bonus for pairing a newcomer with an established, trusted user.
    double newcomerBonus = 5;

    /// Shortlist: each user is paired with the next `neighborsPerSide` users in each of
    /// `projections` orderings (so about 2 * projections * neighborsPerSide candidates each).
    int projections = 6;
    int neighborsPerSide = 3;
    /// Waiting lists this small are scored exhaustively (every pair).
    int fullScanMaxUsers = 300;
    /// Users waiting at least this long (the longest first, at most longWaitMaxUsers of them) are
    /// also scored against an even sample of longWaitSample others, so a user with no allowed
    /// partner among their neighbours is not stuck.
    double longWaitMinutes = 2;
    int longWaitMaxUsers = 128;
    int longWaitSample = 64;
    /// Rounds: users left unmatched by a round are shortlisted again among themselves (with twice
    /// the neighbours), while a round still makes pairs.
    int maxRounds = 4;
    /// Passes of the partner-swap improvement after greedy (0 turns it off). One pass recovers
    /// most of what greedy leaves (docs/matching.md has the measurements).
    int swapPasses = 1;
    quint64 seed = 0x5eedf00dULL;
};

struct MatchPair
{
    QString userA; // userA < userB, the match_sessions convention
    QString userB;
    double score = 0; // match_score, 0-100
    ScoreBreakdown breakdown; // score_breakdown_json
    QList<MatchReason> reasons; // match_reasons_json
    double priority = 0; // the aged score the pair was chosen by
};

struct MatchPassStats
{
    int waiting = 0;
    int duplicateProfiles = 0; // same user id twice in the input; the first one is used
    int rounds = 0;
    /// Distinct candidate pairs examined (safeguards applied), over all rounds.
    qint64 candidatePairs = 0;
    qint64 forbiddenPairs = 0;
    QMap<QString, qint64> forbiddenByRule;
    qint64 belowMinimum = 0;
    qint64 acceptablePairs = 0;
    /// Partner swaps the improvement step made after greedy.
    int swaps = 0;
    int pairs = 0;
    int unmatched = 0;
    double meanScore = 0;
    qint64 longestWaitMatchedSeconds = 0;
    qint64 longestWaitUnmatchedSeconds = 0;

    QJsonObject toJson() const;
};

struct MatchPassResult
{
    std::vector<MatchPair> pairs; // highest priority first
    QStringList unmatched; // user ids still waiting, longest waiting first
    MatchPassStats stats;
};

class Matcher
{
public:
    explicit Matcher(MatcherConfig config = {});

    /// One pass. Deterministic: the same input (in any order) gives the same output.
    /// `context.now` is taken from `now` when unset.
    MatchPassResult run(const QList<MatchProfile> &waiting, const SafeguardContext &context,
                        const QDateTime &now) const;

    /// The lowest score a user accepts after waiting `minutes`.
    double minimumScore(double minutes) const;
    /// Priority a user's wait adds to each of their candidate pairs.
    double agingBonus(double minutes) const;
    /// Whether a pair scoring `score` is acceptable to users who waited these many minutes.
    bool acceptable(double score, double minutesA, double minutesB) const;

    const MatcherConfig &config() const { return m_config; }

private:
    MatcherConfig m_config;
};

} // namespace fp
