// The trust rules (server/trust/TrustEngine, docs/trust.md): exact values for every input,
// the anti-manipulation rules, and replay of a long random ledger.

#include "server/trust/TrustEngine.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QtTest>

using namespace fp;

Q_DECLARE_METATYPE(fp::TrustComponents)

namespace fp {
// QCOMPARE prints these on failure (found by argument-dependent lookup).
char *toString(const TrustComponents &c)
{
    return qstrdup(QStringLiteral("{reliability %1, respect %2, engagement %3, safety %4}")
                       .arg(c.reliability)
                       .arg(c.respect)
                       .arg(c.engagement)
                       .arg(c.safety)
                       .toUtf8()
                       .constData());
}
char *toString(const TrustState &s)
{
    QScopedArrayPointer<char> components(toString(s.components));
    return qstrdup(QStringLiteral("{score %1, %2, cooldown %3, updated %4}")
                       .arg(s.score())
                       .arg(QString::fromUtf8(components.data()))
                       .arg(s.cooldownApplied)
                       .arg(s.updatedAt.toString(Qt::ISODateWithMs))
                       .toUtf8()
                       .constData());
}
} // namespace fp

namespace {

const QDateTime kNoon(QDate(2026, 3, 10), QTime(12, 0), Qt::UTC);

TrustComponents components(int reliability, int respect, int engagement, int safety)
{
    return {reliability, respect, engagement, safety};
}

TrustState stateWith(const TrustComponents &c)
{
    TrustState state;
    state.components = c;
    return state;
}

TrustSignal::Outcome outcome(const QString &name)
{
    return TrustSignal::outcomeFromName(name).value();
}

TrustSignal reflection(int trust, int vibe, const QString &outcomeName, const QStringList &tags,
                       const QDateTime &at = kNoon)
{
    return TrustSignal::reflection(QStringLiteral("reflector-1"), trust, vibe, outcome(outcomeName),
                                   tags, at);
}

// A strong positive and a strong negative reflection used by the cap tests.
const QStringList kPraise {QStringLiteral("kind"), QStringLiteral("funny"),
                           QStringLiteral("good_listener")};
const QStringList kComplaints {QStringLiteral("rude"), QStringLiteral("crossed_boundaries"),
                               QStringLiteral("inappropriate")};

} // namespace

class TstTrustEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initialState();
    void outcomeAndVibe_data();
    void outcomeAndVibe();
    void feedbackTag_data();
    void feedbackTag();
    void reflectorWeight_data();
    void reflectorWeight();
    void sameReflectorOncePer30Days_data();
    void sameReflectorOncePer30Days();
    void dailyCap_data();
    void dailyCap();
    void cooldownFlagLastsOneUtcDay();
    void clamping_data();
    void clamping();
    void reportSeverity_data();
    void reportSeverity();
    void reportsIgnoreCapAndThirtyDayRule();
    void cooldownPenalty();
    void manualReview();
    void invalidSignalsChangeNothing_data();
    void invalidSignalsChangeNothing();
    void metadataExplainsTheDelta();
    void componentsJson();
    void names();
    void catalogAgreesWithTagTable();
    void replayFindsTampering();
    void replayEqualsStoredStateAfterLongRandomSequence();
};

void TstTrustEngine::initialState()
{
    const TrustState state = TrustState::initial();
    QCOMPARE(state.score(), 50);
    QCOMPARE(state.components, components(5000, 5000, 5000, 5000));
    QVERIFY(!state.cooldownApplied);
    QVERIFY(!state.updatedAt.isValid());
}

void TstTrustEngine::outcomeAndVibe_data()
{
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<int>("vibe");
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<int>("delta");

    // Hundredths of a point: outcome + (vibe - 3) * {respect 50, engagement 150}.
    QTest::newRow("again 1") << "again" << 1 << components(100, -50, -150, 50) << 0;
    QTest::newRow("again 2") << "again" << 2 << components(100, 0, 0, 50) << 0;
    QTest::newRow("again 3") << "again" << 3 << components(100, 50, 150, 50) << 1;
    QTest::newRow("again 4") << "again" << 4 << components(100, 100, 300, 50) << 1;
    QTest::newRow("again 5") << "again" << 5 << components(100, 150, 450, 50) << 2;
    QTest::newRow("maybe 1") << "maybe" << 1 << components(0, -100, -300, 0) << -1;
    QTest::newRow("maybe 2") << "maybe" << 2 << components(0, -50, -150, 0) << 0;
    QTest::newRow("maybe 3") << "maybe" << 3 << components(0, 0, 0, 0) << 0;
    QTest::newRow("maybe 4") << "maybe" << 4 << components(0, 50, 150, 0) << 1;
    QTest::newRow("maybe 5") << "maybe" << 5 << components(0, 100, 300, 0) << 1;
    QTest::newRow("pass 1") << "pass" << 1 << components(0, -100, -400, 0) << -1;
    QTest::newRow("pass 2") << "pass" << 2 << components(0, -50, -250, 0) << -1;
    QTest::newRow("pass 3") << "pass" << 3 << components(0, 0, -100, 0) << 0;
    QTest::newRow("pass 4") << "pass" << 4 << components(0, 50, 50, 0) << 0;
    QTest::newRow("pass 5") << "pass" << 5 << components(0, 100, 200, 0) << 1;
}

