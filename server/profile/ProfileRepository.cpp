#include "server/profile/ProfileRepository.h"

#include "server/profile/ProfileRules.h"
#include "server/storage/Database.h"
#include "server/storage/RowExport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fp {

namespace {

Status failed(const SqlResult &r)
{
    return r.toAppError();
}

QString textOrEmpty(const QVariant &v)
{
    return v.isNull() ? QString() : v.toString();
}

QString windowsToJson(const QList<ProfileWindow> &windows)
{
    QJsonArray list;
    for (const ProfileWindow &w : windows)
        list.append(QJsonObject {{QStringLiteral("day"), w.day},
                                 {QStringLiteral("start"), w.start},
                                 {QStringLiteral("end"), w.end}});
    return QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact));
}

QList<ProfileWindow> windowsFromJson(const QByteArray &json)
{
    QList<ProfileWindow> windows;
    const QJsonArray list = QJsonDocument::fromJson(json).array();
    for (const QJsonValue &v : list) {
        const QJsonObject o = v.toObject();
        windows.append({o.value(QStringLiteral("day")).toString(),
                        o.value(QStringLiteral("start")).toString(),
                        o.value(QStringLiteral("end")).toString()});
    }
    return windows;
}

/// What a person's rows were before the batch: nothing for a person whose profile row it creates
/// (that row's other columns start NULL, which reads as empty).
const Profile &storedOf(const ProfileWrite &w)
{
    static const Profile none;
    return w.before ? *w.before : none;
}

/// Deletes, in `table` (a fixed name, never input), the rows of each person whose `keyColumn`
/// is among that person's keys: existing rows found by their own primary key, record locks only.
Status deleteKeys(const QString &table, const QString &keyColumn,
                  const QList<std::pair<QString, QStringList>> &keysByUser)
{
    QStringList people;
    QVariantList bindings;
    for (const auto &[userId, keys] : keysByUser) {
        if (keys.isEmpty())
            continue;
        people << QStringLiteral("(user_id = ? AND %1 IN (%2))")
                      .arg(keyColumn, Sql::repeated(QStringLiteral("?"), keys.size()));
        bindings << userId;
        for (const QString &key : keys)
            bindings << key;
    }
    if (people.isEmpty())
        return Ok {};
    SqlResult removed = Sql::exec(
        QStringLiteral("DELETE FROM %1 WHERE %2").arg(table, people.join(QStringLiteral(" OR "))),
        bindings);
    return removed.ok() ? Status(Ok {}) : failed(removed);
}

/// Runs `insert` followed by `rows` rows of `placeholders` and `bindings`, unless there are none.
Status insertRows(const QString &insert, const QString &placeholders, qsizetype rows,
                  const QVariantList &bindings, const QString &onDuplicate = {})
{
    if (rows == 0)
        return Ok {};
    SqlResult written =
        Sql::exec(insert + Sql::repeated(placeholders, rows) + onDuplicate, bindings);
    return written.ok() ? Status(Ok {}) : failed(written);
}

