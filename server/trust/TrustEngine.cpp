#include "server/trust/TrustEngine.h"

#include "common/Time.h"

#include <QJsonArray>
#include <QJsonValue>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

namespace fp {

namespace {

// Every number below is in hundredths of a point and is explained in docs/trust.md; change the
// doc and kRuleVersion with them.

// Outcome and vibe: how the conversation felt to the reflector. "pass" is a preference, not
// misconduct, so it costs little; "again" is the strongest sign that the person felt safe.
constexpr TrustComponents kOutcomeAgain {
    .reliability = 100, .respect = 50, .engagement = 150, .safety = 50};
constexpr TrustComponents kOutcomeMaybe {};
constexpr TrustComponents kOutcomePass {.engagement = -100};
constexpr TrustComponents kPerVibeStep {.respect = 50, .engagement = 150}; // per step away from 3

struct TagEffect
{
    const char *tag;
    TrustComponents effect;
};

// The one tag table (keys of catalog.json feedback_tags; tst_trust_engine checks they agree).
// Negative tags weigh twice a positive one: misconduct is rarer and says more than a compliment,
// and a ring of friends praising each other gains less than one honest warning costs.
constexpr TagEffect kTagEffects[] = {
    {"kind", {.respect = 200}},
    {"respectful", {.respect = 200}},
    {"good_listener", {.respect = 200}},
    {"thoughtful", {.respect = 200}},
    {"funny", {.engagement = 200}},
    {"engaging", {.engagement = 200}},
    {"great_questions", {.engagement = 200}},
    {"open", {.engagement = 200}},
    {"rude", {.respect = -400}},
    {"pushy", {.respect = -400}},
    {"unresponsive", {.reliability = -400}},
    {"late_replies", {.reliability = -200}},
    {"inappropriate", {.safety = -600}},
    {"crossed_boundaries", {.respect = -400, .safety = -400}},
};

// Confirmed reports: score -3 / -6 / -12 / -25 from a full state (the average of the components).
constexpr TrustComponents kReportLow {.respect = -400, .safety = -800};
constexpr TrustComponents kReportMedium {.respect = -800, .safety = -1600};
constexpr TrustComponents kReportHigh {.respect = -1600, .safety = -3200};
constexpr TrustComponents kReportCritical {.respect = -4000, .safety = -6000};

constexpr TrustComponents kCooldownPenalty {.reliability = -400};

template<typename F>
TrustComponents combine(const TrustComponents &a, const TrustComponents &b, F f)
{
    return {f(a.reliability, b.reliability), f(a.respect, b.respect), f(a.engagement, b.engagement),
            f(a.safety, b.safety)};
}

TrustComponents plus(const TrustComponents &a, const TrustComponents &b)
{
    return combine(a, b, [](int x, int y) { return x + y; });
}

// Multiplies by permille/1000, truncating toward zero so gains and losses shrink alike.
TrustComponents scaled(const TrustComponents &c, int permille)
{
    return combine(c, c, [permille](int x, int) { return x * permille / 1000; });
}

TrustComponents times(const TrustComponents &c, int factor)
{
    return combine(c, c, [factor](int x, int) { return x * factor; });
}

// What adding `requested` to `from` really adds once every component stays within 0..100.
TrustComponents clampedDelta(const TrustComponents &from, const TrustComponents &requested)
{
    return combine(from, requested, [](int value, int delta) {
        return std::clamp(value + delta, 0, TrustComponents::kMax) - value;
    });
}

// The one place where time moves a state forward (apply and replay share it). The cooldown flag
// means "capped today": it survives later signals of the same UTC day and resets on a new day.
void advance(TrustState &state, const QDateTime &at, bool capped)
{
    const QDateTime utc = at.toUTC();
    const bool sameDay = state.updatedAt.isValid() && state.updatedAt.toUTC().date() == utc.date();
    state.cooldownApplied = capped || (sameDay && state.cooldownApplied);
    if (!state.updatedAt.isValid() || utc > state.updatedAt)
        state.updatedAt = utc;
}

TrustComponents reportEffect(TrustSignal::Severity severity)
{
    switch (severity) {
    case TrustSignal::Severity::Low:
        return kReportLow;
    case TrustSignal::Severity::Medium:
        return kReportMedium;
    case TrustSignal::Severity::High:
        return kReportHigh;
    case TrustSignal::Severity::Critical:
        return kReportCritical;
    }
    return {};
}

TrustComponents outcomeEffect(TrustSignal::Outcome outcome)
{
    switch (outcome) {
    case TrustSignal::Outcome::Again:
        return kOutcomeAgain;
    case TrustSignal::Outcome::Maybe:
        return kOutcomeMaybe;
    case TrustSignal::Outcome::Pass:
        return kOutcomePass;
    }
    return {};
}

// Empty when the signal can be applied; otherwise what is wrong with it.
QString invalidReason(const TrustSignal &signal)
{
    if (TrustSignal::sourceName(signal.source).isEmpty())
        return QStringLiteral("unknown source");
    if (!signal.occurredAt.isValid())
        return QStringLiteral("occurred_at is not a valid time");
    switch (signal.source) {
    case TrustSignal::Source::Reflection:
        if (signal.reflectorId.isEmpty())
            return QStringLiteral("reflector_id is empty");
        if (signal.reflectorTrust < 0 || signal.reflectorTrust > 100)
            return QStringLiteral("reflector_trust must be 0-100");
        if (signal.vibeScore < 1 || signal.vibeScore > 5)
            return QStringLiteral("vibe_score must be 1-5");
        if (TrustSignal::outcomeName(signal.outcome).isEmpty())
            return QStringLiteral("unknown meet_outcome");
        break;
    case TrustSignal::Source::ReportConfirmed:
        if (TrustSignal::severityName(signal.severity).isEmpty())
            return QStringLiteral("unknown severity");
        break;
    case TrustSignal::Source::CooldownPenalty:
        break;
    case TrustSignal::Source::ManualReview:
        if (signal.manualComponentDeltas) {
            const TrustComponents &c = *signal.manualComponentDeltas;
            for (int value : {c.reliability, c.respect, c.engagement, c.safety}) {
                if (std::abs(value) > TrustComponents::kMax)
                    return QStringLiteral("manual component deltas must be within -100..100");
            }
        } else if (std::abs(signal.manualDelta) > 100) {
            return QStringLiteral("manual delta must be within -100..100");
        }
        break;
    }
    return {};
}

TrustDecision ignore(const TrustState &current, const QString &reason, QJsonObject metadata)
{
    TrustDecision decision;
    decision.next = current;
    decision.ignored = true;
    decision.ignoredReason = reason;
    metadata.insert(QStringLiteral("ignored"), true);
    metadata.insert(QStringLiteral("ignored_reason"), reason);
    metadata.insert(QStringLiteral("component_deltas"), TrustComponents {}.toJson());
    metadata.insert(QStringLiteral("cooldown_applied"), false);
    metadata.insert(QStringLiteral("score_before"), current.score());
    metadata.insert(QStringLiteral("score_after"), current.score());
    decision.metadata = metadata;
    return decision;
}

// Applies `requested` to `current`: scaled down when a daily budget (score points) is given and
// would be exceeded, then clamped to 0..100 per component.
TrustDecision settle(const TrustState &current, const TrustComponents &requested,
                     const QDateTime &at, std::optional<int> budget, QJsonObject metadata)
{
    const auto effectiveAt = [&](int permille) {
        return clampedDelta(current.components, scaled(requested, permille));
    };
    const auto movementOf = [&](const TrustComponents &delta) {
        TrustState moved = current;
        moved.components = plus(current.components, delta);
        return std::abs(moved.score() - current.score());
    };

    int scalePermille = 1000;
    bool capped = false;
    if (budget && movementOf(effectiveAt(1000)) > *budget) {
        // Largest scale (in 0.1 % steps) whose movement fits; scale 0 always fits.
        capped = true;
        int fits = 0;
        int exceeds = 1000;
        while (exceeds - fits > 1) {
            const int middle = (fits + exceeds) / 2;
            if (movementOf(effectiveAt(middle)) <= *budget)
                fits = middle;
            else
                exceeds = middle;
        }
        scalePermille = fits;
    }

    TrustDecision decision;
    decision.componentDeltas = effectiveAt(scalePermille);
    decision.next = current;
    decision.next.components = plus(current.components, decision.componentDeltas);
    decision.delta = decision.next.score() - current.score();
    decision.cooldownApplied = capped;
    advance(decision.next, at, capped);

    metadata.insert(QStringLiteral("ignored"), false);
    metadata.insert(QStringLiteral("requested_component_deltas"), requested.toJson());
    if (budget) {
        metadata.insert(QStringLiteral("daily_budget_left"), *budget);
        metadata.insert(QStringLiteral("cap_scale"), scalePermille / 1000.0);
    }
    metadata.insert(QStringLiteral("cooldown_applied"), capped);
    metadata.insert(QStringLiteral("clamped"),
                    decision.componentDeltas != scaled(requested, scalePermille));
    metadata.insert(QStringLiteral("component_deltas"), decision.componentDeltas.toJson());
    metadata.insert(QStringLiteral("score_before"), current.score());
    metadata.insert(QStringLiteral("score_after"), decision.next.score());
    metadata.insert(QStringLiteral("components_after"), decision.next.components.toJson());
    decision.metadata = metadata;
    return decision;
}

TrustDecision applyReflection(const TrustState &current, const TrustSignal &signal,
                              const TrustHistory &history, QJsonObject metadata)
{
    metadata.insert(QStringLiteral("reflector_id"), signal.reflectorId);
    metadata.insert(QStringLiteral("reflector_trust"), signal.reflectorTrust);
    metadata.insert(QStringLiteral("vibe_score"), signal.vibeScore);
    metadata.insert(QStringLiteral("meet_outcome"), TrustSignal::outcomeName(signal.outcome));

    if (history.lastAppliedReflectionAt.isValid()) {
        const QDateTime eligibleAt =
            history.lastAppliedReflectionAt.toUTC().addDays(TrustEngine::kReflectionCooldownDays);
        if (signal.occurredAt < eligibleAt) {
            metadata.insert(QStringLiteral("last_applied_at"),
                            toWireTime(history.lastAppliedReflectionAt));
            metadata.insert(QStringLiteral("eligible_again_at"), toWireTime(eligibleAt));
            return ignore(current, QStringLiteral("same_reflector_within_30_days"), metadata);
        }
    }

    TrustComponents raw =
        plus(outcomeEffect(signal.outcome), times(kPerVibeStep, signal.vibeScore - 3));
    QStringList counted;
    QStringList unknown;
    for (const QString &tag : signal.feedbackTags) {
        if (counted.contains(tag) || unknown.contains(tag))
            continue; // a tag counts once, however often it is sent
        if (const auto effect = TrustEngine::feedbackTagEffect(tag)) {
            counted.append(tag);
            raw = plus(raw, *effect);
        } else {
            unknown.append(tag);
        }
    }
    const int weight = TrustEngine::reflectorWeightPermille(signal.reflectorTrust);
    const int budget =
        std::max(0, TrustEngine::kDailyReflectionCap - history.reflectionMovementToday);

    metadata.insert(QStringLiteral("tags_counted"), QJsonArray::fromStringList(counted));
    metadata.insert(QStringLiteral("tags_unknown"), QJsonArray::fromStringList(unknown));
    metadata.insert(QStringLiteral("raw_component_deltas"), raw.toJson());
    metadata.insert(QStringLiteral("reflector_weight"), weight / 1000.0);
    metadata.insert(QStringLiteral("daily_cap"), TrustEngine::kDailyReflectionCap);
    metadata.insert(QStringLiteral("moved_today_before"), history.reflectionMovementToday);
    return settle(current, scaled(raw, weight), signal.occurredAt, budget, metadata);
}

template<typename Enum, size_t N>
std::optional<Enum> fromName(const QString &name, const Enum (&all)[N], QString (*nameOf)(Enum))
{
    for (Enum value : all) {
        if (nameOf(value) == name)
            return value;
    }
    return std::nullopt;
}

} // namespace

QJsonObject TrustComponents::toJson() const
{
    const auto points = [](int hundredths) {
        return hundredths / double(kScale);
    };
    return {{QStringLiteral("reliability"), points(reliability)},
            {QStringLiteral("respect"), points(respect)},
            {QStringLiteral("engagement"), points(engagement)},
            {QStringLiteral("safety"), points(safety)}};
}

std::optional<TrustComponents> TrustComponents::fromJson(const QJsonObject &json)
{
    const auto read = [&json](const char *key) -> std::optional<int> {
        const QJsonValue value = json.value(QLatin1String(key));
        if (!value.isDouble())
            return std::nullopt;
        const double hundredths = value.toDouble() * kScale;
        if (!std::isfinite(hundredths) || std::abs(hundredths) > 1e9)
            return std::nullopt;
        const double whole = std::round(hundredths);
        if (std::abs(hundredths - whole) > 1e-6)
            return std::nullopt; // more precision than the rules ever produce: not ours
        return int(whole);
    };
    const auto reliability = read("reliability");
    const auto respect = read("respect");
    const auto engagement = read("engagement");
    const auto safety = read("safety");
    if (!reliability || !respect || !engagement || !safety)
        return std::nullopt;
    return TrustComponents {*reliability, *respect, *engagement, *safety};
}

int TrustState::score() const
{
    // Average of the four components, rounded half up, in integers only.
    constexpr int parts = 4 * TrustComponents::kScale;
    return (components.sum() + parts / 2) / parts;
}

std::optional<TrustState> TrustState::fromStored(const QJsonObject &componentsJson,
                                                 bool cooldownApplied, const QDateTime &updatedAt)
{
    TrustState state;
    if (!componentsJson.isEmpty()) {
        const auto components = TrustComponents::fromJson(componentsJson);
        if (!components)
            return std::nullopt;
        const TrustComponents &c = *components;
        for (int value : {c.reliability, c.respect, c.engagement, c.safety}) {
            if (value < 0 || value > TrustComponents::kMax)
                return std::nullopt;
        }
        state.components = c;
    }
    state.cooldownApplied = cooldownApplied;
    state.updatedAt = updatedAt.isValid() ? updatedAt.toUTC() : QDateTime();
    return state;
}

bool TrustState::cooldownActiveAt(const QDateTime &now) const
{
    return cooldownApplied && updatedAt.isValid() && now.isValid() &&
        updatedAt.toUTC().date() == now.toUTC().date();
}

TrustSignal TrustSignal::reflection(const QString &reflectorId, int reflectorTrust, int vibeScore,
                                    Outcome outcome, const QStringList &feedbackTags,
                                    const QDateTime &occurredAt)
{
    TrustSignal signal;
    signal.source = Source::Reflection;
    signal.reflectorId = reflectorId;
    signal.reflectorTrust = reflectorTrust;
    signal.vibeScore = vibeScore;
    signal.outcome = outcome;
    signal.feedbackTags = feedbackTags;
    signal.occurredAt = occurredAt;
    return signal;
}

TrustSignal TrustSignal::reportConfirmed(Severity severity, const QDateTime &occurredAt)
{
    TrustSignal signal;
    signal.source = Source::ReportConfirmed;
    signal.severity = severity;
    signal.occurredAt = occurredAt;
    return signal;
}

TrustSignal TrustSignal::cooldownPenalty(const QDateTime &occurredAt)
{
    TrustSignal signal;
    signal.source = Source::CooldownPenalty;
    signal.occurredAt = occurredAt;
    return signal;
}

TrustSignal TrustSignal::manualReview(int delta, const QDateTime &occurredAt)
{
    TrustSignal signal;
    signal.source = Source::ManualReview;
    signal.manualDelta = delta;
    signal.occurredAt = occurredAt;
    return signal;
}

TrustSignal TrustSignal::manualReview(const TrustComponents &componentDeltas,
                                      const QDateTime &occurredAt)
{
    TrustSignal signal;
    signal.source = Source::ManualReview;
    signal.manualComponentDeltas = componentDeltas;
    signal.occurredAt = occurredAt;
    return signal;
}

QString TrustSignal::sourceName(Source source)
{
    switch (source) {
    case Source::Reflection:
        return QStringLiteral("reflection");
    case Source::ReportConfirmed:
        return QStringLiteral("report_confirmed");
    case Source::CooldownPenalty:
        return QStringLiteral("cooldown_penalty");
    case Source::ManualReview:
        return QStringLiteral("manual_review");
    }
    return {};
}

std::optional<TrustSignal::Source> TrustSignal::sourceFromName(const QString &name)
{
    constexpr Source all[] = {Source::Reflection, Source::ReportConfirmed, Source::CooldownPenalty,
                              Source::ManualReview};
    return fromName(name, all, &TrustSignal::sourceName);
}

QString TrustSignal::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Again:
        return QStringLiteral("again");
    case Outcome::Maybe:
        return QStringLiteral("maybe");
    case Outcome::Pass:
        return QStringLiteral("pass");
    }
    return {};
}