void TstTrustEngine::outcomeAndVibe()
{
    QFETCH(QString, outcome);
    QFETCH(int, vibe);
    QFETCH(TrustComponents, deltas);
    QFETCH(int, delta);

    const TrustState current = TrustState::initial();
    const TrustDecision d = TrustEngine::apply(current, reflection(70, vibe, outcome, {}), {});
    QVERIFY(!d.ignored);
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.delta, delta);
    QCOMPARE(d.next.score(), 50 + delta);
    QCOMPARE(d.next.components,
             components(5000 + deltas.reliability, 5000 + deltas.respect, 5000 + deltas.engagement,
                        5000 + deltas.safety));
    QCOMPARE(d.next.updatedAt, kNoon);
    QVERIFY(!d.cooldownApplied);
}

void TstTrustEngine::feedbackTag_data()
{
    QTest::addColumn<QStringList>("tags");
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<int>("delta");

    // With "maybe" and vibe 3 only the tags move anything.
    QTest::newRow("kind") << QStringList {"kind"} << components(0, 200, 0, 0) << 1;
    QTest::newRow("respectful") << QStringList {"respectful"} << components(0, 200, 0, 0) << 1;
    QTest::newRow("good_listener")
        << QStringList {"good_listener"} << components(0, 200, 0, 0) << 1;
    QTest::newRow("thoughtful") << QStringList {"thoughtful"} << components(0, 200, 0, 0) << 1;
    QTest::newRow("funny") << QStringList {"funny"} << components(0, 0, 200, 0) << 1;
    QTest::newRow("engaging") << QStringList {"engaging"} << components(0, 0, 200, 0) << 1;
    QTest::newRow("great_questions")
        << QStringList {"great_questions"} << components(0, 0, 200, 0) << 1;
    QTest::newRow("open") << QStringList {"open"} << components(0, 0, 200, 0) << 1;
    QTest::newRow("rude") << QStringList {"rude"} << components(0, -400, 0, 0) << -1;
    QTest::newRow("pushy") << QStringList {"pushy"} << components(0, -400, 0, 0) << -1;
    QTest::newRow("unresponsive") << QStringList {"unresponsive"} << components(-400, 0, 0, 0)
                                  << -1;
    QTest::newRow("late_replies") << QStringList {"late_replies"} << components(-200, 0, 0, 0) << 0;
    QTest::newRow("inappropriate")
        << QStringList {"inappropriate"} << components(0, 0, 0, -600) << -1;
    QTest::newRow("crossed_boundaries")
        << QStringList {"crossed_boundaries"} << components(0, -400, 0, -400) << -2;
    QTest::newRow("a tag counts once")
        << QStringList {"kind", "kind", "kind"} << components(0, 200, 0, 0) << 1;
    QTest::newRow("unknown tags count nothing")
        << QStringList {"bogus", "KIND"} << components(0, 0, 0, 0) << 0;
    QTest::newRow("tags add up") << QStringList {"kind", "funny", "rude", "late_replies"}
                                 << components(-200, -200, 200, 0) << 0;
}

void TstTrustEngine::feedbackTag()
{
    QFETCH(QStringList, tags);
    QFETCH(TrustComponents, deltas);
    QFETCH(int, delta);

    const TrustDecision d =
        TrustEngine::apply(TrustState::initial(), reflection(70, 3, "maybe", tags), {});
    QVERIFY(!d.ignored);
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.delta, delta);
}

