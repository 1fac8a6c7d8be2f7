// Anonymous conversations against real servers: chat both ways in order, resume after a
// dropped socket, idempotent re-sends, outsiders refused, nothing identifying before reveal,
// moderation (blocked, flagged, off-limits per receiver), every close path, decision-gate timers
// (FP_GATE_INTERVAL_SECONDS=2), the reveal (friendship, XP, profiles), and two instances sharing
// MariaDB and Redis (chatting, revealing, each gate announced exactly once).

#include "server/conversation/ConversationRepository.h"
#include "server/conversation/MessageWriter.h"
#include "tests/support/Fixtures.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/RawRedis.h"
#include "tests/support/TcpProxy.h"
#include "tests/support/WsClient.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>
#include <QUuid>
#include <algorithm>
#include <mutex>
#include <optional>

using namespace fp::test;

namespace {

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

QJsonObject frame(const char *type, const QJsonObject &fields)
{
    QJsonObject f = fields;
    f.insert(QStringLiteral("type"), s(type));
    return f;
}

} // namespace

class TestConversation : public IntegrationTest
{
    Q_OBJECT

public:
    TestConversation() : IntegrationTest(chatOptions()) { }

private:
    TestServer *m_gates1 = nullptr; // FP_GATE_INTERVAL_SECONDS=2
    TestServer *m_gates2 = nullptr; // shares m_gates1's database and Redis prefix
    std::unique_ptr<Seed> m_gatesSeed;

    static constexpr int kGateIntervalSeconds = 2;

    static TestServer::Options chatOptions()
    {
        TestServer::Options chat; // gates far away (600 s)
        chat.withoutRateLimits();
        if (!qEnvironmentVariableIsEmpty("FP_TMP_MIGRATIONS"))
            chat.with(QStringLiteral("FP_MIGRATIONS_DIR"),
                      qEnvironmentVariable("FP_TMP_MIGRATIONS"));
        return chat;
    }

    void prepare() override
    {
        TestServer::Options gates = chatOptions();
        gates.with(QStringLiteral("FP_GATE_INTERVAL_SECONDS"),
                   QString::number(kGateIntervalSeconds));
        m_gates1 = &addServer(gates);
        QVERIFY(m_gates1->start());
        gates.alongside(*m_gates1);
        m_gates2 = &addServer(gates);
        QVERIFY(m_gates2->start());
        m_gatesSeed = std::make_unique<Seed>(m_gates1->database());
    }

    struct Pair
    {
        TestAccount a;
        TestAccount b;
        QString conversationId;
        QString matchId;
        QDateTime startedAt;
    };

    /// Two people (nicknames that cannot appear by chance, so a leak shows) and the anonymous
    /// conversation matching gave them, on the chat server or the gate servers.
    Pair seedPair(TestServer &on, const char *label)
    {
        return seedPair(on, &on == &server() ? seed() : *m_gatesSeed, label);
    }

    /// Two people matched in a conversation, signed up on `on`, whose database `seedThere` writes.
    static Pair seedPair(TestServer &on, Seed &seedThere, const char *label)
    {
        Pair p;
        const QString tag = QString::number(QRandomGenerator::global()->bounded(1000000));
        p.a = fp::test::signUp(on.port(), s("Alicorn") + s(label) + tag);
        p.b = fp::test::signUp(on.port(), s("Bramblewood") + s(label) + tag);
        const SeededMatch match = seedThere.match(p.a, p.b);
        p.matchId = match.matchId;
        p.conversationId = match.conversationId;
        p.startedAt = match.at;
        return p;
    }

    /// a's socket and b's, connected and authenticated (each on the instance it was made for).
    static bool connectBoth(WsClient &a, WsClient &b, const Pair &p)
    {
        return a.connectAndAuthenticate(p.a.accessToken) &&
            b.connectAndAuthenticate(p.b.accessToken);
    }

    static QJsonObject send(WsClient &ws, const QString &conversationId, const QString &clientId,
                            const QString &text)
    {
        ws.send(frame("chat.send",
                      {{QStringLiteral("conversation_id"), conversationId},
                       {QStringLiteral("client_msg_id"), clientId},
                       {QStringLiteral("text"), text}}));
        return {};
    }

    static QJsonObject waitMessage(WsClient &ws, const QString &text, int timeoutMs = 10000)
    {
        return ws.waitFor(QStringLiteral("chat.message"), timeoutMs, [&](const QJsonObject &f) {
            return f.value(QStringLiteral("message")).toObject().value(QStringLiteral("text")) ==
                text;
        });
    }

    /// What Redis ran (its MONITOR) while `from` sent each of `texts` (client_msg_id "<prefix>-i")
    /// to `to` and `to` received it; nullopt when one did not arrive.
    static std::optional<QByteArray> redisWhileSending(quint16 redisPort, WsClient &from,
                                                       WsClient &to, const QString &conversationId,
                                                       const QString &prefix,
                                                       const QStringList &texts)
    {
        RawRedis monitor(redisPort); // every command Redis runs, as it runs it
        monitor.send({"MONITOR"});
        if (!monitor.readUntil("OK").contains("OK"))
            return std::nullopt;
        for (qsizetype i = 0; i < texts.size(); ++i) {
            send(from, conversationId, QStringLiteral("%1-%2").arg(prefix).arg(i), texts.at(i));
            if (waitMessage(to, texts.at(i)).isEmpty())
                return std::nullopt;
        }
        return monitor.readUntil("(nothing ends this)", 300);
    }

    static QJsonObject waitGate(WsClient &ws, const char *type, int minute, int timeoutMs = 10000)
    {
        return ws.waitFor(s(type), timeoutMs, [&](const QJsonObject &f) {
            return f.value(QStringLiteral("gate_minute")).toInt() == minute;
        });
    }

    /// How many messages of the conversation are stored.
    int storedMessages(const QString &conversationId)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM conversation_messages WHERE "
                                     "conversation_session_id = '%1'")
                          .arg(conversationId));
    }

    /// How many chat.message frames with this text `ws` received.
    static qsizetype messagesWith(const WsClient &ws, const QString &text)
    {
        return ws.count(QStringLiteral("chat.message"), [&](const QJsonObject &f) {
            return f.value(QStringLiteral("message")).toObject().value(QStringLiteral("text")) ==
                text;
        });
    }

    /// Nothing in any frame `ws` received names `other` (before reveal).
    static bool leaksNothingAbout(const WsClient &ws, const TestAccount &other)
    {
        for (const QJsonObject &f : ws.received()) {
            if (f.value(QStringLiteral("type")).toString() == QLatin1String("auth.ok"))
                continue;
            const QString text = QString::fromUtf8(QJsonDocument(f).toJson());
            if (text.contains(other.userId) || text.contains(other.nickname) ||
                text.contains(other.email, Qt::CaseInsensitive)) {
                qWarning() << "leak:" << text;
                return false;
            }
        }
        return true;
    }

    /// The moderation_label of a chat.message frame's message (null when none).
    static QJsonValue labelOf(const QJsonObject &frame)
    {
        return frame.value(QStringLiteral("message"))
            .toObject()
            .value(QStringLiteral("moderation_label"));
    }

