#include "server/privacy/PrivacyRepository.h"

#include "common/Time.h"
#include "server/storage/Database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlField>
#include <QSqlRecord>

namespace fp {

namespace {

struct ExportQuery
{
    const char *table;
    const char *sql;
    int userIdBindings; // how many `?` take the user id
};

// One query per storage table. Columns are listed, never `*`, so a secret added to a table
// later cannot leak into exports by accident. Left out on purpose: password and token hashes,
// other users' identities (a match peer is an alias unless they are friends now), the peer's
// messages, reports against the caller and anything naming reporters or staff, the receiver's
// off-limits labels on the caller's messages.
const ExportQuery kExportQueries[] = {
    {"users",
     "SELECT id, email, status, role, restricted_until, banned_at, created_at, updated_at, "
     "last_seen_at, deleted_at FROM users WHERE id = ?",
     1},
    {"user_auth_identities",
     "SELECT id, provider, provider_subject, created_at FROM user_auth_identities "
     "WHERE user_id = ? ORDER BY created_at",
     1},
    {"user_sessions",
     "SELECT id, device_label, ip_address, user_agent, created_at, last_used_at, expires_at, "
     "revoked_at, revoked_reason FROM user_sessions WHERE user_id = ? ORDER BY created_at",
     1},
    {"user_profiles",
     "SELECT nickname, age_range, location_city, location_country, avatar_url, bio, created_at, "
     "updated_at, deleted_at FROM user_profiles WHERE user_id = ?",
     1},
    {"user_preference_settings",
     "SELECT conversation_depth, contact_frequency, directness_score, humor_score, "
     "response_pace, group_comfort, friendship_intention, voice_note_ok, availability_windows, "
     "timezone, updated_at FROM user_preference_settings WHERE user_id = ?",
     1},
    {"user_value_scores",
     "SELECT value_key, score FROM user_value_scores WHERE user_id = ? ORDER BY value_key", 1},
    {"user_interest_scores",
     "SELECT interest_key, score FROM user_interest_scores WHERE user_id = ? ORDER BY "
     "interest_key",
     1},
    {"user_off_limits_topics",
     "SELECT topic_key FROM user_off_limits_topics WHERE user_id = ? ORDER BY topic_key", 1},
    {"user_non_negotiables",
     "SELECT dimension, item_key, priority_rank FROM user_non_negotiables WHERE user_id = ? "
     "ORDER BY priority_rank",
     1},
    {"matching_queue_entries",
     "SELECT id, status, enqueued_at, dequeued_at, region_key, queue_reason, match_session_id "
     "FROM matching_queue_entries WHERE user_id = ? ORDER BY enqueued_at",
     1},
    {"match_sessions",
     "SELECT m.id, m.status, m.matched_at, m.ended_at, CAST(m.match_score AS DOUBLE) AS "
     "match_score, m.score_breakdown_json, m.match_reasons_json, "
     "IF(m.user_a_id = ?, m.user_a_alias, m.user_b_alias) AS my_alias, "
     "IF(m.user_a_id = ?, m.user_b_alias, m.user_a_alias) AS peer_alias, "
     "IF(f.id IS NULL, NULL, IF(m.user_a_id = ?, m.user_b_id, m.user_a_id)) AS peer_user_id "
     "FROM match_sessions m LEFT JOIN friendships f ON f.user_low_id = LEAST(m.user_a_id, "
     "m.user_b_id) AND f.user_high_id = GREATEST(m.user_a_id, m.user_b_id) AND f.ended_at IS "
     "NULL WHERE m.user_a_id = ? OR m.user_b_id = ? ORDER BY m.matched_at",
     5},
    {"conversation_sessions",
     "SELECT c.id, c.match_session_id, c.state, c.started_at, c.revealed_at, c.closed_at, "
     "c.close_reason FROM conversation_sessions c JOIN match_sessions m ON m.id = "
     "c.match_session_id WHERE m.user_a_id = ? OR m.user_b_id = ? ORDER BY c.started_at",
     2},
    {"conversation_messages",
     "SELECT id, conversation_session_id, seq, client_msg_id, message_text, contains_sensitive, "
     "IF(LEFT(moderation_label, 10) = 'off_limits', NULL, moderation_label) AS "
     "moderation_label, created_at, deleted_at FROM conversation_messages WHERE "
     "sender_user_id = ? ORDER BY created_at, seq",
     1},
    {"conversation_decision_gates",
     "SELECT id, conversation_session_id, gate_minute, decision, decided_at FROM "
     "conversation_decision_gates WHERE user_id = ? ORDER BY decided_at",
     1},
    {"conversation_reveal_consents",
     "SELECT conversation_session_id, consented_at FROM conversation_reveal_consents WHERE "
     "user_id = ? ORDER BY consented_at",
     1},
    {"friendships",
     "SELECT id, IF(user_low_id = ?, user_high_id, user_low_id) AS friend_user_id, "
     "origin_match_session_id, created_at, ended_at, ended_by_user_id FROM friendships WHERE "
     "user_low_id = ? OR user_high_id = ? ORDER BY created_at",
     3},
    {"friendship_events",
     "SELECT id, friendship_id, event_type, payload_json, created_at FROM friendship_events "
     "WHERE actor_user_id = ? ORDER BY created_at",
     1},
    {"meet_reflections",
     "SELECT id, match_session_id, conversation_session_id, vibe_score, meet_outcome, "
     "feedback_tags_json, created_at, deleted_at FROM meet_reflections WHERE user_id = ? ORDER "
     "BY created_at",
     1},
    {"trust_scores",
     "SELECT score, cooldown_applied, components_json, updated_at FROM trust_scores WHERE "
     "user_id = ?",
     1},
    // source_ref_id is left out: it names other people's reflections and reports.
    {"trust_score_events",
     "SELECT id, delta, source, metadata_json, created_at FROM trust_score_events WHERE "
     "user_id = ? ORDER BY created_at",
     1},
    {"reports",
     "SELECT id, conversation_session_id, reason_code, details_text, severity, status, "
     "created_at, updated_at FROM reports WHERE reporter_user_id = ? ORDER BY created_at",
     1},
    {"blocks",
     "SELECT id, blocked_user_id, source, created_at FROM blocks WHERE blocker_user_id = ? "
     "ORDER BY created_at",
     1},
    {"daily_prompt_answers",
     "SELECT a.id, a.prompt_id, p.text AS prompt_text, a.answer_date, a.answer, a.created_at, "
     "a.deleted_at FROM daily_prompt_answers a LEFT JOIN prompt_catalog p ON p.id = "
     "a.prompt_id WHERE a.user_id = ? ORDER BY a.created_at",
     1},
    {"weekly_intents",
     "SELECT id, week_start_date, intent, created_at, updated_at, deleted_at FROM "
     "weekly_intents WHERE user_id = ? ORDER BY week_start_date",
     1},
    {"xp_ledger",
     "SELECT id, xp_delta, source_type, source_ref_id, created_at FROM xp_ledger WHERE "
     "user_id = ? ORDER BY created_at",
     1},
    {"analytics_events",
     "SELECT event_id, event_name, session_id, properties_json, occurred_at, ingested_at FROM "
     "analytics_events WHERE user_id = ? ORDER BY occurred_at",
     1},
};

bool isJsonColumn(const QString &name)
{
    return name.endsWith(QLatin1String("_json")) || name == QLatin1String("availability_windows");
}

bool isFlagColumn(const QString &name)
{
    static const QSet<QString> flags {QStringLiteral("contains_sensitive"),
                                      QStringLiteral("voice_note_ok"),
                                      QStringLiteral("cooldown_applied")};
    return flags.contains(name);
}

QJsonValue columnToJson(const QString &name, const QVariant &value)
{
    if (value.isNull())
        return QJsonValue::Null;
    if (isJsonColumn(name)) {
        const QJsonDocument document = QJsonDocument::fromJson(value.toString().toUtf8());
        if (document.isObject())
            return document.object();
        if (document.isArray())
            return document.array();
        return value.toString();
    }
    if (isFlagColumn(name))
        return value.toInt() != 0;
    switch (value.metaType().id()) {
    case QMetaType::QDateTime:
        return toWireTime(Sql::toTime(value));
    case QMetaType::QDate:
        return value.toDate().toString(Qt::ISODate);
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::UChar:
    case QMetaType::SChar:
        return value.toLongLong();
    case QMetaType::Double:
    case QMetaType::Float:
        return value.toDouble();
    default:
        return value.toString();
    }
}

Status done(const SqlResult &r)
{
    if (!r.ok())
        return r.toAppError();
    return Ok {};
}

} // namespace

Result<QJsonObject> PrivacyRepository::exportTables(const QString &userId) const
{
    QJsonObject tables;
    for (const ExportQuery &q : kExportQueries) {
        QVariantList bindings;
        for (int i = 0; i < q.userIdBindings; ++i)
            bindings << userId;
        SqlResult r = Sql::exec(QString::fromLatin1(q.sql), bindings);
        if (!r.ok())
            return r.toAppError();
        QJsonArray rows;
        while (r.next()) {
            const QSqlRecord record = r.query().record();
            QJsonObject row;
            for (int i = 0; i < record.count(); ++i)
                row.insert(record.fieldName(i), columnToJson(record.fieldName(i), r.value(i)));
            rows.append(row);
        }
        tables.insert(QString::fromLatin1(q.table), rows);
    }
    return tables;
}

Result<std::optional<QString>> PrivacyRepository::lockUserStatus(const QString &userId) const
{
    SqlResult r =
        Sql::exec(QStringLiteral("SELECT status FROM users WHERE id = ? FOR UPDATE"), {userId});
    if (!r.ok())
        return r.toAppError();
    if (!r.next())
        return std::optional<QString>();
    return std::optional<QString>(r.value(0).toString());
}

Status PrivacyRepository::scrubAccount(const QString &userId, const QDateTime &now) const
{
    const QVariant at = Sql::time(now);
    // The users row stays (reports, blocks and the trust ledger point at it); the email is
    // released so the address can register again.
    if (Status s = done(Sql::exec(
            QStringLiteral("UPDATE users SET status = 'deleted', deleted_at = ?, email = NULL, "
                           "password_hash = NULL, last_seen_at = NULL WHERE id = ?"),
            {at, userId}));
        !s)
        return s;
    if (Status s = done(Sql::exec(
            QStringLiteral("UPDATE user_profiles SET nickname = 'Deleted user', age_range = NULL, "
                           "location_city = NULL, location_country = NULL, avatar_url = NULL, "
                           "bio = NULL, deleted_at = ? WHERE user_id = ?"),
            {at, userId}));
        !s)
        return s;
    // Rows owned by the user alone, which mean nothing without the person.
    static const char *const kOwned[] = {
        "DELETE FROM user_preference_settings WHERE user_id = ?",
        "DELETE FROM user_value_scores WHERE user_id = ?",
        "DELETE FROM user_interest_scores WHERE user_id = ?",
        "DELETE FROM user_off_limits_topics WHERE user_id = ?",
        "DELETE FROM user_non_negotiables WHERE user_id = ?",
        "DELETE FROM user_auth_identities WHERE user_id = ?",
        "DELETE FROM daily_prompt_answers WHERE user_id = ?",
        "DELETE FROM weekly_intents WHERE user_id = ?",
        "DELETE FROM xp_ledger WHERE user_id = ?",
        "DELETE FROM idempotency_keys WHERE user_id = ?",
        // Product analytics stay, anonymised (as when a users row is removed).
        "UPDATE analytics_events SET user_id = NULL WHERE user_id = ?",
        // Sessions are revoked by the identity domain; what identified the devices goes.
        "UPDATE user_sessions SET device_label = NULL, ip_address = NULL, user_agent = NULL "
        "WHERE user_id = ?",
    };
    for (const char *sql : kOwned) {
        if (Status s = done(Sql::exec(QString::fromLatin1(sql), {userId})); !s)
            return s;
    }
    return Ok {};
}

Result<QStringList> PrivacyRepository::endFriendships(const QString &userId,
                                                      const QDateTime &now) const
{
    SqlResult ids = Sql::exec(QStringLiteral("SELECT id FROM friendships WHERE (user_low_id = ? OR "
                                             "user_high_id = ?) AND ended_at IS NULL FOR UPDATE"),
                              {userId, userId});
    if (!ids.ok())
        return ids.toAppError();
    QStringList ended;
    while (ids.next())
        ended << ids.value(0).toString();
    for (const QString &id : std::as_const(ended)) {
        if (Status s = done(Sql::exec(QStringLiteral("UPDATE friendships SET ended_at = ?, "
                                                     "ended_by_user_id = ? WHERE id = ?"),
                                      {Sql::time(now), userId, id}));
            !s)
            return s.error();
        if (Status s = done(Sql::exec(
                QStringLiteral("INSERT INTO friendship_events (id, friendship_id, event_type, "
                               "actor_user_id, payload_json, created_at) VALUES (?, ?, 'ended', "
                               "?, ?, ?)"),
                {Sql::newId(), id, userId, QStringLiteral("{\"reason\":\"account_deleted\"}"),
                 Sql::time(now)}));
            !s)
            return s.error();
    }
    return ended;
}

Status PrivacyRepository::insertTombstone(const QString &userId, const QDateTime &now,
                                          const QString &reason) const
{
    return done(
        Sql::exec(QStringLiteral("INSERT INTO user_tombstones (user_id, deleted_at, reason) "
                                 "VALUES (?, ?, ?)"),
                  {userId, Sql::time(now), reason}));
}

Result<int> PrivacyRepository::deleteExpiredMessages(const QDateTime &cutoff, int limit) const
{
    SqlResult r = Sql::exec(
        QStringLiteral("DELETE FROM conversation_messages WHERE created_at < ? AND "
                       "conversation_session_id NOT IN (SELECT r.conversation_session_id FROM "
                       "reports r WHERE r.status IN ('open','triaged') AND "
                       "r.conversation_session_id IS NOT NULL) ORDER BY created_at LIMIT ?"),
        {Sql::time(cutoff), limit});
    if (!r.ok())
        return r.toAppError();
    return r.numRowsAffected();
}

} // namespace fp
