// Meet reflections against the real server: the reflection moves the peer's trust by exactly the
// rules of docs/trust.md (ledger row and metadata), validation of every field at once, who may
// reflect on which match, once per match, idempotent replays, the 30-day rule, the daily cap, and
// a replay of the ledger equal to the stored score. Matches and conversations are seeded, as
// matching and the conversation domain would have stored them.

#include "common/Time.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"
#include "tests/support/Fixtures.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/InProcessDomains.h"
#include "tests/support/IntegrationTest.h"

#include <QDateTime>
#include <QFuture>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>

using namespace fp::test;

namespace {

QString fieldProblem(const HttpResult &r, const QString &field)
{
    return r.json()[QStringLiteral("details")][QStringLiteral("fields")][field].toString();
}

QJsonObject components(double reliability, double respect, double engagement, double safety)
{
    return {{QStringLiteral("reliability"), reliability},
            {QStringLiteral("respect"), respect},
            {QStringLiteral("engagement"), engagement},
            {QStringLiteral("safety"), safety}};
}

const QStringList kPositiveTags {QStringLiteral("kind"),
                                 QStringLiteral("respectful"),
                                 QStringLiteral("good_listener"),
                                 QStringLiteral("thoughtful"),
                                 QStringLiteral("funny"),
                                 QStringLiteral("engaging"),
                                 QStringLiteral("great_questions"),
                                 QStringLiteral("open")};

} // namespace

class TestTrustReflections : public IntegrationTest
{
    Q_OBJECT

public:
    // Every request of this test comes from 127.0.0.1: lift the per-address budgets.
    TestTrustReflections() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    QJsonObject scalarJson(const QString &sql)
    {
        return QJsonDocument::fromJson(text(sql).toUtf8()).object();
    }

    /// A match that is over (ended, its conversation closed) unless told otherwise.
    SeededMatch seedMatch(const TestAccount &one, const TestAccount &two,
                          const QString &conversationState = QStringLiteral("closed"),
                          const QString &matchStatus = QStringLiteral("ended"))
    {
        return seed().match(
            one, two,
            Seed::Match {.status = matchStatus, .score = 72.5, .conversation = conversationState});
    }

    HttpResult reflect(const TestAccount &who, const QString &matchId, int vibe,
                       const QString &outcome, const QStringList &tags,
                       const QString &conversationId = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QJsonObject body {{QStringLiteral("match_session_id"), matchId},
                          {QStringLiteral("vibe_score"), vibe},
                          {QStringLiteral("meet_outcome"), outcome},
                          {QStringLiteral("feedback_tags"), QJsonArray::fromStringList(tags)}};
        if (!conversationId.isEmpty())
            body.insert(QStringLiteral("conversation_session_id"), conversationId);
        return clientFor(port(), who)->post(QStringLiteral("/api/meet_reflections"), body, headers);
    }

    QJsonObject trustOf(const TestAccount &self)
    {
        return clientFor(port(), self)
            ->get(QStringLiteral("/api/trust_score/%1").arg(self.userId))
            .json();
    }

    /// The ledger row a reflection wrote (its metadata), checking there is exactly one.
    QJsonObject ledgerMetadata(const QString &reflectionId)
    {
        const int rows = number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events "
                                               "WHERE source_ref_id = '%1'")
                                    .arg(reflectionId));
        if (rows != 1)
            qWarning("reflection %s has %d ledger rows", qPrintable(reflectionId), rows);
        return scalarJson(QStringLiteral("SELECT metadata_json FROM trust_score_events WHERE "
                                         "source_ref_id = '%1'")
                              .arg(reflectionId));
    }

    /// How many rows the account has in the trust ledger.
    int ledgerRows(const TestAccount &account)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE user_id = '%1'")
                          .arg(account.userId));
    }

    int ledgerDelta(const QString &reflectionId)
    {
        return number(
            QStringLiteral("SELECT delta FROM trust_score_events WHERE source_ref_id = '%1'")
                .arg(reflectionId));
    }

    void prepare() override
    {
        // For the in-process replay (TrustService::recompute) against the server's database.
        useDatabaseInProcess(server().databaseName());
    }

