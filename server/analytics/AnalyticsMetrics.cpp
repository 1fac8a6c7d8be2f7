#include "server/analytics/AnalyticsMetrics.h"

#include <algorithm>
#include <cmath>

namespace fp::AnalyticsMetrics {

namespace {

Metric count(const char *key, const char *title, const char *unit, const char *definition,
             const char *counter, const char *dimensionName = "")
{
    Metric m;
    m.key = QLatin1String(key);
    m.title = QLatin1String(title);
    m.unit = QLatin1String(unit);
    m.definition = QLatin1String(definition);
    m.kind = Kind::Count;
    m.counter = QLatin1String(counter);
    m.dimensionName = QLatin1String(dimensionName);
    return m;
}

Metric ratio(const char *key, const char *title, const char *unit, const char *definition,
             const char *counter, const char *dimension, const char *denominator, double scale)
{
    Metric m = count(key, title, unit, definition, counter);
    m.kind = Kind::Ratio;
    m.dimension = QLatin1String(dimension);
    m.denominator = QLatin1String(denominator);
    m.scale = scale;
    return m;
}

Metric percentileOf(const char *key, const char *title, const char *definition, double q)
{
    Metric m = count(key, title, "seconds", definition, "queue_wait");
    m.kind = Kind::Percentile;
    m.quantile = q;
    return m;
}

Metric active(const char *key, const char *title, const char *definition, const char *bucket)
{
    Metric m = count(key, title, "people", definition, "");
    m.kind = Kind::ActivePeople;
    m.fixedBucket = QLatin1String(bucket);
    return m;
}

} // namespace

const QList<Metric> &all()
{
    static const QList<Metric> metrics {
        count("signups", "Sign-ups", "people", "Accounts created by people signing up.", "signups"),
        count("onboarding_completed", "Onboarding completed", "people",
              "People whose profile became complete for the first time.", "onboarding_completed"),
        active("dau", "Daily active people",
               "Different people who did anything the server recorded on a UTC day.", "day"),
        active("wau", "Weekly active people",
               "Different people who did anything the server recorded in a week (Monday to "
               "Sunday, UTC).",
               "week"),
        active("mau", "Monthly active people",
               "Different people who did anything the server recorded in a calendar month (UTC).",
               "month"),
        count("queue_joins", "Queue joins", "joins", "Times someone joined the matching queue.",
              "queue_joins"),
        percentileOf("queue_wait_p50", "Queue wait (median)",
                     "Of the people matched in the period, the wait half of them stayed under "
                     "(the upper bound of its histogram bin).",
                     0.5),
        percentileOf("queue_wait_p95", "Queue wait (95th percentile)",
                     "Of the people matched in the period, the wait 95 in 100 stayed under (the "
                     "upper bound of its histogram bin).",
                     0.95),
        ratio("match_rate", "Match rate", "share of queue exits",
              "Of the queue entries that ended in the period, the share that ended in a match "
              "(the others were left or expired).",
              "queue_exits", "matched", "queue_exits", 1),
        count("matches", "Matches", "matches",
              "Pairs the matcher made (by hour: matches per hour).", "matches"),
        count("conversations_started", "Conversations started", "conversations",
              "Anonymous chats opened by a match.", "conversations_started"),
        count("gate_reached", "Chats reaching a gate", "chats",
              "Chats in which a decision gate was decided on or timed out, by gate number, "
              "counted once per chat and gate.",
              "gate_reached", "gate"),
        count("gate_decisions", "Gate decisions", "decisions",
              "Decisions taken at a gate (reveal, not yet, end) and gates nobody decided "
              "(timed out), by gate and decision.",
              "gate_decisions", "gate:decision"),
        ratio("reveal_conversion", "Reveal conversion", "share of ended chats",
              "Of the chats that ended in the period (revealed or closed), the share that ended "
              "revealed; running chats do not count.",
              "conversations_ended", "revealed", "conversations_ended", 1),
        count("friendships", "Friendships", "friendships", "Friendships made (a chat revealed).",
              "friendships"),
        count("friendships_ended", "Friendships ended", "friendships",
              "Friendships ended, by reason.", "friendships_ended", "reason"),
        count("reflections", "Reflections", "reflections", "Reflections submitted after a meeting.",
              "reflections"),
        count("reflection_vibe", "Reflection vibe", "reflections",
              "Reflections by the vibe score given (1 to 5).", "reflection_vibe", "vibe"),
        count("trust_changes", "Trust changes", "changes",
              "Changes of someone's trust score, by reason and direction.", "trust_changes",
              "reason:direction"),
        count("reports", "Reports", "reports", "Reports filed, by origin (report or panic exit).",
              "reports", "origin"),
        ratio("reports_per_100_conversations", "Reports per 100 conversations",
              "reports per 100 conversations",
              "Reports about conversations that started in the period, per 100 conversations "
              "started in it.",
              "conversation_reports", "", "conversations_started", 100),
        count("blocks", "Blocks", "blocks", "Blocks made, by source.", "blocks", "source"),
        count("panic_exits", "Panic exits", "exits",
              "Chats left with the panic exit (a block and a report).", "panic_exits"),
        count("daily_answers", "Daily-prompt answers", "answers", "Answers to the daily prompt.",
              "daily_answers"),
        count("weekly_intents", "Weekly intents", "intents", "Weekly intents set.",
              "weekly_intents"),
        count("client_events", "Client events", "events",
              "Events the apps sent (POST /api/events), by name.", "client_events", "name"),
    };
    return metrics;
}

std::optional<Metric> find(const QString &key)
{
    for (const Metric &m : all()) {
        if (m.key == key)
            return m;
    }
    return std::nullopt;
}

const QList<int> &waitBins()
{
    static const QList<int> bins {1,   2,   3,   5,   10,  15,  20,  30,   45,   60,   90,
                                  120, 180, 240, 300, 450, 600, 900, 1200, 1800, 2700, 3600};
    return bins;
}

QString waitBinFor(qint64 seconds)
{
    for (int bound : waitBins()) {
        if (seconds <= bound)
            return QStringLiteral("%1").arg(bound, 6, 10, QLatin1Char('0'));
    }
    return QStringLiteral("inf");
}

std::optional<double> percentile(const QList<QPair<QString, qint64>> &bins, double quantile)
{
    QList<QPair<double, qint64>> sorted;
    qint64 total = 0;
    for (const auto &[bin, n] : bins) {
        if (n <= 0)
            continue;
        const double bound =
            bin == QLatin1String("inf") ? double(waitBins().last()) + 1 : bin.toDouble();
        sorted.append({bound, n});
        total += n;
    }
    if (total == 0)
        return std::nullopt;
    std::sort(sorted.begin(), sorted.end());
    // The smallest bound with at least ceil(q * total) waits at or under it.
    const qint64 rank = std::max<qint64>(1, qint64(std::ceil(quantile * double(total))));
    qint64 seen = 0;
    for (const auto &[bound, n] : sorted) {
        seen += n;
        if (seen >= rank)
            return std::min(bound, double(waitBins().last()));
    }
    return double(waitBins().last());
}

const QList<FunnelStep> &funnelSteps()
{
    static const QList<FunnelStep> steps {
        {QStringLiteral("signed_up"), QStringLiteral("Signed up"), QStringLiteral("signed_up_at")},
        {QStringLiteral("onboarded"), QStringLiteral("Completed onboarding"),
         QStringLiteral("onboarded_at")},
        {QStringLiteral("first_queue"), QStringLiteral("Joined the queue"),
         QStringLiteral("first_queue_at")},
        {QStringLiteral("first_match"), QStringLiteral("Was matched"),
         QStringLiteral("first_match_at")},
        {QStringLiteral("reached_gate_1"), QStringLiteral("Reached gate 1"),
         QStringLiteral("first_gate_at")},
        {QStringLiteral("revealed"), QStringLiteral("Revealed"), QStringLiteral("first_reveal_at")},
        {QStringLiteral("friendship"), QStringLiteral("Made a friend"),
         QStringLiteral("first_friendship_at")},
        {QStringLiteral("reflection"), QStringLiteral("Reflected"),
         QStringLiteral("first_reflection_at")},
        {QStringLiteral("second_friendship"), QStringLiteral("Made a second friend"),
         QStringLiteral("second_friendship_at")},
    };
    return steps;
}

QDateTime floorTo(const QDateTime &t, const QString &bucket)
{
    const QDateTime utc = t.toUTC();
    const QDate day = utc.date();
    if (bucket == QLatin1String("minute"))
        return QDateTime(day, QTime(utc.time().hour(), utc.time().minute()), Qt::UTC);
    if (bucket == QLatin1String("hour"))
        return QDateTime(day, QTime(utc.time().hour(), 0), Qt::UTC);
    if (bucket == QLatin1String("week"))
        return QDateTime(day.addDays(1 - day.dayOfWeek()), QTime(0, 0), Qt::UTC);
    if (bucket == QLatin1String("month"))
        return QDateTime(QDate(day.year(), day.month(), 1), QTime(0, 0), Qt::UTC);
    return QDateTime(day, QTime(0, 0), Qt::UTC);
}

QDateTime nextBucket(const QDateTime &start, const QString &bucket)
{
    if (bucket == QLatin1String("minute"))
        return start.addSecs(60);
    if (bucket == QLatin1String("hour"))
        return start.addSecs(3600);
    if (bucket == QLatin1String("week"))
        return start.addDays(7);
    if (bucket == QLatin1String("month"))
        return start.addMonths(1);
    return start.addDays(1);
}

QString grainFor(const QString &bucket)
{
    if (bucket == QLatin1String("minute") || bucket == QLatin1String("hour"))
        return bucket;
    return QStringLiteral("day");
}

const QList<qint64> &funnelGapBins()
{
    constexpr qint64 kMinute = 60;
    constexpr qint64 kHour = 60 * kMinute;
    constexpr qint64 kDay = 24 * kHour;
    // clang-format off
    static const QList<qint64> bins {
        0, 1, 2, 3, 5, 10, 15, 20, 30, 45,
        kMinute, 90, 2 * kMinute, 3 * kMinute, 5 * kMinute, 10 * kMinute, 15 * kMinute,
        20 * kMinute, 30 * kMinute, 45 * kMinute,
        kHour, 90 * kMinute, 2 * kHour, 3 * kHour, 6 * kHour, 12 * kHour,
        kDay, 2 * kDay, 3 * kDay, 5 * kDay, 7 * kDay, 10 * kDay, 14 * kDay, 21 * kDay, 30 * kDay,
        45 * kDay, 60 * kDay, 90 * kDay, 120 * kDay, 180 * kDay, 270 * kDay, 365 * kDay};
    // clang-format on
    return bins;
}

qint64 funnelGapBinFor(double seconds)
{
    for (qint64 bound : funnelGapBins()) {
        if (seconds <= double(bound))
            return bound;
    }
    return funnelGapBins().last();
}

std::optional<double> binnedMedian(const QMap<qint64, qint64> &bins)
{
    qint64 total = 0;
    for (qint64 n : bins)
        total += std::max<qint64>(0, n);
    if (total == 0)
        return std::nullopt;
    // The person in the middle (the lower middle of an even count), counted in bin order.
    const qint64 middle = (total + 1) / 2;
    qint64 seen = 0;
    for (auto it = bins.cbegin(); it != bins.cend(); ++it) {
        seen += std::max<qint64>(0, it.value());
        if (seen >= middle)
            return double(it.key());
    }
    return double(bins.lastKey());
}

} // namespace fp::AnalyticsMetrics
