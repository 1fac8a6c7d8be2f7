#include "tests/support/Seed.h"

#include "tests/support/Fixtures.h"

#include <QTest>

namespace fp::test {

namespace {

/// A string literal MariaDB reads back as `value` (its default SQL mode escapes with backslashes).
QString literal(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('\''), QLatin1String("''"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

QString literalOrNull(const QString &value)
{
    return value.isEmpty() ? QStringLiteral("NULL") : literal(value);
}

/// `time` as SQL, or the expression `otherwise` when it is not given.
QString timeOr(const QDateTime &time, const char *otherwise)
{
    return time.isValid() ? QLatin1Char('\'') + Seed::sqlTime(time) + QLatin1Char('\'')
                          : QString::fromLatin1(otherwise);
}

} // namespace

QString Seed::sqlTime(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

void Seed::exec(const QString &sql, const std::source_location &where)
{
    QString error;
    if (!m_database->exec(sql, &error))
        QTest::qFail(qPrintable(QStringLiteral("seeding failed: %1\n   in: %2").arg(error, sql)),
                     where.file_name(), int(where.line()));
}

QDateTime Seed::now()
{
    // A millisecond after the last one when the clock has not moved on: a pair's matches are
    // unique by time, and a test seeds several within a millisecond.
    QDateTime now = QDateTime::currentDateTimeUtc();
    if (m_lastMoment.isValid() && now <= m_lastMoment)
        now = m_lastMoment.addMSecs(1);
    m_lastMoment = now;
    return now;
}

SeededMatch Seed::match(const TestAccount &one, const TestAccount &two, const Match &options,
                        std::source_location where)
{
    SeededMatch seeded {newId(), {}, options.at.isValid() ? options.at : now()};
    const QString at = sqlTime(seeded.at);
    exec(QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, user_a_alias, "
                        "user_b_alias, status, matched_at, match_score, score_breakdown_json, "
                        "match_reasons_json) VALUES ('%1', '%2', '%3', 'Blue Heron', 'Quiet Fox', "
                        "'%4', '%5', %6, '{}', '[]')")
             .arg(seeded.matchId, std::min(one.userId, two.userId),
                  std::max(one.userId, two.userId), options.status, at)
             .arg(options.score),
         where);
    if (options.conversation.isEmpty())
        return seeded;
    seeded.conversationId = newId();
    const QString &state = options.conversation;
    const bool closed = state == QLatin1String("closed");
    exec(QStringLiteral("INSERT INTO conversation_sessions (id, match_session_id, state, "
                        "started_at, revealed_at, closed_at, close_reason) VALUES ('%1', '%2', "
                        "'%3', '%4', %5, %6, %7)")
             .arg(seeded.conversationId, seeded.matchId, state, at,
                  state == QLatin1String("revealed") ? timeOr(seeded.at, "")
                                                     : QStringLiteral("NULL"),
                  closed ? QStringLiteral("UTC_TIMESTAMP(3)") : QStringLiteral("NULL"),
                  closed ? QStringLiteral("'user_end'") : QStringLiteral("NULL")),
         where);
    for (int i = 1; i <= options.messages; ++i)
        message(seeded.conversationId, i % 2 ? one : two, i, QStringLiteral("line %1").arg(i),
                seeded.at.addSecs(i), where);
    return seeded;
}

QString Seed::message(const QString &conversationId, const TestAccount &sender, int seq,
                      const QString &text, const QDateTime &at, std::source_location where)
{
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO conversation_messages (id, conversation_session_id, "
                        "sender_user_id, seq, message_text, created_at) VALUES ('%1', '%2', '%3', "
                        "%4, %5, %6)")
             .arg(id, conversationId, sender.userId)
             .arg(seq)
             .arg(literal(text), timeOr(at, "UTC_TIMESTAMP(3)")),
         where);
    exec(QStringLiteral("UPDATE conversation_sessions SET last_message_seq = "
                        "GREATEST(last_message_seq, %1) WHERE id = '%2'")
             .arg(seq)
             .arg(conversationId),
         where);
    return id;
}

QString Seed::report(const TestAccount &reporter, const TestAccount &reported,
                     const Report &options, std::source_location where)
{
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO reports (id, reporter_user_id, reported_user_id, "
                        "conversation_session_id, reason_code, details_text, severity, status, "
                        "created_at) VALUES ('%1', '%2', '%3', %4, '%5', %6, '%7', '%8', %9)")
             .arg(id, reporter.userId, reported.userId, literalOrNull(options.conversationId),
                  options.reason, literalOrNull(options.details), options.severity, options.status,
                  timeOr(options.at, "UTC_TIMESTAMP(3)")),
         where);
    return id;
}

QString Seed::block(const TestAccount &blocker, const TestAccount &blocked, const QString &source,
                    std::source_location where)
{
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO blocks (id, blocker_user_id, blocked_user_id, source) VALUES "
                        "('%1', '%2', '%3', '%4')")
             .arg(id, blocker.userId, blocked.userId, source),
         where);
    return id;
}

