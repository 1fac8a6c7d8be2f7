// Pair scoring: each dimension's formula on its own (docs/matching.md), the 35/25/20/10/10
// weighting, non-negotiables, availability across time zones (DST, half- and quarter-hour zones,
// midnight and week wrap), and the match reasons (2-4, shared facts only, never a number).

#include "server/matching/MatchProfile.h"
#include "server/matching/Scoring.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace fp;

namespace {

using Scores = QHash<QString, int>;
using Windows = QList<AvailabilityWindow>;

// Wednesday 14 January 2026, noon UTC: northern winter, no DST anywhere in Europe or the US.
const QDateTime kWinter(QDate(2026, 1, 14), QTime(12, 0), Qt::UTC);
// Wednesday 15 July 2026: London on BST (UTC+1).
const QDateTime kSummer(QDate(2026, 7, 15), QTime(12, 0), Qt::UTC);

MatchProfile person(const QString &id)
{
    MatchProfile p;
    p.userId = id;
    return p;
}

AvailabilityWindow window(Qt::DayOfWeek day, const QString &start, const QString &end)
{
    return parseAvailabilityWindows(
               QJsonArray {QJsonObject {
                   {QStringLiteral("day"),
                    QStringList {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}[int(day) - 1]},
                   {QStringLiteral("start"), start},
                   {QStringLiteral("end"), end}}})
        .value(0);
}

NonNegotiable nn(NonNegotiable::Dimension dimension, const QString &key, int rank = 1)
{
    return NonNegotiable {dimension, key, rank};
}

struct Pair
{
    ScoringSpace space;
    ScoringProfile a;
    ScoringProfile b;
    Pair(const MatchProfile &x, const MatchProfile &y, const QDateTime &now = kWinter)
        : space(now), a(space.compile(x)), b(space.compile(y))
    { }
};

bool hasDigit(const QString &text)
{
    return std::any_of(text.begin(), text.end(), [](QChar c) { return c.isDigit(); });
}

} // namespace