void TstTrustEngine::reflectorWeight_data()
{
    QTest::addColumn<int>("reflectorTrust");
    QTest::addColumn<int>("weightPermille");
    QTest::addColumn<bool>("positive");
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<int>("delta");

    // Positive: again, vibe 5, kind + funny = {100, 350, 650, 50} at full weight.
    QTest::newRow("+ trust 0") << 0 << 200 << true << components(20, 70, 130, 10) << 1;
    QTest::newRow("+ trust 30") << 30 << 200 << true << components(20, 70, 130, 10) << 1;
    QTest::newRow("+ trust 31") << 31 << 220 << true << components(22, 77, 143, 11) << 1;
    QTest::newRow("+ trust 45") << 45 << 500 << true << components(50, 175, 325, 25) << 1;
    QTest::newRow("+ trust 50 (new user)")
        << 50 << 600 << true << components(60, 210, 390, 30) << 2;
    QTest::newRow("+ trust 69") << 69 << 980 << true << components(98, 343, 637, 49) << 3;
    QTest::newRow("+ trust 70") << 70 << 1000 << true << components(100, 350, 650, 50) << 3;
    QTest::newRow("+ trust 100") << 100 << 1000 << true << components(100, 350, 650, 50) << 3;
    // Negative: pass, vibe 1, rude + inappropriate = {0, -500, -400, -600} at full weight.
    QTest::newRow("- trust 0") << 0 << 200 << false << components(0, -100, -80, -120) << -1;
    QTest::newRow("- trust 45") << 45 << 500 << false << components(0, -250, -200, -300) << -2;
    QTest::newRow("- trust 50") << 50 << 600 << false << components(0, -300, -240, -360) << -2;
    QTest::newRow("- trust 100") << 100 << 1000 << false << components(0, -500, -400, -600) << -4;
}

void TstTrustEngine::reflectorWeight()
{
    QFETCH(int, reflectorTrust);
    QFETCH(int, weightPermille);
    QFETCH(bool, positive);
    QFETCH(TrustComponents, deltas);
    QFETCH(int, delta);

    QCOMPARE(TrustEngine::reflectorWeightPermille(reflectorTrust), weightPermille);
    const TrustSignal signal = positive
        ? reflection(reflectorTrust, 5, "again", {"kind", "funny"})
        : reflection(reflectorTrust, 1, "pass", {"rude", "inappropriate"});
    const TrustDecision d = TrustEngine::apply(TrustState::initial(), signal, {});
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.delta, delta);
    QCOMPARE(d.metadata.value("reflector_weight").toDouble(), weightPermille / 1000.0);
}

void TstTrustEngine::sameReflectorOncePer30Days_data()
{
    QTest::addColumn<QDateTime>("lastApplied");
    QTest::addColumn<bool>("ignored");

    QTest::newRow("never before") << QDateTime() << false;
    QTest::newRow("1 day ago") << kNoon.addDays(-1) << true;
    QTest::newRow("29 days ago") << kNoon.addDays(-29) << true;
    QTest::newRow("30 days minus 1 ms ago") << kNoon.addDays(-30).addMSecs(1) << true;
    QTest::newRow("exactly 30 days ago") << kNoon.addDays(-30) << false;
    QTest::newRow("31 days ago") << kNoon.addDays(-31) << false;
}

void TstTrustEngine::sameReflectorOncePer30Days()
{
    QFETCH(QDateTime, lastApplied);
    QFETCH(bool, ignored);

    TrustState current = stateWith(components(5100, 5200, 5300, 5400));
    current.updatedAt = kNoon.addDays(-40);
    TrustHistory history;
    history.lastAppliedReflectionAt = lastApplied;
    const TrustDecision d =
        TrustEngine::apply(current, reflection(70, 5, "again", kPraise), history);

    QCOMPARE(d.ignored, ignored);
    if (ignored) {
        QCOMPARE(d.ignoredReason, QStringLiteral("same_reflector_within_30_days"));
        QCOMPARE(d.delta, 0);
        QCOMPARE(d.componentDeltas, TrustComponents {});
        QCOMPARE(d.next, current);
        QCOMPARE(d.metadata.value("ignored").toBool(), true);
        QCOMPARE(d.metadata.value("eligible_again_at").toString(),
                 lastApplied.addDays(30).toString("yyyy-MM-ddTHH:mm:ss.zzzZ"));
    } else {
        QVERIFY(d.ignoredReason.isEmpty());
        QCOMPARE(d.componentDeltas, components(100, 550, 650, 50));
        QCOMPARE(d.delta, 3); // 52.5 shows 53, 55.875 shows 56
        QCOMPARE(d.next.updatedAt, kNoon);
    }
}