QString Seed::friendship(const TestAccount &one, const TestAccount &two, const Friendship &options,
                         std::source_location where)
{
    QString origin = options.originMatchId;
    QDateTime at = options.at;
    if (origin.isEmpty()) {
        const SeededMatch revealed = match(one, two,
                                           Match {.status = QStringLiteral("friend_revealed"),
                                                  .at = at,
                                                  .conversation = QStringLiteral("revealed")},
                                           where);
        origin = revealed.matchId;
        at = revealed.at;
    } else if (!at.isValid()) {
        at = now();
    }
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO friendships (id, user_low_id, user_high_id, "
                        "origin_match_session_id, created_at) VALUES ('%1', '%2', '%3', '%4', "
                        "'%5')")
             .arg(id, std::min(one.userId, two.userId), std::max(one.userId, two.userId), origin,
                  sqlTime(at)),
         where);
    exec(QStringLiteral("INSERT INTO friendship_events (id, friendship_id, event_type, "
                        "payload_json, created_at) VALUES ('%1', '%2', 'created', "
                        "JSON_OBJECT('match_session_id', '%3'), '%4')")
             .arg(newId(), id, origin, sqlTime(at)),
         where);
    return id;
}

void Seed::endFriendship(const QString &friendshipId, const TestAccount &by,
                         std::source_location where)
{
    exec(QStringLiteral("UPDATE friendships SET ended_at = UTC_TIMESTAMP(3), ended_by_user_id = "
                        "'%1' WHERE id = '%2'")
             .arg(by.userId, friendshipId),
         where);
}

void Seed::trust(const TestAccount &account, int score, std::source_location where)
{
    exec(QStringLiteral("INSERT INTO trust_scores (user_id, score, cooldown_applied, "
                        "components_json) VALUES ('%1', %2, 0, JSON_OBJECT('reliability', %2, "
                        "'respect', %2, 'engagement', %2, 'safety', %2))")
             .arg(account.userId)
             .arg(score),
         where);
}

QString Seed::trustEvent(const TestAccount &account, int delta, const QString &sourceRef,
                         const QDateTime &at, const QString &source, std::source_location where)
{
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO trust_score_events (id, user_id, delta, source, "
                        "source_ref_id, created_at) VALUES ('%1', '%2', %3, '%4', '%5', %6)")
             .arg(id, account.userId)
             .arg(delta)
             .arg(source, sourceRef, timeOr(at, "UTC_TIMESTAMP(3)")),
         where);
    return id;
}

QString Seed::queueEntry(const TestAccount &account, const QString &status,
                         const QDateTime &enqueuedAt, const QDateTime &dequeuedAt,
                         std::source_location where)
{
    const QString id = newId();
    exec(QStringLiteral("INSERT INTO matching_queue_entries (id, user_id, status, enqueued_at, "
                        "dequeued_at) VALUES ('%1', '%2', '%3', %4, %5)")
             .arg(id, account.userId, status, timeOr(enqueuedAt, "UTC_TIMESTAMP(3)"),
                  timeOr(dequeuedAt, "NULL")),
         where);
    return id;
}

void Seed::offLimitsTopic(const TestAccount &account, const QString &topic,
                          std::source_location where)
{
    exec(QStringLiteral("INSERT INTO user_off_limits_topics (user_id, topic_key) VALUES ('%1', "
                        "'%2')")
             .arg(account.userId, topic),
         where);
}

void Seed::role(const TestAccount &account, const QString &role, std::source_location where)
{
    changeAccount(account.userId, QStringLiteral("role = '%1'").arg(role), where);
}

void Seed::changeAccount(const QString &userId, const QString &assignments,
                         std::source_location where)
{
    exec(QStringLiteral("UPDATE users SET %1 WHERE id = '%2'").arg(assignments, userId), where);
    exec(QStringLiteral("INSERT INTO access_changes (user_id, changed_at) VALUES ('%1', "
                        "UTC_TIMESTAMP(3))")
             .arg(userId),
         where);
}

} // namespace fp::test