/// The profile rows' changed columns, for everyone in one UPDATE: each column that someone
/// changed is set by a CASE over the people who changed it, and left as it is for the others.
Status writeProfileRows(const QList<ProfileWrite> &writes)
{
    QStringList sets;
    QVariantList bindings;
    const auto setWhereChanged = [&](const QString &column, const auto &valueOf) {
        QString cases;
        for (const ProfileWrite &w : writes) {
            const std::optional<QVariant> value = valueOf(w);
            if (!value)
                continue;
            cases += QStringLiteral(" WHEN ? THEN ?");
            bindings << w.after.userId << *value;
        }
        if (!cases.isEmpty())
            sets << QStringLiteral("%1 = CASE user_id%2 ELSE %1 END").arg(column, cases);
    };
    // Column names come from ProfileRules::textFields(), a fixed list; values are bound.
    for (const ProfileRules::TextField &c : ProfileRules::textFields()) {
        setWhereChanged(QLatin1String(c.name), [&c](const ProfileWrite &w) {
            const QString &value = w.after.*c.held;
            if (value == storedOf(w).*c.held)
                return std::optional<QVariant>();
            return std::optional<QVariant>(c.nullable ? Sql::nullableText(value) : QVariant(value));
        });
    }
    // updated_at covers every section, so it moves with any change.
    setWhereChanged(QStringLiteral("updated_at"), [](const ProfileWrite &w) {
        return std::optional<QVariant>(Sql::time(w.after.updatedAt));
    });
    setWhereChanged(QStringLiteral("onboarding_completed_at"), [](const ProfileWrite &w) {
        const QDateTime &stamp = w.after.onboardingCompletedAt;
        if (!stamp.isValid() || stamp == storedOf(w).onboardingCompletedAt)
            return std::optional<QVariant>();
        return std::optional<QVariant>(Sql::time(stamp));
    });
    if (sets.isEmpty())
        return Ok {};
    QStringList people;
    for (const ProfileWrite &w : writes)
        people << w.after.userId;
    bindings << Sql::values(people);
    SqlResult r = Sql::exec(QStringLiteral("UPDATE user_profiles SET %1 WHERE user_id IN (%2)")
                                .arg(sets.join(QStringLiteral(", ")),
                                     Sql::repeated(QStringLiteral("?"), people.size())),
                            bindings);
    return r.ok() ? Status(Ok {}) : failed(r);
}

