#include "server/matching/Scoring.h"

#include <algorithm>
#include <cstdlib>

namespace fp {

namespace {

constexpr int kMinutesPerDay = 24 * 60;
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;
// 1970-01-05 (the first Monday of the epoch) 00:00 UTC, in minutes since the epoch.
constexpr qint64 kEpochMondayMinutes = 4 * kMinutesPerDay;

int minuteOfWeek(qint64 utcSeconds)
{
    const qint64 minutes = utcSeconds / 60 - kEpochMondayMinutes;
    return int(((minutes % kMinutesPerWeek) + kMinutesPerWeek) % kMinutesPerWeek);
}

struct PreferenceName
{
    const char *name;
    PreferenceKey key;
};
constexpr PreferenceName kPreferenceNames[] = {
    {"directness_score", PreferenceKey::Directness},
    {"humor_score", PreferenceKey::Humor},
    {"response_pace", PreferenceKey::ResponsePace},
    {"contact_frequency", PreferenceKey::ContactFrequency},
    {"conversation_depth", PreferenceKey::ConversationDepth},
    {"group_comfort", PreferenceKey::GroupComfort},
    {"friendship_intention", PreferenceKey::FriendshipIntention},
    {"voice_note_ok", PreferenceKey::VoiceNoteOk},
};

std::optional<PreferenceKey> preferenceKey(const QString &name)
{
    for (const auto &p : kPreferenceNames) {
        if (name == QLatin1StringView(p.name))
            return p.key;
    }
    return std::nullopt;
}

int boostOf(const ScoringProfile &a, const ScoringProfile &b, PreferenceKey key)
{
    return a.preferenceBoost[size_t(key)] + b.preferenceBoost[size_t(key)];
}

double gapWithNonNegotiable(double gap, int boost)
{
    return boost > 0 ? std::min(100.0, gap * scoring::kNonNegotiableGapFactor) : gap;
}

template<typename E> qint8 ordinal(const std::optional<E> &v)
{
    return v ? qint8(*v) : qint8(-1);
}

void mergeIntervals(QVarLengthArray<MinuteInterval, 10> &intervals)
{
    std::sort(intervals.begin(), intervals.end(),
              [](const MinuteInterval &x, const MinuteInterval &y) { return x.start < y.start; });
    qsizetype kept = 0;
    for (const MinuteInterval &i : intervals) {
        if (i.end <= i.start)
            continue;
        if (kept > 0 && i.start <= intervals[kept - 1].end)
            intervals[kept - 1].end = std::max(intervals[kept - 1].end, i.end);
        else
            intervals[kept++] = i;
    }
    intervals.resize(kept);
}

std::vector<MinuteInterval> overlapIntervals(const ScoringProfile &a, const ScoringProfile &b)
{
    std::vector<MinuteInterval> out;
    qsizetype i = 0, j = 0;
    while (i < a.availability.size() && j < b.availability.size()) {
        const MinuteInterval &x = a.availability[i];
        const MinuteInterval &y = b.availability[j];
        const int start = std::max(x.start, y.start);
        const int end = std::min(x.end, y.end);
        if (start < end)
            out.push_back({start, end});
        if (x.end < y.end)
            ++i;
        else
            ++j;
    }
    return out;
}

QString displayKey(const QString &key)
{
    // Catalog keys are snake_case; people read words.
    if (key == QLatin1StringView("open_mindedness"))
        return QStringLiteral("open-mindedness");
    QString text = key;
    text.replace(QLatin1Char('_'), QLatin1Char(' '));
    return text;
}

QString joinWords(const QStringList &words)
{
    if (words.size() <= 1)
        return words.value(0);
    return QStringList(words.mid(0, words.size() - 1)).join(QStringLiteral(", ")) +
        QStringLiteral(" and ") + words.last();
}

// ---- day parts for availability reasons -------------------------------------------------------
// A night (22:00-06:00) belongs to the day it starts on, so Friday 23:00 and Saturday 01:00 are
// both "weekday nights": that is how people talk about their evenings out.
constexpr int kDayPartBoundaries[] = {6 * 60, 12 * 60, 17 * 60, 22 * 60};

int dayPartBucket(int localMinuteOfWeek)
{
    int day = localMinuteOfWeek / kMinutesPerDay; // 0 = Monday
    const int minute = localMinuteOfWeek % kMinutesPerDay;
    int part;
    if (minute < 6 * 60) {
        part = 3;
        day = (day + 6) % 7;
    } else if (minute < 12 * 60) {
        part = 0;
    } else if (minute < 17 * 60) {
        part = 1;
    } else if (minute < 22 * 60) {
        part = 2;
    } else {
        part = 3;
    }
    const int weekPart = day < 5 ? 0 : 1;
    return weekPart * 4 + part;
}

int minutesToNextDayPart(int localMinuteOfWeek)
{
    const int minute = localMinuteOfWeek % kMinutesPerDay;
    for (int b : kDayPartBoundaries) {
        if (minute < b)
            return b - minute;
    }
    return kMinutesPerDay - minute + kDayPartBoundaries[0];
}

QString bucketName(int bucket)
{
    static const char *const weekParts[] = {"weekday", "weekend"};
    static const char *const parts[] = {"mornings", "afternoons", "evenings", "nights"};
    return QString::fromLatin1(weekParts[bucket / 4]) + QLatin1Char(' ') +
        QString::fromLatin1(parts[bucket % 4]);
}

int localMinute(int utcMinute, int offsetMinutes)
{
    return ((utcMinute + offsetMinutes) % kMinutesPerWeek + kMinutesPerWeek) % kMinutesPerWeek;
}

std::optional<QString> availabilityReason(const ScoringProfile &a, const ScoringProfile &b)
{
    constexpr int kMinMinutes = 60;
    int minutes[8][8] = {};
    for (const MinuteInterval &i : overlapIntervals(a, b)) {
        int t = i.start;
        while (t < i.end) {
            const int la = localMinute(t, a.utcOffsetMinutes);
            const int lb = localMinute(t, b.utcOffsetMinutes);
            const int step =
                std::min({i.end - t, minutesToNextDayPart(la), minutesToNextDayPart(lb)});
            minutes[dayPartBucket(la)][dayPartBucket(lb)] += step;
            t += step;
        }
    }
    // Same part of the day for both: name it. Otherwise say only that the zones line up.
    std::vector<std::pair<int, int>> shared; // minutes, bucket
    int crossZone = 0;
    for (int x = 0; x < 8; ++x) {
        for (int y = 0; y < 8; ++y) {
            if (x == y && minutes[x][y] >= kMinMinutes)
                shared.emplace_back(minutes[x][y], x);
            else if (x != y)
                crossZone += minutes[x][y];
        }
    }
    std::sort(shared.begin(), shared.end(), [](const auto &l, const auto &r) {
        return l.first != r.first ? l.first > r.first : l.second < r.second;
    });
    if (!shared.empty()) {
        QStringList names {bucketName(shared[0].second)};
        if (shared.size() > 1)
            names.append(bucketName(shared[1].second));
        return QStringLiteral("You are both free on %1").arg(joinWords(names));
    }
    if (crossZone >= kMinMinutes)
        return QStringLiteral("Your free time lines up across your time zones");
    return std::nullopt;
}

} // namespace

// ---- ScoringSpace -----------------------------------------------------------------------------

ScoringSpace::ScoringSpace(const QDateTime &now) : m_now(now.toUTC()) { }

quint64 KeyInterner::hash(QStringView key)
{
    quint64 h = 0xcbf29ce484222325ULL;
    for (QChar c : key) {
        h = (h ^ c.unicode()) * 0x100000001b3ULL;
    }
    return h ^ (h >> 29);
}

int KeyInterner::find(QStringView key) const
{
    if (m_slots.empty())
        return -1;
    const quint64 h = hash(key);
    const size_t mask = m_slots.size() - 1;
    for (size_t slot = size_t(h) & mask;; slot = (slot + 1) & mask) {
        const int index = m_slots[slot];
        if (index < 0)
            return -1;
        if (m_hashes[size_t(index)] == h && m_names[index] == key)
            return index;
    }
}

int KeyInterner::intern(const QString &key)
{
    if (const int found = find(key); found >= 0)
        return found;
    if (size_t(m_names.size() + 1) * 2 > m_slots.size())
        rehash(std::max<size_t>(64, m_slots.size() * 2));
    const int index = int(m_names.size());
    const quint64 h = hash(key);
    m_names.append(key);
    m_hashes.push_back(h);
    const size_t mask = m_slots.size() - 1;
    size_t slot = size_t(h) & mask;
    while (m_slots[slot] >= 0)
        slot = (slot + 1) & mask;
    m_slots[slot] = index;
    return index;
}

void KeyInterner::rehash(size_t slots)
{
    m_slots.assign(slots, -1);
    const size_t mask = slots - 1;
    for (size_t index = 0; index < m_hashes.size(); ++index) {
        size_t slot = size_t(m_hashes[index]) & mask;
        while (m_slots[slot] >= 0)
            slot = (slot + 1) & mask;
        m_slots[slot] = int(index);
    }
}

int ScoringSpace::zoneIndex(const QString &name)
{
    const auto it = m_zoneIndex.constFind(name);
    if (it != m_zoneIndex.constEnd())
        return it.value();
    QTimeZone zone(name.toLatin1());
    if (!zone.isValid())
        zone = QTimeZone::utc();
    const int i = int(m_zones.size());
    m_zoneIndex.insert(name, i);
    m_zones.push_back(zone);
    m_zoneToday.push_back(m_now.toTimeZone(zone).date());
    m_zoneOffsetMinutes.push_back(zone.offsetFromUtc(m_now) / 60);
    return i;
}

qint64 ScoringSpace::utcSeconds(int zone, const QDate &localDate, const QTime &localTime)
{
    const quint64 key = (quint64(zone) << 33) |
        (quint64(localDate.toJulianDay() & 0x3fffff) << 11) |
        quint64(localTime.msecsSinceStartOfDay() / 60000);
    const auto it = m_utcCache.constFind(key);
    if (it != m_utcCache.constEnd())
        return it.value();
    const QTimeZone &tz = m_zones[size_t(zone)];
    const QDateTime local(localDate, localTime, tz);
    qint64 seconds;
    if (local.isValid()) {
        seconds = local.toSecsSinceEpoch();
    } else {
        // A local time inside a spring-forward gap does not exist; read it with the offset in force
        // just before the jump (what the clock on the wall would have said).
        const qint64 asUtc = QDateTime(localDate, localTime, Qt::UTC).toSecsSinceEpoch();
        seconds = asUtc - tz.offsetFromUtc(QDateTime::fromSecsSinceEpoch(asUtc - 86400, Qt::UTC));
    }
    m_utcCache.insert(key, seconds);
    return seconds;
}

ScoringProfile ScoringSpace::compile(const MatchProfile &profile)
{
    ScoringProfile s;

    // Unknown keys are interned in sorted order, so indexes (and float summation order) do not
    // depend on QHash's per-process iteration order: a pass is reproducible.
    auto internAll = [](const QHash<QString, int> &scores, KeyInterner &index,
                        std::vector<std::pair<int, int>> &known) {
        QStringList unknown;
        known.reserve(size_t(scores.size()));
        for (auto it = scores.constBegin(); it != scores.constEnd(); ++it) {
            const int found = index.find(it.key());
            if (found >= 0)
                known.emplace_back(found, it.value());
            else
                unknown.append(it.key());
        }
        unknown.sort();
        for (const QString &k : unknown)
            known.emplace_back(index.intern(k), scores.value(k));
    };
    std::vector<std::pair<int, int>> values, interests; // index, score
    internAll(profile.values, m_values, values);
    internAll(profile.interests, m_interests, interests);
    for (const NonNegotiable &n : profile.nonNegotiables) {
        if (n.dimension == NonNegotiable::Dimension::Value)
            m_values.intern(n.key);
        else if (n.dimension == NonNegotiable::Dimension::Interest)
            m_interests.intern(n.key);
    }

    s.valueCount = m_values.size();
    s.interestCount = m_interests.size();
    s.sliders.resize(2 * (s.valueCount + s.interestCount));
    std::fill(s.sliders.begin(), s.sliders.end(), qint8(0));
    qint8 *valueSlot = s.sliders.data();
    qint8 *valueBoost = valueSlot + s.valueCount;
    qint8 *interestSlot = valueSlot + 2 * s.valueCount;
    qint8 *interestBoost = interestSlot + s.interestCount;
    std::fill(valueSlot, valueSlot + s.valueCount, qint8(-1));
    std::fill(interestSlot, interestSlot + s.interestCount, qint8(-1));
    for (const auto &[index, score] : values)
        valueSlot[index] = qint8(qBound(0, score, 100));
    for (const auto &[index, score] : interests)
        interestSlot[index] = qint8(qBound(0, score, 100));
    for (const NonNegotiable &n : profile.nonNegotiables) {
        const int boost = scoring::nonNegotiableBoost(n.rank);
        switch (n.dimension) {
        case NonNegotiable::Dimension::Value:
            valueBoost[m_values.find(n.key)] += qint8(boost);
            break;
        case NonNegotiable::Dimension::Interest:
            interestBoost[m_interests.find(n.key)] += qint8(boost);
            break;
        case NonNegotiable::Dimension::Preference:
            if (const auto key = preferenceKey(n.key))
                s.preferenceBoost[size_t(*key)] += quint8(boost);
            break;
        }
    }

    const MatchPreferences &p = profile.preferences;
    s.directness = p.directnessScore ? qint8(qBound(0, *p.directnessScore, 100)) : qint8(-1);
    s.humor = p.humorScore ? qint8(qBound(0, *p.humorScore, 100)) : qint8(-1);
    s.pace = ordinal(p.responsePace);
    s.frequency = ordinal(p.contactFrequency);
    s.depth = ordinal(p.conversationDepth);
    s.group = ordinal(p.groupComfort);
    s.intention = ordinal(p.friendshipIntention);
    s.voiceNoteOk = p.voiceNoteOk ? 1 : 0;

    const int zone = zoneIndex(p.timezone);
    s.utcOffsetMinutes = m_zoneOffsetMinutes[size_t(zone)];
    const QDate today = m_zoneToday[size_t(zone)];
    for (const AvailabilityWindow &w : p.availabilityWindows) {
        if (!w.start.isValid() || !w.end.isValid())
            continue;
        // The next occurrence of that weekday (today included) in the user's zone, so the
        // conversion uses the DST offset actually in force then.
        const int ahead = (int(w.day) - today.dayOfWeek() + 7) % 7;
        const QDate startDate = today.addDays(ahead);
        const QDate endDate = w.end <= w.start ? startDate.addDays(1) : startDate;
        const qint64 from = utcSeconds(zone, startDate, w.start);
        const qint64 to = utcSeconds(zone, endDate, w.end);
        const int length = int(std::clamp<qint64>((to - from) / 60, 0, kMinutesPerDay + 60));
        const int start = minuteOfWeek(from);
        if (start + length <= kMinutesPerWeek) {
            s.availability.push_back({start, start + length});
        } else { // runs past Sunday 24:00 UTC: wrap to Monday
            s.availability.push_back({start, kMinutesPerWeek});
            s.availability.push_back({0, start + length - kMinutesPerWeek});
        }
    }
    mergeIntervals(s.availability);
    for (const MinuteInterval &i : s.availability)
        s.availableMinutes += i.end - i.start;
    return s;
}

// ---- dimensions -------------------------------------------------------------------------------

double valuesScore(const ScoringProfile &a, const ScoringProfile &b)
{
    // Integer arithmetic (this runs for every candidate pair): weights are scaled by 200 and
    // similarities by 2, which keeps the 1.5x gap factor and the salience exact.
    const int n = std::min(a.valueCount, b.valueCount);
    const qint8 *av = a.values(), *bv = b.values(), *ab = a.valueBoost(), *bb = b.valueBoost();
    // Branch-free so the compiler can vectorise it: unanswered keys get weight 0.
    int num = 0, den = 0;
    for (int k = 0; k < n; ++k) {
        const int x = av[k], y = bv[k];
        const int answered = int((x | y) >= 0);
        const int boost = ab[k] + bb[k];
        // Agreeing on a value someone holds dear says more than agreeing on one neither cares
        // about: salience 0.5 + max/200, i.e. (100 + max) / 200.
        const int weight = answered * (1 + boost) * (100 + std::max(x, y));
        const int gap = std::abs(x - y);
        const int similarity = 200 - (boost > 0 ? std::min(200, 3 * gap) : 2 * gap);
        num += weight * similarity;
        den += weight;
    }
    return den > 0 ? double(num) / (2.0 * double(den)) : scoring::kNoSignal;
}

double interestsScore(const ScoringProfile &a, const ScoringProfile &b)
{
    const int n = std::min(a.interestCount, b.interestCount);
    const qint8 *ai = a.interests(), *bi = b.interests(), *ab = a.interestBoost(),
                *bb = b.interestBoost();
    int num = 0, den = 0;
    for (int k = 0; k < n; ++k) {
        const int x = ai[k], y = bi[k];
        const int weight = int((x | y) >= 0) * (1 + ab[k] + bb[k]);
        num += weight * std::min(x, y);
        den += weight * std::max(x, y);
    }
    return den > 0 ? 100.0 * num / den : scoring::kNoSignal;
}

double communicationScore(const ScoringProfile &a, const ScoringProfile &b)
{
    double num = 0, den = 0;
    auto add = [&](double weight, double similarity) {
        num += weight * similarity;
        den += weight;
    };
    if (a.directness >= 0 && b.directness >= 0) {
        const int boost = boostOf(a, b, PreferenceKey::Directness);
        add(0.30 * (1 + boost),
            100.0 - gapWithNonNegotiable(std::abs(a.directness - b.directness), boost));
    }
    if (a.humor >= 0 && b.humor >= 0) {
        const int boost = boostOf(a, b, PreferenceKey::Humor);
        add(0.25 * (1 + boost), 100.0 - gapWithNonNegotiable(std::abs(a.humor - b.humor), boost));
    }
    if (a.pace >= 0 && b.pace >= 0)
        add(0.20 * (1 + boostOf(a, b, PreferenceKey::ResponsePace)), a.pace == b.pace ? 100 : 50);
    if (a.frequency >= 0 && b.frequency >= 0)
        add(0.25 * (1 + boostOf(a, b, PreferenceKey::ContactFrequency)),
            100.0 - 50.0 * std::abs(a.frequency - b.frequency));
    // Group comfort, intention and voice notes shape later meet-ups more than the first chat, so
    // they count only for someone who made them a non-negotiable.
    if (const int boost = boostOf(a, b, PreferenceKey::GroupComfort);
        boost > 0 && a.group >= 0 && b.group >= 0) {
        const int any = int(GroupComfort::Any);
        add(0.10 * boost, a.group == b.group || a.group == any || b.group == any ? 100 : 40);
    }
    if (const int boost = boostOf(a, b, PreferenceKey::FriendshipIntention);
        boost > 0 && a.intention >= 0 && b.intention >= 0) {
        const int open = int(FriendshipIntention::OpenEnded);
        add(0.10 * boost,
            a.intention == b.intention                       ? 100
                : a.intention == open || b.intention == open ? 60
                                                             : 20);
    }
    if (const int boost = boostOf(a, b, PreferenceKey::VoiceNoteOk); boost > 0)
        add(0.10 * boost, a.voiceNoteOk == b.voiceNoteOk ? 100 : 50);
    return den > 0 ? num / den : scoring::kNoSignal;
}

double depthScore(const ScoringProfile &a, const ScoringProfile &b)
{
    if (a.depth < 0 || b.depth < 0)
        return scoring::kNoSignal;
    switch (std::abs(a.depth - b.depth)) {
    case 0:
        return 100;
    case 1:
        return boostOf(a, b, PreferenceKey::ConversationDepth) > 0 ? 25 : 50;
    default:
        return 0;
    }
}

int availabilityOverlapMinutes(const ScoringProfile &a, const ScoringProfile &b)
{
    int total = 0;
    qsizetype i = 0, j = 0;
    while (i < a.availability.size() && j < b.availability.size()) {
        const MinuteInterval &x = a.availability[i];
        const MinuteInterval &y = b.availability[j];
        total += std::max(0, std::min(x.end, y.end) - std::max(x.start, y.start));
        if (x.end < y.end)
            ++i;
        else
            ++j;
    }
    return total;
}

double availabilityScore(const ScoringProfile &a, const ScoringProfile &b)
{
    if (a.availableMinutes == 0 || b.availableMinutes == 0)
        return scoring::kNoSignal;
    const double overlap = availabilityOverlapMinutes(a, b);
    // Share of the busier person's free time that the other can meet, damped when the overlap is
    // too short to fit a conversation in.
    const double share = std::min(1.0, overlap / std::min(a.availableMinutes, b.availableMinutes));
    const double enough = std::min(1.0, overlap / scoring::kAvailabilityFullOverlapMinutes);
    return 100.0 * share * enough;
}

double ScoreBreakdown::total() const
{
    return scoring::kValuesWeight * values + scoring::kCommunicationWeight * communication +
        scoring::kInterestsWeight * interests + scoring::kDepthWeight * depth +
        scoring::kAvailabilityWeight * availability;
}

QJsonObject ScoreBreakdown::toJson() const
{
    auto whole = [](double v) {
        return qBound(0, qRound(v), 100);
    };
    return QJsonObject {{QStringLiteral("values"), whole(values)},
                        {QStringLiteral("communication"), whole(communication)},
                        {QStringLiteral("interests"), whole(interests)},
                        {QStringLiteral("depth"), whole(depth)},
                        {QStringLiteral("availability"), whole(availability)}};
}

ScoreBreakdown scorePair(const ScoringProfile &a, const ScoringProfile &b)
{
    ScoreBreakdown s;
    s.values = valuesScore(a, b);
    s.communication = communicationScore(a, b);
    s.interests = interestsScore(a, b);
    s.depth = depthScore(a, b);
    s.availability = availabilityScore(a, b);
    return s;
}

// ---- reasons ----------------------------------------------------------------------------------

QJsonObject MatchReason::toJson() const
{
    return QJsonObject {{QStringLiteral("dimension"), dimension}, {QStringLiteral("text"), text}};
}

QJsonArray matchReasonsToJson(const QList<MatchReason> &reasons)
{
    QJsonArray out;
    for (const MatchReason &r : reasons)
        out.append(r.toJson());
    return out;
}

QList<MatchReason> matchReasons(const ScoringProfile &a, const ScoringProfile &b,
                                const ScoreBreakdown &breakdown, const ScoringSpace &space)
{
    struct Candidate
    {
        QString dimension;
        QString text;
        double strength;
        double weight;
    };
    std::vector<Candidate> candidates;
    const QString values = QStringLiteral("values"), interests = QStringLiteral("interests"),
                  communication = QStringLiteral("communication"), depth = QStringLiteral("depth"),
                  availability = QStringLiteral("availability");

    // Keys both rate highly, shared non-negotiables first. Only keys where both sides agree are
    // named, so a reason never discloses an answer of the peer the viewer does not share.
    auto sharedHigh = [](const qint8 *x, const qint8 *y, const qint8 *bx, const qint8 *by, int n,
                         int threshold, int limit, auto nameOf) {
        std::vector<std::pair<int, int>> keys; // priority, index
        for (int k = 0; k < n; ++k) {
            if (x[k] >= threshold && y[k] >= threshold) {
                const int nn = bx[k] > 0 && by[k] > 0 ? 1000 : 0;
                keys.emplace_back(nn + std::min(x[k], y[k]), k);
            }
        }
        // Ties in key-index order: deterministic for a given pass.
        std::sort(keys.begin(), keys.end(), [](const auto &l, const auto &r) {
            return l.first != r.first ? l.first > r.first : l.second < r.second;
        });
        QStringList names;
        for (size_t i = 0; i < keys.size() && int(i) < limit; ++i)
            names.append(displayKey(nameOf(keys[i].second)));
        return names;
    };
    const QStringList sharedValues =
        sharedHigh(a.values(), b.values(), a.valueBoost(), b.valueBoost(),
                   std::min(a.valueCount, b.valueCount), scoring::kReasonHighValue, 2,
                   [&](int i) { return space.valueKey(i); });
    if (!sharedValues.isEmpty())
        candidates.push_back(
            {values, QStringLiteral("You both rate %1 highly").arg(joinWords(sharedValues)),
             breakdown.values, scoring::kValuesWeight});
    const QStringList sharedInterests =
        sharedHigh(a.interests(), b.interests(), a.interestBoost(), b.interestBoost(),
                   std::min(a.interestCount, b.interestCount), scoring::kReasonHighInterest, 3,
                   [&](int i) { return space.interestKey(i); });
    if (!sharedInterests.isEmpty())
        candidates.push_back({interests,
                              QStringLiteral("You both enjoy %1").arg(joinWords(sharedInterests)),
                              breakdown.interests, scoring::kInterestsWeight});

    // One communication trait, the most specific one the two share.
    {
        std::vector<std::pair<double, QString>> traits;
        const int directGap = std::abs(a.directness - b.directness);
        if (a.directness >= 65 && b.directness >= 65 && directGap <= 20)
            traits.emplace_back(100 - directGap,
                                QStringLiteral("You both like to say what you think"));
        if (a.directness >= 0 && b.directness >= 0 && a.directness <= 35 && b.directness <= 35 &&
            directGap <= 20)
            traits.emplace_back(100 - directGap,
                                QStringLiteral("You both prefer a gentle, tactful way of talking"));
        const int humorGap = std::abs(a.humor - b.humor);
        if (a.humor >= 65 && b.humor >= 65 && humorGap <= 20)
            traits.emplace_back(100 - humorGap, QStringLiteral("You both love a good laugh"));
        if (a.pace >= 0 && a.pace == b.pace)
            traits.emplace_back(85,
                                a.pace == int(ResponsePace::Quick)
                                    ? QStringLiteral("You both like quick replies")
                                    : QStringLiteral("You are both relaxed about reply times"));
        if (a.frequency >= 0 && a.frequency == b.frequency) {
            static const char *const texts[] = {"You both like to stay in touch most days",
                                                "You both like to catch up about once a week",
                                                "You both prefer to keep in touch now and then"};
            traits.emplace_back(80, QLatin1StringView(texts[a.frequency]));
        }
        std::stable_sort(traits.begin(), traits.end(),
                         [](const auto &l, const auto &r) { return l.first > r.first; });
        if (!traits.empty())
            candidates.push_back({communication, traits.front().second, breakdown.communication,
                                  scoring::kCommunicationWeight});
    }

    if (a.depth >= 0 && a.depth == b.depth) {
        static const char *const texts[] = {"You both like to keep conversations light",
                                            "You both like a mix of light and deeper conversation",
                                            "You both enjoy deep conversations"};
        candidates.push_back(
            {depth, QLatin1StringView(texts[a.depth]), breakdown.depth, scoring::kDepthWeight});
    }
    if (const auto text = availabilityReason(a, b))
        candidates.push_back(
            {availability, *text, breakdown.availability, scoring::kAvailabilityWeight});

    std::stable_sort(candidates.begin(), candidates.end(), [](const auto &l, const auto &r) {
        return l.strength != r.strength ? l.strength > r.strength : l.weight > r.weight;
    });
    QList<MatchReason> out;
    for (const Candidate &c : candidates) {
        if (out.size() == 4)
            break;
        out.append({c.dimension, c.text});
    }

    // Fewer than two specific reasons (a pair made after a long wait): fall back to the strongest
    // dimensions, in words that stay true whatever the scores.
    if (out.size() < 2) {
        struct Fallback
        {
            QString dimension;
            double score;
            const char *good;
            const char *neutral;
        };
        std::vector<Fallback> fallbacks = {
            {values, breakdown.values, "You see eye to eye on what matters most",
             "You may see some things differently, which makes for good conversation"},
            {communication, breakdown.communication, "Your ways of talking fit well together",
             "You each bring your own conversation style"},
            {interests, breakdown.interests, "You have interests in common",
             "You each have interests the other could discover"},
            {depth, breakdown.depth, "You like similar kinds of conversations",
             "You may enjoy different kinds of conversation, a chance to try something new"},
            {availability, breakdown.availability, "Your free time overlaps",
             "You are both here and free to talk right now"},
        };
        std::stable_sort(fallbacks.begin(), fallbacks.end(),
                         [](const auto &l, const auto &r) { return l.score > r.score; });
        for (const Fallback &f : fallbacks) {
            if (out.size() >= 2)
                break;
            const bool used = std::any_of(out.begin(), out.end(), [&](const MatchReason &r) {
                return r.dimension == f.dimension;
            });
            if (!used)
                out.append({f.dimension, QLatin1StringView(f.score >= 60 ? f.good : f.neutral)});
        }
    }
    return out;
}

ScoreBreakdown scoreProfiles(const MatchProfile &a, const MatchProfile &b, const QDateTime &now)
{
    ScoringSpace space(now);
    const ScoringProfile x = space.compile(a);
    const ScoringProfile y = space.compile(b);
    return scorePair(x, y);
}

QList<MatchReason> explainProfiles(const MatchProfile &a, const MatchProfile &b,
                                   const QDateTime &now)
{
    ScoringSpace space(now);
    const ScoringProfile x = space.compile(a);
    const ScoringProfile y = space.compile(b);
    return matchReasons(x, y, scorePair(x, y), space);
}

} // namespace fp
