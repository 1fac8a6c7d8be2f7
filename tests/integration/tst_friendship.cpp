// Friends against the real server: the caller's active friendships with the friend's public
// card, ending one (soft, with an 'ended' event), and the friendship timeline that only the two
// friends see.

#include "common/Time.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"

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

} // namespace

class TestFriendship : public IntegrationTest
{
    Q_OBJECT

public:
    TestFriendship() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    /// What the reveal creates, `hoursAgo`: the match, the friendship and its 'created' event.
    QString befriend(const TestAccount &x, const TestAccount &y, int hoursAgo)
    {
        return seed().friendship(
            x, y,
            Seed::Friendship {.at = QDateTime::currentDateTimeUtc().addSecs(-3600 * hoursAgo)});
    }

private Q_SLOTS:
    void everyRouteNeedsAToken()
    {
        HttpClient anonymous(port());
        QCOMPARE(anonymous.get(QStringLiteral("/api/friends")).status, 401);
        QCOMPARE(anonymous.del(QStringLiteral("/api/friends/") + newId()).status, 401);
        QCOMPARE(anonymous.get(QStringLiteral("/api/friendships/%1/events").arg(newId())).status,
                 401);
        QCOMPARE(
            anonymous.post(QStringLiteral("/api/friendships/%1/events").arg(newId()), {}).status,
            401);
    }

    void listsActiveFriendsNewestFirst()
    {
        const TestAccount me = signUp(QStringLiteral("Me"));
        const TestAccount sam = signUp(QStringLiteral("Sam"));
        const TestAccount kim = signUp(QStringLiteral("Kim"));
        const TestAccount former = signUp(QStringLiteral("Former"));
        const QString withSam = befriend(me, sam, 48);
        const QString withKim = befriend(me, kim, 2);
        const QString withFormer = befriend(me, former, 1);
        seed().endFriendship(withFormer, former);

        auto client = clientFor(port(), me);
        const HttpResult r = client->get(QStringLiteral("/api/friends"));
        QCOMPARE(r.status, 200);
        const QJsonArray items = r.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 2);
        const QJsonObject first = items[0].toObject();
        QCOMPARE(first[QStringLiteral("friendship_id")].toString(), withKim);
        QCOMPARE(first[QStringLiteral("user_id")].toString(), kim.userId);
        QCOMPARE(first[QStringLiteral("nickname")].toString(), QStringLiteral("Kim"));
        QVERIFY(first[QStringLiteral("avatar_url")].isNull());
        QVERIFY(fp::fromWireTime(first[QStringLiteral("since")].toString()).isValid());
        QCOMPARE(first[QStringLiteral("last_event")][QStringLiteral("event_type")].toString(),
                 QStringLiteral("created"));
        QStringList keys = first.keys();
        keys.sort();
        QCOMPARE(keys,
                 (QStringList {QStringLiteral("avatar_url"), QStringLiteral("friendship_id"),
                               QStringLiteral("last_event"), QStringLiteral("nickname"),
                               QStringLiteral("since"), QStringLiteral("user_id")}));
        QCOMPARE(items[1][QStringLiteral("friendship_id")].toString(), withSam);
        QVERIFY(r.json()[QStringLiteral("next_cursor")].isNull());

        // Paging.
        const HttpResult page1 = client->get(QStringLiteral("/api/friends?limit=1"));
        QCOMPARE(page1.json()[QStringLiteral("items")].toArray().size(), 1);
        const QString cursor = page1.json()[QStringLiteral("next_cursor")].toString();
        QVERIFY(!cursor.isEmpty());
        const HttpResult page2 =
            client->get(QStringLiteral("/api/friends?limit=1&cursor=") + cursor);
        QCOMPARE(
            page2.json()[QStringLiteral("items")][0][QStringLiteral("friendship_id")].toString(),
            withSam);
        QVERIFY(page2.json()[QStringLiteral("next_cursor")].isNull());
        QCOMPARE(client->get(QStringLiteral("/api/friends?limit=abc")).status, 400);
        QCOMPARE(client->get(QStringLiteral("/api/friends?cursor=%%%")).status, 400);

