#include "server/matching/MatchProfile.h"

#include "common/Time.h"

namespace fp {

namespace {

template<typename Enum, size_t N>
std::optional<Enum> parseEnum(QStringView text, const std::pair<const char *, Enum> (&names)[N])
{
    for (const auto &[name, value] : names) {
        if (text == QLatin1StringView(name))
            return value;
    }
    return std::nullopt;
}

std::optional<QTime> parseClock(const QString &text, bool isEnd)
{
    // "24:00" is how people write "until midnight"; QTime has no such value.
    if (isEnd && text == QLatin1StringView("24:00"))
        return QTime(0, 0);
    const QTime t = QTime::fromString(text, QStringLiteral("HH:mm"));
    if (!t.isValid())
        return std::nullopt;
    return t;
}

std::optional<int> optionalScore(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    return qBound(0, v.toInt(), 100);
}

QHash<QString, int> scoreMap(const QJsonValue &v)
{
    QHash<QString, int> out;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isDouble())
            out.insert(it.key(), qBound(0, it.value().toInt(), 100));
    }
    return out;
}

} // namespace

int MatchProfile::nonNegotiableRank(NonNegotiable::Dimension dimension, const QString &key) const
{
    for (const NonNegotiable &n : nonNegotiables) {
        if (n.dimension == dimension && n.key == key)
            return n.rank;
    }
    return 0;
}

std::optional<ConversationDepth> parseConversationDepth(QStringView text)
{
    static constexpr std::pair<const char *, ConversationDepth> names[] = {
        {"light", ConversationDepth::Light},
        {"moderate", ConversationDepth::Moderate},
        {"deep", ConversationDepth::Deep}};
    return parseEnum(text, names);
}

std::optional<ContactFrequency> parseContactFrequency(QStringView text)
{
    static constexpr std::pair<const char *, ContactFrequency> names[] = {
        {"daily", ContactFrequency::Daily},
        {"weekly", ContactFrequency::Weekly},
        {"occasional", ContactFrequency::Occasional}};
    return parseEnum(text, names);
}

std::optional<ResponsePace> parseResponsePace(QStringView text)
{
    static constexpr std::pair<const char *, ResponsePace> names[] = {
        {"quick", ResponsePace::Quick}, {"flexible", ResponsePace::Flexible}};
    return parseEnum(text, names);
}

std::optional<GroupComfort> parseGroupComfort(QStringView text)
{
    static constexpr std::pair<const char *, GroupComfort> names[] = {
        {"one_to_one", GroupComfort::OneToOne},
        {"small_groups", GroupComfort::SmallGroups},
        {"any", GroupComfort::Any}};
    return parseEnum(text, names);
}

std::optional<FriendshipIntention> parseFriendshipIntention(QStringView text)
{
    static constexpr std::pair<const char *, FriendshipIntention> names[] = {
        {"long_term", FriendshipIntention::LongTerm},
        {"open_ended", FriendshipIntention::OpenEnded},
        {"activity_buddies", FriendshipIntention::ActivityBuddies}};
    return parseEnum(text, names);
}

std::optional<NonNegotiable::Dimension> parseNonNegotiableDimension(QStringView text)
{
    static constexpr std::pair<const char *, NonNegotiable::Dimension> names[] = {
        {"value", NonNegotiable::Dimension::Value},
        {"interest", NonNegotiable::Dimension::Interest},
        {"preference", NonNegotiable::Dimension::Preference}};
    return parseEnum(text, names);
}

std::optional<Qt::DayOfWeek> parseWeekday(QStringView text)
{
    static constexpr std::pair<const char *, Qt::DayOfWeek> names[] = {
        {"mon", Qt::Monday}, {"tue", Qt::Tuesday},  {"wed", Qt::Wednesday}, {"thu", Qt::Thursday},
        {"fri", Qt::Friday}, {"sat", Qt::Saturday}, {"sun", Qt::Sunday}};
    return parseEnum(text, names);
}

