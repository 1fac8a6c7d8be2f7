// GET /api/me/export and DELETE /api/me against the real server: the export holds the caller's
// rows and nothing of others (the peer's messages, reports against the caller, reporters,
// hashes); deletion checks the password, then scrubs, tombstones, revokes, closes and dequeues
// in one go, keeps the abuse-prevention rows, and frees the email. Chat messages expire after the
// retention period unless a report about their conversation is still open or triaged.

#include "server/conversation/ConversationRepository.h"
#include "tests/support/Fixtures.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>

using namespace fp::test;

class TestPrivacy : public IntegrationTest
{
    Q_OBJECT

public:
    TestPrivacy()
        // Retention as configured by default (30 days), swept every second for the test.
        : IntegrationTest(TestServer::Options().withoutRateLimits().with(
              QStringLiteral("FP_RETENTION_SWEEP_SECONDS"), QStringLiteral("1")))
    { }

private:
    /// A match between x and y with a conversation (what matching creates); returns the
    /// conversation id. Each is shown to the other by an alias.
    QString seedConversation(const TestAccount &x, const TestAccount &y, const QString &state)
    {
        return seed().match(x, y, Seed::Match {.conversation = state}).conversationId;
    }

    void seedMessage(const QString &conversationId, const TestAccount &sender, int seq,
                     const QString &body, int daysAgo = 0)
    {
        seed().message(conversationId, sender, seq, body,
                       QDateTime::currentDateTimeUtc().addDays(-daysAgo));
    }

    void seedReport(const TestAccount &reporter, const TestAccount &reported,
                    const QString &details)
    {
        seed().report(reporter, reported, Seed::Report {.details = details});
    }

    void seedPersonalRows(const TestAccount &account)
    {
        const QString userId = account.userId;
        exec(QStringLiteral("INSERT INTO user_value_scores (user_id, value_key, score) VALUES "
                            "('%1', 'honesty', 90), ('%1', 'empathy', 70)")
                 .arg(userId));
        exec(QStringLiteral("INSERT INTO user_interest_scores (user_id, interest_key, score) "
                            "VALUES ('%1', 'books', 80)")
                 .arg(userId));
        seed().offLimitsTopic(account, QStringLiteral("politics"));
        exec(QStringLiteral("INSERT INTO user_non_negotiables (id, user_id, dimension, item_key, "
                            "priority_rank) VALUES ('%1', '%2', 'value', 'honesty', 1)")
                 .arg(newId(), userId));
        exec(QStringLiteral("INSERT INTO user_preference_settings (user_id, conversation_depth, "
                            "humor_score) VALUES ('%1', 'deep', 60)")
                 .arg(userId));
        exec(QStringLiteral("UPDATE user_profiles SET bio = 'I like long walks', location_city = "
                            "'Lyon', avatar_url = 'https://example.org/a.png' WHERE user_id = '%1'")
                 .arg(userId));
        seed().trustEvent(account, -5, QStringLiteral("secret-ref"));
        exec(QStringLiteral("INSERT INTO weekly_intents (id, user_id, week_start_date, intent) "
                            "VALUES ('%1', '%2', '2026-11-23', 'Say yes more')")
                 .arg(newId(), userId));
    }

private Q_SLOTS:
    void needsAToken()
    {
        HttpClient anonymous(port());
        QCOMPARE(anonymous.get(QStringLiteral("/api/me/export")).status, 401);
        QCOMPARE(anonymous
                     .send("DELETE", QStringLiteral("/api/me"),
                           QByteArray("{\"password\":\"whatever-it-is\"}"),
                           {{"Content-Type", "application/json"}})
                     .status,
                 401);
    }

