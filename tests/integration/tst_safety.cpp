// Safety against the real server: blocks (ending the pair's open conversation and friendship,
// telling the peer's sockets), reports (severity from the catalog, duplicates, floods, reporter
// anonymity), and the panic exit's atomic effects, also while Redis is down.

#include "server/base/Validation.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>

using namespace fp::test;

namespace {

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

QStringList keysOf(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

} // namespace

class TestSafety : public IntegrationTest
{
    Q_OBJECT

public:
    TestSafety() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    /// What matching creates: a match between the two and their open, anonymous conversation.
    QString seedConversation(const TestAccount &x, const TestAccount &y)
    {
        return seed().match(x, y).conversationId;
    }

private Q_SLOTS:
    void everyRouteNeedsAToken()
    {
        HttpClient anonymous(port());
        QCOMPARE(anonymous.get(QStringLiteral("/api/blocks")).status, 401);
        QCOMPARE(anonymous.post(QStringLiteral("/api/blocks"), {}).status, 401);
        QCOMPARE(anonymous.del(QStringLiteral("/api/blocks/") + newId()).status, 401);
        QCOMPARE(anonymous.post(QStringLiteral("/api/reports"), {}).status, 401);
        QCOMPARE(anonymous.get(QStringLiteral("/api/reports/mine")).status, 401);
        QCOMPARE(anonymous.post(QStringLiteral("/api/conversations/%1/panic-exit").arg(newId()), {})
                     .status,
                 401);
    }