Status writePreferences(const QList<ProfileWrite> &writes)
{
    const auto score = [](const std::optional<int> &v) {
        return v ? QVariant(*v) : QVariant(QMetaType::fromType<int>());
    };
    QVariantList bindings;
    qsizetype rows = 0;
    for (const ProfileWrite &w : writes) {
        const std::optional<ProfilePreferences> &prefs = w.after.preferences;
        if (!prefs || prefs == storedOf(w).preferences)
            continue;
        const ProfilePreferences &s = *prefs;
        bindings << w.after.userId << Sql::nullableText(s.conversationDepth)
                 << Sql::nullableText(s.contactFrequency) << score(s.directnessScore)
                 << score(s.humorScore) << Sql::nullableText(s.responsePace)
                 << Sql::nullableText(s.groupComfort) << Sql::nullableText(s.friendshipIntention)
                 << (s.voiceNoteOk ? 1 : 0) << windowsToJson(s.availabilityWindows) << s.timezone
                 << Sql::time(w.after.updatedAt);
        ++rows;
    }
    return insertRows(
        QStringLiteral(
            "INSERT INTO user_preference_settings (user_id, conversation_depth, "
            "contact_frequency, directness_score, humor_score, response_pace, group_comfort, "
            "friendship_intention, voice_note_ok, availability_windows, timezone, updated_at) "
            "VALUES "),
        QStringLiteral("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), rows, bindings,
        QStringLiteral(
            " ON DUPLICATE KEY UPDATE conversation_depth = VALUES(conversation_depth), "
            "contact_frequency = VALUES(contact_frequency), "
            "directness_score = VALUES(directness_score), humor_score = VALUES(humor_score), "
            "response_pace = VALUES(response_pace), group_comfort = VALUES(group_comfort), "
            "friendship_intention = VALUES(friendship_intention), "
            "voice_note_ok = VALUES(voice_note_ok), "
            "availability_windows = VALUES(availability_windows), "
            "timezone = VALUES(timezone), updated_at = VALUES(updated_at)"));
}

/// Brings everyone's (key, score) rows in `table` (a fixed name, never input) from before to
/// after: removed keys deleted, new or changed scores upserted, the rest untouched.
Status writeScores(const QString &table, const QString &keyColumn,
                   const QList<ProfileWrite> &writes, QMap<QString, int> Profile::*section)
{
    QList<std::pair<QString, QStringList>> removed;
    QVariantList bindings;
    qsizetype rows = 0;
    for (const ProfileWrite &w : writes) {
        const QMap<QString, int> &before = storedOf(w).*section;
        const QMap<QString, int> &after = w.after.*section;
        QStringList gone;
        for (auto it = before.constBegin(); it != before.constEnd(); ++it) {
            if (!after.contains(it.key()))
                gone << it.key();
        }
        removed.append({w.after.userId, gone});
        for (auto it = after.constBegin(); it != after.constEnd(); ++it) {
            if (before.contains(it.key()) && before.value(it.key()) == it.value())
                continue;
            bindings << w.after.userId << it.key() << it.value();
            ++rows;
        }
    }
    if (Status s = deleteKeys(table, keyColumn, removed); !s)
        return s;
    return insertRows(
        QStringLiteral("INSERT INTO %1 (user_id, %2, score) VALUES ").arg(table, keyColumn),
        QStringLiteral("(?, ?, ?)"), rows, bindings,
        QStringLiteral(" ON DUPLICATE KEY UPDATE score = VALUES(score)"));
}

Status writeOffLimitsTopics(const QList<ProfileWrite> &writes)
{
    QList<std::pair<QString, QStringList>> removed;
    QVariantList bindings;
    qsizetype rows = 0;
    for (const ProfileWrite &w : writes) {
        const QStringList &before = storedOf(w).offLimitsTopics;
        QStringList gone;
        for (const QString &topic : before) {
            if (!w.after.offLimitsTopics.contains(topic))
                gone << topic;
        }
        removed.append({w.after.userId, gone});
        for (const QString &topic : w.after.offLimitsTopics) {
            if (before.contains(topic))
                continue;
            bindings << w.after.userId << topic;
            ++rows;
        }
    }
    if (Status s = deleteKeys(QStringLiteral("user_off_limits_topics"), QStringLiteral("topic_key"),
                              removed);
        !s)
        return s;
    return insertRows(QStringLiteral("INSERT INTO user_off_limits_topics (user_id, topic_key) "
                                     "VALUES "),
                      QStringLiteral("(?, ?)"), rows, bindings);
}

Status writeNonNegotiables(const QList<ProfileWrite> &writes)
{
    // Two unique keys (rank, item) make a row-by-row change order-dependent: a person's few rows
    // go and come back whole, deleted by their rank (existing rows: record locks only).
    QList<std::pair<QString, QStringList>> removed;
    QVariantList bindings;
    qsizetype rows = 0;
    for (const ProfileWrite &w : writes) {
        const QList<ProfileNonNegotiable> &before = storedOf(w).nonNegotiables;
        if (before == w.after.nonNegotiables)
            continue;
        QStringList ranks;
        for (const ProfileNonNegotiable &n : before)
            ranks << QString::number(n.priorityRank);
        removed.append({w.after.userId, ranks});
        for (const ProfileNonNegotiable &n : w.after.nonNegotiables) {
            bindings << Sql::newId() << w.after.userId << n.dimension << n.key << n.priorityRank;
            ++rows;
        }
    }
    if (Status s = deleteKeys(QStringLiteral("user_non_negotiables"),
                              QStringLiteral("priority_rank"), removed);
        !s)
        return s;
    return insertRows(QStringLiteral("INSERT INTO user_non_negotiables (id, user_id, dimension, "
                                     "item_key, priority_rank) VALUES "),
                      QStringLiteral("(?, ?, ?, ?, ?)"), rows, bindings);
}

/// The whole profile as one row: the user_profiles row, and everything else as JSON from
/// subqueries (one snapshot, so never half of a PUT, with no transaction to open). A locking
/// read locks the profile rows only: MariaDB reads a subquery of a FOR UPDATE without locks,
/// where a join to a missing preferences or avatar row would take a gap lock that collides with
/// other people's inserts. The subqueries run after the lock is granted, so they see what the
/// transaction that held it committed. Read by profileFromRow().
QString profileSelect(const QString &condition)
{
    return QStringLiteral(
               "SELECT p.user_id, p.nickname, p.age_range, p.location_city, "
               "p.location_country, p.avatar_url, p.bio, p.updated_at, "
               "p.onboarding_completed_at, "
               "(SELECT JSON_OBJECT('conversation_depth', conversation_depth, "
               "'contact_frequency', contact_frequency, 'directness_score', directness_score, "
               "'humor_score', humor_score, 'response_pace', response_pace, 'group_comfort', "
               "group_comfort, 'friendship_intention', friendship_intention, 'voice_note_ok', "
               "voice_note_ok, 'availability_windows', availability_windows, 'timezone', "
               "timezone) FROM user_preference_settings WHERE user_id = p.user_id), "
               "(SELECT JSON_ARRAYAGG(JSON_ARRAY(value_key, score)) FROM user_value_scores "
               "WHERE user_id = p.user_id), "
               "(SELECT JSON_ARRAYAGG(JSON_ARRAY(interest_key, score)) FROM "
               "user_interest_scores WHERE user_id = p.user_id), "
               "(SELECT JSON_ARRAYAGG(topic_key ORDER BY topic_key) FROM user_off_limits_topics "
               "WHERE user_id = p.user_id), "
               "(SELECT JSON_ARRAYAGG(JSON_ARRAY(dimension, item_key, priority_rank) ORDER BY "
               "priority_rank, item_key) FROM user_non_negotiables WHERE user_id = p.user_id), "
               "(SELECT storage_key FROM user_avatars WHERE user_id = p.user_id) "
               "FROM user_profiles p WHERE ") +
        condition;
}

Profile profileFromRow(const SqlResult &row)
{
    Profile p;
    p.userId = row.value(0).toString();
    p.nickname = row.value(1).toString();
    p.ageRange = textOrEmpty(row.value(2));
    p.locationCity = textOrEmpty(row.value(3));
    p.locationCountry = textOrEmpty(row.value(4));
    p.avatarUrl = textOrEmpty(row.value(5));
    p.bio = textOrEmpty(row.value(6));
    p.updatedAt = Sql::toTime(row.value(7));
    p.onboardingCompletedAt = Sql::toTime(row.value(8));
    p.avatarKey = textOrEmpty(row.value(14));
    if (!row.value(9).isNull()) {
        const QJsonObject o = QJsonDocument::fromJson(row.value(9).toByteArray()).object();
        const auto text = [&o](const char *key) {
            return o.value(QLatin1String(key)).toString();
        };
        const auto score = [&o](const char *key) -> std::optional<int> {
            const QJsonValue v = o.value(QLatin1String(key));
            return v.isDouble() ? std::optional<int>(v.toInt()) : std::nullopt;
        };
        ProfilePreferences s;
        s.conversationDepth = text("conversation_depth");
        s.contactFrequency = text("contact_frequency");
        s.directnessScore = score("directness_score");
        s.humorScore = score("humor_score");
        s.responsePace = text("response_pace");
        s.groupComfort = text("group_comfort");
        s.friendshipIntention = text("friendship_intention");
        s.voiceNoteOk = o.value(QLatin1String("voice_note_ok")).toInt() != 0;
        // A JSON column comes back as its text inside the object, or as the array itself.
        const QJsonValue windows = o.value(QLatin1String("availability_windows"));
        s.availabilityWindows = windowsFromJson(
            windows.isArray() ? QJsonDocument(windows.toArray()).toJson(QJsonDocument::Compact)
                              : windows.toString().toUtf8());
        s.timezone = text("timezone");
        p.preferences = s;
    }
    const auto array = [&row](int column) {
        return QJsonDocument::fromJson(row.value(column).toByteArray()).array();
    };
    for (const QJsonValue &score : array(10))
        p.values.insert(score[0].toString(), score[1].toInt());
    for (const QJsonValue &score : array(11))
        p.interests.insert(score[0].toString(), score[1].toInt());
    for (const QJsonValue &topic : array(12))
        p.offLimitsTopics << topic.toString();
    for (const QJsonValue &item : array(13))
        p.nonNegotiables.append({item[0].toString(), item[1].toString(), item[2].toInt()});
    return p;
}

} // namespace