class TestMatchScoring : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- values: weighted similarity on shared keys -----------------------------------------

    void values_data()
    {
        QTest::addColumn<Scores>("a");
        QTest::addColumn<Scores>("b");
        QTest::addColumn<QList<NonNegotiable>>("aNonNegotiables");
        QTest::addColumn<QList<NonNegotiable>>("bNonNegotiables");
        QTest::addColumn<int>("expected");
        const auto V = NonNegotiable::Dimension::Value;

        QTest::newRow("identical") << Scores {{"honesty", 90}, {"empathy", 40}}
                                   << Scores {{"honesty", 90}, {"empathy", 40}}
                                   << QList<NonNegotiable> {} << QList<NonNegotiable> {} << 100;
        QTest::newRow("one key, gap 20")
            << Scores {{"honesty", 80}} << Scores {{"honesty", 60}} << QList<NonNegotiable> {}
            << QList<NonNegotiable> {} << 80;
        QTest::newRow("no shared key: no signal")
            << Scores {{"honesty", 80}} << Scores {{"faith", 80}} << QList<NonNegotiable> {}
            << QList<NonNegotiable> {} << 50;
        QTest::newRow("a key only one answered is ignored")
            << Scores {{"honesty", 80}, {"faith", 0}} << Scores {{"honesty", 60}}
            << QList<NonNegotiable> {} << QList<NonNegotiable> {} << 80;
        // honesty: gap 20, weight 100+100; faith: gap 40, weight 100+40 -> (200*80+140*60)/340
        QTest::newRow("salience: keys someone rates high weigh more")
            << Scores {{"honesty", 100}, {"faith", 0}} << Scores {{"honesty", 80}, {"faith", 40}}
            << QList<NonNegotiable> {} << QList<NonNegotiable> {} << 72;
        QTest::newRow("non-negotiable gap counts 1.5x")
            << Scores {{"honesty", 80}} << Scores {{"honesty", 60}}
            << QList<NonNegotiable> {nn(V, "honesty")} << QList<NonNegotiable> {} << 70;
        QTest::newRow("non-negotiable gap capped at 100")
            << Scores {{"honesty", 100}} << Scores {{"honesty", 10}} << QList<NonNegotiable> {}
            << QList<NonNegotiable> {nn(V, "honesty", 3)} << 0;
        // Equal shares without non-negotiables (60); faith as b's rank-1 non-negotiable weighs 4x
        // and its 80-point gap counts as 100: (190*100 + 760*0) / 950.
        QTest::newRow("big gap on a non-negotiable dominates")
            << Scores {{"honesty", 90}, {"faith", 10}} << Scores {{"honesty", 90}, {"faith", 90}}
            << QList<NonNegotiable> {} << QList<NonNegotiable> {nn(V, "faith", 1)} << 20;
        QTest::newRow("same pair without the non-negotiable")
            << Scores {{"honesty", 90}, {"faith", 10}} << Scores {{"honesty", 90}, {"faith", 90}}
            << QList<NonNegotiable> {} << QList<NonNegotiable> {} << 60;
        // Agreement on a shared non-negotiable raises the score: honesty weighs 4x.
        QTest::newRow("small gap on a non-negotiable helps")
            << Scores {{"honesty", 90}, {"faith", 10}} << Scores {{"honesty", 90}, {"faith", 90}}
            << QList<NonNegotiable> {nn(V, "honesty", 1)} << QList<NonNegotiable> {}
            << 84; // (760*100 + 190*20) / 950
    }

    void values()
    {
        QFETCH(Scores, a);
        QFETCH(Scores, b);
        QFETCH(QList<NonNegotiable>, aNonNegotiables);
        QFETCH(QList<NonNegotiable>, bNonNegotiables);
        QFETCH(int, expected);
        MatchProfile x = person("a"), y = person("b");
        x.values = a;
        y.values = b;
        x.nonNegotiables = aNonNegotiables;
        y.nonNegotiables = bNonNegotiables;
        const Pair pair(x, y);
        QCOMPARE(qRound(valuesScore(pair.a, pair.b)), expected);
        QCOMPARE(qRound(valuesScore(pair.b, pair.a)), expected); // symmetric
    }

    // ---- interests: weighted overlap (sum of minimums / sum of maximums) ----------------------

    void interests_data()
    {
        QTest::addColumn<Scores>("a");
        QTest::addColumn<Scores>("b");
        QTest::addColumn<QList<NonNegotiable>>("aNonNegotiables");
        QTest::addColumn<int>("expected");
        const auto I = NonNegotiable::Dimension::Interest;

        QTest::newRow("identical")
            << Scores {{"hiking", 80}, {"books", 30}} << Scores {{"hiking", 80}, {"books", 30}}
            << QList<NonNegotiable> {} << 100;
        QTest::newRow("partial overlap")
            << Scores {{"hiking", 80}, {"books", 40}} << Scores {{"hiking", 40}, {"books", 40}}
            << QList<NonNegotiable> {} << 67; // 80/120
        QTest::newRow("no shared key: no signal")
            << Scores {{"hiking", 80}} << Scores {{"books", 80}} << QList<NonNegotiable> {} << 50;
        QTest::newRow("both zero: no signal")
            << Scores {{"hiking", 0}} << Scores {{"hiking", 0}} << QList<NonNegotiable> {} << 50;
        QTest::newRow("one loves what the other does not")
            << Scores {{"gaming", 100}} << Scores {{"gaming", 0}} << QList<NonNegotiable> {} << 0;
        QTest::newRow("without non-negotiable")
            << Scores {{"hiking", 90}, {"books", 50}} << Scores {{"hiking", 10}, {"books", 50}}
            << QList<NonNegotiable> {} << 43; // 60/140
        QTest::newRow("gap on a non-negotiable weighs more")
            << Scores {{"hiking", 90}, {"books", 50}} << Scores {{"hiking", 10}, {"books", 50}}
            << QList<NonNegotiable> {nn(I, "hiking", 1)} << 22; // (40+50)/(360+50)
    }

    void interests()
    {
        QFETCH(Scores, a);
        QFETCH(Scores, b);
        QFETCH(QList<NonNegotiable>, aNonNegotiables);
        QFETCH(int, expected);
        MatchProfile x = person("a"), y = person("b");
        x.interests = a;
        y.interests = b;
        x.nonNegotiables = aNonNegotiables;
        const Pair pair(x, y);
        QCOMPARE(qRound(interestsScore(pair.a, pair.b)), expected);
        QCOMPARE(qRound(interestsScore(pair.b, pair.a)), expected);
    }

    // ---- communication: directness, humor, response pace, contact frequency -------------------

    void communication_data()
    {
        QTest::addColumn<MatchPreferences>("a");
        QTest::addColumn<MatchPreferences>("b");
        QTest::addColumn<QList<NonNegotiable>>("aNonNegotiables");
        QTest::addColumn<int>("expected");
        const auto P = NonNegotiable::Dimension::Preference;

        MatchPreferences base;
        base.directnessScore = 50;
        base.humorScore = 70;
        base.responsePace = ResponsePace::Quick;
        base.contactFrequency = ContactFrequency::Weekly;
        base.friendshipIntention = FriendshipIntention::LongTerm;

        QTest::newRow("same style") << base << base << QList<NonNegotiable> {} << 100;
        MatchPreferences blunt = base;
        blunt.directnessScore = 90;
        // 0.30*60 + 0.25*100 + 0.20*100 + 0.25*100
        QTest::newRow("directness gap 40") << base << blunt << QList<NonNegotiable> {} << 88;
        QTest::newRow("directness gap 40, a's non-negotiable")
            << base << blunt << QList<NonNegotiable> {nn(P, "directness_score")}
            << 62; // (1.2*40 + 25 + 20 + 25) / 1.9
        MatchPreferences relaxed = base;
        relaxed.responsePace = ResponsePace::Flexible;
        QTest::newRow("pace differs") << base << relaxed << QList<NonNegotiable> {} << 90;
        QTest::newRow("pace differs, a's non-negotiable")
            << base << relaxed << QList<NonNegotiable> {nn(P, "response_pace")} << 75;
        MatchPreferences rare = base;
        rare.contactFrequency = ContactFrequency::Occasional;
        MatchPreferences daily = base;
        daily.contactFrequency = ContactFrequency::Daily;
        QTest::newRow("frequency one step")
            << base << rare << QList<NonNegotiable> {} << 88; // 30+25+20+0.25*50 = 87.5
        QTest::newRow("frequency daily vs occasional")
            << daily << rare << QList<NonNegotiable> {} << 75;
        MatchPreferences buddies = base;
        buddies.friendshipIntention = FriendshipIntention::ActivityBuddies;
        QTest::newRow("intention ignored unless non-negotiable")
            << base << buddies << QList<NonNegotiable> {} << 100;
        QTest::newRow("intention as non-negotiable")
            << base << buddies << QList<NonNegotiable> {nn(P, "friendship_intention")}
            << 82; // (100 + 0.3*20) / 1.3
        MatchPreferences onlyDirect;
        onlyDirect.directnessScore = 20;
        MatchPreferences onlyDirect2;
        onlyDirect2.directnessScore = 50;
        QTest::newRow("only directness answered")
            << onlyDirect << onlyDirect2 << QList<NonNegotiable> {} << 70;
        QTest::newRow("nothing answered: no signal")
            << MatchPreferences {} << MatchPreferences {} << QList<NonNegotiable> {} << 50;
    }

    void communication()
    {
        QFETCH(MatchPreferences, a);
        QFETCH(MatchPreferences, b);
        QFETCH(QList<NonNegotiable>, aNonNegotiables);
        QFETCH(int, expected);
        MatchProfile x = person("a"), y = person("b");
        x.preferences = a;
        y.preferences = b;
        x.nonNegotiables = aNonNegotiables;
        const Pair pair(x, y);
        QCOMPARE(qRound(communicationScore(pair.a, pair.b)), expected);
        QCOMPARE(qRound(communicationScore(pair.b, pair.a)), expected);
    }

    // ---- depth ------------------------------------------------------------------------------

    void depth_data()
    {
        QTest::addColumn<int>("a"); // -1 = unanswered, else ConversationDepth
        QTest::addColumn<int>("b");
        QTest::addColumn<bool>("nonNegotiable");
        QTest::addColumn<int>("expected");
        QTest::newRow("same") << 2 << 2 << false << 100;
        QTest::newRow("one step") << 0 << 1 << false << 50;
        QTest::newRow("opposite ends") << 0 << 2 << false << 0;
        QTest::newRow("one step, non-negotiable") << 1 << 2 << true << 25;
        QTest::newRow("same, non-negotiable") << 1 << 1 << true << 100;
        QTest::newRow("unanswered") << -1 << 2 << false << 50;
    }

    void depth()
    {
        QFETCH(int, a);
        QFETCH(int, b);
        QFETCH(bool, nonNegotiable);
        QFETCH(int, expected);
        MatchProfile x = person("a"), y = person("b");
        if (a >= 0)
            x.preferences.conversationDepth = ConversationDepth(a);
        if (b >= 0)
            y.preferences.conversationDepth = ConversationDepth(b);
        if (nonNegotiable)
            y.nonNegotiables = {nn(NonNegotiable::Dimension::Preference, "conversation_depth", 2)};
        const Pair pair(x, y);
        QCOMPARE(qRound(depthScore(pair.a, pair.b)), expected);
    }

    // ---- availability across time zones -------------------------------------------------------

    void availability_data()
    {
        QTest::addColumn<QString>("zoneA");
        QTest::addColumn<Windows>("a");
        QTest::addColumn<QString>("zoneB");
        QTest::addColumn<Windows>("b");
        QTest::addColumn<QDateTime>("now");
        QTest::addColumn<int>("overlap"); // minutes per week
        QTest::addColumn<int>("expected");

        const Windows monEvening {window(Qt::Monday, "18:00", "20:00")};
        QTest::newRow("same zone, same window")
            << "UTC" << monEvening << "UTC" << monEvening << kWinter << 120 << 100;
        QTest::newRow("London vs UTC in winter (GMT)")
            << "Europe/London" << monEvening << "UTC" << monEvening << kWinter << 120 << 100;
        // London 18-20 BST = 17-19 UTC: one hour in common; share 1/2, enough 1/2.
        QTest::newRow("London vs UTC in summer (BST)")
            << "Europe/London" << monEvening << "UTC" << monEvening << kSummer << 60 << 25;
        // Kolkata Monday 00:00-02:00 (+05:30) = Sunday 18:30-20:30 UTC: wraps the UTC week.
        QTest::newRow("half-hour zone across the week wrap")
            << "Asia/Kolkata" << Windows {window(Qt::Monday, "00:00", "02:00")} << "UTC"
            << Windows {window(Qt::Sunday, "18:00", "20:00")} << kWinter << 90 << 56;
        // Kathmandu +05:45: Sunday 18:15-20:15 UTC.
        QTest::newRow("quarter-hour zone")
            << "Asia/Kathmandu" << Windows {window(Qt::Monday, "00:00", "02:00")} << "UTC"
            << Windows {window(Qt::Sunday, "18:00", "20:00")} << kWinter << 105 << 77;
        QTest::newRow("window past midnight")
            << "UTC" << Windows {window(Qt::Saturday, "23:00", "01:00")} << "UTC"
            << Windows {window(Qt::Sunday, "00:00", "01:00")} << kWinter << 60 << 50;
        QTest::newRow("window past Sunday midnight wraps to Monday")
            << "UTC" << Windows {window(Qt::Sunday, "23:00", "01:00")} << "UTC"
            << Windows {window(Qt::Monday, "00:00", "00:30")} << kWinter << 30 << 25;
        QTest::newRow("24:00 end")
            << "UTC" << Windows {window(Qt::Friday, "22:00", "24:00")} << "UTC"
            << Windows {window(Qt::Friday, "21:00", "23:00")} << kWinter << 60 << 25;
        // 2026-03-29 01:00 London clocks jump to 02:00: 01:30 does not exist and is read with the
        // offset before the jump (01:30 UTC); 03:30 BST is 02:30 UTC, so the window is one hour.
        QTest::newRow("DST gap") << "Europe/London"
                                 << Windows {window(Qt::Sunday, "01:30", "03:30")} << "UTC"
                                 << Windows {window(Qt::Sunday, "01:30", "02:30")}
                                 << QDateTime(QDate(2026, 3, 26), QTime(12, 0), Qt::UTC) << 60
                                 << 50;
        QTest::newRow("New York evening vs Berlin evening: none")
            << "America/New_York" << monEvening << "Europe/Berlin" << monEvening << kWinter << 0
            << 0;
        // New York 18-22 = London 23-03: the same minutes, different parts of each one's day.
        QTest::newRow("across zones")
            << "America/New_York" << Windows {window(Qt::Tuesday, "18:00", "22:00")}
            << "Europe/London" << Windows {window(Qt::Tuesday, "23:00", "03:00")} << kWinter << 240
            << 100;
        QTest::newRow("unknown zone is UTC")
            << "Mars/Olympus" << monEvening << "UTC" << monEvening << kWinter << 120 << 100;
        QTest::newRow("one side gave no windows: no signal")
            << "UTC" << monEvening << "UTC" << Windows {} << kWinter << 0 << 50;
    }

    void availability()
    {
        QFETCH(QString, zoneA);
        QFETCH(Windows, a);
        QFETCH(QString, zoneB);
        QFETCH(Windows, b);
        QFETCH(QDateTime, now);
        QFETCH(int, overlap);
        QFETCH(int, expected);
        MatchProfile x = person("a"), y = person("b");
        x.preferences.timezone = zoneA;
        x.preferences.availabilityWindows = a;
        y.preferences.timezone = zoneB;
        y.preferences.availabilityWindows = b;
        const Pair pair(x, y, now);
        QCOMPARE(availabilityOverlapMinutes(pair.a, pair.b), overlap);
        QCOMPARE(qRound(availabilityScore(pair.a, pair.b)), expected);
        QCOMPARE(qRound(availabilityScore(pair.b, pair.a)), expected);
    }

    // ---- the weighted total -----------------------------------------------------------------

    void weighting_data()
    {
        QTest::addColumn<double>("values");
        QTest::addColumn<double>("communication");
        QTest::addColumn<double>("interests");
        QTest::addColumn<double>("depth");
        QTest::addColumn<double>("availability");
        QTest::addColumn<double>("total");
        QTest::newRow("values 35%") << 100.0 << 0.0 << 0.0 << 0.0 << 0.0 << 35.0;
        QTest::newRow("communication 25%") << 0.0 << 100.0 << 0.0 << 0.0 << 0.0 << 25.0;
        QTest::newRow("interests 20%") << 0.0 << 0.0 << 100.0 << 0.0 << 0.0 << 20.0;
        QTest::newRow("depth 10%") << 0.0 << 0.0 << 0.0 << 100.0 << 0.0 << 10.0;
        QTest::newRow("availability 10%") << 0.0 << 0.0 << 0.0 << 0.0 << 100.0 << 10.0;
        QTest::newRow("all full") << 100.0 << 100.0 << 100.0 << 100.0 << 100.0 << 100.0;
        QTest::newRow("mixed") << 80.0 << 60.0 << 50.0 << 100.0 << 0.0 << 63.0;
    }

    void weighting()
    {
        QFETCH(double, values);
        QFETCH(double, communication);
        QFETCH(double, interests);
        QFETCH(double, depth);
        QFETCH(double, availability);
        QFETCH(double, total);
        const ScoreBreakdown s {values, communication, interests, depth, availability};
        QVERIFY(qAbs(s.total() - total) < 1e-9);
    }

    void breakdownJson()
    {
        const ScoreBreakdown s {80.4, 60.5, 49.6, 100, 0};
        const QJsonObject json = s.toJson();
        QCOMPARE(json.keys(),
                 (QStringList {"availability", "communication", "depth", "interests", "values"}));
        QCOMPARE(json.value("values").toInt(), 80);
        QCOMPARE(json.value("communication").toInt(), 61);
        QCOMPARE(json.value("interests").toInt(), 50);
        QVERIFY(json.value("depth").isDouble());
    }

    void scorePairCombinesDimensions()
    {
        MatchProfile x = person("a"), y = person("b");
        x.values = y.values = {{"honesty", 90}, {"empathy", 80}};
        x.interests = y.interests = {{"hiking", 80}};
        x.preferences.conversationDepth = y.preferences.conversationDepth = ConversationDepth::Deep;
        const ScoreBreakdown s = scoreProfiles(x, y, kWinter);
        QCOMPARE(qRound(s.values), 100);
        QCOMPARE(qRound(s.interests), 100);
        QCOMPARE(qRound(s.depth), 100);
        QCOMPARE(qRound(s.communication), 50); // nothing answered
        QCOMPARE(qRound(s.availability), 50); // no windows
        QCOMPARE(s.total(), 35 + 0.25 * 50 + 20 + 10 + 0.10 * 50); // 82.5
    }

    // ---- reasons ----------------------------------------------------------------------------

    void reasons_data()
    {
        QTest::addColumn<Scores>("aValues");
        QTest::addColumn<Scores>("bValues");
        QTest::addColumn<Scores>("aInterests");
        QTest::addColumn<Scores>("bInterests");
        QTest::addColumn<QStringList>("mustMention");
        QTest::addColumn<QStringList>("mustNotMention");

        QTest::newRow("shared values named")
            << Scores {{"honesty", 95}, {"empathy", 88}, {"faith", 97}}
            << Scores {{"honesty", 91}, {"empathy", 83}, {"faith", 12}} << Scores {} << Scores {}
            << QStringList {"honesty", "empathy"} << QStringList {"faith"};
        QTest::newRow("shared interests named, one-sided ones not")
            << Scores {} << Scores {} << Scores {{"hiking", 87}, {"gaming", 93}, {"books", 71}}
            << Scores {{"hiking", 77}, {"gaming", 3}, {"books", 64}}
            << QStringList {"hiking", "books"} << QStringList {"gaming"};
        QTest::newRow("nothing in common still gives reasons")
            << Scores {{"honesty", 13}} << Scores {{"honesty", 87}} << Scores {{"hiking", 9}}
            << Scores {{"hiking", 91}} << QStringList {} << QStringList {"honesty", "hiking"};
        QTest::newRow("empty profiles")
            << Scores {} << Scores {} << Scores {} << Scores {} << QStringList {} << QStringList {};
    }

    void reasons()
    {
        QFETCH(Scores, aValues);
        QFETCH(Scores, bValues);
        QFETCH(Scores, aInterests);
        QFETCH(Scores, bInterests);
        QFETCH(QStringList, mustMention);
        QFETCH(QStringList, mustNotMention);
        MatchProfile x = person("a"), y = person("b");
        x.values = aValues;
        y.values = bValues;
        x.interests = aInterests;
        y.interests = bInterests;
        x.preferences.directnessScore = 83;
        y.preferences.directnessScore = 17;
        x.preferences.humorScore = 91;
        y.preferences.humorScore = 88;

        const QList<MatchReason> reasons = explainProfiles(x, y, kWinter);
        QVERIFY2(reasons.size() >= 2 && reasons.size() <= 4,
                 qPrintable(QString::number(reasons.size())));
        QString all;
        const QStringList dimensions {"values", "communication", "interests", "depth",
                                      "availability"};
        for (const MatchReason &r : reasons) {
            QVERIFY2(dimensions.contains(r.dimension), qPrintable(r.dimension));
            QVERIFY(!r.text.isEmpty());
            // Never a number: no slider value, no score, no count of minutes.
            QVERIFY2(!hasDigit(r.text), qPrintable(r.text));
            all += r.text + QLatin1Char('\n');
        }
        for (const QString &word : mustMention)
            QVERIFY2(all.contains(word), qPrintable(all));
        for (const QString &word : mustNotMention)
            QVERIFY2(!all.contains(word), qPrintable(all));
        // Directness 83 vs 17 is not shared: not a reason.
        QVERIFY2(!all.contains("say what you think") && !all.contains("tactful"), qPrintable(all));

        // The same pair explained the other way round says the same things.
        const QList<MatchReason> reversed = explainProfiles(y, x, kWinter);
        QCOMPARE(reversed, reasons);
    }

    void availabilityReason_data()
    {
        QTest::addColumn<QString>("zoneA");
        QTest::addColumn<Windows>("a");
        QTest::addColumn<QString>("zoneB");
        QTest::addColumn<Windows>("b");
        QTest::addColumn<QString>("expected"); // empty: no availability reason

        Windows weekdayEvenings;
        for (Qt::DayOfWeek d : {Qt::Monday, Qt::Tuesday, Qt::Wednesday, Qt::Thursday, Qt::Friday})
            weekdayEvenings.append(window(d, "18:00", "22:00"));
        QTest::newRow("weekday evenings")
            << "Europe/London" << weekdayEvenings << "Europe/London" << weekdayEvenings
            << "You are both free on weekday evenings";
        QTest::newRow("weekday evenings, different zones same local time")
            << "Europe/Berlin" << weekdayEvenings << "Europe/Paris" << weekdayEvenings
            << "You are both free on weekday evenings";
        Windows evenings = weekdayEvenings;
        evenings.append(window(Qt::Saturday, "13:00", "17:00"));
        evenings.append(window(Qt::Sunday, "13:00", "17:00"));
        QTest::newRow("two parts of the week")
            << "UTC" << evenings << "UTC" << evenings
            << "You are both free on weekday evenings and weekend "
               "afternoons";
        Windows lateNights;
        for (Qt::DayOfWeek d : {Qt::Monday, Qt::Tuesday, Qt::Wednesday, Qt::Thursday, Qt::Friday})
            lateNights.append(window(d, "23:00", "03:00"));
        QTest::newRow("same minutes, different local times")
            << "America/New_York" << weekdayEvenings << "Europe/London" << lateNights
            << "Your free time lines up across your time zones";
        QTest::newRow("too little overlap")
            << "UTC" << Windows {window(Qt::Monday, "18:00", "18:30")} << "UTC"
            << Windows {window(Qt::Monday, "18:00", "22:00")} << QString();
    }

    void availabilityReason()
    {
        QFETCH(QString, zoneA);
        QFETCH(Windows, a);
        QFETCH(QString, zoneB);
        QFETCH(Windows, b);
        QFETCH(QString, expected);
        MatchProfile x = person("a"), y = person("b");
        x.preferences.timezone = zoneA;
        x.preferences.availabilityWindows = a;
        y.preferences.timezone = zoneB;
        y.preferences.availabilityWindows = b;
        QString found;
        for (const MatchReason &r : explainProfiles(x, y, kWinter)) {
            if (r.dimension == QLatin1String("availability") && r.text.startsWith("You"))
                found = r.text;
        }
        if (expected.isEmpty()) {
            QVERIFY2(!found.contains("free on") && !found.contains("lines up"), qPrintable(found));
        } else {
            QCOMPARE(found, expected);
        }
    }

    void reasonsJson()
    {
        MatchProfile x = person("a"), y = person("b");
        x.values = y.values = {{"open_mindedness", 90}, {"kindness", 90}};
        x.interests = y.interests = {{"coffee_and_tea", 90}};
        const QJsonArray json = matchReasonsToJson(explainProfiles(x, y, kWinter));
        QVERIFY(json.size() >= 2);
        for (const QJsonValue &v : json) {
            QCOMPARE(v.toObject().keys(), (QStringList {"dimension", "text"}));
            QVERIFY(!v.toObject().value("text").toString().contains('_')); // keys read as words
        }
        const QString text = QString::fromUtf8(QJsonDocument(json).toJson());
        QVERIFY2(text.contains("open-mindedness") && text.contains("coffee and tea"),
                 qPrintable(text));
    }

    // ---- profile loading ----------------------------------------------------------------------

    void profileFromJson()
    {
        const QJsonObject json = QJsonDocument::fromJson(R"({
            "user_id": "u1", "values": {"honesty": 90, "empathy": 140},
            "interests": {"books": 20}, "off_limits_topics": ["politics"],
            "non_negotiables": [{"dimension": "value", "key": "honesty", "priority_rank": 1},
                                {"dimension": "bogus", "key": "x", "priority_rank": 2}],
            "preferences": {"conversation_depth": "deep", "contact_frequency": "weekly",
                            "directness_score": 70, "humor_score": null, "response_pace": "quick",
                            "group_comfort": "any", "friendship_intention": "open_ended",
                            "voice_note_ok": true, "timezone": "Asia/Kolkata",
                            "availability_windows": [{"day": "mon", "start": "18:00", "end": "24:00"},
                                                     {"day": "funday", "start": "1", "end": "2"}]},
            "trust_score": 35, "finished_conversations": 2, "has_open_report": true,
            "enqueued_at": "2026-11-25T21:07:01.123Z"})")
                                     .object();
        const MatchProfile p = MatchProfile::fromJson(json);
        QCOMPARE(p.userId, QStringLiteral("u1"));
        QCOMPARE(p.values.value("empathy"), 100); // clamped
        QCOMPARE(p.offLimitsTopics, QStringList {"politics"});
        QCOMPARE(p.nonNegotiables.size(), 1);
        QCOMPARE(p.nonNegotiableRank(NonNegotiable::Dimension::Value, "honesty"), 1);
        QCOMPARE(p.preferences.conversationDepth, std::optional(ConversationDepth::Deep));
        QCOMPARE(p.preferences.humorScore, std::nullopt);
        QCOMPARE(p.preferences.directnessScore, std::optional(70));
        QCOMPARE(p.preferences.availabilityWindows.size(), 1);
        QCOMPARE(p.preferences.availabilityWindows[0].end, QTime(0, 0));
        QCOMPARE(p.preferences.timezone, QStringLiteral("Asia/Kolkata"));
        QCOMPARE(p.trustScore, 35);
        QCOMPARE(p.finishedConversations, 2);
        QVERIFY(p.hasOpenReport);
        QCOMPARE(p.enqueuedAt, QDateTime(QDate(2026, 11, 25), QTime(21, 7, 1, 123), Qt::UTC));
        QCOMPARE(MatchProfile::fromJson(QJsonObject {}).trustScore, 50); // new users start at 50
    }

    void reproducibleAcrossKeyOrder()
    {
        // Interning order must not change a score (QHash order differs between processes).
        MatchProfile x = person("a"), y = person("b");
        x.values = {{"honesty", 91}, {"empathy", 37}, {"faith", 64}, {"humor", 12}};
        y.values = {{"humor", 77}, {"faith", 10}, {"honesty", 55}};
        ScoringSpace one(kWinter), two(kWinter);
        const ScoringProfile a1 = one.compile(x), b1 = one.compile(y);
        const ScoringProfile b2 = two.compile(y), a2 = two.compile(x);
        QCOMPARE(scorePair(a1, b1).total(), scorePair(a2, b2).total());
    }
};

QTEST_GUILESS_MAIN(TestMatchScoring)
#include "tst_matching_scoring.moc"