    void exportsHaveASmallBudgetOfTheirOwn()
    {
        // Each export reads every table about a person: it must not share the 600-a-minute
        // budget of ordinary reads. A server with the shipped limits.
        TestServer limited;
        QVERIFY(limited.start());
        const TestAccount me = fp::test::signUp(limited.port(), QStringLiteral("exporter"));
        HttpClient client(limited.port());
        client.setBearer(me.accessToken);
        QCOMPARE(client.get(QStringLiteral("/api/me/export")).status, 200);
        QCOMPARE(client.get(QStringLiteral("/api/me/export")).status, 200);
        const HttpResult refused = client.get(QStringLiteral("/api/me/export"));
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.errorCode(), QStringLiteral("rate_limited"));
        QVERIFY(refused.header("retry-after").toInt() >= 1);
        // Ordinary reads keep their own budget.
        QCOMPARE(client.get(QStringLiteral("/api/profile")).status, 200);
    }

    void exportHoldsTheCallersRowsOnly()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const TestAccount other = signUp();
        seedPersonalRows(me);
        const QString conversation = seedConversation(me, peer, QStringLiteral("anonymous"));
        seedMessage(conversation, me, 1, QStringLiteral("MINE-hello there"));
        seedMessage(conversation, peer, 2, QStringLiteral("PEERS-private reply"));
        seedReport(peer, me, QStringLiteral("REPORTED-BY-PEER"));
        seedReport(me, other, QStringLiteral("I-FILED-THIS"));
        // Someone met anonymously rates the meeting: it moves my trust, and must not say who.
        const TestAccount rater = signUp();
        const SeededMatch met = seed().match(me, rater,
                                             {.status = QStringLiteral("ended"),
                                              .at = QDateTime::currentDateTimeUtc().addDays(-1),
                                              .conversation = QStringLiteral("closed")});
        QCOMPARE(clientFor(port(), rater)
                     ->post(QStringLiteral("/api/meet_reflections"),
                            QJsonObject {{QStringLiteral("match_session_id"), met.matchId},
                                         {QStringLiteral("vibe_score"), 2},
                                         {QStringLiteral("meet_outcome"), QStringLiteral("pass")},
                                         {QStringLiteral("feedback_tags"), QJsonArray {}}})
                     .status,
                 201);
        seed().block(me, other);
        seed().block(peer, me);
        auto client = clientFor(port(), me);
        const QString eventId = newId();
        QCOMPARE(client
                     ->post(QStringLiteral("/api/events"),
                            QJsonObject {
                                {QStringLiteral("events"),
                                 QJsonArray {QJsonObject {
                                     {QStringLiteral("event_id"), eventId},
                                     {QStringLiteral("event_name"), QStringLiteral("app.opened")},
                                     {QStringLiteral("occurred_at"),
                                      QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                                     {QStringLiteral("properties"), QJsonObject {}}}}}})
                     .status,
                 202);

        const HttpResult r = client->get(QStringLiteral("/api/me/export"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-disposition").startsWith("attachment"));
        const QJsonObject doc = r.json();
        QCOMPARE(doc.value(QStringLiteral("format_version")).toInt(), 1);
        QCOMPARE(doc.value(QStringLiteral("user_id")).toString(), me.userId);
        const QJsonObject tables = doc.value(QStringLiteral("tables")).toObject();
        for (const char *table : {"users",
                                  "user_sessions",
                                  "user_profiles",
                                  "user_preference_settings",
                                  "user_value_scores",
                                  "user_interest_scores",
                                  "user_off_limits_topics",
                                  "user_non_negotiables",
                                  "matching_queue_entries",
                                  "match_sessions",
                                  "conversation_sessions",
                                  "conversation_messages",
                                  "conversation_decision_gates",
                                  "conversation_reveal_consents",
                                  "friendships",
                                  "meet_reflections",
                                  "trust_scores",
                                  "trust_score_events",
                                  "reports",
                                  "blocks",
                                  "daily_prompt_answers",
                                  "weekly_intents",
                                  "xp_ledger",
                                  "analytics_events"})
            QVERIFY2(tables.value(QLatin1String(table)).isArray(), table);

        const QJsonObject user = tables[QStringLiteral("users")].toArray().at(0).toObject();
        QCOMPARE(user.value(QStringLiteral("id")).toString(), me.userId);
        QCOMPARE(user.value(QStringLiteral("email")).toString(), me.email);
        QVERIFY(!user.contains(QStringLiteral("password_hash")));
        QCOMPARE(tables[QStringLiteral("user_value_scores")].toArray().size(), 2);
        QCOMPARE(tables[QStringLiteral("user_profiles")]
                     .toArray()
                     .at(0)[QStringLiteral("bio")]
                     .toString(),
                 QStringLiteral("I like long walks"));
        QCOMPARE(tables[QStringLiteral("weekly_intents")]
                     .toArray()
                     .at(0)[QStringLiteral("week_start_date")]
                     .toString(),
                 QStringLiteral("2026-11-23"));

        const QJsonArray messages = tables[QStringLiteral("conversation_messages")].toArray();
        QCOMPARE(messages.size(), 1);
        QCOMPARE(messages.at(0)[QStringLiteral("message_text")].toString(),
                 QStringLiteral("MINE-hello there"));
        const QJsonObject match =
            tables[QStringLiteral("match_sessions")].toArray().at(0).toObject();
        QVERIFY(!match.value(QStringLiteral("peer_alias")).toString().isEmpty());
        QVERIFY(match.value(QStringLiteral("peer_user_id")).isNull()); // not friends
        const QJsonArray reports = tables[QStringLiteral("reports")].toArray();
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports.at(0)[QStringLiteral("details_text")].toString(),
                 QStringLiteral("I-FILED-THIS"));
        QCOMPARE(tables[QStringLiteral("blocks")].toArray().size(), 1);
        QCOMPARE(tables[QStringLiteral("trust_score_events")].toArray().size(), 2);
        const QJsonArray events = tables[QStringLiteral("analytics_events")].toArray();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0)[QStringLiteral("event_id")].toString(), eventId);
        QVERIFY(!tables[QStringLiteral("user_sessions")].toArray().isEmpty());

        // Nothing of others, nor any secret, anywhere in the document.
        const QByteArray body = r.body;
        QVERIFY(!body.contains("PEERS-private reply"));
        QVERIFY(!body.contains("REPORTED-BY-PEER"));
        QVERIFY(!body.contains(peer.userId.toLatin1())); // the peer and the reporter
        QVERIFY(!body.contains(rater.userId.toLatin1()));
        QVERIFY(!body.contains("reflector"));
        QVERIFY(!body.contains("secret-ref"));
        QVERIFY(!body.contains("password_hash"));
        QVERIFY(!body.contains("refresh_token"));
        const QByteArray passwordHash =
            text(QStringLiteral("SELECT password_hash FROM users WHERE id = '%1'").arg(me.userId))
                .toLatin1();
        QVERIFY(!passwordHash.isEmpty());
        QVERIFY(!body.contains(passwordHash));
        const QByteArray tokenHash = text(QStringLiteral("SELECT refresh_token_hash FROM "
                                                         "user_sessions WHERE user_id = '%1' "
                                                         "LIMIT 1")
                                              .arg(me.userId))
                                         .toLatin1();
        QVERIFY(!tokenHash.isEmpty());
        QVERIFY(!body.contains(tokenHash));
        QVERIFY(!body.contains(me.password.toUtf8()));
    }

    void exportShowsFriendsByIdentity()
    {
        const TestAccount me = signUp();
        const TestAccount friendAccount = signUp();
        seed().friendship(me, friendAccount);
        auto client = clientFor(port(), me);
        const HttpResult r = client->get(QStringLiteral("/api/me/export"));
        QCOMPARE(r.status, 200);
        const QJsonObject tables = r.json()[QStringLiteral("tables")].toObject();
        QCOMPARE(tables[QStringLiteral("match_sessions")]
                     .toArray()
                     .at(0)[QStringLiteral("peer_user_id")]
                     .toString(),
                 friendAccount.userId);
        QCOMPARE(tables[QStringLiteral("friendships")]
                     .toArray()
                     .at(0)[QStringLiteral("friend_user_id")]
                     .toString(),
                 friendAccount.userId);
    }

    // The messages table keeps no index by sender alone (sql/0024: every chat message paid for
    // it), so the export finds a person's messages through their conversations. Other people's
    // 5,000 messages are not read on the way.
    void exportFindsOnesMessagesWithoutReadingOthers()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const TestAccount other = signUp();
        const TestAccount otherPeer = signUp();
        const QString mine = seedConversation(me, peer, QStringLiteral("anonymous"));
        seedMessage(mine, me, 1, QStringLiteral("mine, the first"));
        seedMessage(mine, peer, 2, QStringLiteral("the peer's"));
        seedMessage(mine, me, 3, QStringLiteral("mine, the second"));
        const QString theirs = seedConversation(other, otherPeer, QStringLiteral("anonymous"));
        exec(QStringLiteral("INSERT INTO conversation_messages (id, conversation_session_id, "
                            "sender_user_id, seq, message_text) SELECT UUID(), '%1', '%2', seq, "
                            "'not mine' FROM seq_1_to_5000")
                 .arg(theirs, other.userId));
        exec(QStringLiteral("ANALYZE TABLE conversation_messages, conversation_sessions, "
                            "match_sessions"));

        useDatabaseInProcess(server().databaseName());
        const fp::ConversationRepository conversations;
        const qint64 before = entriesReadInProcess();
        const fp::Result<QJsonObject> exported = conversations.exportFor(me.userId);
        const qint64 read = entriesReadInProcess() - before;
        fp::Database::resetConnection();
        QVERIFY(exported);
        const QJsonArray messages =
            exported->value(QStringLiteral("conversation_messages")).toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages.at(0)[QStringLiteral("message_text")].toString(),
                 QStringLiteral("mine, the first"));
        QCOMPARE(messages.at(1)[QStringLiteral("message_text")].toString(),
                 QStringLiteral("mine, the second"));
        QVERIFY2(read < 100, qPrintable(QString::number(read)));
    }

    void oldMessagesExpireUnlessASafetyCaseHoldsThem()
    {
        const TestAccount x = signUp();
        const TestAccount y = signUp();
        // Three matches of the same pair (each at its own time: a pair matches once a moment).
        const QString quiet = seedConversation(x, y, QStringLiteral("closed"));
        const QString underReview = seedConversation(x, y, QStringLiteral("closed"));
        const QString settled = seedConversation(x, y, QStringLiteral("closed"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM conversation_sessions WHERE id IN "
                                       "('%1', '%2', '%3')")
                            .arg(quiet, underReview, settled)),
                 3);
        seedMessage(quiet, x, 1, QStringLiteral("forty days old"), 40);
        seedMessage(quiet, y, 2, QStringLiteral("twenty-nine days old"), 29);
        seedMessage(quiet, x, 3, QStringLiteral("today"));
        seedMessage(underReview, y, 1, QStringLiteral("evidence"), 40);
        seedMessage(settled, y, 1, QStringLiteral("case closed"), 40);
        for (const auto &[conversation, status] :
             {std::pair {underReview, QStringLiteral("triaged")},
              std::pair {settled, QStringLiteral("dismissed")}})
            seed().report(x, y, Seed::Report {.status = status, .conversationId = conversation});
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE "
                                       "conversation_session_id IN ('%1', '%2')")
                            .arg(underReview, settled)),
                 2);
        const QString countIn = QStringLiteral(
            "SELECT COUNT(*) FROM conversation_messages WHERE conversation_session_id = '%1'");
        QTRY_COMPARE_WITH_TIMEOUT(number(countIn.arg(settled)), 0, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(number(countIn.arg(quiet)), 2, 15000);
        QCOMPARE(text(QStringLiteral("SELECT GROUP_CONCAT(message_text ORDER BY seq) FROM "
                                     "conversation_messages WHERE conversation_session_id = '%1'")
                          .arg(quiet)),
                 QStringLiteral("twenty-nine days old,today"));
        QCOMPARE(number(countIn.arg(underReview)), 1); // the open case keeps its evidence
        // Logged after the deletes: the line may reach us a moment after the rows went.
        QTRY_VERIFY_WITH_TIMEOUT(server().output().contains("messages_expired"), 10000);
    }

    void deletionNeedsThePassword()
    {
        const TestAccount me = signUp();
        auto client = clientFor(port(), me);
        const QList<QPair<QByteArray, QByteArray>> json {{"Content-Type", "application/json"}};
        HttpResult r = client->send("DELETE", QStringLiteral("/api/me"), "{}", json);
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("password")});
        r = client->send("DELETE", QStringLiteral("/api/me"), QByteArray(), json);
        QCOMPARE(r.status, 400);
        r = client->send("DELETE", QStringLiteral("/api/me"),
                         "{\"password\":\"not the password at all\"}", json);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("password")});
        QCOMPARE(text(QStringLiteral("SELECT status FROM users WHERE id = '%1'").arg(me.userId)),
                 QStringLiteral("active"));
        QCOMPARE(client->get(QStringLiteral("/api/profile")).status, 200);
    }

    void deletionScrubsRevokesAndFreesTheEmail()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const TestAccount friendAccount = signUp();
        const TestAccount secondDevice = logIn(me, QStringLiteral("tablet"));
        seedPersonalRows(me);
        seed().friendship(me, friendAccount);
        const QString conversation = seedConversation(me, peer, QStringLiteral("anonymous"));
        seedMessage(conversation, me, 1, QStringLiteral("hello"));
        seedReport(peer, me, QStringLiteral("rude"));
        seed().block(me, peer);
        seed().queueEntry(me);

        auto client = clientFor(port(), me);
        auto tablet = clientFor(port(), secondDevice);
        QCOMPARE(tablet->get(QStringLiteral("/api/profile")).status, 200);
        WsClient mySocket(port());
        QVERIFY(mySocket.connectAndAuthenticate(me.accessToken));
        WsClient peerSocket(port());
        QVERIFY(peerSocket.connectAndAuthenticate(peer.accessToken));
        const QByteArray body =
            QJsonDocument(QJsonObject {{QStringLiteral("password"), me.password}})
                .toJson(QJsonDocument::Compact);
        HttpResult r = client->send("DELETE", QStringLiteral("/api/me"), body,
                                    {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json()[QStringLiteral("status")].toString(),
                 QStringLiteral("deletion_scheduled"));
        QVERIFY(QDateTime::fromString(r.json()[QStringLiteral("requested_at")].toString(),
                                      Qt::ISODateWithMs)
                    .isValid());

        // The peer is told the chat ended; the deleted account's socket is closed.
        const QJsonObject closedFrame = peerSocket.waitFor(QStringLiteral("conversation.closed"));
        QCOMPARE(closedFrame[QStringLiteral("conversation_id")].toString(), conversation);
        QCOMPARE(closedFrame[QStringLiteral("reason")].toString(), QStringLiteral("user_end"));
        QVERIFY(mySocket.waitForClose(5000) != -1);

        const QString where = QStringLiteral("WHERE id = '%1'").arg(me.userId);
        const QString mine = QStringLiteral("WHERE user_id = '%1'").arg(me.userId);
        QCOMPARE(text(QStringLiteral("SELECT status FROM users ") + where),
                 QStringLiteral("deleted"));
        QCOMPARE(number(QStringLiteral("SELECT deleted_at IS NOT NULL AND email IS NULL AND "
                                       "password_hash IS NULL FROM users ") +
                        where),
                 1);
        QCOMPARE(text(QStringLiteral("SELECT nickname FROM user_profiles ") + mine),
                 QStringLiteral("Deleted user"));
        QCOMPARE(number(QStringLiteral("SELECT bio IS NULL AND avatar_url IS NULL AND "
                                       "location_city IS NULL FROM user_profiles ") +
                        mine),
                 1);
        for (const char *table :
             {"user_preference_settings", "user_value_scores", "user_interest_scores",
              "user_off_limits_topics", "user_non_negotiables", "weekly_intents"})
            QVERIFY2(number(QStringLiteral("SELECT COUNT(*) FROM %1 ").arg(QLatin1String(table)) +
                            mine) == 0,
                     table);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM user_tombstones ") + mine), 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM user_sessions ") + mine +
                        QStringLiteral(" AND revoked_at IS NULL")),
                 0);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM user_sessions ") + mine +
                        QStringLiteral(" AND revoked_reason = 'account_deleted'")),
                 2);
        QCOMPARE(text(QStringLiteral("SELECT CONCAT(state, '/', close_reason) FROM "
                                     "conversation_sessions WHERE id = '%1'")
                          .arg(conversation)),
                 QStringLiteral("closed/user_end"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM matching_queue_entries ") + mine +
                        QStringLiteral(" AND status = 'active'")),
                 0);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM matching_queue_entries ") + mine +
                        QStringLiteral(" AND status = 'cancelled'")),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM friendships WHERE ended_at IS NULL "
                                       "AND '%1' IN (user_low_id, user_high_id)")
                            .arg(me.userId)),
                 0);
        // Kept for abuse prevention and audit.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE reported_user_id = "
                                       "'%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events ") + mine), 1);

        // Both sessions' access tokens are refused within seconds (here: at once).
        QTRY_COMPARE_WITH_TIMEOUT(client->get(QStringLiteral("/api/profile")).status, 401, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(tablet->get(QStringLiteral("/api/profile")).status, 401, 5000);
        r = client->send("DELETE", QStringLiteral("/api/me"), body,
                         {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 401);

        HttpClient anonymous(port());
        r = anonymous.post(QStringLiteral("/api/auth/login"),
                           QJsonObject {{QStringLiteral("email"), me.email},
                                        {QStringLiteral("password"), me.password}});
        QCOMPARE(r.status, 401);
        r = anonymous.post(QStringLiteral("/api/auth/register"),
                           QJsonObject {{QStringLiteral("email"), me.email},
                                        {QStringLiteral("password"), me.password},
                                        {QStringLiteral("nickname"), QStringLiteral("again")}});
        QCOMPARE(r.status, 201);
        const QString newUserId = r.json()[QStringLiteral("user")][QStringLiteral("id")].toString();
        QVERIFY(!newUserId.isEmpty());
        QVERIFY(newUserId != me.userId);
    }
};

QTEST_MAIN(TestPrivacy)
#include "tst_privacy.moc"