void TstTrustEngine::dailyCap_data()
{
    QTest::addColumn<bool>("positive");
    QTest::addColumn<int>("movedToday");
    QTest::addColumn<int>("delta");
    QTest::addColumn<bool>("capped");
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<double>("capScale");

    // Uncapped: +3 ({100, 550, 650, 50}) and -6 ({0, -900, -400, -1000}).
    QTest::newRow("+ nothing moved yet")
        << true << 0 << 3 << false << components(100, 550, 650, 50) << 1.0;
    QTest::newRow("+ fits exactly")
        << true << 7 << 3 << false << components(100, 550, 650, 50) << 1.0;
    QTest::newRow("+ 2 left") << true << 8 << 2 << true << components(74, 407, 481, 37) << 0.741;
    QTest::newRow("+ 1 left") << true << 9 << 1 << true << components(44, 244, 289, 22) << 0.445;
    // Spent: components may still move inside the score's rounding band (50.49 still shows 50).
    QTest::newRow("+ spent") << true << 10 << 0 << true << components(14, 81, 96, 7) << 0.149;
    QTest::newRow("+ overspent") << true << 25 << 0 << true << components(14, 81, 96, 7) << 0.149;
    QTest::newRow("- nothing moved yet")
        << false << 0 << -6 << false << components(0, -900, -400, -1000) << 1.0;
    QTest::newRow("- fits exactly")
        << false << 4 << -6 << false << components(0, -900, -400, -1000) << 1.0;
    QTest::newRow("- 1 left") << false << 9 << -1 << true << components(0, -234, -104, -261)
                              << 0.261;
    QTest::newRow("- spent") << false << 10 << 0 << true << components(0, -78, -34, -87) << 0.087;
}

void TstTrustEngine::dailyCap()
{
    QFETCH(bool, positive);
    QFETCH(int, movedToday);
    QFETCH(int, delta);
    QFETCH(bool, capped);
    QFETCH(TrustComponents, deltas);
    QFETCH(double, capScale);

    TrustHistory history;
    history.reflectionMovementToday = movedToday;
    const TrustSignal signal =
        positive ? reflection(70, 5, "again", kPraise) : reflection(70, 1, "pass", kComplaints);
    const TrustDecision d = TrustEngine::apply(TrustState::initial(), signal, history);
    QVERIFY(!d.ignored);
    QCOMPARE(d.delta, delta);
    QCOMPARE(d.cooldownApplied, capped);
    QCOMPARE(d.next.cooldownApplied, capped);
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.metadata.value("cooldown_applied").toBool(), capped);
    QCOMPARE(d.metadata.value("cap_scale").toDouble(), capScale);
    QCOMPARE(d.metadata.value("daily_budget_left").toInt(), qMax(0, 10 - movedToday));
    QVERIFY(qAbs(d.delta) + movedToday <= qMax(10, movedToday));
}

void TstTrustEngine::cooldownFlagLastsOneUtcDay()
{
    TrustHistory spent;
    spent.reflectionMovementToday = 10;
    const TrustDecision capped = TrustEngine::apply(
        TrustState::initial(), reflection(70, 5, "again", kPraise, kNoon), spent);
    QVERIFY(capped.next.cooldownApplied);
    QVERIFY(capped.next.cooldownActiveAt(kNoon.addSecs(11 * 3600 + 59 * 60)));
    QVERIFY(!capped.next.cooldownActiveAt(kNoon.addSecs(12 * 3600)));

    // A later signal the same day that is not capped keeps the flag: the day was capped.
    const TrustDecision sameDay =
        TrustEngine::apply(capped.next, TrustSignal::cooldownPenalty(kNoon.addSecs(3600)), {});
    QVERIFY(!sameDay.cooldownApplied);
    QVERIFY(sameDay.next.cooldownApplied);

    // The first signal of the next UTC day clears it.
    const QDateTime tomorrow(QDate(2026, 3, 11), QTime(0, 0), Qt::UTC);
    QCOMPARE(TrustEngine::dayStart(kNoon.addSecs(12 * 3600)), tomorrow);
    const TrustDecision nextDay =
        TrustEngine::apply(sameDay.next, reflection(70, 3, "maybe", {"kind"}, tomorrow), {});
    QVERIFY(!nextDay.next.cooldownApplied);
    QCOMPARE(nextDay.next.updatedAt, tomorrow);
}

void TstTrustEngine::clamping_data()
{
    QTest::addColumn<TrustComponents>("start");
    QTest::addColumn<int>(
        "kind"); // 0 strong praise, 1 critical report, 2 manual -100, 3 manual +100
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<int>("score");
    QTest::addColumn<bool>("clamped");

    QTest::newRow("praise near 100")
        << TrustComponents::uniform(9950) << 0 << components(50, 50, 50, 50) << 100 << true;
    QTest::newRow("praise at 100")
        << TrustComponents::uniform(10000) << 0 << components(0, 0, 0, 0) << 100 << true;
    QTest::newRow("critical near 0")
        << TrustComponents::uniform(300) << 1 << components(0, -300, 0, -300) << 2 << true;
    QTest::newRow("critical at 0")
        << TrustComponents::uniform(0) << 1 << components(0, 0, 0, 0) << 0 << true;
    QTest::newRow("manual -100") << TrustComponents::uniform(5000) << 2
                                 << TrustComponents::uniform(-5000) << 0 << true;
    QTest::newRow("manual +100") << TrustComponents::uniform(5000) << 3
                                 << TrustComponents::uniform(5000) << 100 << true;
    QTest::newRow("critical from full")
        << TrustComponents::uniform(10000) << 1 << components(0, -4000, 0, -6000) << 75 << false;
}

