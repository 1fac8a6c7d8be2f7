#include "server/matching/Matcher.h"

#include <QJsonArray>
#include <QSet>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace fp {

namespace {

struct Edge
{
    int a;
    int b;
    double score;
    double priority;
};

quint64 edgeKey(int a, int b)
{
    const auto lo = quint32(std::min(a, b)), hi = quint32(std::max(a, b));
    return (quint64(lo) << 32) | hi;
}

// SplitMix64: a fixed, portable generator, so the projections (and so the pass) are the same on
// every machine for the same seed.
quint64 nextRandom(quint64 &state)
{
    quint64 z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr int kAvailabilityBands = 8; // 3-hour bands of the UTC day

// A point per user such that close points tend to score well together: each dimension's block is
// scaled so its share of the distance follows its weight in the total. Only used to shortlist.
class Embedding
{
public:
    Embedding(const std::vector<ScoringProfile> &profiles, size_t valueKeys, size_t interestKeys)
        : m_valueKeys(valueKeys), m_interestKeys(interestKeys),
          m_dims(valueKeys + 4 + interestKeys + 1 + kAvailabilityBands),
          m_data(profiles.size() * m_dims)
    {
        for (size_t i = 0; i < profiles.size(); ++i)
            fill(profiles[i], &m_data[i * m_dims]);
    }

    size_t dims() const { return m_dims; }
    const float *row(size_t i) const { return &m_data[i * m_dims]; }

private:
    void fill(const ScoringProfile &s, float *out) const
    {
        size_t d = 0;
        const float cValues =
            float(scoring::kValuesWeight / std::sqrt(std::max<size_t>(1, m_valueKeys)));
        for (size_t k = 0; k < m_valueKeys; ++k)
            out[d++] = cValues * (int(k) < s.valueCount && s.values()[k] >= 0 ? s.values()[k] : 50);
        const float c = float(scoring::kCommunicationWeight);
        out[d++] = c * 0.55f * (s.directness >= 0 ? s.directness : 50);
        out[d++] = c * 0.50f * (s.humor >= 0 ? s.humor : 50);
        out[d++] = c * 0.45f * (s.pace >= 0 ? s.pace * 100 : 50);
        out[d++] = c * 0.50f * (s.frequency >= 0 ? s.frequency * 50 : 50);
        const float cInterests =
            float(scoring::kInterestsWeight / std::sqrt(std::max<size_t>(1, m_interestKeys)));
        for (size_t k = 0; k < m_interestKeys; ++k)
            out[d++] = cInterests *
                (int(k) < s.interestCount && s.interests()[k] >= 0 ? s.interests()[k] : 0);
        out[d++] = float(scoring::kDepthWeight) * (s.depth >= 0 ? s.depth * 50 : 50);
        float bands[kAvailabilityBands] = {};
        for (const MinuteInterval &i : s.availability) {
            int t = i.start;
            while (t < i.end) {
                const int band = (t % 1440) / 180;
                const int step = std::min(i.end - t, 180 - (t % 1440) % 180);
                bands[band] += float(step);
                t += step;
            }
        }
        const float cBands =
            float(scoring::kAvailabilityWeight * 100 / std::sqrt(kAvailabilityBands));
        for (float b : bands)
            out[d++] = cBands *
                (s.availableMinutes > 0 ? b / float(s.availableMinutes)
                                        : 1.0f / kAvailabilityBands);
    }

    size_t m_valueKeys;
    size_t m_interestKeys;
    size_t m_dims;
    std::vector<float> m_data;
};

// Pair swaps on top of greedy (see run()). `allowed` applies the safeguards to a new pair.
// Deterministic: edges are visited in key order, and a few passes are enough in practice.
template<typename Allowed>
int improveBySwaps(std::vector<Edge> &chosen, std::vector<Edge> &acceptable, size_t count,
                   int passes, Allowed allowed)
{
    std::sort(acceptable.begin(), acceptable.end(),
              [](const Edge &x, const Edge &y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    auto find = [&](int x, int y) -> const Edge * {
        const int a = std::min(x, y), b = std::max(x, y);
        const auto it = std::lower_bound(acceptable.begin(), acceptable.end(), std::pair(a, b),
                                         [](const Edge &e, const std::pair<int, int> &k) {
                                             return e.a != k.first ? e.a < k.first : e.b < k.second;
                                         });
        return it != acceptable.end() && it->a == a && it->b == b ? &*it : nullptr;
    };
    std::vector<int> partner(count, -1);
    std::vector<const Edge *> pairOf(count, nullptr);
    for (const Edge &e : chosen) {
        const Edge *stored = find(e.a, e.b);
        partner[size_t(e.a)] = e.b;
        partner[size_t(e.b)] = e.a;
        pairOf[size_t(e.a)] = pairOf[size_t(e.b)] = stored;
    }
    int swaps = 0;
    for (int pass = 0; pass < passes; ++pass) {
        bool improved = false;
        for (const Edge &e : acceptable) {
            const int a = e.a, c = e.b;
            const int b = partner[size_t(a)], d = partner[size_t(c)];
            if (b < 0 || d < 0 || b == c)
                continue;
            const double old = pairOf[size_t(a)]->priority + pairOf[size_t(c)]->priority;
            if (e.priority <= std::min(pairOf[size_t(a)]->priority, pairOf[size_t(c)]->priority))
                continue;
            const Edge *other = find(b, d);
            if (!other || e.priority + other->priority <= old + 1e-9)
                continue;
            if (!allowed(a, c) || !allowed(b, d))
                continue;
            partner[size_t(a)] = c;
            partner[size_t(c)] = a;
            partner[size_t(b)] = d;
            partner[size_t(d)] = b;
            pairOf[size_t(a)] = pairOf[size_t(c)] = &e;
            pairOf[size_t(b)] = pairOf[size_t(d)] = other;
            improved = true;
            ++swaps;
        }
        if (!improved)
            break;
    }
    if (swaps > 0) {
        chosen.clear();
        for (size_t i = 0; i < count; ++i) {
            if (partner[i] > int(i))
                chosen.push_back(*pairOf[i]);
        }
        std::sort(chosen.begin(), chosen.end(), [](const Edge &x, const Edge &y) {
            if (x.priority != y.priority)
                return x.priority > y.priority;
            return x.a != y.a ? x.a < y.a : x.b < y.b;
        });
    }
    return swaps;
}

// A float's bits as an unsigned integer with the same order (for packed sort keys).
quint32 orderedBits(float f)
{
    quint32 u;
    std::memcpy(&u, &f, sizeof u);
    return (u & 0x80000000U) ? ~u : (u | 0x80000000U);
}

int dominantBand(const ScoringProfile &s)
{
    if (s.availableMinutes == 0)
        return kAvailabilityBands;
    int bands[kAvailabilityBands] = {};
    for (const MinuteInterval &i : s.availability) {
        int t = i.start;
        while (t < i.end) {
            const int band = (t % 1440) / 180;
            const int step = std::min(i.end - t, 180 - (t % 1440) % 180);
            bands[band] += step;
            t += step;
        }
    }
    return int(std::max_element(bands, bands + kAvailabilityBands) - bands);
}

} // namespace

QJsonObject MatchPassStats::toJson() const
{
    QJsonObject byRule;
    for (auto it = forbiddenByRule.begin(); it != forbiddenByRule.end(); ++it)
        byRule.insert(it.key(), it.value());
    return QJsonObject {
        {QStringLiteral("waiting"), waiting},
        {QStringLiteral("duplicate_profiles"), duplicateProfiles},
        {QStringLiteral("rounds"), rounds},
        {QStringLiteral("candidate_pairs"), candidatePairs},
        {QStringLiteral("forbidden_pairs"), forbiddenPairs},
        {QStringLiteral("forbidden_by_rule"), byRule},
        {QStringLiteral("below_minimum"), belowMinimum},
        {QStringLiteral("acceptable_pairs"), acceptablePairs},
        {QStringLiteral("pairs"), pairs},
        {QStringLiteral("unmatched"), unmatched},
        {QStringLiteral("mean_score"), meanScore},
        {QStringLiteral("longest_wait_matched_seconds"), longestWaitMatchedSeconds},
        {QStringLiteral("longest_wait_unmatched_seconds"), longestWaitUnmatchedSeconds}};
}

Matcher::Matcher(MatcherConfig config) : m_config(config) { }

double Matcher::minimumScore(double minutes) const
{
    if (m_config.relaxMinutes <= 0)
        return 0;
    return m_config.minScoreAtJoin * std::clamp(1.0 - minutes / m_config.relaxMinutes, 0.0, 1.0);
}

double Matcher::agingBonus(double minutes) const
{
    return std::clamp(minutes * m_config.agingPointsPerMinute, 0.0, m_config.agingCapPoints);
}

bool Matcher::acceptable(double score, double minutesA, double minutesB) const
{
    return score >= std::min(minimumScore(minutesA), minimumScore(minutesB));
}

MatchPassResult Matcher::run(const QList<MatchProfile> &waiting, const SafeguardContext &context,
                             const QDateTime &now) const
{
    MatchPassResult result;
    MatchPassStats &stats = result.stats;

    SafeguardContext safeguards = context;
    if (!safeguards.now.isValid())
        safeguards.now = now;

    // Canonical order (longest waiting first, then id) makes the pass independent of the input
    // order and lets "longest waiting" be a prefix.
    std::vector<std::pair<qint64, const MatchProfile *>> byWait;
    byWait.reserve(size_t(waiting.size()));
    for (const MatchProfile &p : waiting)
        byWait.emplace_back(p.enqueuedAt.isValid() ? p.enqueuedAt.toMSecsSinceEpoch() : 0, &p);
    std::stable_sort(byWait.begin(), byWait.end(), [](const auto &x, const auto &y) {
        return x.first != y.first ? x.first < y.first : x.second->userId < y.second->userId;
    });
    std::vector<const MatchProfile *> profiles;
    profiles.reserve(byWait.size());
    for (const auto &entry : byWait)
        profiles.push_back(entry.second);
    {
        // Duplicate ids (a user queued twice by a race upstream): keep the earliest entry. Found
        // by sorting (hash, position) rather than a QSet of strings, which was slower than it
        // had any right to be.
        std::vector<std::pair<size_t, size_t>> ids; // hash, position
        ids.reserve(profiles.size());
        for (size_t i = 0; i < profiles.size(); ++i)
            ids.emplace_back(qHash(profiles[i]->userId), i);
        std::sort(ids.begin(), ids.end());
        std::vector<char> drop(profiles.size(), 0);
        for (size_t x = 0; x < ids.size(); ++x) {
            for (size_t y = x + 1; y < ids.size() && ids[y].first == ids[x].first; ++y) {
                if (!drop[ids[y].second] &&
                    profiles[ids[y].second]->userId == profiles[ids[x].second]->userId) {
                    drop[ids[y].second] = 1; // later position = later in canonical order
                }
            }
        }
        std::vector<const MatchProfile *> unique;
        unique.reserve(profiles.size());
        for (size_t i = 0; i < profiles.size(); ++i) {
            if (drop[i])
                ++stats.duplicateProfiles;
            else
                unique.push_back(profiles[i]);
        }
        profiles = std::move(unique);
    }
    const int n = int(profiles.size());
    stats.waiting = n;

    ScoringSpace space(now);
    std::vector<ScoringProfile> compiled;
    compiled.reserve(size_t(n));
    for (const MatchProfile *p : profiles)
        compiled.push_back(space.compile(*p));
    const size_t count = size_t(n);
    std::vector<double> waitedMinutes(count), minimum(count), bonus(count);
    std::vector<char> newcomer(count), established(count);
    for (int i = 0; i < n; ++i) {
        const MatchProfile &p = *profiles[size_t(i)];
        const double minutes =
            p.enqueuedAt.isValid() ? std::max<qint64>(0, p.enqueuedAt.msecsTo(now)) / 60000.0 : 0;
        waitedMinutes[size_t(i)] = minutes;
        minimum[size_t(i)] = minimumScore(minutes);
        bonus[size_t(i)] = agingBonus(minutes);
        newcomer[size_t(i)] = isNewcomer(p, safeguards.thresholds);
        established[size_t(i)] = isEstablished(p, safeguards.thresholds);
    }

    // Projections of the embedding: one sort key per user per projection.
    const int projections = std::max(1, m_config.projections);
    std::vector<float> projected;
    std::vector<quint16> codes;
    if (n > m_config.fullScanMaxUsers) {
        const Embedding embedding(compiled, size_t(space.valueKeyCount()),
                                  size_t(space.interestKeyCount()));
        const size_t dims = embedding.dims();
        std::vector<float> directions(size_t(projections) * dims);
        quint64 state = m_config.seed;
        for (float &x : directions)
            x = float(double(nextRandom(state) >> 11) / double(1ULL << 53) * 2.0 - 1.0);
        projected.resize(size_t(projections) * size_t(n));
        for (int i = 0; i < n; ++i) {
            const float *row = embedding.row(size_t(i));
            for (int p = 0; p < projections; ++p) {
                const float *dir = &directions[size_t(p) * dims];
                float dot = 0;
                for (size_t d = 0; d < dims; ++d)
                    dot += dir[d] * row[d];
                projected[size_t(p) * size_t(n) + size_t(i)] = dot;
            }
        }
        codes.resize(size_t(projections) * size_t(n));
        for (int i = 0; i < n; ++i) {
            const ScoringProfile &s = compiled[size_t(i)];
            const int depth = s.depth >= 0 ? s.depth : 3;
            const int pace = s.pace >= 0 ? s.pace : 2;
            const int freq = s.frequency >= 0 ? s.frequency : 3;
            const int band = dominantBand(s);
            for (int p = 0; p < projections; ++p) {
                int code = 0;
                switch (p % 3) {
                case 0:
                    code = ((depth * 3 + pace) * 4 + freq) * 9 + band;
                    break;
                case 1:
                    code = (depth * 3 + pace) * 4 + freq;
                    break;
                default:
                    code = band * 4 + depth;
                    break;
                }
                codes[size_t(p) * size_t(n) + size_t(i)] = quint16(code);
            }
        }
    }

    std::vector<char> matched(count, 0);
    std::vector<int> active(count);
    std::iota(active.begin(), active.end(), 0);
    std::vector<Edge> chosen;
    std::vector<Edge> acceptable; // every round's acceptable pairs, for the improvement step
    QSet<quint64> forbidden; // pairs whyNotPair() refused, not re-examined in later rounds
    int neighbours = std::max(1, m_config.neighborsPerSide);

    for (int round = 0; round < std::max(1, m_config.maxRounds) && active.size() >= 2; ++round) {
        ++stats.rounds;
        const int m = int(active.size());

        // 1. Shortlist: candidate pairs as (low, high) keys.
        std::vector<quint64> keys;
        if (m <= m_config.fullScanMaxUsers) {
            keys.reserve(size_t(m) * size_t(m - 1) / 2);
            for (int x = 0; x < m; ++x) {
                for (int y = x + 1; y < m; ++y)
                    keys.push_back(edgeKey(active[size_t(x)], active[size_t(y)]));
            }
        } else {
            keys.reserve(size_t(m) * size_t(projections) * size_t(neighbours));
            // Sorted by (category code, projected value) packed into one integer.
            std::vector<std::pair<quint64, int>> order(static_cast<size_t>(m));
            std::vector<int> sorted(static_cast<size_t>(m));
            for (int p = 0; p < projections; ++p) {
                const float *key = &projected[size_t(p) * size_t(n)];
                const quint16 *code = &codes[size_t(p) * size_t(n)];
                for (int x = 0; x < m; ++x) {
                    const int i = active[size_t(x)];
                    order[size_t(x)] = {(quint64(code[i]) << 32) | orderedBits(key[i]), i};
                }
                std::sort(order.begin(), order.end());
                for (int x = 0; x < m; ++x)
                    sorted[size_t(x)] = order[size_t(x)].second;
                for (int t = 0; t < m; ++t) {
                    for (int u = 1; u <= neighbours && t + u < m; ++u)
                        keys.push_back(edgeKey(sorted[size_t(t)], sorted[size_t(t + u)]));
                }
            }
            // Long waiters (a prefix of `active`, which keeps the canonical order) also meet an
            // even spread of everyone, so a user boxed in by safeguards still finds someone.
            const int sample = std::min(m - 1, std::max(0, m_config.longWaitSample));
            const int stride = std::max(1, m / std::max(1, sample));
            for (int x = 0; x < std::min(m, m_config.longWaitMaxUsers); ++x) {
                const int i = active[size_t(x)];
                if (waitedMinutes[size_t(i)] < m_config.longWaitMinutes)
                    break;
                for (int k = 0; k < sample; ++k) {
                    const int j = active[size_t((x + 1 + k * stride) % m)];
                    if (j != i)
                        keys.push_back(edgeKey(i, j));
                }
            }
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        stats.candidatePairs += qint64(keys.size());

        // 2. Exact scores and each pair's minimum. The safeguards are applied in step 3, to the
        // pairs greedy is about to make: same result as filtering every candidate first (a
        // forbidden pair is skipped either way), at a fraction of the hash lookups.
        std::vector<Edge> edges;
        edges.reserve(keys.size());
        for (const quint64 key : keys) {
            if (forbidden.contains(key))
                continue;
            const int a = int(key >> 32), b = int(key & 0xffffffffU);
            const double score = scorePair(compiled[size_t(a)], compiled[size_t(b)]).total();
            if (score < std::min(minimum[size_t(a)], minimum[size_t(b)])) {
                ++stats.belowMinimum;
                continue;
            }
            double priority = score + bonus[size_t(a)] + bonus[size_t(b)];
            if ((newcomer[size_t(a)] && established[size_t(b)]) ||
                (newcomer[size_t(b)] && established[size_t(a)]))
                priority += m_config.newcomerBonus;
            edges.push_back({a, b, score, priority});
        }
        stats.acceptablePairs += qint64(edges.size());
        acceptable.insert(acceptable.end(), edges.begin(), edges.end());

        // 3. Greedy maximum-weight matching on the aged priority, every pair through whyNotPair().
        // Highest priority first; equal priorities in (a, b) order, which `keys` already is.
        // Only the head of that order is sorted at first: most pairs are made there, and the
        // tail is sorted only for the edges whose two users are both still free, which visits
        // them in exactly the order a full sort would.
        std::vector<quint64> rank(edges.size());
        for (size_t e = 0; e < edges.size(); ++e)
            rank[e] = (quint64(~orderedBits(float(edges[e].priority))) << 32) | quint64(e);
        const size_t before = chosen.size();
        auto take = [&](std::vector<quint64>::iterator from, std::vector<quint64>::iterator to) {
            for (auto it = from; it != to; ++it) {
                const Edge &e = edges[size_t(*it & 0xffffffffU)];
                if (matched[size_t(e.a)] || matched[size_t(e.b)])
                    continue;
                if (const auto rule =
                        whyNotPair(*profiles[size_t(e.a)], *profiles[size_t(e.b)], safeguards)) {
                    ++stats.forbiddenPairs;
                    ++stats.forbiddenByRule[*rule];
                    forbidden.insert(edgeKey(e.a, e.b));
                    continue;
                }
                matched[size_t(e.a)] = matched[size_t(e.b)] = 1;
                chosen.push_back(e);
            }
        };
        const auto head = rank.begin() + qsizetype(std::min(rank.size(), size_t(m) * 4));
        std::nth_element(rank.begin(), head, rank.end());
        std::sort(rank.begin(), head);
        take(rank.begin(), head);
        const auto tail = std::remove_if(head, rank.end(), [&](quint64 r) {
            const Edge &e = edges[size_t(r & 0xffffffffU)];
            return matched[size_t(e.a)] || matched[size_t(e.b)];
        });
        std::sort(head, tail);
        take(head, tail);
        if (chosen.size() == before)
            break;
        std::erase_if(active, [&](int i) { return matched[size_t(i)] != 0; });
        neighbours *= 2;
    }

    // 4. Local improvement (2-opt): greedy can take a pair that blocks two better ones. Swap
    // partners between two chosen pairs (a,b),(c,d) -> (a,c),(b,d) whenever both new pairs are
    // acceptable candidates, allowed, and raise the total priority. Any improving swap has one
    // new pair heavier than the lighter old pair, so only those edges are examined.
    stats.swaps = improveBySwaps(chosen, acceptable, count, m_config.swapPasses, [&](int a, int b) {
        if (forbidden.contains(edgeKey(a, b)))
            return false;
        if (const auto rule = whyNotPair(*profiles[size_t(a)], *profiles[size_t(b)], safeguards)) {
            ++stats.forbiddenPairs;
            ++stats.forbiddenByRule[*rule];
            forbidden.insert(edgeKey(a, b));
            return false;
        }
        return true;
    });

    // 5. The chosen pairs, explained.
    result.pairs.reserve(chosen.size());
    double scoreSum = 0;
    for (const Edge &e : chosen) {
        const MatchProfile &pa = *profiles[size_t(e.a)];
        const MatchProfile &pb = *profiles[size_t(e.b)];
        const bool swap = pb.userId < pa.userId;
        const ScoringProfile &sa = compiled[size_t(swap ? e.b : e.a)];
        const ScoringProfile &sb = compiled[size_t(swap ? e.a : e.b)];
        MatchPair pair;
        pair.userA = swap ? pb.userId : pa.userId;
        pair.userB = swap ? pa.userId : pb.userId;
        pair.breakdown = scorePair(sa, sb);
        pair.score = std::round(pair.breakdown.total() * 100.0) / 100.0;
        pair.reasons = matchReasons(sa, sb, pair.breakdown, space);
        pair.priority = e.priority;
        scoreSum += pair.score;
        const qint64 waited =
            qint64(std::max(waitedMinutes[size_t(e.a)], waitedMinutes[size_t(e.b)]) * 60.0);
        stats.longestWaitMatchedSeconds = std::max(stats.longestWaitMatchedSeconds, waited);
        result.pairs.push_back(std::move(pair));
    }
    for (int i = 0; i < n; ++i) {
        if (matched[size_t(i)])
            continue;
        result.unmatched.append(profiles[size_t(i)]->userId);
        stats.longestWaitUnmatchedSeconds =
            std::max(stats.longestWaitUnmatchedSeconds, qint64(waitedMinutes[size_t(i)] * 60.0));
    }
    stats.pairs = int(result.pairs.size());
    stats.unmatched = int(result.unmatched.size());
    stats.meanScore = result.pairs.empty() ? 0 : scoreSum / double(result.pairs.size());
    return result;
}

} // namespace fp