std::optional<TrustSignal::Outcome> TrustSignal::outcomeFromName(const QString &name)
{
    constexpr Outcome all[] = {Outcome::Again, Outcome::Maybe, Outcome::Pass};
    return fromName(name, all, &TrustSignal::outcomeName);
}

QString TrustSignal::severityName(Severity severity)
{
    switch (severity) {
    case Severity::Low:
        return QStringLiteral("low");
    case Severity::Medium:
        return QStringLiteral("medium");
    case Severity::High:
        return QStringLiteral("high");
    case Severity::Critical:
        return QStringLiteral("critical");
    }
    return {};
}

std::optional<TrustSignal::Severity> TrustSignal::severityFromName(const QString &name)
{
    constexpr Severity all[] = {Severity::Low, Severity::Medium, Severity::High,
                                Severity::Critical};
    return fromName(name, all, &TrustSignal::severityName);
}

TrustDecision TrustEngine::apply(const TrustState &current, const TrustSignal &signal,
                                 const TrustHistory &history)
{
    QJsonObject metadata {{QStringLiteral("rule_version"), kRuleVersion},
                          {QStringLiteral("source"), TrustSignal::sourceName(signal.source)}};
    if (const QString problem = invalidReason(signal); !problem.isEmpty()) {
        metadata.insert(QStringLiteral("problem"), problem);
        return ignore(current, QStringLiteral("invalid_signal"), metadata);
    }

    switch (signal.source) {
    case TrustSignal::Source::Reflection:
        return applyReflection(current, signal, history, metadata);
    case TrustSignal::Source::ReportConfirmed:
        // A moderator has confirmed it: no cap and no 30-day rule (docs/trust.md).
        metadata.insert(QStringLiteral("severity"), TrustSignal::severityName(signal.severity));
        return settle(current, reportEffect(signal.severity), signal.occurredAt, std::nullopt,
                      metadata);
    case TrustSignal::Source::CooldownPenalty:
        return settle(current, kCooldownPenalty, signal.occurredAt, std::nullopt, metadata);
    case TrustSignal::Source::ManualReview: {
        TrustComponents requested;
        if (signal.manualComponentDeltas) {
            requested = *signal.manualComponentDeltas;
        } else {
            // Equal shares of every component move the average by exactly the delta.
            requested = TrustComponents::uniform(signal.manualDelta * TrustComponents::kScale);
            metadata.insert(QStringLiteral("manual_delta"), signal.manualDelta);
        }
        return settle(current, requested, signal.occurredAt, std::nullopt, metadata);
    }
    }
    return ignore(current, QStringLiteral("invalid_signal"), metadata);
}