void TstTrustEngine::clamping()
{
    QFETCH(TrustComponents, start);
    QFETCH(int, kind);
    QFETCH(TrustComponents, deltas);
    QFETCH(int, score);
    QFETCH(bool, clamped);

    const TrustState current = stateWith(start);
    const TrustSignal candidates[] = {
        reflection(70, 5, "again", kPraise),
        TrustSignal::reportConfirmed(TrustSignal::Severity::Critical, kNoon),
        TrustSignal::manualReview(-100, kNoon),
        TrustSignal::manualReview(100, kNoon),
    };
    const TrustDecision d = TrustEngine::apply(current, candidates[kind], {});
    QVERIFY(!d.ignored);
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.next.score(), score);
    QCOMPARE(d.delta, score - current.score());
    QCOMPARE(d.metadata.value("clamped").toBool(), clamped);
    const TrustComponents &c = d.next.components;
    for (int value : {c.reliability, c.respect, c.engagement, c.safety})
        QVERIFY(value >= 0 && value <= 10000);
}

void TstTrustEngine::reportSeverity_data()
{
    QTest::addColumn<QString>("severity");
    QTest::addColumn<TrustComponents>("deltas");
    QTest::addColumn<int>("delta");

    QTest::newRow("low") << "low" << components(0, -400, 0, -800) << -3;
    QTest::newRow("medium") << "medium" << components(0, -800, 0, -1600) << -6;
    QTest::newRow("high") << "high" << components(0, -1600, 0, -3200) << -12;
    // From 50 safety cannot lose 60 points: it stops at 0, so -22 instead of -25.
    QTest::newRow("critical") << "critical" << components(0, -4000, 0, -5000) << -22;
}

void TstTrustEngine::reportSeverity()
{
    QFETCH(QString, severity);
    QFETCH(TrustComponents, deltas);
    QFETCH(int, delta);

    const TrustDecision d = TrustEngine::apply(
        TrustState::initial(),
        TrustSignal::reportConfirmed(TrustSignal::severityFromName(severity).value(), kNoon), {});
    QVERIFY(!d.ignored);
    QCOMPARE(d.componentDeltas, deltas);
    QCOMPARE(d.delta, delta);
    QCOMPARE(d.metadata.value("severity").toString(), severity);
    QCOMPARE(d.metadata.value("source").toString(), QStringLiteral("report_confirmed"));
}

void TstTrustEngine::reportsIgnoreCapAndThirtyDayRule()
{
    TrustHistory history;
    history.reflectionMovementToday = 100;
    history.lastAppliedReflectionAt = kNoon.addDays(-1);
    const TrustDecision d = TrustEngine::apply(
        TrustState::initial(), TrustSignal::reportConfirmed(TrustSignal::Severity::High, kNoon),
        history);
    QVERIFY(!d.ignored);
    QCOMPARE(d.delta, -12);
    QVERIFY(!d.cooldownApplied);
    QVERIFY(!d.metadata.contains("cap_scale"));
}

void TstTrustEngine::cooldownPenalty()
{
    TrustHistory spent;
    spent.reflectionMovementToday = 100; // not a reflection: the cap does not apply
    const TrustDecision first =
        TrustEngine::apply(TrustState::initial(), TrustSignal::cooldownPenalty(kNoon), spent);
    QCOMPARE(first.componentDeltas, components(-400, 0, 0, 0));
    QCOMPARE(first.delta, -1); // 49.0
    QCOMPARE(first.metadata.value("source").toString(), QStringLiteral("cooldown_penalty"));
    const TrustDecision second =
        TrustEngine::apply(first.next, TrustSignal::cooldownPenalty(kNoon.addSecs(1)), {});
    QCOMPARE(second.next.components.reliability, 4200);
    QCOMPARE(second.next.score(), 48); // 48.0

    const TrustDecision nearFloor = TrustEngine::apply(stateWith(components(250, 5000, 5000, 5000)),
                                                       TrustSignal::cooldownPenalty(kNoon), {});
    QCOMPARE(nearFloor.componentDeltas, components(-250, 0, 0, 0));
    QCOMPARE(nearFloor.delta, 0); // 38.625 shows 38, 38.0 still does
}

void TstTrustEngine::manualReview()
{
    const TrustDecision plus5 =
        TrustEngine::apply(TrustState::initial(), TrustSignal::manualReview(5, kNoon), {});
    QCOMPARE(plus5.componentDeltas, TrustComponents::uniform(500));
    QCOMPARE(plus5.delta, 5);
    QCOMPARE(plus5.metadata.value("manual_delta").toInt(), 5);

    // Exact component deltas undo one confirmed low report.
    const TrustDecision report = TrustEngine::apply(
        TrustState::initial(), TrustSignal::reportConfirmed(TrustSignal::Severity::Low, kNoon), {});
    const TrustDecision undo = TrustEngine::apply(
        report.next, TrustSignal::manualReview(components(0, 400, 0, 800), kNoon.addDays(1)), {});
    QCOMPARE(undo.delta, 3);
    QCOMPARE(undo.next.components, TrustState::initial().components);
}

