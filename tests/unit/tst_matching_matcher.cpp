// Safeguards, one rule at a time (alone, through whyNotPair and through a whole matching pass),
// and the matcher: wait-time aging that relaxes the minimum, preference for long waiters and for
// established partners of newcomers, no user in two pairs, determinism, the output shape.

#include "server/matching/Matcher.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>
#include <algorithm>
#include <cmath>

using namespace fp;

namespace {

const QDateTime kNow(QDate(2026, 1, 14), QTime(20, 0), Qt::UTC);

// A complete, ordinary profile: established, trusted, free on weekday evenings.
MatchProfile member(const QString &id, int waitedSeconds = 0)
{
    MatchProfile p;
    p.userId = id;
    p.values = {{"honesty", 90}, {"empathy", 80}, {"kindness", 85}, {"humor", 60}};
    p.interests = {{"hiking", 80}, {"books", 60}, {"music", 50}};
    p.preferences.conversationDepth = ConversationDepth::Moderate;
    p.preferences.contactFrequency = ContactFrequency::Weekly;
    p.preferences.directnessScore = 60;
    p.preferences.humorScore = 70;
    p.preferences.responsePace = ResponsePace::Flexible;
    for (Qt::DayOfWeek d : {Qt::Monday, Qt::Tuesday, Qt::Wednesday, Qt::Thursday, Qt::Friday})
        p.preferences.availabilityWindows.append({d, QTime(18, 0), QTime(22, 0)});
    p.trustScore = 60;
    p.finishedConversations = 5;
    p.enqueuedAt = kNow.addSecs(-waitedSeconds);
    return p;
}

// Someone who answered everything the opposite way: allowed, but a poor fit for member().
MatchProfile opposite(const QString &id, int waitedSeconds = 0)
{
    MatchProfile p = member(id, waitedSeconds);
    p.values = {{"honesty", 20}, {"empathy", 10}, {"kindness", 25}, {"humor", 0}};
    p.interests = {{"hiking", 0}, {"books", 5}, {"music", 100}};
    p.preferences.conversationDepth = ConversationDepth::Deep;
    p.preferences.contactFrequency = ContactFrequency::Daily;
    p.preferences.directnessScore = 5;
    p.preferences.humorScore = 10;
    p.preferences.responsePace = ResponsePace::Quick;
    p.preferences.availabilityWindows = {{Qt::Saturday, QTime(8, 0), QTime(10, 0)}};
    return p;
}

TopicInterestMap topicTable()
{
    return TopicInterestMap {
        {"weight", {"fitness"}}, {"health", {"fitness"}}, {"appearance", {"fashion"}}};
}

SafeguardContext baseContext()
{
    SafeguardContext c;
    c.now = kNow;
    c.topicInterests = topicTable();
    return c;
}

// Puts two members into the situation a row names. Returns the rule expected to forbid them.
QString applyScenario(const QString &scenario, MatchProfile &a, MatchProfile &b,
                      SafeguardContext &c)
{
    if (scenario == "nothing wrong")
        return {};
    if (scenario == "same user") {
        b.userId = a.userId;
        return "same_user";
    }
    if (scenario == "a blocked b") {
        c.addBlock(a.userId, b.userId);
        return "blocked";
    }
    if (scenario == "b blocked a") {
        c.addBlock(b.userId, a.userId);
        return "blocked";
    }
    if (scenario == "matched 10 days ago") {
        c.addPastMatch(a.userId, b.userId, kNow.addDays(-10));
        return "recently_matched";
    }
    if (scenario == "matched 29 days ago, and 60 days ago") {
        c.addPastMatch(b.userId, a.userId, kNow.addDays(-60));
        c.addPastMatch(a.userId, b.userId, kNow.addDays(-29));
        return "recently_matched";
    }
    if (scenario == "matched 31 days ago") {
        c.addPastMatch(a.userId, b.userId, kNow.addDays(-31));
        return {};
    }
    if (scenario == "matched 10 days ago, window 7 days") {
        c.thresholds.recentMatchDays = 7;
        c.addPastMatch(a.userId, b.userId, kNow.addDays(-10));
        return {};
    }
    if (scenario == "off-limits topic is a strong interest (table)") {
        a.offLimitsTopics = {"weight"};
        b.interests.insert("fitness", 85);
        return "off_limits_topic";
    }
    if (scenario == "off-limits topic, interest at the threshold") {
        a.offLimitsTopics = {"appearance"};
        b.interests.insert("fashion", 70);
        return "off_limits_topic";
    }
    if (scenario == "off-limits topic, interest just below") {
        a.offLimitsTopics = {"weight"};
        b.interests.insert("fitness", 69);
        return {};
    }
    if (scenario == "off-limits topic is also an interest key") {
        a.offLimitsTopics = {"politics"};
        b.interests.insert("politics", 90);
        return "off_limits_topic";
    }
    if (scenario == "off-limits topic with no related interest") {
        a.offLimitsTopics = {"dating"};
        b.interests.insert("fitness", 95);
        return {};
    }
    if (scenario == "newcomer, peer trust 39") {
        a.finishedConversations = 0;
        a.trustScore = 50;
        b.trustScore = 39;
        return "new_user_safety";
    }
    if (scenario == "newcomer, peer trust 40") {
        a.finishedConversations = 2;
        b.trustScore = 40;
        return {};
    }
    if (scenario == "newcomer, peer with an open report") {
        a.finishedConversations = 1;
        b.trustScore = 90;
        b.hasOpenReport = true;
        return "new_user_safety";
    }
    if (scenario == "two newcomers at 50") {
        a.finishedConversations = b.finishedConversations = 0;
        a.trustScore = b.trustScore = 50;
        return {};
    }
    if (scenario == "established user, low-trust peer") {
        a.finishedConversations = 3;
        b.trustScore = 20;
        return {};
    }
    qFatal("unknown scenario %s", qPrintable(scenario));
    return {};
}

const QStringList kScenarios = {"nothing wrong",
                                "same user",
                                "a blocked b",
                                "b blocked a",
                                "matched 10 days ago",
                                "matched 29 days ago, and 60 days ago",
                                "matched 31 days ago",
                                "matched 10 days ago, window 7 days",
                                "off-limits topic is a strong interest (table)",
                                "off-limits topic, interest at the threshold",
                                "off-limits topic, interest just below",
                                "off-limits topic is also an interest key",
                                "off-limits topic with no related interest",
                                "newcomer, peer trust 39",
                                "newcomer, peer trust 40",
                                "newcomer, peer with an open report",
                                "two newcomers at 50",
                                "established user, low-trust peer"};

// A deterministic, varied waiting list (simple LCG; the bench has the realistic one).
QList<MatchProfile> population(int n, quint32 seed)
{
    const QStringList values {"honesty", "empathy", "loyalty", "curiosity",
                              "humor",   "faith",   "family",  "adventure"};
    const QStringList interests {"books",  "travel", "music",   "hiking",  "cooking",
                                 "gaming", "film",   "fitness", "fashion", "tech"};
    const QStringList zones {"Europe/London", "America/New_York", "Asia/Kolkata", "UTC"};
    quint32 state = seed;
    auto next = [&state](int bound) {
        state = state * 1664525U + 1013904223U;
        return int((state >> 8) % quint32(bound));
    };
    QList<MatchProfile> out;
    for (int i = 0; i < n; ++i) {
        MatchProfile p;
        p.userId = QStringLiteral("user-%1").arg(i, 5, 10, QLatin1Char('0'));
        for (const QString &v : values)
            p.values.insert(v, next(101));
        for (int k = 0; k < 4; ++k)
            p.interests.insert(interests[next(int(interests.size()))], next(101));
        p.preferences.conversationDepth = ConversationDepth(next(3));
        p.preferences.contactFrequency = ContactFrequency(next(3));
        p.preferences.directnessScore = next(101);
        p.preferences.humorScore = next(101);
        p.preferences.responsePace = ResponsePace(next(2));
        p.preferences.timezone = zones[next(int(zones.size()))];
        p.preferences.availabilityWindows = {
            {Qt::DayOfWeek(1 + next(7)), QTime(17 + next(4), 0), QTime(22, 0)}};
        if (next(10) == 0)
            p.offLimitsTopics = {"weight"};
        p.finishedConversations = next(8);
        p.trustScore = 30 + next(60);
        p.hasOpenReport = next(50) == 0;
        p.enqueuedAt = kNow.addSecs(-next(900));
        out.append(p);
    }
    return out;
}

SafeguardContext populationContext(const QList<MatchProfile> &people)
{
    SafeguardContext c = baseContext();
    for (int i = 0; i + 7 < people.size(); i += 7) {
        c.addBlock(people[i].userId, people[i + 3].userId);
        c.addPastMatch(people[i + 1].userId, people[i + 5].userId, kNow.addDays(-3));
    }
    return c;
}

} // namespace

class TestMatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- safeguards: each rule through whyNotPair, both argument orders -------------------------

    void whyNotPair_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const QString &s : kScenarios)
            QTest::newRow(qPrintable(s)) << s;
    }

    void whyNotPair()
    {
        QFETCH(QString, scenario);
        MatchProfile a = member("a"), b = member("b");
        SafeguardContext c = baseContext();
        const QString expected = applyScenario(scenario, a, b, c);
        QCOMPARE(fp::whyNotPair(a, b, c).value_or(QString()), expected);
        QCOMPARE(fp::whyNotPair(b, a, c).value_or(QString()), expected);
    }

    // ---- each rule alone ------------------------------------------------------------------------

    void eachRuleAlone_data()
    {
        QTest::addColumn<QString>("scenario");
        QTest::addColumn<QString>("rule");
        QTest::newRow("blocked, one way") << "a blocked b"
                                          << "blocked";
        QTest::newRow("blocked, other way") << "b blocked a"
                                            << "blocked";
        QTest::newRow("recent") << "matched 10 days ago"
                                << "recently_matched";
        QTest::newRow("not recent") << "matched 31 days ago"
                                    << "recently_matched";
        QTest::newRow("off-limits") << "off-limits topic is a strong interest (table)"
                                    << "off_limits_topic";
        QTest::newRow("off-limits below") << "off-limits topic, interest just below"
                                          << "off_limits_topic";
        QTest::newRow("newcomer, low trust") << "newcomer, peer trust 39"
                                             << "new_user_safety";
        QTest::newRow("newcomer, report") << "newcomer, peer with an open report"
                                          << "new_user_safety";
        QTest::newRow("newcomers meet") << "two newcomers at 50"
                                        << "new_user_safety";
        QTest::newRow("same user") << "same user"
                                   << "same_user";
    }

    void eachRuleAlone()
    {
        QFETCH(QString, scenario);
        QFETCH(QString, rule);
        MatchProfile a = member("a"), b = member("b");
        SafeguardContext c = baseContext();
        const bool forbidden = !applyScenario(scenario, a, b, c).isEmpty();
        const auto rules = safeguardRules();
        const auto it = std::find_if(rules.begin(), rules.end(), [&](const SafeguardRule &r) {
            return rule == QLatin1String(r.name);
        });
        QVERIFY(it != rules.end());
        QCOMPARE(it->forbids(a, b, c), forbidden);
        QCOMPARE(it->forbids(b, a, c), forbidden);
        // Every other rule lets this pair through: each scenario trips exactly one rule.
        for (const SafeguardRule &other : rules) {
            if (&other != &*it)
                QVERIFY2(!other.forbids(a, b, c), other.name);
        }
    }

    void ruleNames()
    {
        QStringList names;
        for (const SafeguardRule &r : safeguardRules())
            names.append(QString::fromLatin1(r.name));
        QCOMPARE(names,
                 (QStringList {"same_user", "new_user_safety", "off_limits_topic", "blocked",
                               "recently_matched"}));
    }

    void topicTableFromCatalog()
    {
        const QJsonObject catalog {
            {"topic_interests",
             QJsonObject {{"weight", QJsonArray {"fitness"}}, {"politics", QJsonArray {}}}}};
        const TopicInterestMap map = topicInterestsFromCatalog(catalog);
        QCOMPARE(interestsForTopic(map, "weight"), (QStringList {"weight", "fitness"}));
        QCOMPARE(interestsForTopic(map, "politics"), QStringList {"politics"});
        QCOMPARE(interestsForTopic(map, "unknown"), QStringList {"unknown"});
    }

    void shippedTopicTable()
    {
        // The table in catalog.json only names catalog topics and catalog interests, and lists
        // every topic (an empty list is a decision, a missing one an oversight).
        QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject catalog = QJsonDocument::fromJson(file.readAll()).object();
        QSet<QString> topics, interests;
        for (const QJsonValue &v : catalog.value("topics").toArray())
            topics.insert(v.toString());
        for (const QJsonValue &v : catalog.value("interests").toArray())
            interests.insert(v.toString());
        const TopicInterestMap map = topicInterestsFromCatalog(catalog);
        QCOMPARE(QSet<QString>(map.keyBegin(), map.keyEnd()), topics);
        for (auto it = map.begin(); it != map.end(); ++it) {
            for (const QString &interest : it.value())
                QVERIFY2(interests.contains(interest), qPrintable(it.key() + " -> " + interest));
        }
        QCOMPARE(map.value("weight"), QStringList {"fitness"});
    }

    // ---- the matcher applies every rule ---------------------------------------------------------

    void matcherAppliesRule_data() { whyNotPair_data(); }

    void matcherAppliesRule()
    {
        QFETCH(QString, scenario);
        MatchProfile a = member("a"), b = member("b");
        SafeguardContext c = baseContext();
        const QString rule = applyScenario(scenario, a, b, c);
        const MatchPassResult result = Matcher().run({a, b}, c, kNow);
        if (scenario == "same user") { // one user queued twice: never paired with themself
            QCOMPARE(result.stats.duplicateProfiles, 1);
            QVERIFY(result.pairs.empty());
            return;
        }
        if (rule.isEmpty()) {
            QCOMPARE(int(result.pairs.size()), 1);
        } else {
            QVERIFY(result.pairs.empty());
            QCOMPARE(result.stats.forbiddenByRule.value(rule), 1);
            QCOMPARE(result.unmatched.size(), 2);
        }
    }

    void forbiddenBestPartnerIsSkipped()
    {
        // a and b are ideal for each other but b blocked a; c is a weaker fit for both.
        MatchProfile a = member("a"), b = member("b"), c = member("c"), d = opposite("d");
        c.values["honesty"] = 60;
        SafeguardContext context = baseContext();
        context.addBlock("b", "a");
        const MatchPassResult result = Matcher().run({a, b, c, d}, context, kNow);
        for (const MatchPair &p : result.pairs)
            QVERIFY(!(p.userA == "a" && p.userB == "b"));
        QVERIFY(!result.pairs.empty());
    }

    // ---- aging
    // -----------------------------------------------------------------------------------

    void minimumAndBonus_data()
    {
        QTest::addColumn<double>("minutes");
        QTest::addColumn<double>("minimum");
        QTest::addColumn<double>("bonus");
        QTest::newRow("just joined") << 0.0 << 55.0 << 0.0;
        QTest::newRow("2 minutes") << 2.0 << 44.0 << 2.0;
        QTest::newRow("5 minutes") << 5.0 << 27.5 << 5.0;
        QTest::newRow("10 minutes") << 10.0 << 0.0 << 10.0;
        QTest::newRow("an hour") << 60.0 << 0.0 << 15.0;
    }

    void minimumAndBonus()
    {
        QFETCH(double, minutes);
        QFETCH(double, minimum);
        QFETCH(double, bonus);
        const Matcher matcher;
        QCOMPARE(matcher.minimumScore(minutes), minimum);
        QCOMPARE(matcher.agingBonus(minutes), bonus);
    }

    void agingRelaxesMinimum_data()
    {
        QTest::addColumn<int>("waitA"); // seconds
        QTest::addColumn<int>("waitB");
        QTest::newRow("both just joined") << 0 << 0;
        QTest::newRow("both 3 minutes") << 180 << 180;
        QTest::newRow("both 6 minutes") << 360 << 360;
        QTest::newRow("both 10 minutes") << 600 << 600;
        QTest::newRow("one waited 12 minutes, other just joined") << 720 << 0;
        QTest::newRow("one waited an hour") << 3600 << 5;
    }

    void agingRelaxesMinimum()
    {
        QFETCH(int, waitA);
        QFETCH(int, waitB);
        const MatchProfile a = member("a", waitA), b = opposite("b", waitB);
        const double score = scoreProfiles(a, b, kNow).total();
        QVERIFY2(score < 40, qPrintable(QString::number(score))); // a poor fit, but allowed
        const Matcher matcher;
        const bool acceptable = score >=
            std::min(matcher.minimumScore(waitA / 60.0), matcher.minimumScore(waitB / 60.0));
        QCOMPARE(matcher.acceptable(score, waitA / 60.0, waitB / 60.0), acceptable);
        const MatchPassResult result = matcher.run({a, b}, baseContext(), kNow);
        QCOMPARE(result.pairs.size(), size_t(acceptable ? 1 : 0));
        // Whoever waits long enough is matched: from 10 minutes on, the minimum is 0.
        if (std::max(waitA, waitB) >= 600)
            QCOMPARE(result.pairs.size(), size_t(1));
        if (waitA == 0 && waitB == 0)
            QCOMPARE(result.stats.belowMinimum, 1);
    }

    void eventuallyMatchedAcrossPasses()
    {
        // The same two users through successive passes, one a minute: matched once the minimum
        // has decayed to their score.
        const Matcher matcher;
        const MatchProfile a = member("a"), b = opposite("b");
        int matchedAtMinute = -1;
        for (int minute = 0; minute <= 15 && matchedAtMinute < 0; ++minute) {
            if (!matcher.run({a, b}, baseContext(), kNow.addSecs(60 * minute)).pairs.empty())
                matchedAtMinute = minute;
        }
        QVERIFY(matchedAtMinute > 0);
        QVERIFY(matchedAtMinute <= 10);
    }

    void favoursLongestWaiting_data()
    {
        QTest::addColumn<int>("scoreHandicap"); // how much worse the long waiter fits
        QTest::newRow("equal fit") << 0;
        QTest::newRow("slightly worse fit") << 10;
    }

    void favoursLongestWaiting()
    {
        QFETCH(int, scoreHandicap);
        // Three users, one pair to make: the one who waited 8 minutes gets it.
        MatchProfile waiter = member("c", 8 * 60);
        waiter.values["honesty"] -= scoreHandicap;
        waiter.values["kindness"] -= scoreHandicap;
        const MatchPassResult result =
            Matcher().run({member("a", 5), member("b", 5), waiter}, baseContext(), kNow);
        QCOMPARE(int(result.pairs.size()), 1);
        QVERIFY(result.pairs[0].userA == "c" || result.pairs[0].userB == "c");
        QVERIFY(!result.unmatched.contains("c"));
    }

    void newcomerPairedWithEstablished()
    {
        MatchProfile newcomer = member("n"), trusted = member("t"), other = member("o");
        newcomer.finishedConversations = 0;
        newcomer.trustScore = 50;
        trusted.trustScore = 80;
        other.trustScore = 45; // allowed for a newcomer (>= 40) but not "established and trusted"
        for (const QList<MatchProfile> &queue : {QList<MatchProfile> {newcomer, trusted, other},
                                                 QList<MatchProfile> {other, newcomer, trusted}}) {
            const MatchPassResult result = Matcher().run(queue, baseContext(), kNow);
            QCOMPARE(int(result.pairs.size()), 1);
            QCOMPARE(result.pairs[0].userA, QStringLiteral("n"));
            QCOMPARE(result.pairs[0].userB, QStringLiteral("t"));
        }
    }

    // ---- whole passes
    // ----------------------------------------------------------------------------

    void noUserTwice_data()
    {
        QTest::addColumn<int>("size");
        QTest::newRow("small, exhaustive") << 60;
        QTest::newRow("at the full-scan limit") << 300;
        QTest::newRow("shortlist") << 1500;
    }

    void noUserTwice()
    {
        QFETCH(int, size);
        const QList<MatchProfile> people = population(size, 7);
        const SafeguardContext context = populationContext(people);
        const MatchPassResult result = Matcher().run(people, context, kNow);
        QHash<QString, const MatchProfile *> byId;
        for (const MatchProfile &p : people)
            byId.insert(p.userId, &p);
        QSet<QString> seen;
        for (const MatchPair &p : result.pairs) {
            QVERIFY2(!seen.contains(p.userA) && !seen.contains(p.userB),
                     qPrintable(p.userA + " " + p.userB));
            seen.insert(p.userA);
            seen.insert(p.userB);
            QVERIFY(p.userA < p.userB);
            QVERIFY(!fp::whyNotPair(*byId.value(p.userA), *byId.value(p.userB), context));
        }
        for (const QString &id : result.unmatched)
            QVERIFY(!seen.contains(id));
        QCOMPARE(int(seen.size() + result.unmatched.size()), size);
        QCOMPARE(result.stats.pairs, int(result.pairs.size()));
        QCOMPARE(result.stats.waiting, size);
        QVERIFY(result.pairs.size() > size_t(size) / 3); // it does pair people
        if (size > Matcher().config().fullScanMaxUsers) // the shortlist is far from n^2
            QVERIFY(result.stats.candidatePairs < qint64(size) * size / 10);
    }

    void deterministic_data()
    {
        QTest::addColumn<int>("size");
        QTest::newRow("exhaustive") << 120;
        QTest::newRow("shortlist") << 1200;
    }

    void deterministic()
    {
        QFETCH(int, size);
        const QList<MatchProfile> people = population(size, 11);
        const SafeguardContext context = populationContext(people);
        QList<MatchProfile> shuffled = people;
        std::reverse(shuffled.begin(), shuffled.end());
        std::rotate(shuffled.begin(), shuffled.begin() + size / 3, shuffled.end());
        const MatchPassResult one = Matcher().run(people, context, kNow);
        const MatchPassResult two = Matcher().run(people, context, kNow);
        const MatchPassResult three = Matcher().run(shuffled, context, kNow);
        for (const MatchPassResult *other : {&two, &three}) {
            QCOMPARE(other->pairs.size(), one.pairs.size());
            for (size_t i = 0; i < one.pairs.size(); ++i) {
                QCOMPARE(other->pairs[i].userA, one.pairs[i].userA);
                QCOMPARE(other->pairs[i].userB, one.pairs[i].userB);
                QCOMPARE(other->pairs[i].score, one.pairs[i].score);
                QCOMPARE(other->pairs[i].reasons, one.pairs[i].reasons);
            }
            QCOMPARE(other->unmatched, one.unmatched);
            QCOMPARE(other->stats.toJson(), one.stats.toJson());
        }
    }

    void pairOutput()
    {
        const MatchPassResult result =
            Matcher().run({member("zed"), member("amy")}, baseContext(), kNow);
        QCOMPARE(int(result.pairs.size()), 1);
        const MatchPair &p = result.pairs[0];
        QCOMPARE(p.userA, QStringLiteral("amy")); // user_a_id < user_b_id
        QCOMPARE(p.userB, QStringLiteral("zed"));
        QCOMPARE(p.score, std::round(p.breakdown.total() * 100) / 100);
        QVERIFY(p.score > 90 && p.score <= 100);
        QCOMPARE(p.breakdown.toJson().value("values").toInt(), 100);
        QVERIFY(p.reasons.size() >= 2 && p.reasons.size() <= 4);
        const QJsonArray reasons = matchReasonsToJson(p.reasons);
        QCOMPARE(reasons.size(), p.reasons.size());
        const QJsonObject stats = result.stats.toJson();
        QCOMPARE(stats.value("pairs").toInt(), 1);
        QCOMPARE(stats.value("waiting").toInt(), 2);
        QVERIFY(stats.contains("forbidden_by_rule"));
    }

    void emptyAndSingle()
    {
        QVERIFY(Matcher().run({}, baseContext(), kNow).pairs.empty());
        const MatchPassResult one = Matcher().run({member("a", 700)}, baseContext(), kNow);
        QVERIFY(one.pairs.empty());
        QCOMPARE(one.unmatched, QStringList {"a"});
        QCOMPARE(one.stats.longestWaitUnmatchedSeconds, qint64(700));
    }
};

QTEST_GUILESS_MAIN(TestMatcher)
#include "tst_matching_matcher.moc"