TrustState TrustEngine::replay(const QList<TrustLedgerEntry> &ledger, QStringList *problems)
{
    const auto report = [problems](const QString &problem) {
        if (problems)
            problems->append(problem);
    };

    // The sums below do not depend on order; sorting only makes updatedAt and the day-scoped
    // cooldown flag come out as they did when the rows were applied.
    QList<qsizetype> order(ledger.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&ledger](qsizetype a, qsizetype b) {
        return ledger[a].createdAt < ledger[b].createdAt;
    });

    TrustState state = TrustState::initial();
    const int initialScore = state.score();
    qint64 deltaSum = 0;
    for (qsizetype index : order) {
        const TrustLedgerEntry &entry = ledger[index];
        const QString where = QStringLiteral("row %1").arg(index);
        if (!entry.createdAt.isValid()) {
            report(where + QStringLiteral(": created_at is not a valid time"));
            continue;
        }
        if (entry.metadata.value(QStringLiteral("ignored")).toBool()) {
            if (entry.delta != 0)
                report(where + QStringLiteral(": ignored but delta is %1").arg(entry.delta));
            continue;
        }
        const auto delta = TrustComponents::fromJson(
            entry.metadata.value(QStringLiteral("component_deltas")).toObject());
        if (!delta) {
            report(where + QStringLiteral(": metadata has no readable component_deltas"));
            continue;
        }
        state.components = plus(state.components, *delta);
        deltaSum += entry.delta;
        advance(state, entry.createdAt,
                entry.metadata.value(QStringLiteral("cooldown_applied")).toBool());
    }

    const TrustComponents &c = state.components;
    for (int value : {c.reliability, c.respect, c.engagement, c.safety}) {
        if (value < 0 || value > TrustComponents::kMax)
            report(QStringLiteral("a component ends outside 0..100: %1").arg(value));
    }
    if (initialScore + deltaSum != state.score()) {
        report(QStringLiteral("deltas sum to score %1 but components give %2")
                   .arg(initialScore + deltaSum)
                   .arg(state.score()));
    }
    return state;
}

int TrustEngine::reflectorWeightPermille(int reflectorTrust)
{
    return std::clamp((reflectorTrust - 20) * 20, 200, 1000);
}

std::optional<TrustComponents> TrustEngine::feedbackTagEffect(const QString &tag)
{
    for (const TagEffect &entry : kTagEffects) {
        if (tag == QLatin1String(entry.tag))
            return entry.effect;
    }
    return std::nullopt;
}

QStringList TrustEngine::feedbackTags()
{
    QStringList tags;
    for (const TagEffect &entry : kTagEffects)
        tags.append(QLatin1String(entry.tag));
    return tags;
}

QDateTime TrustEngine::dayStart(const QDateTime &at)
{
    return at.toUTC().date().startOfDay(Qt::UTC);
}

} // namespace fp