    void blockRejectsBadInput()
    {
        const TestAccount a = signUp();
        const TestAccount stranger = signUp();
        auto client = clientFor(port(), a);
        const QString path = QStringLiteral("/api/blocks");

        HttpResult r = client->post(path, {});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("blocked_user_id")});
        r = client->post(path, json(R"({"blocked_user_id":"not-a-uuid"})"));
        QCOMPARE(r.status, 400);
        r = client->post(path,
                         QJsonObject {{QStringLiteral("blocked_user_id"), a.userId},
                                      {QStringLiteral("why"), 1}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), (QStringList {QStringLiteral("why")}));
        r = client->post(path, QJsonObject {{QStringLiteral("blocked_user_id"), a.userId}});
        QCOMPARE(r.status, 400); // oneself
        // Someone the caller never met, and an id that is nobody: the same 404.
        r = client->post(path, QJsonObject {{QStringLiteral("blocked_user_id"), stranger.userId}});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        r = client->post(path, QJsonObject {{QStringLiteral("blocked_user_id"), newId()}});
        QCOMPARE(r.status, 404);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(a.userId)),
                 0);
    }

    void blockEndsTheOpenConversationAndTheFriendship()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const QString conversationId = seedConversation(a, b);
        const QString friendshipId = seed().friendship(a, b);
        WsClient peer(port());
        QVERIFY(peer.connectAndAuthenticate(b.accessToken));

        auto client = clientFor(port(), a);
        const HttpResult r =
            client->post(QStringLiteral("/api/blocks"),
                         QJsonObject {{QStringLiteral("blocked_user_id"), b.userId}});
        QCOMPARE(r.status, 201);
        const QJsonObject block = r.json();
        QCOMPARE(keysOf(block),
                 (QStringList {QStringLiteral("blocked_user_id"), QStringLiteral("created_at"),
                               QStringLiteral("id"), QStringLiteral("source")}));
        QCOMPARE(block[QStringLiteral("blocked_user_id")].toString(), b.userId);
        QCOMPARE(block[QStringLiteral("source")].toString(), QStringLiteral("manual"));
        QVERIFY(block[QStringLiteral("created_at")].toString().endsWith(QLatin1Char('Z')));

        QCOMPARE(text(QStringLiteral("SELECT CONCAT(state, '/', close_reason) FROM "
                                     "conversation_sessions WHERE id = '%1'")
                          .arg(conversationId)),
                 QStringLiteral("closed/user_end"));
        const QJsonObject closed = peer.waitFor(QStringLiteral("conversation.closed"));
        QCOMPARE(closed[QStringLiteral("conversation_id")].toString(), conversationId);
        QCOMPARE(closed[QStringLiteral("reason")].toString(), QStringLiteral("user_end"));

        QCOMPARE(text(QStringLiteral("SELECT ended_by_user_id FROM friendships WHERE id = '%1' "
                                     "AND ended_at IS NOT NULL")
                          .arg(friendshipId)),
                 a.userId);
        QCOMPARE(text(QStringLiteral("SELECT JSON_VALUE(payload_json, '$.reason') FROM "
                                     "friendship_events WHERE friendship_id = '%1' AND "
                                     "event_type = 'ended'")
                          .arg(friendshipId)),
                 QStringLiteral("blocked"));

        // A second block of the same user is a conflict, not a second row.
        const HttpResult again =
            client->post(QStringLiteral("/api/blocks"),
                         QJsonObject {{QStringLiteral("blocked_user_id"), b.userId}});
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));

        // The block is the blocker's: listed for them, never for the blocked user.
        const HttpResult mine = client->get(QStringLiteral("/api/blocks"));
        QCOMPARE(mine.status, 200);
        const QJsonArray items = mine.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].toObject(), block);
        QVERIFY(mine.json()[QStringLiteral("next_cursor")].isNull());
        const HttpResult theirs = clientFor(port(), b)->get(QStringLiteral("/api/blocks"));
        QCOMPARE(theirs.json()[QStringLiteral("items")].toArray().size(), 0);
        // The blocked user may still block back (each direction is its own block).
        QCOMPARE(clientFor(port(), b)
                     ->post(QStringLiteral("/api/blocks"),
                            QJsonObject {{QStringLiteral("blocked_user_id"), a.userId}})
                     .status,
                 201);
    }

    void blockIsIdempotentWithAKey()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        seedConversation(a, b);
        auto client = clientFor(port(), a);
        const QList<QPair<QByteArray, QByteArray>> key {{"Idempotency-Key", "block-once-1"}};
        const QJsonObject body {{QStringLiteral("blocked_user_id"), b.userId}};
        const HttpResult first = client->post(QStringLiteral("/api/blocks"), body, key);
        QCOMPARE(first.status, 201);
        const HttpResult replay = client->post(QStringLiteral("/api/blocks"), body, key);
        QCOMPARE(replay.status, 201);
        QCOMPARE(replay.header("Idempotent-Replayed"), QByteArray("true"));
        QCOMPARE(replay.json(), first.json());
    }

    void unblock()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount c = signUp();
        seedConversation(a, b);
        auto client = clientFor(port(), a);
        QCOMPARE(client
                     ->post(QStringLiteral("/api/blocks"),
                            QJsonObject {{QStringLiteral("blocked_user_id"), b.userId}})
                     .status,
                 201);
        QCOMPARE(client->del(QStringLiteral("/api/blocks/") + b.userId).status, 204);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(a.userId)),
                 0);
        HttpResult r = client->del(QStringLiteral("/api/blocks/") + b.userId);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(client->del(QStringLiteral("/api/blocks/not-a-uuid")).status, 404);
        QCOMPARE(client->del(QStringLiteral("/api/blocks/") + newId()).status, 404);

        // A block moderation made stays until moderation lifts it.
        seed().block(a, c, QStringLiteral("moderation_action"));
        r = client->del(QStringLiteral("/api/blocks/") + c.userId);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(a.userId)),
                 1);
    }

    void blockListPages()
    {
        const TestAccount a = signUp();
        auto client = clientFor(port(), a);
        QStringList blocked;
        for (int i = 0; i < 3; ++i) {
            const TestAccount other = signUp();
            seedConversation(a, other);
            QCOMPARE(client
                         ->post(QStringLiteral("/api/blocks"),
                                QJsonObject {{QStringLiteral("blocked_user_id"), other.userId}})
                         .status,
                     201);
            blocked.prepend(other.userId); // newest first
        }
        QStringList seen;
        QString cursor;
        for (int page = 0; page < 3; ++page) {
            const HttpResult r =
                client->get(QStringLiteral("/api/blocks?limit=2") +
                            (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            QCOMPARE(r.status, 200);
            for (const QJsonValue &item : r.json()[QStringLiteral("items")].toArray())
                seen << item[QStringLiteral("blocked_user_id")].toString();
            const QJsonValue next = r.json()[QStringLiteral("next_cursor")];
            if (next.isNull())
                break;
            cursor = next.toString();
        }
        QCOMPARE(seen, blocked);
        QCOMPARE(client->get(QStringLiteral("/api/blocks?limit=0")).status, 400);
        QCOMPARE(client->get(QStringLiteral("/api/blocks?limit=201")).status, 400);
        QCOMPARE(client->get(QStringLiteral("/api/blocks?cursor=garbage")).status, 400);
    }

    void reportSeverityFollowsTheCatalog_data()
    {
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("severity");
        QTest::newRow("threats") << "threats"
                                 << "critical";
        QTest::newRow("minor_safety") << "minor_safety"
                                      << "critical";
        QTest::newRow("self_harm") << "self_harm"
                                   << "critical";
        QTest::newRow("doxxing") << "doxxing"
                                 << "critical";
        QTest::newRow("sexual_content") << "sexual_content"
                                        << "high";
        QTest::newRow("harassment") << "harassment"
                                    << "high";
        QTest::newRow("hate_speech") << "hate_speech"
                                     << "high";
        QTest::newRow("underage_user") << "underage_user"
                                       << "high";
        QTest::newRow("scam") << "scam"
                              << "medium";
        QTest::newRow("impersonation") << "impersonation"
                                       << "medium";
        QTest::newRow("spam") << "spam"
                              << "low";
        QTest::newRow("off_limits_topic") << "off_limits_topic"
                                          << "low";
        QTest::newRow("other") << "other"
                               << "low";
    }

    void reportSeverityFollowsTheCatalog()
    {
        QFETCH(QString, reason);
        QFETCH(QString, severity);
        const TestAccount reporter = signUp();
        const TestAccount reported = signUp();
        const QString conversationId = seedConversation(reporter, reported);
        const HttpResult r =
            clientFor(port(), reporter)
                ->post(QStringLiteral("/api/reports"),
                       QJsonObject {{QStringLiteral("reported_user_id"), reported.userId},
                                    {QStringLiteral("conversation_session_id"), conversationId},
                                    {QStringLiteral("reason_code"), reason}});
        QCOMPARE(r.status, 201);
        QCOMPARE(keysOf(r.json()),
                 (QStringList {QStringLiteral("id"), QStringLiteral("severity"),
                               QStringLiteral("status")}));
        QCOMPARE(r.json()[QStringLiteral("severity")].toString(), severity);
        QCOMPARE(r.json()[QStringLiteral("status")].toString(), QStringLiteral("open"));
        QCOMPARE(text(QStringLiteral("SELECT CONCAT(severity, '/', reported_user_id) FROM "
                                     "reports WHERE id = '%1'")
                          .arg(r.json()[QStringLiteral("id")].toString())),
                 severity + QLatin1Char('/') + reported.userId);
    }

    void reportRejectsBadInput()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount stranger = signUp();
        const QString conversationId = seedConversation(a, b);
        const QString theirs = seedConversation(b, stranger);
        auto client = clientFor(port(), a);
        const QString path = QStringLiteral("/api/reports");
        auto post = [&](const QJsonObject &body) {
            return client->post(path, body);
        };

        HttpResult r = post(json(R"({"reason_code":"spam"})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("reported_user_id")});
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), b.userId}});
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("reason_code")});
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), b.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("rudeness")}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("reason_code")});
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), b.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")},
                              {QStringLiteral("details_text"), QString(2001, QLatin1Char('x'))}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("details_text")});
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), QStringLiteral("nobody")},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")},
                              {QStringLiteral("reporter"), a.userId}});
        QCOMPARE(fieldsOf(r),
                 (QStringList {QStringLiteral("reported_user_id"), QStringLiteral("reporter")}));
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), a.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 400); // oneself
        // Not someone the caller met, nobody at all, a conversation of others: 404 alike.
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), stranger.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 404);
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), newId()},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 404);
        r = post(QJsonObject {{QStringLiteral("conversation_session_id"), theirs},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 404);
        r = post(QJsonObject {{QStringLiteral("conversation_session_id"), newId()},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 404);
        // A conversation revealed, and a user who is not the peer in it.
        const QString revealed = seed()
                                     .match(a, b,
                                            {.status = QStringLiteral("friend_revealed"),
                                             .at = QDateTime::currentDateTimeUtc().addDays(-3),
                                             .conversation = QStringLiteral("revealed")})
                                     .conversationId;
        r = post(QJsonObject {{QStringLiteral("conversation_session_id"), revealed},
                              {QStringLiteral("reported_user_id"), stranger.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("reported_user_id")});
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE reporter_user_id = "
                                       "'%1'")
                            .arg(a.userId)),
                 0);
        // Exactly 2000 characters is fine.
        r = post(QJsonObject {{QStringLiteral("reported_user_id"), b.userId},
                              {QStringLiteral("reason_code"), QStringLiteral("spam")},
                              {QStringLiteral("details_text"), QString(2000, QLatin1Char('y'))}});
        QCOMPARE(r.status, 201);
    }

    // Once the two revealed themselves, the peer's id may name them beside the conversation;
    // someone else's id is still refused.
    // Beside an anonymous conversation, naming the peer or someone else is answered alike (an
    // answer that differed would confirm a guess of who the peer is): the report is about the
    // peer either way.
    void namingSomeoneBesideAnAnonymousConversationConfirmsNothing()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount c = signUp();
        const TestAccount stranger = signUp();
        auto reporter = clientFor(port(), a);
        for (const auto &[peer, named] :
             {std::pair {b, b.userId}, std::pair {c, stranger.userId}}) {
            const HttpResult r = reporter->post(
                QStringLiteral("/api/reports"),
                QJsonObject {{QStringLiteral("conversation_session_id"), seedConversation(a, peer)},
                             {QStringLiteral("reported_user_id"), named},
                             {QStringLiteral("reason_code"), QStringLiteral("spam")}});
            QCOMPARE(r.status, 201);
            QCOMPARE(text(QStringLiteral("SELECT reported_user_id FROM reports WHERE id = '%1'")
                              .arg(r.json()[QStringLiteral("id")].toString())),
                     peer.userId);
        }
    }

    void aRevealedConversationTakesThePeersId()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount stranger = signUp();
        const SeededMatch revealed = seed().match(a, b,
                                                  {.status = QStringLiteral("friend_revealed"),
                                                   .conversation = QStringLiteral("revealed")});
        auto reporter = clientFor(port(), a);
        const auto reportNaming = [&](const QString &userId) {
            return reporter->post(
                QStringLiteral("/api/reports"),
                QJsonObject {{QStringLiteral("conversation_session_id"), revealed.conversationId},
                             {QStringLiteral("reported_user_id"), userId},
                             {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        };
        const HttpResult wrong = reportNaming(stranger.userId);
        QCOMPARE(wrong.status, 400);
        QCOMPARE(wrong
                     .json()[QStringLiteral("details")][QStringLiteral("fields")]
                            [QStringLiteral("reported_user_id")]
                     .toString(),
                 QStringLiteral("is not your peer in conversation_session_id"));
        QCOMPARE(reportNaming(b.userId).status, 201);
    }

    void reportByConversationAloneStaysAnonymous()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const QString conversationId = seedConversation(a, b);
        auto reporter = clientFor(port(), a);
        const QJsonObject body {{QStringLiteral("conversation_session_id"), conversationId},
                                {QStringLiteral("reason_code"), QStringLiteral("harassment")},
                                {QStringLiteral("details_text"), QStringLiteral("kept insulting")}};
        const HttpResult r = reporter->post(QStringLiteral("/api/reports"), body);
        QCOMPARE(r.status, 201);
        const QString reportId = r.json()[QStringLiteral("id")].toString();
        QCOMPARE(text(QStringLiteral("SELECT reported_user_id FROM reports WHERE id = '%1'")
                          .arg(reportId)),
                 b.userId);

        // The same user about the same conversation again: 409, still one row.
        const HttpResult again =
            reporter->post(QStringLiteral("/api/reports"),
                           QJsonObject {{QStringLiteral("conversation_session_id"), conversationId},
                                        {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE reporter_user_id = "
                                       "'%1'")
                            .arg(a.userId)),
                 1);

        // The reporter sees the report, its status and outcome in words, never who it is about.
        const HttpResult mine = reporter->get(QStringLiteral("/api/reports/mine"));
        QCOMPARE(mine.status, 200);
        const QJsonArray items = mine.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 1);
        const QJsonObject item = items[0].toObject();
        QCOMPARE(keysOf(item),
                 (QStringList {QStringLiteral("created_at"), QStringLiteral("id"),
                               QStringLiteral("outcome"), QStringLiteral("reason_code"),
                               QStringLiteral("severity"), QStringLiteral("status"),
                               QStringLiteral("updated_at")}));
        QCOMPARE(item[QStringLiteral("status")].toString(), QStringLiteral("open"));
        QVERIFY(!mine.body.contains(b.userId.toLatin1()));

        // Moderators act later: the reporter sees the new status.
        QVERIFY(db()->exec(QStringLiteral("UPDATE reports SET status = 'actioned' WHERE id = '%1'")
                               .arg(reportId)));
        QCOMPARE(reporter->get(QStringLiteral("/api/reports/mine"))
                     .json()[QStringLiteral("items")][0][QStringLiteral("status")]
                     .toString(),
                 QStringLiteral("actioned"));

        // The reported user learns nothing: no report in their list, no reporter id anywhere.
        auto reported = clientFor(port(), b);
        const HttpResult theirs = reported->get(QStringLiteral("/api/reports/mine"));
        QCOMPARE(theirs.status, 200);
        QCOMPARE(theirs.json()[QStringLiteral("items")].toArray().size(), 0);
        QVERIFY(!theirs.body.contains(a.userId.toLatin1()));
        QVERIFY(!reported->get(QStringLiteral("/api/blocks")).body.contains(a.userId.toLatin1()));
    }

    void reportFloodIsLimited()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        auto client = clientFor(port(), a);
        for (int i = 0; i < 10; ++i) {
            const QString conversationId = seedConversation(a, b);
            const HttpResult r = client->post(
                QStringLiteral("/api/reports"),
                QJsonObject {{QStringLiteral("conversation_session_id"), conversationId},
                             {QStringLiteral("reason_code"), QStringLiteral("spam")}});
            QCOMPARE(r.status, 201);
        }
        const QString eleventh = seedConversation(a, b);
        const HttpResult r =
            client->post(QStringLiteral("/api/reports"),
                         QJsonObject {{QStringLiteral("conversation_session_id"), eleventh},
                                      {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QStringLiteral("rate_limited"));
        const int retryAfter = r.header("Retry-After").toInt();
        QVERIFY2(retryAfter > 0 && retryAfter <= 3600, r.header("Retry-After").constData());
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE reporter_user_id = "
                                       "'%1'")
                            .arg(a.userId)),
                 10);
        // Another reporter has a budget of their own.
        const TestAccount c = signUp();
        QCOMPARE(clientFor(port(), c)
                     ->post(QStringLiteral("/api/reports"),
                            QJsonObject {
                                {QStringLiteral("conversation_session_id"), seedConversation(c, b)},
                                {QStringLiteral("reason_code"), QStringLiteral("spam")}})
                     .status,
                 201);
    }

    void panicExitDoesEverythingAtOnce_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<QString>("severity");
        QTest::newRow("no body") << QJsonObject() << "panic_exit"
                                 << "high";
        QTest::newRow("low reason raised") << json(R"({"reason_code":"spam"})") << "spam"
                                           << "high";
        QTest::newRow("critical reason kept")
            << json(R"({"reason_code":"threats","details_text":"said he knows my street"})")
            << "threats"
            << "critical";
    }

    void panicExitDoesEverythingAtOnce()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QString, reason);
        QFETCH(QString, severity);
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const QString conversationId = seedConversation(a, b);
        const QString queueEntry = seed().queueEntry(a);
        WsClient peer(port());
        QVERIFY(peer.connectAndAuthenticate(b.accessToken));

        const QString path = QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId);
        const HttpResult r = body.isEmpty()
            ? clientFor(port(), a)->send("POST", path, QByteArray(), {})
            : clientFor(port(), a)->post(path, body);
        QCOMPARE(r.status, 200);
        const QJsonObject conversation = r.json()[QStringLiteral("conversation")].toObject();
        QCOMPARE(conversation[QStringLiteral("id")].toString(), conversationId);
        QCOMPARE(conversation[QStringLiteral("state")].toString(), QStringLiteral("closed"));
        QCOMPARE(conversation[QStringLiteral("close_reason")].toString(),
                 QStringLiteral("panic_exit"));
        const QJsonObject report = r.json()[QStringLiteral("report")].toObject();
        QCOMPARE(report[QStringLiteral("severity")].toString(), severity);
        QCOMPARE(report[QStringLiteral("status")].toString(), QStringLiteral("open"));

        QCOMPARE(text(QStringLiteral("SELECT CONCAT(state, '/', close_reason) FROM "
                                     "conversation_sessions WHERE id = '%1'")
                          .arg(conversationId)),
                 QStringLiteral("closed/panic_exit"));
        QCOMPARE(text(QStringLiteral("SELECT source FROM blocks WHERE blocker_user_id = '%1' AND "
                                     "blocked_user_id = '%2'")
                          .arg(a.userId, b.userId)),
                 QStringLiteral("panic_exit"));
        QCOMPARE(text(QStringLiteral("SELECT CONCAT(reported_user_id, '/', reason_code, '/', "
                                     "severity, '/', conversation_session_id) FROM reports WHERE "
                                     "id = '%1'")
                          .arg(report[QStringLiteral("id")].toString())),
                 QStringList({b.userId, reason, severity, conversationId}).join(QLatin1Char('/')));
        QCOMPARE(text(QStringLiteral("SELECT CONCAT(status, '/', dequeued_at IS NOT NULL) FROM "
                                     "matching_queue_entries WHERE id = '%1'")
                          .arg(queueEntry)),
                 QStringLiteral("cancelled/1"));
        const QJsonObject closed = peer.waitFor(QStringLiteral("conversation.closed"));
        QCOMPARE(closed[QStringLiteral("conversation_id")].toString(), conversationId);
        QCOMPARE(closed[QStringLiteral("reason")].toString(), QStringLiteral("panic_exit"));
    }

    // Between friends too (API_SPEC: the conversation is closed, the peer told): the revealed
    // conversation closes, the friendship ends with the block, and the match stays a revealed
    // one in its history.
    void panicExitClosesARevealedConversationToo()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const SeededMatch revealed =
            seed().match(a, b,
                         {.status = QStringLiteral("friend_revealed"),
                          .at = QDateTime::currentDateTimeUtc().addDays(-1),
                          .conversation = QStringLiteral("revealed")});
        seed().friendship(a, b, {.at = revealed.at, .originMatchId = revealed.matchId});
        WsClient peer(port());
        QVERIFY(peer.connectAndAuthenticate(b.accessToken));
        const HttpResult r = clientFor(port(), a)->post(
            QStringLiteral("/api/conversations/%1/panic-exit").arg(revealed.conversationId), {});
        QCOMPARE(r.status, 200);
        const QJsonObject conversation = r.json()[QStringLiteral("conversation")].toObject();
        QCOMPARE(conversation[QStringLiteral("state")].toString(), QStringLiteral("closed"));
        QCOMPARE(conversation[QStringLiteral("close_reason")].toString(),
                 QStringLiteral("panic_exit"));
        const QJsonObject closed = peer.waitFor(QStringLiteral("conversation.closed"));
        QCOMPARE(closed[QStringLiteral("conversation_id")].toString(), revealed.conversationId);
        QCOMPARE(closed[QStringLiteral("reason")].toString(), QStringLiteral("panic_exit"));
        QCOMPARE(
            number(QStringLiteral("SELECT COUNT(*) FROM friendships WHERE ended_at IS NULL AND "
                                  "origin_match_session_id = '%1'")
                       .arg(revealed.matchId)),
            0);
        QCOMPARE(text(QStringLiteral("SELECT status FROM match_sessions WHERE id = '%1'")
                          .arg(revealed.matchId)),
                 QStringLiteral("friend_revealed"));
    }

    // Who an anonymous peer was stays unknown after a panic exit: the block shows them by an
    // alias, the export names no one, the real id neither lifts the block nor opens a trust score.
    void afterAPanicExitThePeerStaysAnonymous()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const QString conversationId = seedConversation(a, b);
        const QString scoreOfB = QStringLiteral("/api/trust_score/%1").arg(b.userId);
        QCOMPARE(clientFor(port(), a)->get(scoreOfB).status, 200); // they met
        QCOMPARE(
            clientFor(port(), a)
                ->post(QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId), {})
                .status,
            200);

        const HttpResult blocks = clientFor(port(), a)->get(QStringLiteral("/api/blocks"));
        QCOMPARE(blocks.status, 200);
        const QJsonArray items = blocks.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 1);
        const QString alias = items[0][QStringLiteral("blocked_user_id")].toString();
        QVERIFY(fp::validation::isUuid(alias));
        QVERIFY(alias != b.userId);
        QCOMPARE(items[0][QStringLiteral("source")].toString(), QStringLiteral("panic_exit"));

        const HttpResult exported = clientFor(port(), a)->get(QStringLiteral("/api/me/export"));
        QCOMPARE(exported.status, 200);
        QVERIFY2(!exported.body.contains(b.userId.toLatin1()), exported.body.constData());
        QVERIFY(exported.body.contains(alias.toLatin1()));

        QCOMPARE(clientFor(port(), a)->get(scoreOfB).status, 404);
        QCOMPARE(
            clientFor(port(), b)->get(QStringLiteral("/api/trust_score/%1").arg(a.userId)).status,
            404);
        QCOMPARE(clientFor(port(), a)->get(QStringLiteral("/api/trust_score/%1").arg(alias)).status,
                 404);

        QCOMPARE(clientFor(port(), a)->del(QStringLiteral("/api/blocks/") + b.userId).status, 404);
        QCOMPARE(clientFor(port(), a)->del(QStringLiteral("/api/blocks/") + alias).status, 204);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(a.userId)),
                 0);
    }

    void panicExitRaisesAnEarlierReportAndKeepsAnEarlierBlock()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const QString conversationId = seedConversation(a, b);
        auto client = clientFor(port(), a);
        const HttpResult reported =
            client->post(QStringLiteral("/api/reports"),
                         QJsonObject {{QStringLiteral("conversation_session_id"), conversationId},
                                      {QStringLiteral("reason_code"), QStringLiteral("spam")}});
        QCOMPARE(reported.json()[QStringLiteral("severity")].toString(), QStringLiteral("low"));
        const HttpResult r = client->post(
            QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId), {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json()[QStringLiteral("report")][QStringLiteral("id")].toString(),
                 reported.json()[QStringLiteral("id")].toString());
        QCOMPARE(r.json()[QStringLiteral("report")][QStringLiteral("severity")].toString(),
                 QStringLiteral("high"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM reports WHERE reporter_user_id = "
                                       "'%1'")
                            .arg(a.userId)),
                 1);
        // A second panic exit on the closed conversation: the block and report stand as they are.
        const HttpResult again = client->post(
            QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId), {});
        QCOMPARE(again.status, 200);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1'")
                            .arg(a.userId)),
                 1);
    }

    void panicExitRejectsOthersAndBadInput()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount stranger = signUp();
        const QString conversationId = seedConversation(a, b);
        const QString path = QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId);
        HttpResult r = clientFor(port(), stranger)->post(path, {});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(clientFor(port(), a)
                     ->post(QStringLiteral("/api/conversations/%1/panic-exit").arg(newId()), {})
                     .status,
                 404);
        r = clientFor(port(), a)->post(path, json(R"({"reason_code":"bad reason"})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("reason_code")});
        r = clientFor(port(), a)->post(path, json(R"({"note":"x"})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(text(QStringLiteral("SELECT state FROM conversation_sessions WHERE id = '%1'")
                          .arg(conversationId)),
                 QStringLiteral("anonymous"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id IN "
                                       "('%1', '%2')")
                            .arg(a.userId, stranger.userId)),
                 0);
    }

    void panicExitWorksWhileRedisIsDown()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer::Options options;
        options.withoutRateLimits();
        options.redisPort = redis.port();
        TestServer server(options);
        QVERIFY(server.start());
        const TestAccount a = fp::test::signUp(server.port(), QStringLiteral("panicky"));
        const TestAccount b = fp::test::signUp(server.port(), QStringLiteral("peer"));
        Seed seedThere(server.database());
        const QString conversationId = seedThere.match(a, b).conversationId;
        WsClient peer(server.port());
        QVERIFY(peer.connectAndAuthenticate(b.accessToken));

        redis.stop();
        const HttpResult r =
            clientFor(server.port(), a)
                ->post(QStringLiteral("/api/conversations/%1/panic-exit").arg(conversationId),
                       json(R"({"reason_code":"harassment"})"), {{"Idempotency-Key", "panic-1"}});
        QCOMPARE(r.status, 200);
        QCOMPARE(server.database()
                     ->scalar(QStringLiteral("SELECT close_reason FROM conversation_sessions "
                                             "WHERE id = '%1'")
                                  .arg(conversationId))
                     .toString(),
                 QStringLiteral("panic_exit"));
        QCOMPARE(server.database()
                     ->scalar(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE "
                                             "blocker_user_id = '%1' AND source = 'panic_exit'")
                                  .arg(a.userId))
                     .toInt(),
                 1);
        QCOMPARE(server.database()
                     ->scalar(QStringLiteral("SELECT severity FROM reports WHERE "
                                             "reporter_user_id = '%1'")
                                  .arg(a.userId))
                     .toString(),
                 QStringLiteral("high"));
        // The peer's socket is on this instance: told without Redis.
        QCOMPARE(peer.waitFor(QStringLiteral("conversation.closed"))[QStringLiteral("reason")]
                     .toString(),
                 QStringLiteral("panic_exit"));
        // Reports still work, counted in the process while Redis is away.
        const QString other = seedThere.match(a, b).conversationId;
        QCOMPARE(clientFor(server.port(), a)
                     ->post(QStringLiteral("/api/reports"),
                            QJsonObject {{QStringLiteral("conversation_session_id"), other},
                                         {QStringLiteral("reason_code"), QStringLiteral("spam")}})
                     .status,
                 201);
        QCOMPARE(server.stop(), 0);
    }
};

QTEST_MAIN(TestSafety)
#include "tst_safety.moc"