Result<std::optional<Profile>> ProfileRepository::load(const QString &userId) const
{
    SqlResult row = Sql::exec(profileSelect(QStringLiteral("p.user_id = ?")), {userId});
    if (!row.ok())
        return row.toAppError();
    if (!row.next())
        return std::optional<Profile>();
    return std::optional<Profile>(profileFromRow(row));
}

Result<QHash<QString, Profile>> ProfileRepository::loadLocked(const QStringList &userIds) const
{
    QHash<QString, Profile> profiles;
    if (userIds.isEmpty())
        return profiles;
    SqlResult rows =
        Sql::exec(profileSelect(QStringLiteral("p.user_id IN (%1) FOR UPDATE")
                                    .arg(Sql::repeated(QStringLiteral("?"), userIds.size()))),
                  Sql::values(userIds));
    if (!rows.ok())
        return rows.toAppError();
    while (rows.next()) {
        Profile p = profileFromRow(rows);
        const QString id = p.userId;
        profiles.insert(id, std::move(p));
    }
    return profiles;
}

Status ProfileRepository::createProfileRow(const QString &userId, const QString &nickname,
                                           const QDateTime &now) const
{
    SqlResult r = Sql::exec(QStringLiteral("INSERT INTO user_profiles (user_id, nickname, "
                                           "created_at, updated_at) VALUES (?, ?, ?, ?)"),
                            {userId, nickname, Sql::time(now), Sql::time(now)});
    if (!r.ok())
        return failed(r);
    return Ok {};
}