private Q_SLOTS:
    void needsAToken()
    {
        HttpClient anonymous(port());
        const HttpResult r = anonymous.post(QStringLiteral("/api/meet_reflections"),
                                            {{QStringLiteral("match_session_id"), newId()}});
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
    }

    void reflectionMovesThePeersTrustByTheRules()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const SeededMatch match = seedMatch(me, peer);

        const HttpResult r = reflect(me, match.matchId, 4, QStringLiteral("again"),
                                     {QStringLiteral("kind"), QStringLiteral("late_replies"),
                                      QStringLiteral("great_questions")},
                                     match.conversationId);
        QCOMPARE(r.status, 201);
        const QJsonObject created = r.json();
        QCOMPARE(created.keys(),
                 QStringList({QStringLiteral("created_at"), QStringLiteral("id"),
                              QStringLiteral("match_session_id"), QStringLiteral("xp_awarded")}));
        const QString id = created[QStringLiteral("id")].toString();
        QVERIFY(!QUuid::fromString(id).isNull());
        QCOMPARE(id, id.toLower());
        QCOMPARE(created[QStringLiteral("match_session_id")].toString(), match.matchId);
        QCOMPARE(created[QStringLiteral("xp_awarded")].toInt(), 15);
        const QDateTime createdAt =
            fp::fromWireTime(created[QStringLiteral("created_at")].toString());
        QVERIFY(createdAt.isValid());

        // The stored reflection.
        QCOMPARE(db()->scalar(QStringLiteral("SELECT CONCAT_WS('|', user_id, match_session_id, "
                                             "conversation_session_id, vibe_score, meet_outcome) "
                                             "FROM meet_reflections WHERE id = '%1'")
                                  .arg(id))
                     .toString(),
                 QStringList({me.userId, match.matchId, match.conversationId, QStringLiteral("4"),
                              QStringLiteral("again")})
                     .join(QLatin1Char('|')));
        QCOMPARE(QJsonDocument::fromJson(
                     db()->scalar(QStringLiteral("SELECT feedback_tags_json FROM meet_reflections "
                                                 "WHERE id = '%1'")
                                      .arg(id))
                         .toString()
                         .toUtf8())
                     .array(),
                 QJsonArray({QStringLiteral("kind"), QStringLiteral("late_replies"),
                             QStringLiteral("great_questions")}));

        // docs/trust.md, in hundredths (reliability, respect, engagement, safety):
        //   again (100, 50, 150, 50) + vibe 4 (0, 50, 150, 0) + kind (0, 200, 0, 0)
        //   + late_replies (-200, 0, 0, 0) + great_questions (0, 0, 200, 0) = (-100, 300, 500, 50)
        //   x weight 0.6 (the reflector's trust 50: (50 - 20) x 20 = 600 permille)
        //   = (-60, 180, 300, 30) -> 49.4 / 51.8 / 53 / 50.3, average 51.125 -> score 51, delta +1.
        QCOMPARE(ledgerRows(peer), 1);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT CONCAT_WS('|', user_id, delta, source, "
                                             "source_ref_id) FROM trust_score_events WHERE "
                                             "source_ref_id = '%1'")
                                  .arg(id))
                     .toString(),
                 QStringList({peer.userId, QStringLiteral("1"), QStringLiteral("reflection"), id})
                     .join(QLatin1Char('|')));
        QCOMPARE(fp::Sql::toTime(
                     db()->scalar(QStringLiteral("SELECT created_at FROM trust_score_events WHERE "
                                                 "source_ref_id = '%1'")
                                      .arg(id))),
                 createdAt);
        const QJsonObject metadata = ledgerMetadata(id);
        QCOMPARE(metadata[QStringLiteral("rule_version")].toInt(), 1);
        QCOMPARE(metadata[QStringLiteral("source")].toString(), QStringLiteral("reflection"));
        QCOMPARE(metadata[QStringLiteral("ignored")].toBool(true), false);
        QCOMPARE(metadata[QStringLiteral("reflector_id")].toString(), me.userId);
        QCOMPARE(metadata[QStringLiteral("reflector_trust")].toInt(), 50);
        QCOMPARE(metadata[QStringLiteral("reflector_weight")].toDouble(), 0.6);
        QCOMPARE(metadata[QStringLiteral("vibe_score")].toInt(), 4);
        QCOMPARE(metadata[QStringLiteral("meet_outcome")].toString(), QStringLiteral("again"));
        QCOMPARE(metadata[QStringLiteral("tags_counted")].toArray(),
                 QJsonArray({QStringLiteral("kind"), QStringLiteral("late_replies"),
                             QStringLiteral("great_questions")}));
        QCOMPARE(metadata[QStringLiteral("tags_unknown")].toArray(), QJsonArray());
        QCOMPARE(metadata[QStringLiteral("raw_component_deltas")].toObject(),
                 components(-1, 3, 5, 0.5));
        QCOMPARE(metadata[QStringLiteral("component_deltas")].toObject(),
                 components(-0.6, 1.8, 3, 0.3));
        QCOMPARE(metadata[QStringLiteral("components_after")].toObject(),
                 components(49.4, 51.8, 53, 50.3));
        QCOMPARE(metadata[QStringLiteral("moved_today_before")].toInt(), 0);
        QCOMPARE(metadata[QStringLiteral("daily_budget_left")].toInt(), 10);
        QCOMPARE(metadata[QStringLiteral("cooldown_applied")].toBool(true), false);
        QCOMPARE(metadata[QStringLiteral("score_before")].toInt(), 50);
        QCOMPARE(metadata[QStringLiteral("score_after")].toInt(), 51);

        // The peer's stored and visible trust.
        QCOMPARE(number(QStringLiteral("SELECT score FROM trust_scores WHERE user_id = '%1'")
                            .arg(peer.userId)),
                 51);
        const QJsonObject peerTrust = trustOf(peer);
        QCOMPARE(peerTrust[QStringLiteral("score")].toInt(), 51);
        QCOMPARE(peerTrust[QStringLiteral("components")].toObject(),
                 components(49.4, 51.8, 53, 50.3));
        QCOMPARE(peerTrust[QStringLiteral("cooldown_applied")].toBool(true), false);
        QCOMPARE(fp::fromWireTime(peerTrust[QStringLiteral("updated_at")].toString()), createdAt);

        // The reflector's own trust did not move; the reflector got the XP.
        QCOMPARE(ledgerRows(me), 0);
        QCOMPARE(trustOf(me)[QStringLiteral("score")].toInt(), 50);
        const QJsonObject xp = clientFor(port(), me)->get(QStringLiteral("/api/xp")).json();
        QCOMPARE(xp[QStringLiteral("total")].toInt(), 15);
        QCOMPARE(xp[QStringLiteral("recent")][0][QStringLiteral("source_type")].toString(),
                 QStringLiteral("reflection"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE source_ref_id = "
                                       "'%1' AND user_id = '%2'")
                            .arg(id, me.userId)),
                 1);

        // The peer reflects back without naming the conversation: stored with the match's one,
        // and a neutral reflection (maybe, vibe 3, no tags) leaves the score where it was.
        const HttpResult back = reflect(peer, match.matchId, 3, QStringLiteral("maybe"), {});
        QCOMPARE(back.status, 201);
        const QString backId = back.json()[QStringLiteral("id")].toString();
        QCOMPARE(db()->scalar(QStringLiteral("SELECT conversation_session_id FROM "
                                             "meet_reflections WHERE id = '%1'")
                                  .arg(backId))
                     .toString(),
                 match.conversationId);
        QCOMPARE(ledgerDelta(backId), 0);
        QCOMPARE(ledgerMetadata(backId)[QStringLiteral("ignored")].toBool(true), false);
        QCOMPARE(ledgerMetadata(backId)[QStringLiteral("component_deltas")].toObject(),
                 components(0, 0, 0, 0));
        QCOMPARE(trustOf(me)[QStringLiteral("score")].toInt(), 50);
    }

    void validationNamesEveryBadField()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const SeededMatch match = seedMatch(me, peer);
        auto client = clientFor(port(), me);
        const QString path = QStringLiteral("/api/meet_reflections");

        HttpResult r = client->post(path, QJsonObject {});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QStringLiteral("validation_failed"));
        QCOMPARE(fieldsOf(r),
                 QStringList({QStringLiteral("feedback_tags"), QStringLiteral("match_session_id"),
                              QStringLiteral("meet_outcome"), QStringLiteral("vibe_score")}));

        r = client->post(path,
                         {{QStringLiteral("match_session_id"), QStringLiteral("not-a-uuid")},
                          {QStringLiteral("conversation_session_id"), 5},
                          {QStringLiteral("vibe_score"), 6},
                          {QStringLiteral("meet_outcome"), QStringLiteral("never")},
                          {QStringLiteral("feedback_tags"),
                           QJsonArray({QStringLiteral("kind"), QStringLiteral("charming"),
                                       QStringLiteral("kind"), 3})},
                          {QStringLiteral("mood"), QStringLiteral("great")}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r),
                 QStringList(
                     {QStringLiteral("conversation_session_id"), QStringLiteral("feedback_tags[1]"),
                      QStringLiteral("feedback_tags[2]"), QStringLiteral("feedback_tags[3]"),
                      QStringLiteral("match_session_id"), QStringLiteral("meet_outcome"),
                      QStringLiteral("mood"), QStringLiteral("vibe_score")}));
        QVERIFY(fieldProblem(r, QStringLiteral("feedback_tags[1]"))
                    .contains(QStringLiteral("\"charming\"")));
        QVERIFY(fieldProblem(r, QStringLiteral("feedback_tags[2]"))
                    .contains(QStringLiteral("repeats")));
        QCOMPARE(fieldProblem(r, QStringLiteral("vibe_score")),
                 QStringLiteral("must be an integer 1-5"));

        // Too many tags, a fractional vibe, a vibe sent as text, tags not a list.
        QStringList eleven = kPositiveTags;
        eleven << QStringLiteral("rude") << QStringLiteral("pushy")
               << QStringLiteral("unresponsive");
        QCOMPARE(eleven.size(), 11);
        r = reflect(me, match.matchId, 3, QStringLiteral("maybe"), eleven);
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r), QStringList({QStringLiteral("feedback_tags")}));
        QCOMPARE(fieldProblem(r, QStringLiteral("feedback_tags")),
                 QStringLiteral("must have at most 10 tags"));

        r = client->post(path,
                         {{QStringLiteral("match_session_id"), match.matchId},
                          {QStringLiteral("vibe_score"), 2.5},
                          {QStringLiteral("meet_outcome"), QStringLiteral("pass")},
                          {QStringLiteral("feedback_tags"), QStringLiteral("kind")}});
        QCOMPARE(r.status, 400);
        QCOMPARE(fieldsOf(r),
                 QStringList({QStringLiteral("feedback_tags"), QStringLiteral("vibe_score")}));
        r = client->post(path,
                         {{QStringLiteral("match_session_id"), match.matchId},
                          {QStringLiteral("vibe_score"), QStringLiteral("3")},
                          {QStringLiteral("meet_outcome"), QStringLiteral("pass")},
                          {QStringLiteral("feedback_tags"), QJsonArray()}});
        QCOMPARE(fieldsOf(r), QStringList({QStringLiteral("vibe_score")}));

        // Nothing was stored by any of them; a valid body then succeeds (uppercase id accepted).
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM meet_reflections WHERE user_id = "
                                       "'%1'")
                            .arg(me.userId)),
                 0);
        r = reflect(me, match.matchId.toUpper(), 1, QStringLiteral("pass"), {});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json()[QStringLiteral("match_session_id")].toString(), match.matchId);
    }

    void onlyParticipantsOfTheMatch()
    {
        const TestAccount a = signUp();
        const TestAccount b = signUp();
        const TestAccount stranger = signUp();
        const SeededMatch match = seedMatch(a, b);
        const SeededMatch other = seedMatch(a, stranger);

        HttpResult r = reflect(stranger, match.matchId, 5, QStringLiteral("again"), {});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        r = reflect(a, newId(), 5, QStringLiteral("again"), {});
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
        // A conversation that is not this match's: another match's, or none at all.
        r = reflect(a, match.matchId, 5, QStringLiteral("again"), {}, other.conversationId);
        QCOMPARE(r.status, 404);
        r = reflect(a, match.matchId, 5, QStringLiteral("again"), {}, newId());
        QCOMPARE(r.status, 404);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM meet_reflections WHERE "
                                       "match_session_id IN ('%1', '%2')")
                            .arg(match.matchId, other.matchId)),
                 0);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE user_id "
                                       "IN ('%1', '%2', '%3')")
                            .arg(a.userId, b.userId, stranger.userId)),
                 0);
    }

    void oncePerUserPerMatch()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const SeededMatch match = seedMatch(me, peer);
        QCOMPARE(reflect(me, match.matchId, 4, QStringLiteral("again"), {}).status, 201);
        const HttpResult again =
            reflect(me, match.matchId, 1, QStringLiteral("pass"), {QStringLiteral("rude")});
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));
        QCOMPARE(again.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("already_reflected"));
        QCOMPARE(ledgerRows(peer), 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE user_id = '%1'")
                            .arg(me.userId)),
                 1);
        // The peer may still reflect on the same match.
        QCOMPARE(reflect(peer, match.matchId, 4, QStringLiteral("again"), {}).status, 201);
    }

    void onlyOnceTheConversationIsOver()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        for (const QString &state :
             {QStringLiteral("anonymous"), QStringLiteral("decision_gate")}) {
            const SeededMatch running = seedMatch(me, peer, state, QStringLiteral("active_chat"));
            const HttpResult r = reflect(me, running.matchId, 4, QStringLiteral("again"), {});
            QCOMPARE(r.status, 409);
            QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                     QStringLiteral("conversation_open"));
        }
        // A match that never got a conversation counts once the match itself is over.
        const SeededMatch pending = seedMatch(me, peer, {}, QStringLiteral("pending"));
        QCOMPARE(reflect(me, pending.matchId, 4, QStringLiteral("again"), {}).status, 409);
        const SeededMatch ended = seedMatch(me, peer, {}, QStringLiteral("ended"));
        QCOMPARE(reflect(me, ended.matchId, 4, QStringLiteral("again"), {}).status, 201);
        QVERIFY(db()->scalar(QStringLiteral("SELECT conversation_session_id FROM meet_reflections "
                                            "WHERE match_session_id = '%1'")
                                 .arg(ended.matchId))
                    .isNull());
        const SeededMatch revealed =
            seedMatch(me, peer, QStringLiteral("revealed"), QStringLiteral("friend_revealed"));
        QCOMPARE(reflect(me, revealed.matchId, 4, QStringLiteral("again"), {}).status, 201);
    }

    void idempotentReplay()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const SeededMatch match = seedMatch(me, peer);
        const QList<QPair<QByteArray, QByteArray>> key {
            {"Idempotency-Key", "reflection-" + newId().toLatin1()}};

        const HttpResult first = reflect(me, match.matchId, 5, QStringLiteral("again"),
                                         {QStringLiteral("kind")}, {}, key);
        QCOMPARE(first.status, 201);
        QVERIFY(first.header("Idempotent-Replayed").isEmpty());
        const HttpResult replay = reflect(me, match.matchId, 5, QStringLiteral("again"),
                                          {QStringLiteral("kind")}, {}, key);
        QCOMPARE(replay.status, 201);
        QCOMPARE(replay.header("Idempotent-Replayed"), QByteArray("true"));
        QCOMPARE(replay.json(), first.json());

        const QString id = first.json()[QStringLiteral("id")].toString();
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM meet_reflections WHERE user_id = "
                                       "'%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(ledgerRows(peer), 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM xp_ledger WHERE user_id = '%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(clientFor(port(), me)
                     ->get(QStringLiteral("/api/xp"))
                     .json()[QStringLiteral("total")]
                     .toInt(),
                 15);
        QVERIFY(!ledgerMetadata(id).isEmpty());

        const HttpResult different =
            reflect(me, match.matchId, 2, QStringLiteral("pass"), {}, {}, key);
        QCOMPARE(different.status, 422);
        QCOMPARE(different.errorCode(), QStringLiteral("idempotency_key_reused"));
    }

    void sameReflectorWithinThirtyDaysIsIgnored()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const SeededMatch first = seedMatch(me, peer);
        const SeededMatch second = seedMatch(me, peer);
        const SeededMatch third = seedMatch(me, peer);

        const HttpResult r1 = reflect(me, first.matchId, 5, QStringLiteral("again"), {});
        QCOMPARE(r1.status, 201);
        const QString firstId = r1.json()[QStringLiteral("id")].toString();
        // again (100, 50, 150, 50) + 2 vibe steps (0, 100, 300, 0) = (100, 150, 450, 50)
        // x 0.6 = (60, 90, 270, 30): 450 hundredths over 4 components -> 51.125 -> 51.
        QCOMPARE(ledgerDelta(firstId), 1);
        const QJsonObject before = trustOf(peer);
        QCOMPARE(before[QStringLiteral("components")].toObject(),
                 components(50.6, 50.9, 52.7, 50.3));

        // Through another match, the same reflector about the same peer: stored, XP earned,
        // trust untouched; the ledger row says why (delta 0, ignored).
        const HttpResult r2 =
            reflect(me, second.matchId, 1, QStringLiteral("pass"), {QStringLiteral("rude")});
        QCOMPARE(r2.status, 201);
        QCOMPARE(r2.json()[QStringLiteral("xp_awarded")].toInt(), 15);
        const QString secondId = r2.json()[QStringLiteral("id")].toString();
        QCOMPARE(ledgerDelta(secondId), 0);
        const QJsonObject ignored = ledgerMetadata(secondId);
        QCOMPARE(ignored[QStringLiteral("ignored")].toBool(), true);
        QCOMPARE(ignored[QStringLiteral("ignored_reason")].toString(),
                 QStringLiteral("same_reflector_within_30_days"));
        QCOMPARE(ignored[QStringLiteral("component_deltas")].toObject(), components(0, 0, 0, 0));
        const QDateTime firstAt =
            fp::fromWireTime(r1.json()[QStringLiteral("created_at")].toString());
        QCOMPARE(fp::fromWireTime(ignored[QStringLiteral("eligible_again_at")].toString()),
                 firstAt.addDays(30));
        const QJsonObject after = trustOf(peer);
        QCOMPARE(after[QStringLiteral("components")], before[QStringLiteral("components")]);
        QCOMPARE(after[QStringLiteral("updated_at")], before[QStringLiteral("updated_at")]);

        // Once the applied one is more than 30 days old, the same reflector counts again.
        exec(QStringLiteral("UPDATE trust_score_events SET created_at = created_at - INTERVAL 31 "
                            "DAY WHERE source_ref_id = '%1'")
                 .arg(firstId));
        const HttpResult r3 =
            reflect(me, third.matchId, 3, QStringLiteral("maybe"), {QStringLiteral("rude")});
        QCOMPARE(r3.status, 201);
        const QJsonObject counted = ledgerMetadata(r3.json()[QStringLiteral("id")].toString());
        QCOMPARE(counted[QStringLiteral("ignored")].toBool(true), false);
        // rude (0, -400, 0, 0) x 0.6 = -240 on respect: 50.9 -> 48.5.
        QCOMPARE(counted[QStringLiteral("component_deltas")].toObject(), components(0, -2.4, 0, 0));
        QCOMPARE(trustOf(peer)[QStringLiteral("components")].toObject(),
                 components(50.6, 48.5, 52.7, 50.3));
    }

    void dailyCapAndReplayOfTheLedger()
    {
        const TestAccount target = signUp();
        QList<TestAccount> reflectors;
        for (int i = 0; i < 4; ++i) {
            reflectors << signUp();
            seed().trust(reflectors.last(), 90); // weight 1.0: trust >= 70 counts fully
        }
        QList<QString> ids;
        for (const TestAccount &reflector : std::as_const(reflectors)) {
            const SeededMatch match = seedMatch(reflector, target);
            const HttpResult r =
                reflect(reflector, match.matchId, 5, QStringLiteral("again"), kPositiveTags);
            QCOMPARE(r.status, 201);
            ids << r.json()[QStringLiteral("id")].toString();
        }

        // Each: again (100, 50, 150, 50) + 2 vibe steps (0, 100, 300, 0) + 4 respect tags
        // (0, 800, 0, 0) + 4 engagement tags (0, 0, 800, 0) = (100, 950, 1250, 50), x 1.0.
        // First: 51 / 59.5 / 62.5 / 50.5, average 55.875 -> 56, delta 6, 4 points left today.
        QCOMPARE(ledgerDelta(ids[0]), 6);
        const QJsonObject m0 = ledgerMetadata(ids[0]);
        QCOMPARE(m0[QStringLiteral("reflector_trust")].toInt(), 90);
        QCOMPARE(m0[QStringLiteral("reflector_weight")].toDouble(), 1.0);
        QCOMPARE(m0[QStringLiteral("cooldown_applied")].toBool(true), false);
        QCOMPARE(m0[QStringLiteral("components_after")].toObject(),
                 components(51, 59.5, 62.5, 50.5));

        // Second: the full move would reach 62 (+6 > 4): scaled down until the score is 60.
        QCOMPARE(ledgerDelta(ids[1]), 4);
        const QJsonObject m1 = ledgerMetadata(ids[1]);
        QCOMPARE(m1[QStringLiteral("cooldown_applied")].toBool(), true);
        QCOMPARE(m1[QStringLiteral("moved_today_before")].toInt(), 6);
        QCOMPARE(m1[QStringLiteral("daily_budget_left")].toInt(), 4);
        QVERIFY(m1[QStringLiteral("cap_scale")].toDouble() < 1.0);
        QVERIFY(m1[QStringLiteral("cap_scale")].toDouble() > 0.7);
        QCOMPARE(m1[QStringLiteral("score_after")].toInt(), 60);

        // Third and fourth: the day's budget is spent; the score stays at 60.
        for (int i = 2; i < 4; ++i) {
            QCOMPARE(ledgerDelta(ids[i]), 0);
            const QJsonObject m = ledgerMetadata(ids[i]);
            QCOMPARE(m[QStringLiteral("moved_today_before")].toInt(), 10);
            QCOMPARE(m[QStringLiteral("daily_budget_left")].toInt(), 0);
            QCOMPARE(m[QStringLiteral("score_after")].toInt(), 60);
        }
        QCOMPARE(number(QStringLiteral("SELECT SUM(ABS(delta)) FROM trust_score_events WHERE "
                                       "user_id = '%1'")
                            .arg(target.userId)),
                 10);

        const QJsonObject trust = trustOf(target);
        QCOMPARE(trust[QStringLiteral("score")].toInt(), 60);
        QCOMPARE(trust[QStringLiteral("cooldown_applied")].toBool(), true);

        // The ledger replays to exactly the stored row (score, components, cooldown flag), and
        // the deltas telescope: 50 + SUM(delta) = score.
        const fp::Result<fp::TrustRecomputation> replay =
            fp::test::InProcessDomains()->trust.recompute(target.userId);
        QVERIFY(replay.ok());
        QVERIFY2(replay->problems.isEmpty(), qPrintable(replay->problems.join(QLatin1Char(';'))));
        QVERIFY(replay->stored.has_value());
        QVERIFY(replay->consistent());
        QCOMPARE(replay->replayed.score(), 60);
        QCOMPARE(replay->replayed.componentsJson(), trust[QStringLiteral("components")].toObject());
        QCOMPARE(replay->replayed.cooldownApplied, true);
        QCOMPARE(*replay->storedScore, 60);
        QCOMPARE(50 +
                     number(QStringLiteral("SELECT SUM(delta) FROM trust_score_events WHERE "
                                           "user_id = '%1'")
                                .arg(target.userId)),
                 60);

        // A user without any signal (and no trust row) replays to the initial state.
        const fp::Result<fp::TrustRecomputation> none =
            fp::test::InProcessDomains()->trust.recompute(signUp().userId);
        QVERIFY(none.ok());
        QVERIFY(!none->stored.has_value());
        QVERIFY(none->consistent());
        QCOMPARE(none->replayed.score(), 50);

        // A stored row the ledger does not explain is reported (a reflector seeded at 90).
        const fp::Result<fp::TrustRecomputation> seeded =
            fp::test::InProcessDomains()->trust.recompute(reflectors[0].userId);
        QVERIFY(seeded.ok());
        QVERIFY(!seeded->consistent());
    }

    void concurrentReflectionsKeepTheCapAndTheLedgerExact()
    {
        // Several reflections about one user at once: each waits for the row lock in turn and
        // reads the rows committed before it, so the day's total stays within the cap.
        const TestAccount target = signUp();
        QList<TestAccount> reflectors;
        QList<SeededMatch> matches;
        for (int i = 0; i < 6; ++i) {
            reflectors << signUp();
            seed().trust(reflectors.last(), 90);
            matches << seedMatch(reflectors.last(), target);
        }
        QList<QFuture<int>> running;
        for (int i = 0; i < reflectors.size(); ++i) {
            const TestAccount reflector = reflectors[i];
            const QString matchId = matches[i].matchId;
            const quint16 serverPort = port();
            running << QtConcurrent::run([reflector, matchId, serverPort] {
                HttpClient client(serverPort);
                client.setBearer(reflector.accessToken);
                return client
                    .post(QStringLiteral("/api/meet_reflections"),
                          {{QStringLiteral("match_session_id"), matchId},
                           {QStringLiteral("vibe_score"), 5},
                           {QStringLiteral("meet_outcome"), QStringLiteral("again")},
                           {QStringLiteral("feedback_tags"),
                            QJsonArray::fromStringList(kPositiveTags)}})
                    .status;
            });
        }
        for (QFuture<int> &future : running)
            QCOMPARE(future.result(), 201);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE "
                                       "user_id = '%1'")
                            .arg(target.userId)),
                 6);
        QCOMPARE(number(QStringLiteral("SELECT SUM(ABS(delta)) FROM trust_score_events WHERE "
                                       "user_id = '%1'")
                            .arg(target.userId)),
                 10);
        QCOMPARE(trustOf(target)[QStringLiteral("score")].toInt(), 60);
        const fp::Result<fp::TrustRecomputation> replay =
            fp::test::InProcessDomains()->trust.recompute(target.userId);
        QVERIFY(replay.ok());
        QVERIFY(replay->consistent());
    }
};

QTEST_GUILESS_MAIN(TestTrustReflections)
#include "tst_trust_reflections.moc"
