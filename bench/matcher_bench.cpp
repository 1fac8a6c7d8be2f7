// Matcher benchmark: fills the waiting list with N synthetic but realistic profiles (fixed seed:
// skewed sliders drawn around a few archetypes, several time zones including half-hour ones,
// newcomers, low-trust and reported users, blocks, recent matches, off-limits topics), runs one
// matching pass and prints its time against a reference measured in the same run (a std::sort of
// N doubles), peak memory, pairs made, waits, how many users were left unmatched while an
// allowed, acceptable partner was also left, and, for N <= 400, the ratio of the matcher's total
// score to an exact maximum-weight matching (LEMON).
//
//   matcher_bench [--sizes 400,1000,10000,50000] [--seed S] [--smoke]
//
// --smoke runs tiny sizes and exits non-zero when a quality ratio is below 0.95, a user appears
// in two pairs, or a pair breaks a safeguard.

#include "bench/ExactMatching.h"
#include "server/matching/Matcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QSet>
#include <QTextStream>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

using namespace fp;

namespace {

constexpr int kQualityMaxUsers = 400;
constexpr double kQualityFloor = 0.95;

class Rng
{
public:
    explicit Rng(quint64 seed) : m_state(seed) { }
    quint64 next()
    {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return double(next() >> 11) / double(1ULL << 53); }
    int between(int lo, int hi) { return lo + int(next() % quint64(hi - lo + 1)); }
    bool chance(double p) { return uniform() < p; }
    double normal(double mean, double sd)
    {
        const double u = std::max(uniform(), 1e-12), v = uniform();
        return mean + sd * std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
    }
    int slider(double mean, double sd)
    {
        return std::clamp(int(std::lround(normal(mean, sd))), 0, 100);
    }
    int weighted(const std::vector<double> &weights)
    {
        double total = 0;
        for (double w : weights)
            total += w;
        double x = uniform() * total;
        for (size_t i = 0; i < weights.size(); ++i) {
            if ((x -= weights[i]) < 0)
                return int(i);
        }
        return int(weights.size()) - 1;
    }
    template<typename T> void shuffle(QList<T> &list)
    {
        for (qsizetype i = list.size() - 1; i > 0; --i)
            list.swapItemsAt(i, qsizetype(next() % quint64(i + 1)));
    }
    QString uuid()
    {
        const quint64 hi = next(), lo = next();
        const QString hex = QStringLiteral("%1%2")
                                .arg(hi, 16, 16, QLatin1Char('0'))
                                .arg(lo, 16, 16, QLatin1Char('0'));
        return hex.mid(0, 8) + QLatin1Char('-') + hex.mid(8, 4) + QLatin1Char('-') +
            hex.mid(12, 4) + QLatin1Char('-') + hex.mid(16, 4) + QLatin1Char('-') + hex.mid(20, 12);
    }

private:
    quint64 m_state;
};

struct Catalog
{
    QStringList values;
    QStringList interests;
    QStringList topics;
    TopicInterestMap topicInterests;
};

Catalog loadCatalog()
{
    // Built into fp_server as a Qt resource, so the bench needs no files beside it.
    QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("catalog.json resource missing");
    const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
    Catalog c;
    for (const QJsonValue &v : o.value(QStringLiteral("values")).toArray())
        c.values.append(v.toString());
    for (const QJsonValue &v : o.value(QStringLiteral("interests")).toArray())
        c.interests.append(v.toString());
    for (const QJsonValue &v : o.value(QStringLiteral("topics")).toArray())
        c.topics.append(v.toString());
    c.topicInterests = topicInterestsFromCatalog(o);
    return c;
}

struct Archetype
{
    std::vector<double> valueMeans;
    QStringList favouriteInterests;
    double directness;
    double humor;
    std::vector<double> depthWeights;
};

struct Population
{
    QList<MatchProfile> profiles;
    SafeguardContext context;
    QDateTime now;
    std::vector<int> archetypeOf;
};

// QHash order changes from run to run; the population must not.
QStringList sortedKeys(const QHash<QString, int> &map)
{
    QStringList keys = map.keys();
    keys.sort();
    return keys;
}

Population generate(int n, quint64 seed, const Catalog &catalog)
{
    Rng rng(seed);
    Population pop;
    // A fixed instant in northern summer, so European and US zones are on DST and Sydney is not.
    pop.now = QDateTime(QDate(2026, 7, 15), QTime(18, 30), Qt::UTC);
    pop.context.now = pop.now;
    pop.context.topicInterests = catalog.topicInterests;

    // A few archetypes make the population clustered, as real ones are: most values are rated
    // high by most people (skew), each archetype cares most about a few and little about others.
    const QStringList common = {QStringLiteral("honesty"),     QStringLiteral("kindness"),
                                QStringLiteral("respect"),     QStringLiteral("empathy"),
                                QStringLiteral("reliability"), QStringLiteral("loyalty")};
    std::vector<Archetype> archetypes;
    for (int a = 0; a < 8; ++a) {
        Archetype t;
        for (const QString &v : catalog.values)
            t.valueMeans.push_back(common.contains(v) ? 82 : 55);
        for (int k = 0; k < 3; ++k)
            t.valueMeans[size_t(rng.between(0, int(catalog.values.size()) - 1))] = 92;
        for (int k = 0; k < 2; ++k)
            t.valueMeans[size_t(rng.between(0, int(catalog.values.size()) - 1))] = 20;
        QStringList pool = catalog.interests;
        rng.shuffle(pool);
        t.favouriteInterests = pool.mid(0, 6);
        t.directness = rng.normal(55, 15);
        t.humor = rng.normal(65, 12);
        t.depthWeights = {0.2 + rng.uniform() * 0.3, 0.5, 0.1 + rng.uniform() * 0.4};
        archetypes.push_back(t);
    }
    const std::vector<double> archetypeWeights = {25, 20, 15, 12, 10, 8, 6, 4};
    // Zipf-like popularity of interests in catalog order.
    std::vector<double> interestPopularity;
    for (int i = 0; i < catalog.interests.size(); ++i)
        interestPopularity.push_back(1.0 / (1 + i * 0.35));
    struct Zone
    {
        const char *name;
        double weight;
    };
    const Zone zones[] = {
        {"Europe/London", 22},      {"Europe/Berlin", 18}, {"America/New_York", 20},
        {"America/Los_Angeles", 9}, {"Asia/Kolkata", 10},  {"Australia/Sydney", 5},
        {"America/Sao_Paulo", 8},   {"Asia/Kathmandu", 2}, {"UTC", 6}};
    std::vector<double> zoneWeights;
    for (const Zone &z : zones)
        zoneWeights.push_back(z.weight);
    const QStringList sensitive = {QStringLiteral("politics"),    QStringLiteral("religion"),
                                   QStringLiteral("ex_partners"), QStringLiteral("money"),
                                   QStringLiteral("weight"),      QStringLiteral("health"),
                                   QStringLiteral("appearance"),  QStringLiteral("dating")};
    std::vector<double> topicWeights;
    for (const QString &t : catalog.topics) {
        const qsizetype i = sensitive.indexOf(t);
        topicWeights.push_back(i >= 0 ? 20.0 - 2 * double(i) : 2.0);
    }
    auto window = [](Qt::DayOfWeek day, int startMinutes, int lengthMinutes) {
        const QTime start = QTime(0, 0).addSecs(startMinutes * 60);
        return AvailabilityWindow {day, start, start.addSecs(lengthMinutes * 60)};
    };

    pop.profiles.reserve(n);
    for (int i = 0; i < n; ++i) {
        MatchProfile p;
        p.userId = rng.uuid();
        const int arch = rng.weighted(archetypeWeights);
        pop.archetypeOf.push_back(arch);
        const Archetype &t = archetypes[size_t(arch)];

        QList<int> valueOrder;
        for (int k = 0; k < catalog.values.size(); ++k)
            valueOrder.append(k);
        rng.shuffle(valueOrder);
        const int valueCount = rng.between(6, int(catalog.values.size()));
        for (int k = 0; k < valueCount; ++k) {
            const int v = valueOrder[k];
            p.values.insert(catalog.values[v], rng.slider(t.valueMeans[size_t(v)], 14));
        }
        const int interestCount = std::clamp(int(std::lround(rng.normal(7, 2.5))), 3, 14);
        while (p.interests.size() < interestCount) {
            const bool favourite = rng.chance(0.6);
            const QString key = favourite
                ? t.favouriteInterests[rng.between(0, int(t.favouriteInterests.size()) - 1)]
                : catalog.interests[rng.weighted(interestPopularity)];
            if (!p.interests.contains(key))
                p.interests.insert(key, favourite ? rng.slider(80, 14) : rng.slider(50, 25));
        }

        MatchPreferences &m = p.preferences;
        m.conversationDepth = ConversationDepth(rng.weighted(t.depthWeights));
        m.contactFrequency = ContactFrequency(rng.weighted({25, 50, 25}));
        if (!rng.chance(0.05)) {
            m.directnessScore = rng.slider(t.directness, 18);
            m.humorScore = rng.slider(t.humor, 15);
        }
        m.responsePace = ResponsePace(rng.weighted({40, 60}));
        m.groupComfort = GroupComfort(rng.weighted({30, 40, 30}));
        m.friendshipIntention = FriendshipIntention(rng.weighted({50, 35, 15}));
        m.voiceNoteOk = rng.chance(0.5);
        m.timezone = QString::fromLatin1(zones[rng.weighted(zoneWeights)].name);
        if (rng.chance(0.85)) {
            const int start = 17 * 60 + 30 + 30 * rng.between(0, 4);
            const int length = 120 + 30 * rng.between(0, 4);
            for (Qt::DayOfWeek d :
                 {Qt::Monday, Qt::Tuesday, Qt::Wednesday, Qt::Thursday, Qt::Friday}) {
                if (rng.chance(0.85))
                    m.availabilityWindows.append(window(d, start, length));
            }
        }
        if (rng.chance(0.55)) {
            const int start = 12 * 60 + 30 * rng.between(0, 4);
            m.availabilityWindows.append(window(Qt::Saturday, start, 180 + 30 * rng.between(0, 4)));
            if (rng.chance(0.7))
                m.availabilityWindows.append(window(Qt::Sunday, start, 180));
        }
        if (rng.chance(0.15)) { // night owls: 22:00-01:00 runs past midnight
            m.availabilityWindows.append(window(Qt::Friday, 22 * 60, 180));
            m.availabilityWindows.append(window(Qt::Saturday, 22 * 60, 180));
        }
        if (rng.chance(0.10)) {
            for (Qt::DayOfWeek d : {Qt::Monday, Qt::Wednesday, Qt::Friday})
                m.availabilityWindows.append(window(d, 6 * 60 + 30 + 30 * rng.between(0, 4), 90));
        }

        if (rng.chance(0.25)) { // newcomer: the platform's starting trust
            p.finishedConversations = rng.between(0, 2);
            p.trustScore = rng.slider(50, 3);
        } else {
            p.finishedConversations = rng.between(3, 40);
            p.trustScore = rng.slider(62, 14);
        }
        if (rng.chance(0.04))
            p.trustScore = rng.between(15, 39);
        p.hasOpenReport = rng.chance(0.02);

        if (rng.chance(0.35)) {
            const int count = rng.chance(0.7) ? 1 : 2;
            while (p.offLimitsTopics.size() < count) {
                const QString topic = catalog.topics[rng.weighted(topicWeights)];
                if (!p.offLimitsTopics.contains(topic))
                    p.offLimitsTopics.append(topic);
            }
        }
        if (rng.chance(0.6)) {
            const int count = rng.between(1, 3);
            for (int rank = 1; rank <= count; ++rank) {
                const double kind = rng.uniform();
                NonNegotiable nn;
                nn.rank = rank;
                if (kind < 0.7) {
                    nn.dimension = NonNegotiable::Dimension::Value;
                    nn.key = sortedKeys(p.values).value(rng.between(0, int(p.values.size()) - 1));
                } else if (kind < 0.9) {
                    nn.dimension = NonNegotiable::Dimension::Interest;
                    nn.key =
                        sortedKeys(p.interests).value(rng.between(0, int(p.interests.size()) - 1));
                } else {
                    nn.dimension = NonNegotiable::Dimension::Preference;
                    static const char *const prefs[] = {"conversation_depth", "response_pace",
                                                        "contact_frequency"};
                    nn.key = QString::fromLatin1(prefs[rng.between(0, 2)]);
                }
                const bool repeated = std::any_of(
                    p.nonNegotiables.begin(), p.nonNegotiables.end(), [&](const NonNegotiable &o) {
                        return o.dimension == nn.dimension && o.key == nn.key;
                    });
                if (!repeated)
                    p.nonNegotiables.append(nn);
            }
        }

        // Most joined seconds ago; a few have been waiting for minutes.
        const double waitSeconds = rng.chance(0.05)
            ? rng.between(120, 900)
            : -40.0 * std::log(std::max(rng.uniform(), 1e-9));
        p.enqueuedAt = pop.now.addMSecs(-qint64(waitSeconds * 1000));
        pop.profiles.append(p);
    }

    // Blocks and past matches, half of them inside an archetype (the neighbours the shortlist
    // will actually meet), so the safeguards are exercised on the hot path.
    auto partner = [&](int i) {
        for (int tries = 0; tries < 20; ++tries) {
            const int j = rng.between(0, n - 1);
            if (j != i && (tries > 10 || pop.archetypeOf[size_t(j)] == pop.archetypeOf[size_t(i)]))
                return j;
        }
        return (i + 1) % n;
    };
    for (int k = 0; k < n / 10; ++k) {
        const int i = rng.between(0, n - 1), j = partner(i);
        pop.context.addBlock(pop.profiles[i].userId, pop.profiles[j].userId);
    }
    for (int k = 0; k < n / 4; ++k) {
        const int i = rng.between(0, n - 1), j = partner(i);
        pop.context.addPastMatch(pop.profiles[i].userId, pop.profiles[j].userId,
                                 pop.now.addSecs(-qint64(rng.between(0, 60 * 24 * 3600))));
    }
    return pop;
}

// CPU time of this thread: on a shared machine wall time includes waiting for a core.
double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

qint64 statusKb(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

double sortReferenceMs(int n, quint64 seed)
{
    Rng rng(seed);
    std::vector<double> data(static_cast<size_t>(n));
    for (double &x : data)
        x = rng.uniform();
    std::vector<double> times;
    for (int run = 0; run < 5; ++run) {
        std::vector<double> copy = data;
        QElapsedTimer t;
        t.start();
        std::sort(copy.begin(), copy.end());
        times.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double minutesWaited(const MatchProfile &p, const QDateTime &now)
{
    return std::max<qint64>(0, p.enqueuedAt.msecsTo(now)) / 60000.0;
}

struct Quality
{
    double ratio = -1; // matcher total / exact optimum
    long long optimumCentis = 0;
};

// The exact optimum over every allowed, acceptable pair (the same rules the matcher applies).
Quality exactQuality(const Population &pop, const Matcher &matcher, const MatchPassResult &result)
{
    Quality q;
    if (!bench::exactMatchingAvailable())
        return q;
    ScoringSpace space(pop.now);
    std::vector<ScoringProfile> compiled;
    for (const MatchProfile &p : pop.profiles)
        compiled.push_back(space.compile(p));
    std::vector<bench::WeightedEdge> edges;
    const int n = int(pop.profiles.size());
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            const MatchProfile &a = pop.profiles[i], &b = pop.profiles[j];
            if (whyNotPair(a, b, pop.context))
                continue;
            const double score =
                std::round(scorePair(compiled[size_t(i)], compiled[size_t(j)]).total() * 100.0) /
                100.0;
            if (!matcher.acceptable(score, minutesWaited(a, pop.now), minutesWaited(b, pop.now)))
                continue;
            edges.push_back({i, j, std::llround(score * 100)});
        }
    }
    q.optimumCentis = bench::maxWeightMatching(n, edges);
    double total = 0;
    for (const MatchPair &p : result.pairs)
        total += p.score;
    q.ratio = q.optimumCentis > 0 ? total * 100.0 / double(q.optimumCentis) : 1.0;
    return q;
}

struct Checks
{
    int duplicates = 0;
    int safeguardViolations = 0;
    int unmatchedWithPartner = 0;
    int unmatchedChecked = 0;
};

Checks check(const Population &pop, const Matcher &matcher, const MatchPassResult &result)
{
    Checks c;
    QHash<QString, int> index;
    for (int i = 0; i < pop.profiles.size(); ++i)
        index.insert(pop.profiles[i].userId, i);
    QSet<QString> seen;
    for (const MatchPair &p : result.pairs) {
        for (const QString &id : {p.userA, p.userB}) {
            if (seen.contains(id))
                ++c.duplicates;
            seen.insert(id);
        }
        if (whyNotPair(pop.profiles[index.value(p.userA)], pop.profiles[index.value(p.userB)],
                       pop.context))
            ++c.safeguardViolations;
    }
    // Left unmatched while a partner they were allowed to meet, at a score both accepted, was
    // left too. Exhaustive over the leftovers (capped: they are few when the matcher does its job).
    QStringList left = result.unmatched.mid(0, 4000);
    c.unmatchedChecked = int(left.size());
    ScoringSpace space(pop.now);
    std::vector<ScoringProfile> compiled;
    std::vector<const MatchProfile *> profiles;
    for (const QString &id : left) {
        profiles.push_back(&pop.profiles[index.value(id)]);
        compiled.push_back(space.compile(*profiles.back()));
    }
    std::vector<char> has(profiles.size(), 0);
    for (size_t i = 0; i < profiles.size(); ++i) {
        for (size_t j = i + 1; j < profiles.size(); ++j) {
            if (has[i] && has[j])
                continue;
            if (whyNotPair(*profiles[i], *profiles[j], pop.context))
                continue;
            const double score = scorePair(compiled[i], compiled[j]).total();
            if (matcher.acceptable(score, minutesWaited(*profiles[i], pop.now),
                                   minutesWaited(*profiles[j], pop.now)))
                has[i] = has[j] = 1;
        }
    }
    c.unmatchedWithPartner = int(std::count(has.begin(), has.end(), 1));
    return c;
}

struct SizeReport
{
    int n = 0;
    double passMs = 0;
    double passCpuMs = 0;
    double sortMs = 0;
    bool failed = false;
};

SizeReport runSize(int n, quint64 seed, const Catalog &catalog, bool verbose, QTextStream &out)
{
    SizeReport r;
    r.n = n;
    const Population pop = generate(n, seed + quint64(n), catalog);
    // Peak RSS of the pass itself: reset the high-water mark once the population is loaded
    // (writing 5 to clear_refs resets VmHWM, Linux 4.0+).
    const qint64 rssBefore = statusKb("VmRSS");
    {
        QFile clear(QStringLiteral("/proc/self/clear_refs"));
        if (clear.open(QIODevice::WriteOnly))
            clear.write("5");
    }
    const MatcherConfig cfg;
    const Matcher matcher(cfg);

    // Best of a few runs for the small sizes (the machine is shared), one for the big one.
    const int runs = n <= 10000 ? 3 : 1;
    MatchPassResult result;
    r.passMs = r.passCpuMs = 1e18;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer t;
        const double cpu = threadCpuMs();
        t.start();
        MatchPassResult current = matcher.run(pop.profiles, pop.context, pop.now);
        r.passMs = std::min(r.passMs, double(t.nsecsElapsed()) / 1e6);
        r.passCpuMs = std::min(r.passCpuMs, threadCpuMs() - cpu);
        result = std::move(current);
    }
    const qint64 hwm = statusKb("VmHWM");
    r.sortMs = sortReferenceMs(n, seed);
    const MatchPassStats &s = result.stats;
    const Checks c = check(pop, matcher, result);

    out << QStringLiteral("N=%1  pass %2 ms wall, %3 ms CPU = %4 x std::sort(N doubles) [%5 ms]  "
                          "peak RSS %6 MB (%7 MB with the queue loaded, before the pass)\n")
               .arg(n)
               .arg(r.passMs, 0, 'f', 1)
               .arg(r.passCpuMs, 0, 'f', 1)
               .arg(r.passCpuMs / std::max(r.sortMs, 1e-6), 0, 'f', 0)
               .arg(r.sortMs, 0, 'f', 3)
               .arg(double(hwm) / 1024.0, 0, 'f', 0)
               .arg(double(rssBefore) / 1024.0, 0, 'f', 0);
    out << QStringLiteral("  pairs %1 (%2% of users), mean score %3, rounds %4, candidate pairs %5 "
                          "(%6 per user), forbidden %7, below minimum %8\n")
               .arg(s.pairs)
               .arg(200.0 * s.pairs / std::max(1, n), 0, 'f', 1)
               .arg(s.meanScore, 0, 'f', 1)
               .arg(s.rounds)
               .arg(s.candidatePairs)
               .arg(double(s.candidatePairs) / std::max(1, n), 0, 'f', 1)
               .arg(s.forbiddenPairs)
               .arg(s.belowMinimum);
    if (verbose)
        out << "  forbidden by rule: "
            << QJsonDocument(s.toJson().value(QStringLiteral("forbidden_by_rule")).toObject())
                   .toJson(QJsonDocument::Compact)
            << "\n";
    out << QStringLiteral(
               "  longest wait: matched %1 s, still waiting %2 s; left unmatched while an "
               "acceptable partner was also left: %3 of %4 users (%5%)%6\n")
               .arg(s.longestWaitMatchedSeconds)
               .arg(s.longestWaitUnmatchedSeconds)
               .arg(c.unmatchedWithPartner)
               .arg(n)
               .arg(100.0 * c.unmatchedWithPartner / std::max(1, n), 0, 'f', 2)
               .arg(c.unmatchedChecked < s.unmatched ? QStringLiteral(" (first 4000 checked)")
                                                     : QString());
    if (c.duplicates || c.safeguardViolations) {
        out << QStringLiteral("  FAIL: %1 users in two pairs, %2 pairs breaking a safeguard\n")
                   .arg(c.duplicates)
                   .arg(c.safeguardViolations);
        r.failed = true;
    }
    if (n <= kQualityMaxUsers) {
        if (!bench::exactMatchingAvailable()) {
            out << "  quality: not measured (built without LEMON, install liblemon-dev)\n";
            r.failed = true;
        } else {
            const Quality q = exactQuality(pop, matcher, result);
            MatcherConfig shortlistOnly = cfg;
            shortlistOnly.fullScanMaxUsers = 0;
            const Matcher forced(shortlistOnly);
            const Quality qf =
                exactQuality(pop, forced, forced.run(pop.profiles, pop.context, pop.now));
            out << QStringLiteral("  quality: total score / exact maximum-weight matching = %1 "
                                  "(default config), %2 (shortlist forced, no full scan)\n")
                       .arg(q.ratio, 0, 'f', 4)
                       .arg(qf.ratio, 0, 'f', 4);
            // The gate is on what the matcher does by default; above fullScanMaxUsers (300) that
            // is the shortlist, so N=400 gates the shortlist too. The forced figure at smaller N
            // is information only: production scans those exhaustively.
            if (q.ratio < kQualityFloor) {
                out << QStringLiteral("  FAIL: quality below %1\n").arg(kQualityFloor);
                r.failed = true;
            }
        }
    }
    out.flush();
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QList<int> sizes = {400, 1000, 10000, 50000};
    quint64 seed = 20260715;
    bool smoke = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1StringView("--smoke")) {
            smoke = true;
        } else if (args[i] == QLatin1StringView("--sizes") && i + 1 < args.size()) {
            sizes.clear();
            for (const QString &s : args[++i].split(QLatin1Char(','), Qt::SkipEmptyParts))
                sizes.append(s.toInt());
        } else if (args[i] == QLatin1StringView("--seed") && i + 1 < args.size()) {
            seed = args[++i].toULongLong();
        } else {
            std::fprintf(stderr,
                         "usage: matcher_bench [--sizes 1000,10000,50000] [--seed S] [--smoke]\n");
            return 2;
        }
    }
    if (smoke)
        sizes = {60, 150, 400, 2000};

    QTextStream out(stdout);
    const Catalog catalog = loadCatalog();
    bool failed = false;
    std::vector<SizeReport> reports;
    const int seeds = smoke ? 3 : 1;
    for (int k = 0; k < seeds; ++k) {
        for (int n : sizes) {
            if (n < 2)
                continue;
            reports.push_back(runSize(n, seed + quint64(k) * 7919, catalog, !smoke, out));
            failed = failed || reports.back().failed;
        }
    }
    if (!smoke && reports.size() > 1) {
        // Growth: time per n*log2(n), relative to the smallest size (1.0 = exactly n log n).
        const SizeReport &base = reports.front();
        auto perNLogN = [](const SizeReport &r) {
            return r.passCpuMs / (r.n * std::log2(double(r.n)));
        };
        out << "growth (pass CPU time per n*log2(n), relative to N=" << base.n << "):";
        for (const SizeReport &r : reports)
            out << " N=" << r.n << ": " << QString::number(perNLogN(r) / perNLogN(base), 'f', 2);
        out << "\n";
    }
    out << (failed ? "RESULT: FAIL\n" : "RESULT: OK\n");
    return failed ? 1 : 0;
}