void TstTrustEngine::invalidSignalsChangeNothing_data()
{
    QTest::addColumn<int>("which");
    QTest::newRow("vibe 0") << 0;
    QTest::newRow("vibe 6") << 1;
    QTest::newRow("no reflector") << 2;
    QTest::newRow("reflector trust 101") << 3;
    QTest::newRow("invalid time") << 4;
    QTest::newRow("manual delta 101") << 5;
}

void TstTrustEngine::invalidSignalsChangeNothing()
{
    QFETCH(int, which);
    TrustSignal signal = reflection(70, 5, "again", kPraise);
    switch (which) {
    case 0:
        signal.vibeScore = 0;
        break;
    case 1:
        signal.vibeScore = 6;
        break;
    case 2:
        signal.reflectorId.clear();
        break;
    case 3:
        signal.reflectorTrust = 101;
        break;
    case 4:
        signal.occurredAt = QDateTime();
        break;
    case 5:
        signal = TrustSignal::manualReview(101, kNoon);
        break;
    }
    const TrustState current = stateWith(components(6000, 6000, 6000, 6000));
    const TrustDecision d = TrustEngine::apply(current, signal, {});
    QVERIFY(d.ignored);
    QCOMPARE(d.ignoredReason, QStringLiteral("invalid_signal"));
    QCOMPARE(d.delta, 0);
    QCOMPARE(d.next, current);
    QVERIFY(!d.metadata.value("problem").toString().isEmpty());
}

void TstTrustEngine::metadataExplainsTheDelta()
{
    TrustHistory history;
    history.reflectionMovementToday = 8;
    const TrustSignal signal =
        TrustSignal::reflection(QStringLiteral("user-7"), 45, 4, TrustSignal::Outcome::Again,
                                {"kind", "kind", "bogus", "late_replies"}, kNoon);
    const TrustDecision d = TrustEngine::apply(TrustState::initial(), signal, history);

    // raw {-100, 300, 300, 50} x 0.5 = {-50, 150, 150, 25}: 50 + 2.75/4 = 50.6875 -> 51.
    const QJsonObject expected {
        {"rule_version", 1},
        {"source", "reflection"},
        {"ignored", false},
        {"reflector_id", "user-7"},
        {"reflector_trust", 45},
        {"vibe_score", 4},
        {"meet_outcome", "again"},
        {"tags_counted", QJsonArray {"kind", "late_replies"}},
        {"tags_unknown", QJsonArray {"bogus"}},
        {"raw_component_deltas",
         QJsonObject {{"reliability", -1}, {"respect", 3}, {"engagement", 3}, {"safety", 0.5}}},
        {"reflector_weight", 0.5},
        {"daily_cap", 10},
        {"moved_today_before", 8},
        {"daily_budget_left", 2},
        {"cap_scale", 1},
        {"requested_component_deltas",
         QJsonObject {
             {"reliability", -0.5}, {"respect", 1.5}, {"engagement", 1.5}, {"safety", 0.25}}},
        {"component_deltas",
         QJsonObject {
             {"reliability", -0.5}, {"respect", 1.5}, {"engagement", 1.5}, {"safety", 0.25}}},
        {"cooldown_applied", false},
        {"clamped", false},
        {"score_before", 50},
        {"score_after", 51},
        {"components_after",
         QJsonObject {
             {"reliability", 49.5}, {"respect", 51.5}, {"engagement", 51.5}, {"safety", 50.25}}},
    };
    QCOMPARE(QJsonDocument(d.metadata).toJson(QJsonDocument::Compact),
             QJsonDocument(expected).toJson(QJsonDocument::Compact));
    QCOMPARE(d.delta, 1);

    // Deterministic: the same inputs give the same row, byte for byte.
    QCOMPARE(TrustEngine::apply(TrustState::initial(), signal, history).metadata, d.metadata);
}