Status ProfileRepository::write(const QList<ProfileWrite> &writes) const
{
    // Missing profile rows first: everything below changes rows that exist.
    QVariantList created;
    qsizetype createdRows = 0;
    for (const ProfileWrite &w : writes) {
        if (w.before)
            continue;
        created << w.after.userId << w.after.nickname << Sql::time(w.after.updatedAt)
                << Sql::time(w.after.updatedAt);
        ++createdRows;
    }
    if (Status s = insertRows(QStringLiteral("INSERT INTO user_profiles (user_id, nickname, "
                                             "created_at, updated_at) VALUES "),
                              QStringLiteral("(?, ?, ?, ?)"), createdRows, created);
        !s)
        return s;
    for (const auto &writeTable : {
             writeProfileRows,
             writePreferences,
             +[](const QList<ProfileWrite> &w) {
                 return writeScores(QStringLiteral("user_value_scores"),
                                    QStringLiteral("value_key"), w, &Profile::values);
             },
             +[](const QList<ProfileWrite> &w) {
                 return writeScores(QStringLiteral("user_interest_scores"),
                                    QStringLiteral("interest_key"), w, &Profile::interests);
             },
             writeOffLimitsTopics,
             writeNonNegotiables,
         }) {
        if (Status s = writeTable(writes); !s)
            return s;
    }
    return Ok {};
}

Result<QHash<QString, PublicProfile>>
ProfileRepository::publicProfiles(const QStringList &userIds) const
{
    QHash<QString, PublicProfile> profiles;
    if (userIds.isEmpty())
        return profiles;
    const QVariantList ids = Sql::values(userIds);
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT p.user_id, p.nickname, p.avatar_url, p.bio, a.storage_key FROM "
                       "user_profiles p LEFT JOIN user_avatars a ON a.user_id = p.user_id "
                       "WHERE p.deleted_at IS NULL AND p.user_id IN (") +
            Sql::repeated(QStringLiteral("?"), ids.size()) + QLatin1Char(')'),
        ids);
    if (!r.ok())
        return r.toAppError();
    while (r.next())
        profiles.insert(r.value(0).toString(),
                        PublicProfile {r.value(0).toString(), r.value(1).toString(),
                                       textOrEmpty(r.value(2)), textOrEmpty(r.value(3)),
                                       textOrEmpty(r.value(4))});
    return profiles;
}

Result<QStringList> ProfileRepository::userIdsWithNicknamePrefix(const QString &prefix,
                                                                 int limit) const
{
    const QString pattern = Sql::startsWithPattern(prefix);
    return Sql::strings(
        Sql::exec(QStringLiteral(
                      "SELECT user_id FROM user_profiles WHERE nickname LIKE ? ESCAPE '!' LIMIT ?"),
                  {pattern, limit}));
}

