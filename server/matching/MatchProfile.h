#pragma once

// The in-memory candidate the matcher reads: one waiting user's answers (values, interests,
// preferences, off-limits topics, non-negotiables) plus the safety facts the safeguards need
// (trust, finished conversations, open reports) and when they joined the queue. Plain data:
// the queue layer loads it (see docs/matching.md, "Loading a MatchProfile"), nothing here does I/O.

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTime>
#include <optional>

namespace fp {

enum class ConversationDepth { Light, Moderate, Deep };
enum class ContactFrequency { Daily, Weekly, Occasional };
enum class ResponsePace { Quick, Flexible };
enum class GroupComfort { OneToOne, SmallGroups, Any };
enum class FriendshipIntention { LongTerm, OpenEnded, ActivityBuddies };

/// One weekly free slot in the user's own time zone. An end at or before the start means the
/// window runs past midnight into the next day (22:00-01:00); equal start and end is a full day.
struct AvailabilityWindow
{
    Qt::DayOfWeek day = Qt::Monday;
    QTime start;
    QTime end;
};

struct NonNegotiable
{
    enum class Dimension { Value, Interest, Preference };
    Dimension dimension = Dimension::Value;
    /// A value key, an interest key, or a preference field name (e.g. "conversation_depth").
    QString key;
    /// 1 (most important) to 3.
    int rank = 3;
};

/// user_preference_settings. Unanswered columns are nullopt: scoring treats them as "no signal"
/// rather than guessing a default that could push two people together or apart.
struct MatchPreferences
{
    std::optional<ConversationDepth> conversationDepth;
    std::optional<ContactFrequency> contactFrequency;
    std::optional<int> directnessScore; // 0-100
    std::optional<int> humorScore; // 0-100
    std::optional<ResponsePace> responsePace;
    std::optional<GroupComfort> groupComfort;
    std::optional<FriendshipIntention> friendshipIntention;
    bool voiceNoteOk = false;
    QList<AvailabilityWindow> availabilityWindows;
    /// IANA name the windows are expressed in; an unknown name is treated as UTC.
    QString timezone = QStringLiteral("UTC");
};

struct MatchProfile
{
    QString userId;
    QHash<QString, int> values; // value_key -> 0-100
    QHash<QString, int> interests; // interest_key -> 0-100
    QStringList offLimitsTopics; // topic keys
    QList<NonNegotiable> nonNegotiables;
    MatchPreferences preferences;
    /// trust_scores.score; a user without a row yet starts at the platform default of 50.
    int trustScore = 50;
    /// Conversations this user took part in that reached closed_at (new-user-safe rule).
    int finishedConversations = 0;
    /// At least one report against this user in status open or triaged.
    bool hasOpenReport = false;
    QDateTime enqueuedAt;

    /// 1-3 when `key` is one of this user's non-negotiables in `dimension`, else 0.
    int nonNegotiableRank(NonNegotiable::Dimension dimension, const QString &key) const;

    /// Builds a profile from the GET /api/profile shape (user_id, values, interests,
    /// off_limits_topics, non_negotiables, preferences{..., availability_windows, timezone}) plus
    /// the matching-only fields trust_score, finished_conversations, has_open_report and
    /// enqueued_at (RFC 3339). Unknown enum strings and malformed windows are skipped, because the
    /// API validated them on write and a stale row must not stop a matching pass.
    static MatchProfile fromJson(const QJsonObject &json);
};

std::optional<ConversationDepth> parseConversationDepth(QStringView text);
std::optional<ContactFrequency> parseContactFrequency(QStringView text);
std::optional<ResponsePace> parseResponsePace(QStringView text);
std::optional<GroupComfort> parseGroupComfort(QStringView text);
std::optional<FriendshipIntention> parseFriendshipIntention(QStringView text);
std::optional<NonNegotiable::Dimension> parseNonNegotiableDimension(QStringView text);
/// "mon".."sun".
std::optional<Qt::DayOfWeek> parseWeekday(QStringView text);
/// The availability_windows JSON column / API field: [{day, start:"HH:MM", end:"HH:MM"}].
/// "24:00" is accepted as an end meaning midnight. Malformed entries are skipped.
QList<AvailabilityWindow> parseAvailabilityWindows(const QJsonArray &windows);

/// Off-limits topics and interests are two vocabularies. A topic conflicts with an interest when
/// the interest key equals the topic key or is listed for the topic in catalog.json
/// "topic_interests" (the one table; see docs/matching.md).
using TopicInterestMap = QHash<QString, QStringList>;
/// Reads "topic_interests" from the parsed catalog.json object (the caller reads the file).
TopicInterestMap topicInterestsFromCatalog(const QJsonObject &catalog);
/// The interest keys that make `topic` likely to come up: the topic key itself plus its table row.
QStringList interestsForTopic(const TopicInterestMap &map, const QString &topic);

} // namespace fp