void TstTrustEngine::componentsJson()
{
    const TrustState state = stateWith(components(1, 4999, 10000, 0));
    const QJsonObject json = state.componentsJson();
    QCOMPARE(json.value("reliability").toDouble(), 0.01);
    QCOMPARE(json.value("respect").toDouble(), 49.99);
    QCOMPARE(json.value("engagement").toDouble(), 100.0);
    QCOMPARE(json.value("safety").toDouble(), 0.0);

    // Through a database's text and back: exact.
    const QJsonObject stored =
        QJsonDocument::fromJson(QJsonDocument(json).toJson(QJsonDocument::Compact)).object();
    const auto back = TrustState::fromStored(stored, true, kNoon);
    QVERIFY(back);
    QCOMPARE(back->components, state.components);
    QVERIFY(back->cooldownApplied);
    QCOMPARE(back->updatedAt, kNoon);

    QCOMPARE(TrustState::fromStored({}, false, {}).value(), TrustState::initial());
    QVERIFY(!TrustState::fromStored({{"reliability", 50}}, false, {})); // keys missing
    QVERIFY(!TrustState::fromStored(
        {{"reliability", "50"}, {"respect", 50}, {"engagement", 50}, {"safety", 50}}, false, {}));
    QVERIFY(!TrustState::fromStored(
        {{"reliability", 100.5}, {"respect", 50}, {"engagement", 50}, {"safety", 50}}, false, {}));
    QVERIFY(!TrustState::fromStored(
        {{"reliability", 50.125}, {"respect", 50}, {"engagement", 50}, {"safety", 50}}, false, {}));
}

void TstTrustEngine::names()
{
    using S = TrustSignal;
    const QStringList sources {"reflection", "report_confirmed", "cooldown_penalty",
                               "manual_review"};
    for (const QString &name : sources)
        QCOMPARE(S::sourceName(S::sourceFromName(name).value()), name);
    for (const QString &name : QStringList {"again", "maybe", "pass"})
        QCOMPARE(S::outcomeName(S::outcomeFromName(name).value()), QString(name));
    for (const QString &name : QStringList {"low", "medium", "high", "critical"})
        QCOMPARE(S::severityName(S::severityFromName(name).value()), QString(name));
    QVERIFY(!S::sourceFromName("Reflection"));
    QVERIFY(!S::outcomeFromName("never"));
    QVERIFY(!S::severityFromName(""));
}

void TstTrustEngine::catalogAgreesWithTagTable()
{
    QFile file(QStringLiteral(":/resources/catalog/catalog.json"));
    if (!file.exists()) {
        file.setFileName(QFileInfo(QStringLiteral(__FILE__)).absolutePath() +
                         QStringLiteral("/../../resources/catalog/catalog.json"));
    }
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    const QJsonObject catalog = QJsonDocument::fromJson(file.readAll()).object();

    QSet<QString> catalogTags;
    for (const QJsonValue &tag : catalog.value("feedback_tags").toArray())
        catalogTags.insert(tag.toString());
    QSet<QString> catalogNegative;
    for (const QJsonValue &tag : catalog.value("negative_feedback_tags").toArray())
        catalogNegative.insert(tag.toString());
    QVERIFY(!catalogTags.isEmpty());

    const QStringList known = TrustEngine::feedbackTags();
    QCOMPARE(QSet<QString>(known.begin(), known.end()), catalogTags);
    QSet<QString> negative;
    for (const QString &tag : known) {
        if (TrustEngine::feedbackTagEffect(tag)->sum() < 0)
            negative.insert(tag);
    }
    QCOMPARE(negative, catalogNegative);
}

void TstTrustEngine::replayFindsTampering()
{
    QList<TrustLedgerEntry> ledger;
    TrustState state;
    QDateTime at = kNoon;
    for (int i = 0; i < 5; ++i) {
        const TrustDecision d =
            TrustEngine::apply(state, TrustSignal::manualReview(2, at.addSecs(i)), {});
        ledger.append({d.delta, d.metadata, d.next.updatedAt});
        state = d.next;
    }
    QStringList problems;
    QCOMPARE(TrustEngine::replay(ledger, &problems), state);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));

    QList<TrustLedgerEntry> tampered = ledger;
    tampered[2].delta = 7;
    TrustEngine::replay(tampered, &problems);
    QCOMPARE(problems.size(), 1);

    problems.clear();
    tampered = ledger;
    tampered[1].metadata.remove("component_deltas");
    // The unreadable row is skipped whole (its delta too), so only it is reported.
    QVERIFY(TrustEngine::replay(tampered, &problems) != state);
    QCOMPARE(problems.size(), 1);
}