private Q_SLOTS:
    void chatBothWaysInOrderWithoutLeakingIdentity()
    {
        Pair p = seedPair(server(), "chat");
        WsClient a(port()), b(port()), a2(port());
        QVERIFY(connectBoth(a, b, p));
        QVERIFY(a2.connectAndAuthenticate(logIn(p.a).accessToken));
        for (int i = 0; i < 5; ++i) {
            send(a, p.conversationId, QStringLiteral("a-%1").arg(i),
                 QStringLiteral("from a %1").arg(i));
            send(b, p.conversationId, QStringLiteral("b-%1").arg(i),
                 QStringLiteral("from b %1").arg(i));
        }
        for (int i = 0; i < 5; ++i) {
            const QJsonObject atB = waitMessage(b, QStringLiteral("from a %1").arg(i));
            QCOMPARE(atB.value(QStringLiteral("message"))
                         .toObject()
                         .value(QStringLiteral("sender"))
                         .toString(),
                     s("peer"));
            QVERIFY(!atB.contains(QStringLiteral("client_msg_id")));
            const QJsonObject echo = waitMessage(a, QStringLiteral("from a %1").arg(i));
            QCOMPARE(echo.value(QStringLiteral("message"))
                         .toObject()
                         .value(QStringLiteral("sender"))
                         .toString(),
                     s("me"));
            QCOMPARE(echo.value(QStringLiteral("client_msg_id")).toString(),
                     QStringLiteral("a-%1").arg(i));
            QVERIFY(!waitMessage(a2, QStringLiteral("from a %1").arg(i)).isEmpty()); // other device
            QVERIFY(!waitMessage(a, QStringLiteral("from b %1").arg(i)).isEmpty());
        }
        // Per sender, frames arrive in the order sent.
        QStringList fromA;
        for (const QJsonObject &f : b.received())
            if (f.value(QStringLiteral("type")).toString() == QLatin1String("chat.message")) {
                const QString text = f.value(QStringLiteral("message"))
                                         .toObject()
                                         .value(QStringLiteral("text"))
                                         .toString();
                if (text.startsWith(QLatin1String("from a")))
                    fromA.append(text);
            }
        QCOMPARE(fromA,
                 (QStringList {s("from a 0"), s("from a 1"), s("from a 2"), s("from a 3"),
                               s("from a 4")}));

        // Typing reaches the peer only.
        a.send(frame("chat.typing", {{QStringLiteral("conversation_id"), p.conversationId}}));
        QVERIFY(!b.waitFor(QStringLiteral("chat.typing")).isEmpty());

        auto http = clientFor(port(), p.b);
        HttpResult list = http->get(
            QStringLiteral("/api/conversations/%1/messages?limit=4").arg(p.conversationId));
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().value(QStringLiteral("items")).toArray().size(), 4);
        QString cursor = list.json().value(QStringLiteral("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        int total = 4;
        while (!cursor.isEmpty()) {
            HttpResult page =
                http->get(QStringLiteral("/api/conversations/%1/messages?limit=4&cursor=%2")
                              .arg(p.conversationId, cursor));
            QCOMPARE(page.status, 200);
            total += int(page.json().value(QStringLiteral("items")).toArray().size());
            cursor = page.json().value(QStringLiteral("next_cursor")).toString();
        }
        QCOMPARE(total, 10);
        // A position that is no message here is named by the parameter that held it.
        for (const QString &parameter : {QStringLiteral("cursor"), QStringLiteral("after")}) {
            for (const QString &position : {QStringLiteral("not-a-cursor"), newId()}) {
                const HttpResult refused =
                    http->get(QStringLiteral("/api/conversations/%1/messages?%2=%3")
                                  .arg(p.conversationId, parameter, position));
                QCOMPARE(refused.status, 400);
                QCOMPARE(refused.json()[QStringLiteral("details")][QStringLiteral("fields")]
                             .toObject()
                             .keys(),
                         QStringList {QStringLiteral("query.") + parameter});
            }
        }

        HttpResult conv = http->get(QStringLiteral("/api/conversations/%1").arg(p.conversationId));
        QCOMPARE(conv.status, 200);
        QCOMPARE(conv.json().value(QStringLiteral("state")).toString(), s("anonymous"));
        QCOMPARE(conv.json().value(QStringLiteral("gates")).toArray().size(), 3);
        const QString body = QString::fromUtf8(conv.body + list.body);
        QVERIFY(!body.contains(p.a.userId) && !body.contains(p.a.nickname));

        QVERIFY(leaksNothingAbout(b, p.a));
        QVERIFY(leaksNothingAbout(a, p.b));
    }

    void resumeAfterDroppedSocketLosesAndDuplicatesNothing()
    {
        Pair p = seedPair(server(), "resume");
        WsClient a(port());
        QVERIFY(a.connectAndAuthenticate(p.a.accessToken));
        QString lastSeen;
        {
            WsClient b(port());
            QVERIFY(b.connectAndAuthenticate(p.b.accessToken));
            send(a, p.conversationId, s("r-0"), s("before drop"));
            const QJsonObject got = waitMessage(b, s("before drop"));
            QVERIFY(!got.isEmpty());
            lastSeen = got.value(QStringLiteral("message"))
                           .toObject()
                           .value(QStringLiteral("id"))
                           .toString();
        } // b's socket drops
        for (int i = 1; i <= 3; ++i) {
            send(a, p.conversationId, QStringLiteral("r-%1").arg(i),
                 QStringLiteral("missed %1").arg(i));
            QVERIFY(!waitMessage(a, QStringLiteral("missed %1").arg(i)).isEmpty());
        }
        WsClient b(port());
        QVERIFY(b.connectAndAuthenticate(p.b.accessToken));
        b.send(frame("resume",
                     {{QStringLiteral("conversation_id"), p.conversationId},
                      {QStringLiteral("after_message_id"), lastSeen}}));
        for (int i = 1; i <= 3; ++i)
            QVERIFY(!waitMessage(b, QStringLiteral("missed %1").arg(i)).isEmpty());
        // Answered from b's queue behind the resume: a message replayed twice would be here.
        QVERIFY(b.barrier());
        QCOMPARE(b.count(QStringLiteral("chat.message")), 3);
    }

    // The sender's connection drops while its messages are being stored (their answers then
    // find no socket): whatever was stored reaches the peer once each, in order, nothing else
    // does, and the sender's next socket sends on as before.
    void aSenderDroppingMidSendLeavesNothingHalfDone()
    {
        Pair p = seedPair(server(), "dropsend");
        WsClient b(port());
        QVERIFY(b.connectAndAuthenticate(p.b.accessToken));
        {
            WsClient a(port());
            QVERIFY(a.connectAndAuthenticate(p.a.accessToken));
            for (int i = 0; i < 5; ++i)
                send(a, p.conversationId, QStringLiteral("d-%1").arg(i),
                     QStringLiteral("dropped %1").arg(i));
            a.socket().abort();
        }
        WsClient again(port());
        QVERIFY(again.connectAndAuthenticate(p.a.accessToken));
        send(again, p.conversationId, s("d-after"), s("after the drop"));
        QVERIFY(!waitMessage(b, s("after the drop")).isEmpty());
        QVERIFY(b.barrier());

        // Stored in the order sent (a frame waits for the one before it), relayed as stored.
        const QStringList stored =
            db()->scalar(QStringLiteral("SELECT GROUP_CONCAT(message_text ORDER BY seq "
                                        "SEPARATOR '|') FROM conversation_messages WHERE "
                                        "conversation_session_id = '%1'")
                             .arg(p.conversationId))
                .toString()
                .split(QLatin1Char('|'));
        QCOMPARE(stored.last(), s("after the drop"));
        QStringList relayed;
        for (const QJsonObject &f : b.received()) {
            if (f.value(QStringLiteral("type")).toString() == QLatin1String("chat.message"))
                relayed << f.value(QStringLiteral("message"))
                               .toObject()
                               .value(QStringLiteral("text"))
                               .toString();
        }
        QCOMPARE(relayed, stored);
        for (qsizetype i = 0; i + 1 < stored.size(); ++i)
            QCOMPARE(stored.at(i), QStringLiteral("dropped %1").arg(i));
        QVERIFY(server().running());
    }

    void resendingAClientMsgIdStoresAndRelaysOnce()
    {
        Pair p = seedPair(server(), "idem");
        WsClient a(port()), b(port());
        QVERIFY(connectBoth(a, b, p));
        send(a, p.conversationId, s("same-1"), s("only once"));
        const QJsonObject first = waitMessage(a, s("only once"));
        QVERIFY(!first.isEmpty());
        send(a, p.conversationId, s("same-1"), s("only once"));
        const QJsonObject again = waitMessage(a, s("only once"));
        QCOMPARE(again.value(QStringLiteral("message")).toObject().value(QStringLiteral("id")),
                 first.value(QStringLiteral("message")).toObject().value(QStringLiteral("id")));
        auto http = clientFor(port(), p.a);
        HttpResult viaHttp =
            http->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                       {{QStringLiteral("text"), s("only once")},
                        {QStringLiteral("client_msg_id"), s("same-1")}});
        QCOMPARE(viaHttp.status, 201);
        QCOMPARE(viaHttp.json().value(QStringLiteral("id")),
                 first.value(QStringLiteral("message")).toObject().value(QStringLiteral("id")));
        QVERIFY(!waitMessage(b, s("only once")).isEmpty());
        QCOMPARE(storedMessages(p.conversationId), 1);

        HttpResult fresh =
            http->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                       {{QStringLiteral("text"), s("  over http  ")},
                        {QStringLiteral("client_msg_id"), s("h-1")}});
        QCOMPARE(fresh.status, 201);
        QCOMPARE(fresh.json().value(QStringLiteral("text")).toString(), s("over http"));
        QVERIFY(!waitMessage(b, s("over http")).isEmpty());
        // Relayed behind everything a sent before: a second relay of the re-sends would be here.
        QCOMPARE(messagesWith(b, s("only once")), 1);
        HttpResult empty = http->post(
            QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
            {{QStringLiteral("text"), s("   ")}, {QStringLiteral("client_msg_id"), s("h-2")}});
        QCOMPARE(empty.status, 400);
        HttpResult tooLong =
            http->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                       {{QStringLiteral("text"), QString(2001, u'x')},
                        {QStringLiteral("client_msg_id"), s("h-3")}});
        QCOMPARE(tooLong.status, 400);
        HttpResult lone =
            http->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                       {{QStringLiteral("text"), QString(QChar(0xD800)) + s("x")},
                        {QStringLiteral("client_msg_id"), s("h-4")}});
        QCOMPARE(lone.status, 400);

        // Once the conversation is closed a re-send still answers the stored message, while a
        // new message is refused.
        QCOMPARE(http->post(QStringLiteral("/api/conversations/%1/end").arg(p.conversationId), {})
                     .status,
                 200);
        send(a, p.conversationId, s("same-1"), s("only once"));
        const QJsonObject afterClose = waitMessage(a, s("only once"));
        QCOMPARE(afterClose.value(QStringLiteral("message")).toObject().value(QStringLiteral("id")),
                 first.value(QStringLiteral("message")).toObject().value(QStringLiteral("id")));
        send(a, p.conversationId, s("same-9"), s("too late"));
        const QJsonObject refused = a.waitFor(QStringLiteral("chat.rejected"));
        QCOMPARE(refused.value(QStringLiteral("code")).toString(), s("conflict"));
    }

    // The chat writer's transactions begin with their first statement, no BEGIN of their own
    // finding a dropped connection first: MariaDB dropping the server's connections between
    // two messages costs the second one nothing (it is written again on a fresh connection).
    void aDroppedDatabaseConnectionCostsNoMessage()
    {
        Pair p = seedPair(server(), "dropped");
        WsClient a(port()), b(port());
        QVERIFY(connectBoth(a, b, p));
        send(a, p.conversationId, s("drop-1"), s("before the drop"));
        QVERIFY(!waitMessage(b, s("before the drop")).isEmpty());
        const QStringList connections =
            db()->scalar(
                    QStringLiteral("SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST "
                                   "WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"))
                .toString()
                .split(QLatin1Char(','), Qt::SkipEmptyParts);
        QVERIFY(!connections.isEmpty());
        for (const QString &id : connections)
            db()->exec(QStringLiteral("KILL CONNECTION %1").arg(id));
        send(a, p.conversationId, s("drop-2"), s("after the drop"));
        QVERIFY(!waitMessage(b, s("after the drop")).isEmpty());
        QVERIFY(!waitMessage(a, s("after the drop")).isEmpty());
        QCOMPARE(a.count(QStringLiteral("chat.rejected")), 0);
        QCOMPARE(storedMessages(p.conversationId), 2);
    }

    void aThirdUserCannotReadOrSend()
    {
        Pair p = seedPair(server(), "third");
        const TestAccount c = signUp(s("Cuthbert"));
        WsClient a(port()), b(port()), cws(port());
        QVERIFY(connectBoth(a, b, p));
        QVERIFY(cws.connectAndAuthenticate(c.accessToken));
        auto http = clientFor(port(), c);
        QCOMPARE(http->get(QStringLiteral("/api/conversations/%1").arg(p.conversationId)).status,
                 404);
        QCOMPARE(http->get(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId))
                     .status,
                 404);
        QCOMPARE(http->post(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId),
                            {{QStringLiteral("text"), s("hi")},
                             {QStringLiteral("client_msg_id"), s("c-1")}})
                     .status,
                 404);
        QCOMPARE(http->post(QStringLiteral("/api/conversations/%1/end").arg(p.conversationId), {})
                     .status,
                 404);
        QCOMPARE(http->get(QStringLiteral("/api/conversations/%1").arg(newId())).status, 404);
        send(cws, p.conversationId, s("c-2"), s("let me in"));
        const QJsonObject rejected = cws.waitFor(QStringLiteral("chat.rejected"));
        QCOMPARE(rejected.value(QStringLiteral("code")).toString(), s("not_found"));
        QCOMPARE(rejected.value(QStringLiteral("client_msg_id")).toString(), s("c-2"));
        send(a, p.conversationId, s("a-1"), s("private"));
        QVERIFY(!waitMessage(b, s("private")).isEmpty());
        // The pongs come behind whatever the relays wrote to these sockets, c's refused message
        // included.
        QVERIFY(cws.roundTrip());
        QCOMPARE(cws.count(QStringLiteral("chat.message")), 0);
        QVERIFY(b.roundTrip());
        QCOMPARE(messagesWith(b, s("let me in")), 0);
    }

    void moderationBlocksFlagsAndRespectsTheReceiversTopics()
    {
        Pair p = seedPair(server(), "mod");
        seed().offLimitsTopic(p.b, QStringLiteral("politics"));
        WsClient a(port()), b(port());
        QVERIFY(connectBoth(a, b, p));
        send(a, p.conversationId, s("m-1"), s("i will kill you"));
        const QJsonObject rejected = a.waitFor(QStringLiteral("chat.rejected"));
        QCOMPARE(rejected.value(QStringLiteral("code")).toString(), s("validation_failed"));
        QCOMPARE(rejected.value(QStringLiteral("moderation_label")).toString(), s("threat"));
        QVERIFY(!rejected.contains(QStringLiteral("matched_rule_ids")));

        send(a, p.conversationId, s("m-2"), s("what do you think about the election"));
        const QJsonObject flagged = waitMessage(b, s("what do you think about the election"));
        QCOMPARE(labelOf(flagged).toString(), s("off_limits:politics"));
        const QJsonObject echo = waitMessage(a, s("what do you think about the election"));
        QVERIFY(labelOf(echo).isNull());

        send(b, p.conversationId, s("m-3"), s("the election was wild"));
        const QJsonObject toA = waitMessage(a, s("the election was wild"));
        QVERIFY(labelOf(toA).isNull());

        send(a, p.conversationId, s("m-4"), s("add me on insta"));
        const QJsonObject contact = waitMessage(b, s("add me on insta"));
        QCOMPARE(labelOf(contact).toString(), s("contact_info"));
        // A relay of the threat would be ahead of a's later messages, which b has.
        QCOMPARE(messagesWith(b, s("i will kill you")), 0);
        QCOMPARE(
            db()->scalar(QStringLiteral("SELECT COUNT(*) FROM conversation_messages WHERE "
                                        "conversation_session_id = '%1' AND contains_sensitive = 1")
                             .arg(p.conversationId))
                .toInt(),
            2);
        QCOMPARE(storedMessages(p.conversationId), 3);
    }

    void concurrentSendsShareTransactionsYetEachIsAnsweredAsAlone()
    {
        // Eight conversations, both sides sending at once: the server groups messages from
        // different sockets into shared transactions (MessageWriter). Mixed in: a blocked pair,
        // a threat, a receiver's off-limits topic, a re-sent client_msg_id and an outsider.
        constexpr int kPairs = 8;
        constexpr int kEach = 15;
        QList<Pair> pairs;
        for (int i = 0; i < kPairs; ++i)
            pairs.append(seedPair(server(), "burst"));
        const Pair &blocked = pairs[0];
        seed().block(blocked.b, blocked.a);
        seed().offLimitsTopic(pairs[1].b, QStringLiteral("politics"));
        const TestAccount outsider = signUp(s("Outsider"));

        std::vector<std::unique_ptr<WsClient>> as, bs;
        for (const Pair &p : pairs) {
            as.push_back(std::make_unique<WsClient>(port()));
            bs.push_back(std::make_unique<WsClient>(port()));
            QVERIFY(as.back()->connectAndAuthenticate(p.a.accessToken));
            QVERIFY(bs.back()->connectAndAuthenticate(p.b.accessToken));
        }
        WsClient intruder(port());
        QVERIFY(intruder.connectAndAuthenticate(outsider.accessToken));
        const double batchesBefore = server().metric("fp_chat_message_batches_total");
        const double storedBefore = server().metric("fp_chat_messages_stored_total");

        auto text = [](int pair, char side, int k) {
            return QStringLiteral("burst %1%2 %3").arg(pair).arg(QLatin1Char(side)).arg(k);
        };
        for (int k = 0; k < kEach; ++k) {
            for (int i = 0; i < kPairs; ++i) {
                send(*as[size_t(i)], pairs[i].conversationId, QStringLiteral("a-%1").arg(k),
                     text(i, 'a', k));
                send(*bs[size_t(i)], pairs[i].conversationId, QStringLiteral("b-%1").arg(k),
                     text(i, 'b', k));
            }
            if (k == 3) {
                send(*as[2], pairs[2].conversationId, s("threat-1"), s("i will kill you"));
                send(*as[1], pairs[1].conversationId, s("topic-1"), s("the election is close"));
                send(*as[3], pairs[3].conversationId, s("a-3"), text(3, 'a', 3)); // re-sent
                send(intruder, pairs[4].conversationId, s("x-1"), s("let me in"));
            }
        }

        // Every side of every open pair sees the other's messages once each, in order, and its
        // own echoes; seqs in each conversation run 1..n without a gap.
        for (int i = 1; i < kPairs; ++i) {
            for (int k = 0; k < kEach; ++k) {
                const QJsonObject atB = waitMessage(*bs[size_t(i)], text(i, 'a', k), 20000);
                QVERIFY2(!atB.isEmpty(), qPrintable(text(i, 'a', k)));
                const QJsonObject atA = waitMessage(*as[size_t(i)], text(i, 'b', k), 20000);
                QVERIFY2(!atA.isEmpty(), qPrintable(text(i, 'b', k)));
            }
            // Both sockets saw the conversation's messages exactly in stored (seq) order; a
            // re-send is answered with the stored message again, so count first appearances.
            const QStringList storedOrder =
                db()->scalar(QStringLiteral("SELECT GROUP_CONCAT(id ORDER BY seq) FROM "
                                            "conversation_messages WHERE "
                                            "conversation_session_id = '%1'")
                                 .arg(pairs[i].conversationId))
                    .toString()
                    .split(QLatin1Char(','));
            for (WsClient *ws : {as[size_t(i)].get(), bs[size_t(i)].get()}) {
                QStringList seenOrder;
                for (const QJsonObject &f : ws->received()) {
                    const QString id = f.value(QStringLiteral("message"))
                                           .toObject()
                                           .value(QStringLiteral("id"))
                                           .toString();
                    if (f.value(QStringLiteral("type")).toString() ==
                            QLatin1String("chat.message") &&
                        !seenOrder.contains(id))
                        seenOrder.append(id);
                }
                QCOMPARE(seenOrder, storedOrder);
            }
            const QString stats =
                QStringLiteral("SELECT CONCAT(COUNT(*), ' ', MIN(seq), ' ', MAX(seq), ' ', "
                               "COUNT(DISTINCT client_msg_id, sender_user_id)) FROM "
                               "conversation_messages WHERE conversation_session_id = '%1'")
                    .arg(pairs[i].conversationId);
            const int expected = 2 * kEach + (i == 1 ? 1 : 0);
            QCOMPARE(db()->scalar(stats).toString(), QStringLiteral("%1 1 %1 %1").arg(expected));
        }

        // The blocked pair: every message refused, nothing stored, nothing relayed.
        for (int k = 0; k < kEach; ++k) {
            const QJsonObject refused = as[0]->waitFor(QStringLiteral("chat.rejected"));
            QCOMPARE(refused.value(QStringLiteral("code")).toString(), s("conflict"));
        }
        // Each side's next frame is answered after all it sent: nothing of theirs can be on its
        // way anymore.
        QVERIFY(as[0]->barrier());
        QVERIFY(bs[0]->barrier());
        QCOMPARE(as[0]->count(QStringLiteral("chat.message")), 0);
        QCOMPARE(bs[0]->count(QStringLiteral("chat.message")), 0);
        QCOMPARE(storedMessages(blocked.conversationId), 0);
        // The threat refused, the topic flagged for its receiver, the re-send answered with the
        // stored message, the outsider told there is no such conversation.
        const QJsonObject threat =
            as[2]->waitFor(QStringLiteral("chat.rejected"), 10000, [](const QJsonObject &f) {
                return f.value(QStringLiteral("client_msg_id")).toString() ==
                    QLatin1String("threat-1");
            });
        QCOMPARE(threat.value(QStringLiteral("moderation_label")).toString(), s("threat"));
        const QJsonObject topic = waitMessage(*bs[1], s("the election is close"));
        QCOMPARE(labelOf(topic).toString(), s("off_limits:politics"));
        // Relayed once, not twice: a second relay would be ahead of a's later messages, all here.
        QCOMPARE(messagesWith(*bs[3], text(3, 'a', 3)), 1);
        QCOMPARE(intruder.waitFor(QStringLiteral("chat.rejected"))
                     .value(QStringLiteral("code"))
                     .toString(),
                 s("not_found"));
        QVERIFY(bs[4]->roundTrip());
        QCOMPARE(messagesWith(*bs[4], s("let me in")), 0);

        // Grouped: fewer transactions than stored messages.
        const double stored = server().metric("fp_chat_messages_stored_total") - storedBefore;
        const double batches = server().metric("fp_chat_message_batches_total") - batchesBefore;
        QCOMPARE(stored, double(2 * kEach * (kPairs - 1) + 1));
        QVERIFY2(batches < stored,
                 qPrintable(QStringLiteral("%1 batches for %2 messages").arg(batches).arg(stored)));
        qInfo("%s",
              qPrintable(QStringLiteral("%1 messages in %2 batches").arg(stored).arg(batches)));
    }

    // Stopping the server stops the message writer: every message queued before it stopped is
    // still stored, delivered and answered, in the order sent and each frame before its answer
    // (MessageWriter::stop), and one queued after it is refused.
    void stoppingTheWriterStoresDeliversAndAnswersWhatWasQueued()
    {
        const Pair p = seedPair(server(), "Stopping");
        useDatabaseInProcess(server().databaseName());
        const fp::ConversationRepository repository;
        std::mutex mutex;
        QStringList seen; // "frame <seq> <text>" and "answer <seq> <text>", in the order they came
        auto writer = std::make_unique<fp::MessageWriter>(
            repository,
            [](const QString &, const QStringList &, bool) { return fp::ModerationVerdict {}; },
            [&](const fp::MessageRow &message, const QString &) {
                std::lock_guard lock(mutex);
                seen << s("frame %1 %2").arg(message.seq).arg(message.text);
            });
        constexpr int kMessages = 300;
        for (int i = 0; i < kMessages; ++i) {
            const TestAccount &sender = i % 2 ? p.b : p.a;
            const QString text = s("message %1").arg(i);
            writer->writeAsync(
                {.senderId = sender.userId,
                 .conversationId = p.conversationId,
                 .clientMsgId = s("stop-%1").arg(i),
                 .text = text},
                [&, text](fp::Result<fp::SentMessage> sent) {
                    std::lock_guard lock(mutex);
                    seen << (sent ? s("answer %1 %2").arg(sent->message.seq).arg(sent->message.text)
                                  : s("refused %1").arg(text));
                });
        }
        writer->stop(); // most of the 300 are still queued: stop() writes and delivers them
        fp::MessageWriter::Answered late = [&](fp::Result<fp::SentMessage> sent) {
            std::lock_guard lock(mutex);
            seen << (sent ? s("answer after stop") : s("refused after stop"));
        };
        writer->writeAsync({.senderId = p.a.userId,
                            .conversationId = p.conversationId,
                            .clientMsgId = s("late"),
                            .text = s("too late")},
                           late);
        writer.reset();
        fp::Database::resetConnection();

        std::lock_guard lock(mutex);
        QCOMPARE(seen.size(), 2 * kMessages + 1);
        QCOMPARE(seen.last(), s("refused after stop"));
        // Stored in the order sent, each delivered once before its answer.
        qsizetype lastFrame = -1;
        for (int i = 0; i < kMessages; ++i) {
            const QString what = s("%1 message %2").arg(i + 1).arg(i);
            const qsizetype frame = seen.indexOf(s("frame ") + what);
            const qsizetype answer = seen.indexOf(s("answer ") + what);
            QVERIFY2(frame >= 0 && answer > frame, qPrintable(what));
            QVERIFY2(frame > lastFrame, qPrintable(what)); // frames in seq order
            lastFrame = frame;
        }
        QCOMPARE(storedMessages(p.conversationId), kMessages);
    }

    // A chat batch locks its conversations and reads, with them, whether either participant
    // blocked the other: two lookups of the pair's unique key, whatever the number of blocks.
    // One EXISTS with an OR of both directions scanned the whole blocks index for every
    // conversation of every batch (here 4,000 index entries each).
    void aChatBatchLooksUpBlocksRatherThanScanningThem()
    {
        const QString otherUser = s("CONCAT('b10c0000-0000-4000-8000-', LPAD(seq, 12, '0'))");
        const QString nextUser = s("CONCAT('b10c0000-0000-4000-8000-', LPAD(seq + 1, 12, '0'))");
        exec(s("INSERT INTO users (id) SELECT %1 FROM seq_1_to_4001").arg(otherUser));
        exec(s("INSERT INTO blocks (id, blocker_user_id, blocked_user_id) SELECT UUID(), %1, %2 "
               "FROM seq_1_to_4000")
                 .arg(otherUser, nextUser));
        exec(s("ANALYZE TABLE blocks"));
        const TestAccount ann = signUp(s("Ann"));
        const TestAccount ben = signUp(s("Ben"));
        const TestAccount cat = signUp(s("Cat"));
        const QString annAndBen = seed().match(ann, ben).conversationId;
        const QString benAndCat = seed().match(ben, cat).conversationId;
        seed().block(cat, ben); // whichever of the two is user a, one direction of the pair

        useDatabaseInProcess(server().databaseName());
        const fp::ConversationRepository conversations;
        const qint64 before = entriesReadInProcess();
        const auto targets = conversations.lockForSending({annAndBen, benAndCat});
        const qint64 read = entriesReadInProcess() - before;
        fp::Database::resetConnection();
        QVERIFY(targets);
        QCOMPARE(targets->size(), 2);
        QVERIFY(!targets->value(annAndBen).blocked);
        QVERIFY(targets->value(benAndCat).blocked);
        QVERIFY2(read < 50, qPrintable(QString::number(read)));
    }

    void aGateDecisionNamesEveryBadField()
    {
        const TestAccount a = signUp(s("gatebad-a"));
        const TestAccount b = signUp(s("gatebad-b"));
        const SeededMatch match = seed().match(a, b);
        const QString path = s("/api/conversations/%1/decision-gate").arg(match.conversationId);
        for (const QJsonValue &minute : {QJsonValue(15), QJsonValue(s("ten"))}) {
            const HttpResult r =
                as(a)->post(path, {{s("gate_minute"), minute}, {s("decision"), s("maybe")}});
            QCOMPARE(r.status, 400);
            const QJsonObject fields = r.json()[s("details")][s("fields")].toObject();
            QVERIFY2(fields.contains(s("gate_minute")) && fields.contains(s("decision")),
                     r.body.constData());
        }
    }

    void endingClosesForBoth()
    {
        Pair p = seedPair(server(), "end");
        WsClient a(port()), b(port());
        QVERIFY(connectBoth(a, b, p));
        auto http = clientFor(port(), p.a);
        HttpResult ended =
            http->post(QStringLiteral("/api/conversations/%1/end").arg(p.conversationId), {});
        QCOMPARE(ended.status, 200);
        QCOMPARE(ended.json().value(QStringLiteral("state")).toString(), s("closed"));
        QCOMPARE(ended.json().value(QStringLiteral("close_reason")).toString(), s("user_end"));
        for (WsClient *ws : {&a, &b})
            QCOMPARE(ws->waitFor(QStringLiteral("conversation.closed"))
                         .value(QStringLiteral("reason"))
                         .toString(),
                     s("user_end"));
        QCOMPARE(http->post(QStringLiteral("/api/conversations/%1/end").arg(p.conversationId), {})
                     .status,
                 409);
        send(b, p.conversationId, s("late"), s("hello?"));
        QCOMPARE(
            b.waitFor(QStringLiteral("chat.rejected")).value(QStringLiteral("code")).toString(),
            s("conflict"));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT status FROM match_sessions WHERE id = '%1'")
                                  .arg(p.matchId))
                     .toString(),
                 s("ended"));
    }

    void gatesOpenContinueAndMutualEndAcrossInstances()
    {
        Pair p = seedPair(*m_gates1, "gates");
        WsClient a(m_gates1->port()), b(m_gates2->port());
        QVERIFY(connectBoth(a, b, p));
        // Chatting across instances.
        send(a, p.conversationId, s("x-1"), s("hello from one"));
        QVERIFY(!waitMessage(b, s("hello from one")).isEmpty());
        send(b, p.conversationId, s("x-2"), s("hello from two"));
        QVERIFY(!waitMessage(a, s("hello from two")).isEmpty());

        QVERIFY(!waitGate(a, "gate.open", 10).isEmpty());
        QVERIFY(!waitGate(b, "gate.open", 10).isEmpty());
        auto http = clientFor(m_gates1->port(), p.a);
        QCOMPARE(http->get(QStringLiteral("/api/conversations/%1").arg(p.conversationId))
                     .json()
                     .value(QStringLiteral("state"))
                     .toString(),
                 s("decision_gate"));
        for (WsClient *ws : {&a, &b})
            ws->send(frame("gate.decide",
                           {{QStringLiteral("conversation_id"), p.conversationId},
                            {QStringLiteral("gate_minute"), 10},
                            {QStringLiteral("decision"), s("not_yet")}}));
        QCOMPARE(waitGate(a, "gate.result", 10).value(QStringLiteral("outcome")).toString(),
                 s("continued"));
        QCOMPARE(waitGate(b, "gate.result", 10).value(QStringLiteral("outcome")).toString(),
                 s("continued"));

        QVERIFY(!waitGate(a, "gate.open", 20).isEmpty());
        QVERIFY(!waitGate(b, "gate.open", 20).isEmpty());
        // Any end_chat closes the conversation at once (API_SPEC): the peer need not decide.
        HttpResult first = http->post(
            QStringLiteral("/api/conversations/%1/decision-gate").arg(p.conversationId),
            {{QStringLiteral("gate_minute"), 20}, {QStringLiteral("decision"), s("end_chat")}});
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json().value(QStringLiteral("state")).toString(), s("closed"));
        QCOMPARE(first.json().value(QStringLiteral("close_reason")).toString(), s("user_end"));
        for (WsClient *ws : {&a, &b}) {
            QCOMPARE(waitGate(*ws, "gate.result", 20).value(QStringLiteral("outcome")).toString(),
                     s("closed"));
            QCOMPARE(ws->waitFor(QStringLiteral("conversation.closed"))
                         .value(QStringLiteral("reason"))
                         .toString(),
                     s("user_end"));
        }
        b.send(frame("gate.decide",
                     {{QStringLiteral("conversation_id"), p.conversationId},
                      {QStringLiteral("gate_minute"), 20},
                      {QStringLiteral("decision"), s("not_yet")}}));
        QCOMPARE(b.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 s("conflict"));
        QVERIFY(leaksNothingAbout(b, p.a));
        QVERIFY(leaksNothingAbout(a, p.b));
    }

    void aBurstCrossesInstancesWholeAndInOrder()
    {
        // Frames for sockets on other instances go through Redis from a queue of their own,
        // pipelined (EventBus), and come back to the instance that sent them too: a burst
        // arrives on the other instance once each and in the order it was sent, for the
        // receiver and for the sender's second device alike, and the sender's own instance
        // delivers its copy once.
        TestServer::Options options = chatOptions().with(
            QStringLiteral("FP_WS_MAX_FRAMES_PER_SECOND"), QStringLiteral("1000"));
        TestServer &one = addServer(options);
        QVERIFY(one.start());
        options.alongside(one);
        TestServer &two = addServer(options);
        QVERIFY(two.start());
        Seed seed(one.database());
        Pair p = seedPair(one, seed, "burst");
        WsClient a(one.port()), b(two.port());
        QVERIFY(connectBoth(a, b, p));
        WsClient aElsewhere(two.port()), aHere(one.port());
        QVERIFY(aElsewhere.connectAndAuthenticate(p.a.accessToken));
        QVERIFY(aHere.connectAndAuthenticate(p.a.accessToken));
        constexpr int kMessages = 60;
        QStringList sent;
        for (int i = 0; i < kMessages; ++i) {
            sent << QStringLiteral("burst %1").arg(i);
            send(a, p.conversationId, QStringLiteral("burst-%1").arg(i), sent.last());
        }
        const auto texts = [](WsClient &ws) {
            QStringList texts;
            for (int i = 0; i < kMessages; ++i) {
                const QJsonObject f = ws.waitFor(QStringLiteral("chat.message"));
                if (f.isEmpty())
                    break;
                texts << f.value(QStringLiteral("message"))
                             .toObject()
                             .value(QStringLiteral("text"))
                             .toString();
            }
            return texts;
        };
        QCOMPARE(texts(b), sent);
        QCOMPARE(texts(aElsewhere), sent);
        QCOMPARE(texts(aHere), sent);
        // Frames behind the burst on each socket: none of the burst came twice.
        for (WsClient *ws : {&b, &aElsewhere, &aHere}) {
            QVERIFY(ws->roundTrip());
            QCOMPARE(ws->count(QStringLiteral("chat.message")), kMessages);
        }
    }

    // An instance alone publishes no chat frames to Redis: it would only hear them back. One
    // more subscriber on the channel, as another instance is, and they are published again.
    void chatFramesGoToRedisOnlyWhileAnotherInstanceListens()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer &alone = addServer(chatOptions().onRedis(redis.port()));
        QVERIFY(alone.start());
        Seed seedThere(alone.database());
        Pair p = seedPair(alone, seedThere, "alone");
        WsClient a(alone.port()), b(alone.port());
        QVERIFY(connectBoth(a, b, p));
        QTest::qWait(3 * 100); // a few of the bus's greetings (EventBus::kProbeIntervalMs)
        QStringList texts;
        for (int i = 0; i < 10; ++i)
            texts << QStringLiteral("only here %1").arg(i);
        const std::optional<QByteArray> whileAlone =
            redisWhileSending(redis.port(), a, b, p.conversationId, s("alone"), texts);
        QVERIFY(whileAlone);
        QVERIFY(whileAlone->contains("\"PUBLISH\"")); // its greetings go on
        QVERIFY2(!whileAlone->contains("only here"), whileAlone->left(600).constData());

        RawRedis listener(redis.port());
        listener.send({"SUBSCRIBE", alone.redisKeyPrefix().toUtf8() + "user-events"});
        QVERIFY(listener.readUntil("user-events").contains("subscribe"));
        QTest::qWait(3 * 100);
        send(a, p.conversationId, s("heard-1"), s("heard elsewhere"));
        QVERIFY(!waitMessage(b, s("heard elsewhere")).isEmpty());
        QVERIFY(listener.readUntil("heard elsewhere").contains("heard elsewhere"));
    }

    // An instance alone when Redis restarts subscribes again, finds itself alone again (no chat
    // frame published), and still hears a second instance that starts afterwards: the
    // newcomer's greeting reaches it, and chat flows both ways between them.
    void anInstanceAloneAcrossARedisRestartHearsANewcomer()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TestServer &first = addServer(chatOptions().onRedis(redis.port()));
        QVERIFY(first.start());
        Seed seedThere(first.database());
        Pair p = seedPair(first, seedThere, "restart");
        WsClient a(first.port()), b(first.port());
        QVERIFY(connectBoth(a, b, p));

        redis.kill();
        QVERIFY(redis.start());
        const QByteArray channel = first.redisKeyPrefix().toUtf8() + "user-events";
        RawRedis probe(redis.port());
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                probe.send({"PUBSUB", "NUMSUB", channel});
                return probe.readUntil(":1\r\n", 300).contains(":1\r\n");
            }(),
            15000);
        QTest::qWait(5 * 100); // a few of its probes (EventBus::kProbeIntervalMs)
        const std::optional<QByteArray> whileAlone = redisWhileSending(
            redis.port(), a, b, p.conversationId, s("alone-again"), {s("alone again")});
        QVERIFY(whileAlone);
        QVERIFY2(!whileAlone->contains("alone again"), whileAlone->left(600).constData());

        TestServer &second = addServer(chatOptions().onRedis(redis.port()).alongside(first));
        QVERIFY(second.start());
        WsClient bThere(second.port());
        QVERIFY(bThere.connectAndAuthenticate(p.b.accessToken));
        send(a, p.conversationId, s("newcomer-1"), s("to the newcomer"));
        QVERIFY(!waitMessage(bThere, s("to the newcomer")).isEmpty());
        send(bThere, p.conversationId, s("newcomer-2"), s("from the newcomer"));
        QVERIFY(!waitMessage(a, s("from the newcomer")).isEmpty());
    }

    // A subscription can die without its connection saying so (a half-open connection after a
    // partition). Redis then counts only the other instance on the channel, which takes itself
    // for alone and stops publishing chat frames: were the silent one never to notice, its
    // people would hear nothing from the other instance's again. It notices when its own
    // greetings stop coming back (EventBus::kSilentSubscriptionMs) and subscribes again.
    void aSubscriptionLostWithoutAWordIsMadeAgain()
    {
        PrivateRedis redis;
        QVERIFY(redis.start());
        TcpProxy proxy;
        QVERIFY(proxy.start(redis.port()));
        TestServer::Options options = chatOptions().onRedis(proxy.port());
        TestServer &behind = addServer(options);
        QVERIFY(behind.start());
        options.alongside(behind);
        options.onRedis(redis.port());
        TestServer &direct = addServer(options);
        QVERIFY(direct.start());
        Seed seedThere(behind.database());
        Pair p = seedPair(behind, seedThere, "silent");
        WsClient a(behind.port()), b(direct.port());
        QVERIFY(connectBoth(a, b, p));
        send(b, p.conversationId, s("before-1"), s("before the cut"));
        QVERIFY(!waitMessage(a, s("before the cut")).isEmpty());

        QCOMPARE(proxy.silenceConnectionsThatSent("SUBSCRIBE"), 1);
        // What a sends still reaches b: behind the proxy, greetings that do not come back mean
        // doubt, and in doubt an instance publishes.
        QTest::qWait(5 * 100); // time for the greetings' absence to count (EventBus)
        send(a, p.conversationId, s("cut-1"), s("sent from behind the cut"));
        QVERIFY(!waitMessage(b, s("sent from behind the cut")).isEmpty());
        // What b sends reaches a again once a's instance has subscribed again (messages sent
        // before that are stored, and read on resume, but not relayed).
        bool heard = false;
        QDeadlineTimer deadline(10000);
        for (int i = 0; !heard && !deadline.hasExpired(); ++i) {
            const QString text = QStringLiteral("after the cut %1").arg(i);
            send(b, p.conversationId, QStringLiteral("after-%1").arg(i), text);
            heard = !waitMessage(a, text, 300).isEmpty();
        }
        QVERIFY(heard);
        QVERIFY(behind.output().contains("event_bus_subscription_silent"));
    }

    void unansweredGatesTimeOutAndEachIsAnnouncedOnce()
    {
        Pair p = seedPair(*m_gates1, "timeout");
        WsClient a(m_gates1->port()), b(m_gates2->port());
        QVERIFY(connectBoth(a, b, p));
        QCOMPARE(a.waitFor(QStringLiteral("conversation.closed"), 15000)
                     .value(QStringLiteral("reason"))
                     .toString(),
                 s("timeout"));
        QCOMPARE(b.waitFor(QStringLiteral("conversation.closed"), 5000)
                     .value(QStringLiteral("reason"))
                     .toString(),
                 s("timeout"));
        // A duplicate announcement would come from the other instance's next gate pass (every
        // 500 ms), which nothing the test can send is ordered behind: three passes of quiet.
        QVERIFY(noFrameArrives({&a, &b}, 1500, [](const QJsonObject &f) {
            const QString type = f.value(QStringLiteral("type")).toString();
            return type.startsWith(QLatin1String("gate.")) ||
                type == QLatin1String("conversation.closed");
        }));
        for (WsClient *ws : {&a, &b}) {
            QMap<QString, int> counts;
            for (const QJsonObject &f : ws->received()) {
                const QString type = f.value(QStringLiteral("type")).toString();
                if (type.startsWith(QLatin1String("gate.")) ||
                    type == QLatin1String("conversation.closed"))
                    ++counts[type +
                             QString::number(f.value(QStringLiteral("gate_minute")).toInt())];
            }
            QCOMPARE(counts.value(s("gate.open10")), 1);
            QCOMPARE(counts.value(s("gate.open20")), 1);
            QCOMPARE(counts.value(s("gate.open30")), 1);
            QCOMPARE(counts.value(s("gate.result10")), 1);
            QCOMPARE(counts.value(s("gate.result30")), 1);
            QCOMPARE(counts.value(s("conversation.closed0")), 1);
        }
        auto http = clientFor(m_gates1->port(), p.b);
        HttpResult conv = http->get(QStringLiteral("/api/conversations/%1").arg(p.conversationId));
        QCOMPARE(conv.json().value(QStringLiteral("close_reason")).toString(), s("timeout"));
        QCOMPARE(conv.json()
                     .value(QStringLiteral("gates"))
                     .toArray()
                     .at(2)
                     .toObject()
                     .value(QStringLiteral("outcome"))
                     .toString(),
                 s("closed"));
    }

    void revealAtAGateOverRestCreatesTheFriendship()
    {
        Pair p = seedPair(*m_gates1, "reveal");
        TestDatabase *db = m_gates1->database();
        QVERIFY(
            db->exec(QStringLiteral(
                         "UPDATE user_profiles SET bio = 'likes lighthouses' WHERE user_id = '%1'")
                         .arg(p.b.userId)));
        WsClient a(m_gates1->port()), b(m_gates2->port());
        QVERIFY(connectBoth(a, b, p));
        auto httpA = clientFor(m_gates1->port(), p.a);
        auto httpB = clientFor(m_gates2->port(), p.b);
        const QString path =
            QStringLiteral("/api/conversations/%1/decision-gate").arg(p.conversationId);
        QCOMPARE(httpA
                     ->post(path,
                            {{QStringLiteral("gate_minute"), 10},
                             {QStringLiteral("decision"), s("reveal_yes")}})
                     .json()
                     .value(QStringLiteral("details"))
                     .toObject()
                     .value(QStringLiteral("reason"))
                     .toString(),
                 s("gate_not_open"));
        QVERIFY(!waitGate(a, "gate.open", 10).isEmpty());
        HttpResult mine = httpA->post(
            path,
            {{QStringLiteral("gate_minute"), 10}, {QStringLiteral("decision"), s("reveal_yes")}});
        QCOMPARE(mine.status, 200);
        const QJsonObject gate10 =
            mine.json().value(QStringLiteral("gates")).toArray().at(0).toObject();
        QCOMPARE(gate10.value(QStringLiteral("my_decision")).toString(), s("reveal_yes"));
        QCOMPARE(gate10.value(QStringLiteral("peer_decided")).toBool(), false);
        HttpResult theirs = httpB->post(
            path,
            {{QStringLiteral("gate_minute"), 10}, {QStringLiteral("decision"), s("reveal_yes")}});
        QCOMPARE(theirs.status, 200);
        QCOMPARE(theirs.json().value(QStringLiteral("state")).toString(), s("revealed"));
        const QString friendshipId =
            theirs.json().value(QStringLiteral("friendship_id")).toString();
        QVERIFY(!friendshipId.isEmpty());

        const QJsonObject atA = a.waitFor(QStringLiteral("conversation.revealed"));
        const QJsonObject atB = b.waitFor(QStringLiteral("conversation.revealed"));
        QCOMPARE(atA.value(QStringLiteral("friendship_id")).toString(), friendshipId);
        QCOMPARE(atA.value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("user_id"))
                     .toString(),
                 p.b.userId);
        QCOMPARE(atA.value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("nickname"))
                     .toString(),
                 p.b.nickname);
        QCOMPARE(
            atA.value(QStringLiteral("peer")).toObject().value(QStringLiteral("bio")).toString(),
            s("likes lighthouses"));
        QCOMPARE(atB.value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("user_id"))
                     .toString(),
                 p.a.userId);
        QVERIFY(!atB.value(QStringLiteral("peer")).toObject().contains(QStringLiteral("email")));
        QCOMPARE(waitGate(a, "gate.result", 10).value(QStringLiteral("outcome")).toString(),
                 s("revealed"));

        QCOMPARE(db->scalar(QStringLiteral("SELECT COUNT(*) FROM friendships WHERE id = '%1' AND "
                                           "user_low_id = '%2' AND user_high_id = '%3'")
                                .arg(friendshipId, qMin(p.a.userId, p.b.userId),
                                     qMax(p.a.userId, p.b.userId)))
                     .toInt(),
                 1);
        QCOMPARE(db->scalar(QStringLiteral("SELECT COUNT(*) FROM friendship_events WHERE "
                                           "friendship_id = '%1' AND event_type = 'created'")
                                .arg(friendshipId))
                     .toInt(),
                 1);
        QCOMPARE(
            db->scalar(
                  QStringLiteral(
                      "SELECT COUNT(DISTINCT user_id) FROM xp_ledger WHERE source_ref_id = '%1'")
                      .arg(friendshipId))
                .toInt(),
            2);
        QCOMPARE(db->scalar(QStringLiteral("SELECT status FROM match_sessions WHERE id = '%1'")
                                .arg(p.matchId))
                     .toString(),
                 s("friend_revealed"));

        // Friends keep talking, contact details are no longer flagged.
        send(b, p.conversationId, s("after-1"), s("add me on insta"));
        const QJsonObject after = waitMessage(a, s("add me on insta"));
        QVERIFY(labelOf(after).isNull());
    }

    void mutualRevealConsentAcrossInstances()
    {
        Pair p = seedPair(*m_gates1, "consent");
        WsClient a(m_gates1->port()), b(m_gates2->port());
        QVERIFY(connectBoth(a, b, p));
        auto httpA = clientFor(m_gates1->port(), p.a);
        auto httpB = clientFor(m_gates2->port(), p.b);
        const QString path =
            QStringLiteral("/api/conversations/%1/reveal-consent").arg(p.conversationId);
        QCOMPARE(httpA->post(path, {{QStringLiteral("consent"), false}}).status, 400);
        HttpResult one = httpA->post(path, {{QStringLiteral("consent"), true}});
        QCOMPARE(one.status, 200);
        QVERIFY(one.json().value(QStringLiteral("state")).toString() != s("revealed"));
        // a's message leaves a's instance behind anything the consent published there.
        send(a, p.conversationId, s("c-1"), s("still anonymous"));
        QVERIFY(!waitMessage(b, s("still anonymous")).isEmpty());
        QCOMPARE(b.count(QStringLiteral("conversation.revealed")), 0);
        QVERIFY(leaksNothingAbout(b, p.a));
        HttpResult two = httpB->post(path, {{QStringLiteral("consent"), true}});
        QCOMPARE(two.status, 200);
        QCOMPARE(two.json().value(QStringLiteral("state")).toString(), s("revealed"));
        QCOMPARE(a.waitFor(QStringLiteral("conversation.revealed"))
                     .value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("nickname"))
                     .toString(),
                 p.b.nickname);
        QCOMPARE(b.waitFor(QStringLiteral("conversation.revealed"))
                     .value(QStringLiteral("peer"))
                     .toObject()
                     .value(QStringLiteral("nickname"))
                     .toString(),
                 p.a.nickname);
        send(a, p.conversationId, s("f-1"), s("friends now"));
        QVERIFY(!waitMessage(b, s("friends now")).isEmpty());
        // A revealed conversation has no more gates: neither instance opens the second one when
        // it is due (their gate passes run every 500 ms), nor closes the conversation.
        const auto laterGate = [](const QJsonObject &f) {
            const QString type = f.value(QStringLiteral("type")).toString();
            return type == QLatin1String("conversation.closed") ||
                (type.startsWith(QLatin1String("gate.")) &&
                 f.value(QStringLiteral("gate_minute")).toInt() >= 20);
        };
        const qint64 secondGateDue =
            QDateTime::currentDateTimeUtc().msecsTo(p.startedAt.addSecs(2 * kGateIntervalSeconds));
        QVERIFY(
            noFrameArrives({&a, &b}, int(std::max<qint64>(secondGateDue, 0)) + 1000, laterGate));
        for (const WsClient *ws : {&a, &b})
            QVERIFY(std::none_of(ws->received().begin(), ws->received().end(), laterGate));
    }
};

QTEST_GUILESS_MAIN(TestConversation)
#include "tst_conversation.moc"