        // The other side sees the caller; a stranger sees nobody.
        const HttpResult theirs = clientFor(port(), sam)->get(QStringLiteral("/api/friends"));
        QCOMPARE(theirs.json()[QStringLiteral("items")][0][QStringLiteral("user_id")].toString(),
                 me.userId);
        const TestAccount stranger = signUp();
        QCOMPARE(clientFor(port(), stranger)
                     ->get(QStringLiteral("/api/friends"))
                     .json()[QStringLiteral("items")]
                     .toArray()
                     .size(),
                 0);
    }

    void removingAFriendEndsTheFriendshipForBoth()
    {
        const TestAccount me = signUp();
        const TestAccount pal = signUp();
        const TestAccount stranger = signUp();
        const QString friendshipId = befriend(me, pal, 5);
        auto client = clientFor(port(), me);

        QCOMPARE(client->del(QStringLiteral("/api/friends/") + stranger.userId).status, 404);
        QCOMPARE(client->del(QStringLiteral("/api/friends/") + newId()).status, 404);
        QCOMPARE(client->del(QStringLiteral("/api/friends/not-a-uuid")).status, 404);
        QCOMPARE(client->del(QStringLiteral("/api/friends/") + me.userId).status, 404);
        // A stranger cannot end someone else's friendship.
        QCOMPARE(
            clientFor(port(), stranger)->del(QStringLiteral("/api/friends/") + pal.userId).status,
            404);

        QCOMPARE(client->del(QStringLiteral("/api/friends/") + pal.userId).status, 204);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT ended_by_user_id FROM friendships WHERE id "
                                             "= '%1' AND ended_at IS NOT NULL")
                                  .arg(friendshipId))
                     .toString(),
                 me.userId);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT JSON_VALUE(payload_json, '$.reason') FROM "
                                             "friendship_events WHERE friendship_id = '%1' AND "
                                             "event_type = 'ended'")
                                  .arg(friendshipId))
                     .toString(),
                 QStringLiteral("removed"));
        QCOMPARE(client->get(QStringLiteral("/api/friends"))
                     .json()[QStringLiteral("items")]
                     .toArray()
                     .size(),
                 0);
        QCOMPARE(clientFor(port(), pal)
                     ->get(QStringLiteral("/api/friends"))
                     .json()[QStringLiteral("items")]
                     .toArray()
                     .size(),
                 0);
        const HttpResult again = client->del(QStringLiteral("/api/friends/") + pal.userId);
        QCOMPARE(again.status, 404);
        QCOMPARE(again.errorCode(), QStringLiteral("not_found"));
        // An ended friendship's timeline is gone for both.
        QCOMPARE(client->get(QStringLiteral("/api/friendships/%1/events").arg(friendshipId)).status,
                 404);
    }

    void friendshipEvents()
    {
        const TestAccount me = signUp();
        const TestAccount pal = signUp();
        const QString friendshipId = befriend(me, pal, 3);
        const QString path = QStringLiteral("/api/friendships/%1/events").arg(friendshipId);
        auto client = clientFor(port(), me);

        HttpResult r = client->post(
            path,
            json(
                R"({"event_type":"starter_completed","payload":{"starter_id":"three_questions","note":"fun"}})"));
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("event_type")].toString(),
                 QStringLiteral("starter_completed"));
        QCOMPARE(r.json()[QStringLiteral("friendship_id")].toString(), friendshipId);
        QCOMPARE(r.json()[QStringLiteral("payload")][QStringLiteral("starter_id")].toString(),
                 QStringLiteral("three_questions"));

        const QString when = fp::toWireTime(QDateTime::currentDateTimeUtc().addDays(2));
        r = clientFor(port(), pal)
                ->post(
                    path,
                    QJsonObject {
                        {QStringLiteral("event_type"), QStringLiteral("scheduled_chat")},
                        {QStringLiteral("payload"),
                         QJsonObject {{QStringLiteral("scheduled_for"), when},
                                      {QStringLiteral("note"), QStringLiteral("Coffee call")}}}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("payload")][QStringLiteral("scheduled_for")].toString(),
                 when);

        r = client->get(path);
        QCOMPARE(r.status, 200);
        const QJsonArray items = r.json()[QStringLiteral("items")].toArray();
        QCOMPARE(items.size(), 3);
        QCOMPARE(items[0][QStringLiteral("event_type")].toString(), QStringLiteral("created"));
        QCOMPARE(items[1][QStringLiteral("event_type")].toString(),
                 QStringLiteral("starter_completed"));
        QCOMPARE(items[2][QStringLiteral("event_type")].toString(),
                 QStringLiteral("scheduled_chat"));
        QCOMPARE(client->get(path + QStringLiteral("?limit=2"))
                     .json()[QStringLiteral("items")]
                     .toArray()
                     .size(),
                 2);
        // The friends list shows the newest event.
        QCOMPARE(client->get(QStringLiteral("/api/friends"))
                     .json()[QStringLiteral("items")][0][QStringLiteral("last_event")]
                            [QStringLiteral("event_type")]
                     .toString(),
                 QStringLiteral("scheduled_chat"));
    }

    void friendshipEventsRejectBadInputAndStrangers()
    {
        const TestAccount me = signUp();
        const TestAccount pal = signUp();
        const TestAccount stranger = signUp();
        const QString friendshipId = befriend(me, pal, 3);
        const QString path = QStringLiteral("/api/friendships/%1/events").arg(friendshipId);
        auto client = clientFor(port(), me);

        HttpResult r = client->post(path, json(R"({"event_type":"created","payload":{}})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("event_type")});
        r = client->post(path, json(R"({"event_type":"starter_completed"})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload")});
        r = client->post(path, json(R"({"event_type":"starter_completed","payload":[1]})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload")});
        r = client->post(path, json(R"({"event_type":"starter_completed","payload":{"x":1}})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload.x")});
        r = client->post(
            path,
            QJsonObject {
                {QStringLiteral("event_type"), QStringLiteral("starter_completed")},
                {QStringLiteral("payload"),
                 QJsonObject {{QStringLiteral("note"), QString(5000, QLatin1Char('n'))}}}});
        QCOMPARE(r.status, 400);
        QVERIFY(fieldsOf(r).contains(QStringLiteral("payload")));
        r = client->post(path, json(R"({"event_type":"scheduled_chat","payload":{}})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload.scheduled_for")});
        r = client->post(
            path,
            json(
                R"({"event_type":"scheduled_chat","payload":{"scheduled_for":"2001-01-01T00:00:00.000Z"}})"));
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload.scheduled_for")});
        r = client->post(
            path,
            json(R"({"event_type":"scheduled_chat","payload":{"scheduled_for":"tomorrow"}})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("payload.scheduled_for")});
        r = client->post(path, json(R"({"event_type":"starter_completed","payload":{},"x":1})"));
        QCOMPARE(fieldsOf(r), QStringList {QStringLiteral("x")});

        // Only the two friends see the friendship: anyone else, and unknown ids, get 404.
        auto outsider = clientFor(port(), stranger);
        r = outsider->get(path);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        QCOMPARE(
            outsider->post(path, json(R"({"event_type":"starter_completed","payload":{}})")).status,
            404);
        QCOMPARE(client->get(QStringLiteral("/api/friendships/%1/events").arg(newId())).status,
                 404);
        QCOMPARE(client->get(QStringLiteral("/api/friendships/nope/events")).status, 404);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM friendship_events WHERE "
                                             "friendship_id = '%1'")
                                  .arg(friendshipId))
                     .toInt(),
                 1);
    }
};

QTEST_MAIN(TestFriendship)
#include "tst_friendship.moc"