void TstTrustEngine::replayEqualsStoredStateAfterLongRandomSequence()
{
    // Plays the service's part: reads TrustHistory from the ledger as the SQL would, stores the
    // ledger row and the state through JSON text (as MariaDB would), then replays every user.
    constexpr int kUsers = 50;
    constexpr int kEvents = 5000;
    QRandomGenerator rng(20260310);
    const QStringList tags = TrustEngine::feedbackTags() + QStringList {"bogus"};
    const auto throughText = [](const QJsonObject &json) {
        return QJsonDocument::fromJson(QJsonDocument(json).toJson(QJsonDocument::Compact)).object();
    };

    QList<TrustState> stored(kUsers, TrustState::initial());
    QList<QList<TrustLedgerEntry>> ledgers(kUsers);
    int ignoredByThirtyDays = 0, capped = 0, clamped = 0, reports = 0, penalties = 0, manual = 0;
    QDateTime now = kNoon;

    for (int event = 0; event < kEvents; ++event) {
        // Busy stretches (so the daily cap bites) with rare gaps of weeks (so 30 days pass).
        now = rng.bounded(500) == 0 ? now.addDays(5 + rng.bounded(36))
                                    : now.addMSecs(1 + rng.bounded(5 * 60 * 1000));
        // One user draws a crowd (brigaded or popular), a few others a lot of attention.
        const int pick = rng.bounded(100);
        const int target = pick < 20 ? 0 : pick < 40 ? 1 + rng.bounded(4) : rng.bounded(kUsers);
        const int kind = rng.bounded(100);
        TrustSignal signal;
        TrustHistory history;
        if (kind < 90) {
            int reflector = rng.bounded(kUsers - 1);
            if (reflector >= target)
                ++reflector;
            QStringList chosen;
            for (int n = rng.bounded(4); n > 0; --n)
                chosen.append(tags.at(rng.bounded(tags.size())));
            signal = TrustSignal::reflection(QString::number(reflector), stored[reflector].score(),
                                             1 + rng.bounded(5),
                                             TrustSignal::Outcome(rng.bounded(3)), chosen, now);
            // What the repository's two SELECTs return (docs/trust.md, "Wiring").
            const QDateTime since = TrustEngine::dayStart(now);
            for (const TrustLedgerEntry &row : std::as_const(ledgers[target])) {
                if (row.metadata.value("source").toString() != "reflection")
                    continue;
                if (row.createdAt >= since)
                    history.reflectionMovementToday += qAbs(row.delta);
                if (row.metadata.value("reflector_id").toString() == signal.reflectorId &&
                    !row.metadata.value("ignored").toBool() && row.createdAt > now.addDays(-30) &&
                    (!history.lastAppliedReflectionAt.isValid() ||
                     row.createdAt > history.lastAppliedReflectionAt))
                    history.lastAppliedReflectionAt = row.createdAt;
            }
        } else if (kind < 92) {
            signal = TrustSignal::reportConfirmed(TrustSignal::Severity(rng.bounded(4)), now);
            ++reports;
        } else if (kind < 97) {
            signal = TrustSignal::cooldownPenalty(now);
            ++penalties;
        } else {
            signal = TrustSignal::manualReview(rng.bounded(61) - 30, now);
            ++manual;
        }

        const TrustState before = stored[target];
        const TrustDecision d = TrustEngine::apply(before, signal, history);
        QCOMPARE(d.delta, d.next.score() - before.score());
        if (d.ignored) {
            QCOMPARE(d.ignoredReason, QStringLiteral("same_reflector_within_30_days"));
            QCOMPARE(d.next, before);
            ++ignoredByThirtyDays;
        }
        if (signal.source == TrustSignal::Source::Reflection)
            QVERIFY(history.reflectionMovementToday + qAbs(d.delta) <=
                    qMax(TrustEngine::kDailyReflectionCap, history.reflectionMovementToday));
        capped += d.cooldownApplied;
        clamped += d.metadata.value("clamped").toBool();

        ledgers[target].append({d.delta, throughText(d.metadata), now});
        const auto row = TrustState::fromStored(throughText(d.next.componentsJson()),
                                                d.next.cooldownApplied, d.next.updatedAt);
        QVERIFY(row);
        stored[target] = *row;
    }

    // Every rule was exercised, so the equality below means something.
    QVERIFY(ignoredByThirtyDays > 0);
    QVERIFY(capped > 0);
    QVERIFY(clamped > 0);
    QVERIFY(reports > 0 && penalties > 0 && manual > 0);

    for (int user = 0; user < kUsers; ++user) {
        QStringList problems;
        QCOMPARE(TrustEngine::replay(ledgers[user], &problems), stored[user]);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        int sum = 0;
        for (const TrustLedgerEntry &row : std::as_const(ledgers[user]))
            sum += row.delta;
        QCOMPARE(50 + sum, stored[user].score());
        // Row order does not matter for the sums.
        QList<TrustLedgerEntry> reversed(ledgers[user].crbegin(), ledgers[user].crend());
        QCOMPARE(TrustEngine::replay(reversed).components, stored[user].components);
    }
    qInfo("ignored %d, capped %d, clamped %d", ignoredByThirtyDays, capped, clamped);
}

QTEST_APPLESS_MAIN(TstTrustEngine)
#include "tst_trust_engine.moc"
