// GET /api/trust_score/{user_id} against the real server: the three visibility levels (self and
// staff see everything, a user sharing a match or a live friendship sees the score, anyone else
// 404), the initial state, and TrustService::applySignal as other domains will call it (inside
// their own transaction, once per source row).

#include "common/Time.h"
#include "server/storage/Database.h"
#include "server/trust/TrustService.h"
#include "tests/support/Fixtures.h"
#include "tests/support/InProcessDatabase.h"
#include "tests/support/InProcessDomains.h"
#include "tests/support/IntegrationTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QUuid>
#include <limits>

using namespace fp::test;

namespace {

QStringList sortedKeys(const QJsonObject &object)
{
    QStringList keys = object.keys();
    keys.sort();
    return keys;
}

const QStringList kFullKeys {QStringLiteral("components"), QStringLiteral("cooldown_applied"),
                             QStringLiteral("score"), QStringLiteral("updated_at"),
                             QStringLiteral("user_id")};
const QStringList kLimitedKeys {QStringLiteral("score"), QStringLiteral("user_id")};

QJsonObject components(double reliability, double respect, double engagement, double safety)
{
    return {{QStringLiteral("reliability"), reliability},
            {QStringLiteral("respect"), respect},
            {QStringLiteral("engagement"), engagement},
            {QStringLiteral("safety"), safety}};
}

} // namespace

class TestTrustScore : public IntegrationTest
{
    Q_OBJECT

public:
    TestTrustScore() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    /// A match that never got a conversation.
    QString seedMatch(const TestAccount &one, const TestAccount &two,
                      const QString &status = QStringLiteral("pending"))
    {
        return seed()
            .match(one, two, Seed::Match {.status = status, .score = 60, .conversation = {}})
            .matchId;
    }

    HttpResult trustScore(const TestAccount &viewer, const QString &userId)
    {
        return clientFor(port(), viewer)->get(QStringLiteral("/api/trust_score/%1").arg(userId));
    }

    void expectNotFound(const TestAccount &viewer, const QString &userId)
    {
        const HttpResult r = trustScore(viewer, userId);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QStringLiteral("not_found"));
    }

    void prepare() override
    {
        // For TrustService in this process, against the server's database.
        useDatabaseInProcess(server().databaseName());
    }