QList<AvailabilityWindow> parseAvailabilityWindows(const QJsonArray &windows)
{
    QList<AvailabilityWindow> out;
    out.reserve(windows.size());
    for (const QJsonValue &v : windows) {
        const QJsonObject o = v.toObject();
        const auto day = parseWeekday(o.value(QLatin1StringView("day")).toString());
        const auto start = parseClock(o.value(QLatin1StringView("start")).toString(), false);
        const auto end = parseClock(o.value(QLatin1StringView("end")).toString(), true);
        if (day && start && end)
            out.append(AvailabilityWindow {*day, *start, *end});
    }
    return out;
}

MatchProfile MatchProfile::fromJson(const QJsonObject &json)
{
    MatchProfile p;
    p.userId = json.value(QLatin1StringView("user_id")).toString();
    p.values = scoreMap(json.value(QLatin1StringView("values")));
    p.interests = scoreMap(json.value(QLatin1StringView("interests")));
    for (const QJsonValue &t : json.value(QLatin1StringView("off_limits_topics")).toArray())
        p.offLimitsTopics.append(t.toString());
    for (const QJsonValue &v : json.value(QLatin1StringView("non_negotiables")).toArray()) {
        const QJsonObject o = v.toObject();
        const auto dimension =
            parseNonNegotiableDimension(o.value(QLatin1StringView("dimension")).toString());
        const int rank = o.value(QLatin1StringView("priority_rank")).toInt();
        if (dimension && rank >= 1 && rank <= 3)
            p.nonNegotiables.append(
                NonNegotiable {*dimension, o.value(QLatin1StringView("key")).toString(), rank});
    }

    const QJsonObject prefs = json.value(QLatin1StringView("preferences")).toObject();
    MatchPreferences &m = p.preferences;
    m.conversationDepth =
        parseConversationDepth(prefs.value(QLatin1StringView("conversation_depth")).toString());
    m.contactFrequency =
        parseContactFrequency(prefs.value(QLatin1StringView("contact_frequency")).toString());
    m.directnessScore = optionalScore(prefs.value(QLatin1StringView("directness_score")));
    m.humorScore = optionalScore(prefs.value(QLatin1StringView("humor_score")));
    m.responsePace = parseResponsePace(prefs.value(QLatin1StringView("response_pace")).toString());
    m.groupComfort = parseGroupComfort(prefs.value(QLatin1StringView("group_comfort")).toString());
    m.friendshipIntention =
        parseFriendshipIntention(prefs.value(QLatin1StringView("friendship_intention")).toString());
    m.voiceNoteOk = prefs.value(QLatin1StringView("voice_note_ok")).toBool();
    m.availabilityWindows =
        parseAvailabilityWindows(prefs.value(QLatin1StringView("availability_windows")).toArray());
    const QString tz = prefs.value(QLatin1StringView("timezone")).toString();
    if (!tz.isEmpty())
        m.timezone = tz;

    p.trustScore = json.value(QLatin1StringView("trust_score")).toInt(50);
    p.finishedConversations = json.value(QLatin1StringView("finished_conversations")).toInt();
    p.hasOpenReport = json.value(QLatin1StringView("has_open_report")).toBool();
    p.enqueuedAt = fromWireTime(json.value(QLatin1StringView("enqueued_at")).toString());
    return p;
}

TopicInterestMap topicInterestsFromCatalog(const QJsonObject &catalog)
{
    TopicInterestMap map;
    const QJsonObject table = catalog.value(QLatin1StringView("topic_interests")).toObject();
    for (auto it = table.begin(); it != table.end(); ++it) {
        QStringList keys;
        for (const QJsonValue &k : it.value().toArray())
            keys.append(k.toString());
        map.insert(it.key(), keys);
    }
    return map;
}

QStringList interestsForTopic(const TopicInterestMap &map, const QString &topic)
{
    QStringList keys {topic};
    for (const QString &k : map.value(topic)) {
        if (!keys.contains(k))
            keys.append(k);
    }
    return keys;
}

} // namespace fp
