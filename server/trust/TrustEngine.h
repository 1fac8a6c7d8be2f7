#pragma once

// The trust rules: how reflections, confirmed reports, queue-spam penalties and manual reviews
// move a user's 0-100 trust score. Pure and deterministic (no I/O, no clock: time comes in with
// each signal); docs/trust.md gives the formula and its reasons.

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace fp {

/// The four parts of trust, in hundredths of a point (0..10000 is 0.00..100.00): integers, so a
/// ledger of deltas sums back to exactly the stored state. The same type carries deltas.
struct TrustComponents
{
    static constexpr int kScale = 100;
    static constexpr int kMax = 100 * kScale;
    static constexpr int kInitial = 50 * kScale;

    int reliability = 0;
    int respect = 0;
    int engagement = 0;
    int safety = 0;

    static constexpr TrustComponents uniform(int value) { return {value, value, value, value}; }
    int sum() const { return reliability + respect + engagement + safety; }
    bool isZero() const
    {
        return reliability == 0 && respect == 0 && engagement == 0 && safety == 0;
    }
    /// In points, e.g. {"engagement":52.5,"reliability":50,"respect":50.25,"safety":50}: the shape
    /// of trust_scores.components_json, of the API's `components`, and of ledger metadata.
    QJsonObject toJson() const;
    /// Reads toJson()'s shape exactly: all four keys, numbers with at most two decimals.
    static std::optional<TrustComponents> fromJson(const QJsonObject &json);

    bool operator==(const TrustComponents &) const = default;
};

/// A user's current trust: what trust_scores holds. The score is derived from the components
/// (their average, rounded half up), so the two can never disagree.
struct TrustState
{
    TrustComponents components = TrustComponents::uniform(TrustComponents::kInitial);
    /// The daily cap reduced a reflection on the UTC day of `updatedAt` (see cooldownActiveAt).
    bool cooldownApplied = false;
    /// When the last applied signal happened; invalid until the first one.
    QDateTime updatedAt;

    /// Everyone starts here: 50 in every component, score 50.
    static TrustState initial() { return {}; }
    int score() const;
    QJsonObject componentsJson() const { return components.toJson(); }
    /// Rebuilds a stored row. An empty object (the column's default '{}') is the initial state;
    /// nullopt when the JSON is malformed or a component lies outside 0..100.
    static std::optional<TrustState> fromStored(const QJsonObject &componentsJson,
                                                bool cooldownApplied, const QDateTime &updatedAt);
    /// What the API should show as cooldown_applied at `now`: the flag only holds for its day.
    bool cooldownActiveAt(const QDateTime &now) const;

    bool operator==(const TrustState &) const = default;
};

/// One input to the rules. Build it with the factories; `occurredAt` must be the created_at of
/// the ledger row the decision becomes (UTC, the time the service applies it).
struct TrustSignal
{
    /// Same names as trust_score_events.source.
    enum class Source { Reflection, ReportConfirmed, CooldownPenalty, ManualReview };
    /// Same names as meet_reflections.meet_outcome.
    enum class Outcome { Again, Maybe, Pass };
    /// Same names as reports.severity.
    enum class Severity { Low, Medium, High, Critical };

    Source source = Source::Reflection;
    QDateTime occurredAt;

    // Reflection: who wrote it, that person's own score at the time, and what they said.
    QString reflectorId;
    int reflectorTrust = 50;
    int vibeScore = 3;
    Outcome outcome = Outcome::Maybe;
    QStringList feedbackTags;

    // ReportConfirmed: the severity the moderator confirmed.
    Severity severity = Severity::Low;

    // ManualReview: score points spread evenly over the four components, or, when set, exact
    // component deltas (e.g. to undo one confirmed report).
    int manualDelta = 0;
    std::optional<TrustComponents> manualComponentDeltas;

    static TrustSignal reflection(const QString &reflectorId, int reflectorTrust, int vibeScore,
                                  Outcome outcome, const QStringList &feedbackTags,
                                  const QDateTime &occurredAt);
    static TrustSignal reportConfirmed(Severity severity, const QDateTime &occurredAt);
    static TrustSignal cooldownPenalty(const QDateTime &occurredAt);
    static TrustSignal manualReview(int delta, const QDateTime &occurredAt);
    static TrustSignal manualReview(const TrustComponents &componentDeltas,
                                    const QDateTime &occurredAt);

    static QString sourceName(Source source);
    static std::optional<Source> sourceFromName(const QString &name);
    static QString outcomeName(Outcome outcome);
    static std::optional<Outcome> outcomeFromName(const QString &name);
    static QString severityName(Severity severity);
    static std::optional<Severity> severityFromName(const QString &name);
};

/// What the rules need to know about the target's past, read by the caller from the ledger
/// (trust_score_events) inside the transaction that applies the signal. Only reflections use it.
struct TrustHistory
{
    /// created_at of the latest non-ignored reflection row by this reflector about this target;
    /// invalid when there is none (or none in the last 30 days).
    QDateTime lastAppliedReflectionAt;
    /// Sum of |delta| over the target's reflection rows since TrustEngine::dayStart(occurredAt).
    int reflectionMovementToday = 0;
};

/// The outcome of one signal: the ledger row to append (delta, metadata) and the next state.
struct TrustDecision
{
    /// next.score() - current.score(): trust_score_events.delta.
    int delta = 0;
    /// What was really added to each component, after weighting, the daily cap and clamping.
    TrustComponents componentDeltas;
    TrustState next;
    /// The daily cap reduced this reflection's movement.
    bool cooldownApplied = false;
    /// Nothing changed (next == current); `ignoredReason` says why.
    bool ignored = false;
    QString ignoredReason;
    /// trust_score_events.metadata_json: every number that produced the delta, and what replay
    /// reads.
    QJsonObject metadata;
};

/// One stored ledger row, as replay needs it.
struct TrustLedgerEntry
{
    int delta = 0;
    QJsonObject metadata;
    QDateTime createdAt;
};

/// The rules themselves. Constants are documented in docs/trust.md.
class TrustEngine
{
public:
    static constexpr int kRuleVersion = 1;
    /// A reflector moves the same target at most once in this many days.
    static constexpr int kReflectionCooldownDays = 30;
    /// Reflections move a target's score by at most this many points (sum of |delta|) per UTC day.
    static constexpr int kDailyReflectionCap = 10;

    /// Turns one signal into a decision. Invalid input (vibe outside 1-5, missing reflector,
    /// invalid time...) is ignored with reason "invalid_signal", never applied half-way.
    static TrustDecision apply(const TrustState &current, const TrustSignal &signal,
                               const TrustHistory &history);

    /// Recomputes a user's state from their ledger rows (any order; ties are harmless). With
    /// `problems`, lists rows whose metadata cannot be read and any disagreement between the
    /// deltas and the components: empty for a consistent ledger.
    static TrustState replay(const QList<TrustLedgerEntry> &ledger,
                             QStringList *problems = nullptr);

    /// How much a reflector counts, in thousandths: clamp((trust - 20) * 20, 200, 1000).
    static int reflectorWeightPermille(int reflectorTrust);
    /// The component deltas (before weighting) of one feedback tag; nullopt for an unknown tag.
    static std::optional<TrustComponents> feedbackTagEffect(const QString &tag);
    /// Every feedback tag the rules know, in table order.
    static QStringList feedbackTags();
    /// 00:00 UTC of the day of `at`: the start of the daily cap's window.
    static QDateTime dayStart(const QDateTime &at);
};

} // namespace fp