private Q_SLOTS:
    void needsAToken()
    {
        HttpClient anonymous(port());
        const HttpResult r = anonymous.get(QStringLiteral("/api/trust_score/%1").arg(newId()));
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
    }

    void selfSeesTheInitialStateInFull()
    {
        const TestAccount me = signUp();
        const HttpResult r = trustScore(me, me.userId);
        QCOMPARE(r.status, 200);
        const QJsonObject trust = r.json();
        QCOMPARE(sortedKeys(trust), kFullKeys);
        QCOMPARE(trust[QStringLiteral("user_id")].toString(), me.userId);
        QCOMPARE(trust[QStringLiteral("score")].toInt(), 50);
        QCOMPARE(trust[QStringLiteral("cooldown_applied")].toBool(true), false);
        QCOMPARE(trust[QStringLiteral("components")].toObject(), components(50, 50, 50, 50));
        // No signal yet: unchanged since the account was created.
        QCOMPARE(
            fp::fromWireTime(trust[QStringLiteral("updated_at")].toString()),
            fp::Sql::toTime(db()->scalar(
                QStringLiteral("SELECT created_at FROM users WHERE id = '%1'").arg(me.userId))));
        // Reading wrote nothing.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_scores WHERE user_id = '%1'")
                            .arg(me.userId)),
                 0);
    }

    void aMatchedPeerSeesOnlyTheScore()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        seedMatch(me, peer); // any status counts, even one that never started
        for (const auto &[viewer, owner] : {std::pair {peer, me}, std::pair {me, peer}}) {
            const HttpResult r = trustScore(viewer, owner.userId);
            QCOMPARE(r.status, 200);
            QCOMPARE(sortedKeys(r.json()), kLimitedKeys);
            QCOMPARE(r.json()[QStringLiteral("user_id")].toString(), owner.userId);
            QCOMPARE(r.json()[QStringLiteral("score")].toInt(), 50);
        }
    }

    void aFriendSeesOnlyTheScoreUntilTheFriendshipEnds()
    {
        const TestAccount one = signUp();
        const TestAccount two = signUp();
        const TestAccount third = signUp();
        // A friendship whose origin match is not theirs (a revived pair, say): the friendship
        // alone must grant the view.
        const QString origin = seedMatch(one, third, QStringLiteral("ended"));
        seed().friendship(one, two, Seed::Friendship {.originMatchId = origin});
        HttpResult r = trustScore(two, one.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(sortedKeys(r.json()), kLimitedKeys);

        // Ended through the API, as people end one: the view kept in memory goes with it.
        QCOMPARE(
            clientFor(port(), one)->del(QStringLiteral("/api/friends/%1").arg(two.userId)).status,
            204);
        expectNotFound(two, one.userId);
        expectNotFound(one, two.userId);
    }

    void anyoneElseGetsNotFound()
    {
        const TestAccount me = signUp();
        const TestAccount stranger = signUp();
        expectNotFound(stranger, me.userId);
        expectNotFound(stranger, newId()); // unknown: the same answer
        expectNotFound(stranger, QStringLiteral("not-a-uuid"));
        expectNotFound(me, me.userId.toUpper()); // ids are lowercase
        expectNotFound(me, newId());
        // Someone else's match does not make strangers related.
        const TestAccount other = signUp();
        seedMatch(me, other);
        expectNotFound(stranger, other.userId);
    }

    void moderatorSeesEverything()
    {
        const TestAccount someone = signUp();
        TestAccount moderator = signUp();
        expectNotFound(moderator, someone.userId);
        seed().role(moderator, QStringLiteral("moderator"));
        // The role is read when a session is checked: a new login carries it.
        moderator = logIn(moderator);
        const HttpResult r = trustScore(moderator, someone.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(sortedKeys(r.json()), kFullKeys);
        QCOMPARE(r.json()[QStringLiteral("user_id")].toString(), someone.userId);
        expectNotFound(moderator, newId());
    }

    void adminSeesEverything()
    {
        const TestAccount someone = signUp();
        const TestAccount admin = logInAsAdmin();
        const HttpResult r = trustScore(admin, someone.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(sortedKeys(r.json()), kFullKeys);
        expectNotFound(admin, newId());
        expectNotFound(admin, QStringLiteral("0"));
        // Deleted accounts are gone for everyone on this route.
        exec(QStringLiteral("UPDATE users SET status = 'deleted' WHERE id = '%1'")
                 .arg(someone.userId));
        expectNotFound(admin, someone.userId);
    }

    // Issue #16's budget: a view of a score, one's own or someone else's, seen or refused, is one
    // SQL statement (the account, the score and the viewer's relation together) and at most one
    // Redis round trip (a lease of the address's and the account's rate budgets, most requests
    // none). The server counts each
    // request's work in its log line.
    void aViewIsOneStatementAndAtMostOneRoundTrip()
    {
        const TestAccount me = signUp();
        const TestAccount peer = signUp();
        const TestAccount friendOfMine = signUp();
        const TestAccount stranger = signUp();
        const TestAccount admin = logInAsAdmin();
        seedMatch(me, peer);
        seed().friendship(me, friendOfMine);
        const struct
        {
            TestAccount viewer;
            QString owner;
            int status;
        } views[] = {{me, me.userId, 200},           {peer, me.userId, 200},
                     {friendOfMine, me.userId, 200}, {stranger, me.userId, 404},
                     {admin, me.userId, 200},        {stranger, newId(), 404}};
        for (const auto &view : views) {
            // A token's session state is read from MariaDB once every few seconds, not per
            // request: the first request of a view may carry that read, the next ones do not.
            // Another person's view, once read, is answered from memory (tst_kept_answers),
            // asking nothing of MariaDB or Redis.
            qint64 fewest = std::numeric_limits<qint64>::max();
            qint64 leastFromMemory = std::numeric_limits<qint64>::max();
            int fromMemory = 0;
            // The viewer's session state read first (by a view of nobody), so that the first
            // view below is the route's own work alone.
            expectNotFound(view.viewer, newId());
            for (int attempt = 0; attempt < 4; ++attempt) {
                const HttpResult r = trustScore(view.viewer, view.owner);
                QCOMPARE(r.status, view.status);
                const QJsonObject line = server().requestLogLine(r.header("x-request-id"));
                QVERIFY2(!line.isEmpty(), "the request's log line");
                QVERIFY(line.value(QStringLiteral("redis_round_trips")).toInteger() <= 1);
                if (line.value(QStringLiteral("from_memory")).toBool()) {
                    // Never the route's own statement; on the I/O thread nothing at all (a
                    // worker serves it when the session or a budget unit must be read first).
                    ++fromMemory;
                    const qint64 statements =
                        line.value(QStringLiteral("sql_statements")).toInteger();
                    QVERIFY(statements <= 1);
                    leastFromMemory = qMin(
                        leastFromMemory,
                        statements + line.value(QStringLiteral("redis_round_trips")).toInteger());
                    continue;
                }
                fewest = qMin(fewest, line.value(QStringLiteral("sql_statements")).toInteger());
            }
            QCOMPARE(fewest, 1);
            // Kept: what a peer or a friend sees of someone else. Not kept: one's own (its
            // cooldown ends with time), staff's full view, and refusals.
            const bool kept = view.status == 200 && view.viewer.userId != view.owner &&
                view.viewer.userId != admin.userId;
            if (kept) {
                QVERIFY(fromMemory >= 1);
                QCOMPARE(leastFromMemory, 0);
            } else
                QCOMPARE(fromMemory, 0);
        }
    }

    void applySignalForOtherDomains()
    {
        // What moderation (confirmed reports) and matching (queue-spam penalties) will call
        // inside their own transactions: applied once per source row, rolled back with them.
        const TestAccount me = signUp();
        fp::test::InProcessDomains domains;
        const fp::TrustService &trust = domains->trust;
        const QString report = newId();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        {
            fp::Transaction tx;
            QVERIFY(tx.begin());
            const fp::Result<fp::AppliedSignal> applied = trust.applySignal(
                me.userId, fp::TrustSignal::reportConfirmed(fp::TrustSignal::Severity::Low, now),
                report);
            QVERIFY(applied.ok());
            QVERIFY(!applied->alreadyApplied);
            // low: respect -4, safety -8 -> 50 / 46 / 50 / 42, average 47.
            QCOMPARE(applied->decision.delta, -3);
            const fp::Result<fp::AppliedSignal> again = trust.applySignal(
                me.userId, fp::TrustSignal::reportConfirmed(fp::TrustSignal::Severity::Low, now),
                report);
            QVERIFY(again.ok());
            QVERIFY(again->alreadyApplied);
            QVERIFY(tx.commit());
        }
        {
            fp::Transaction tx;
            QVERIFY(tx.begin());
            QVERIFY(
                trust.applySignal(me.userId, fp::TrustSignal::cooldownPenalty({}), newId()).ok());
            tx.rollback(); // the caller's failure takes the trust change with it
        }
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE user_id "
                                       "= '%1'")
                            .arg(me.userId)),
                 1);
        QCOMPARE(*trust.currentScore(me.userId), 47);
        const QJsonObject shown = trustScore(me, me.userId).json();
        QCOMPARE(shown[QStringLiteral("score")].toInt(), 47);
        QCOMPARE(shown[QStringLiteral("components")].toObject(), components(50, 46, 50, 42));
        QCOMPARE(shown[QStringLiteral("cooldown_applied")].toBool(true), false);

        // Outside any transaction it runs in its own; an unknown user is 404.
        const fp::Result<fp::AppliedSignal> penalty =
            trust.applySignal(me.userId, fp::TrustSignal::cooldownPenalty({}), newId());
        QVERIFY(penalty.ok());
        QCOMPARE(penalty->decision.delta, -1); // reliability -4: 46 / 46 / 50 / 42 -> 46
        QCOMPARE(*trust.currentScore(me.userId), 46);
        const fp::Result<fp::AppliedSignal> nobody =
            trust.applySignal(newId(), fp::TrustSignal::cooldownPenalty({}), newId());
        QVERIFY(!nobody.ok());
        QCOMPARE(nobody.error().status(), 404);

        const fp::Result<fp::TrustRecomputation> replay = trust.recompute(me.userId);
        QVERIFY(replay.ok());
        QVERIFY(replay->consistent());
        QCOMPARE(replay->replayed.score(), 46);
        QCOMPARE(*trust.currentScore(newId()), 50); // no row: the initial score
    }
};

QTEST_GUILESS_MAIN(TestTrustScore)
#include "tst_trust_score.moc"