Result<QJsonObject> ProfileRepository::exportFor(const QString &userId) const
{
    return exportTables(
        {
            {"user_profiles",
             "SELECT nickname, age_range, location_city, location_country, avatar_url, bio, "
             "onboarding_completed_at, created_at, updated_at, deleted_at FROM user_profiles "
             "WHERE user_id = ?"},
            {"user_preference_settings",
             "SELECT conversation_depth, contact_frequency, directness_score, humor_score, "
             "response_pace, group_comfort, friendship_intention, voice_note_ok, "
             "availability_windows, timezone, updated_at FROM user_preference_settings WHERE "
             "user_id = ?"},
            {"user_value_scores",
             "SELECT value_key, score FROM user_value_scores WHERE user_id = ? ORDER BY value_key"},
            {"user_interest_scores",
             "SELECT interest_key, score FROM user_interest_scores WHERE user_id = ? ORDER BY "
             "interest_key"},
            {"user_off_limits_topics",
             "SELECT topic_key FROM user_off_limits_topics WHERE user_id = ? ORDER BY topic_key"},
            {"user_non_negotiables",
             "SELECT dimension, item_key, priority_rank FROM user_non_negotiables WHERE user_id = "
             "? "
             "ORDER BY priority_rank"},
        },
        userId);
}

Status ProfileRepository::eraseFor(const QString &userId, const QDateTime &now) const
{
    SqlResult scrubbed = Sql::exec(
        QStringLiteral("UPDATE user_profiles SET nickname = 'Deleted user', age_range = NULL, "
                       "location_city = NULL, location_country = NULL, avatar_url = NULL, "
                       "bio = NULL, deleted_at = ? WHERE user_id = ?"),
        {Sql::time(now), userId});
    if (!scrubbed.ok())
        return failed(scrubbed);
    for (const char *sql : {"DELETE FROM user_preference_settings WHERE user_id = ?",
                            "DELETE FROM user_value_scores WHERE user_id = ?",
                            "DELETE FROM user_interest_scores WHERE user_id = ?",
                            "DELETE FROM user_off_limits_topics WHERE user_id = ?",
                            "DELETE FROM user_non_negotiables WHERE user_id = ?"}) {
        if (SqlResult r = Sql::exec(QString::fromLatin1(sql), {userId}); !r.ok())
            return failed(r);
    }
    return Ok {};
}

Result<bool> ProfileRepository::lockProfileRow(const QString &userId) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT user_id FROM user_profiles WHERE user_id = ? FOR UPDATE"), {userId});
    if (!r.ok())
        return r.toAppError();
    return r.next();
}

Result<std::optional<StoredAvatar>> ProfileRepository::avatarOf(const QString &userId,
                                                                bool lockForUpdate) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT storage_key, source_format, created_at FROM user_avatars WHERE "
                       "user_id = ?") +
            (lockForUpdate ? QStringLiteral(" FOR UPDATE") : QString()),
        {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<StoredAvatar>();
    return std::optional<StoredAvatar>(
        StoredAvatar {r.value(0).toString(), r.value(1).toString(), Sql::toTime(r.value(2))});
}

Result<std::optional<QString>> ProfileRepository::avatarOwner(const QString &storageKey) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("SELECT user_id FROM user_avatars WHERE storage_key = ?"), {storageKey});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QString>();
    return std::optional<QString>(r.value(0).toString());
}

Status ProfileRepository::setAvatar(const QString &userId, const StoredAvatar &avatar) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("INSERT INTO user_avatars (user_id, storage_key, source_format, created_at) "
                       "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE storage_key = "
                       "VALUES(storage_key), source_format = VALUES(source_format), created_at = "
                       "VALUES(created_at)"),
        {userId, avatar.storageKey, avatar.sourceFormat, Sql::time(avatar.createdAt)});
    return r.ok() ? Status(Ok {}) : failed(r);
}

Status ProfileRepository::deleteAvatar(const QString &userId) const
{
    SqlResult r = Sql::exec(QStringLiteral("DELETE FROM user_avatars WHERE user_id = ?"), {userId});
    return r.ok() ? Status(Ok {}) : failed(r);
}

} // namespace fp
