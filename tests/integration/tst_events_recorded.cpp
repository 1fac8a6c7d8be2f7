// The event outbox against the real server: every flow of the product, walked over HTTP, records
// exactly its events (docs/events.md), read straight from event_outbox: type, version, actor,
// subject and payload fields. A refused or undone change records nothing; a deleted account is
// no actor of any event kept; no payload holds what someone wrote (a marker is sent through
// every free-text field), an email or a password; and together the flows record every type in
// event::kAll. Decision gates run on a second server whose gates open every two seconds.

#include "common/Time.h"
#include "server/events/EventTypes.h"
#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/OidcTestProvider.h"
#include "tests/support/RawRedis.h"
#include "tests/support/WsClient.h"

#include <QBuffer>
#include <QDate>
#include <QDeadlineTimer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace fp::test;

namespace {

// Sent through every free-text field (bio, chat, report details, notes, answers, intents): it
// must reach no payload.
const QString kMarker = QStringLiteral("Quillfeather5517");

constexpr int kGateIntervalSeconds = 2;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

QJsonObject clientEvent(const QString &id)
{
    return {{QStringLiteral("event_id"), id},
            {QStringLiteral("event_name"), QStringLiteral("onboarding.step_done")},
            {QStringLiteral("occurred_at"),
             fp::toWireTime(QDateTime::currentDateTimeUtc().addSecs(-60))},
            {QStringLiteral("session_id"), QStringLiteral("s-1")},
            {QStringLiteral("properties"), QJsonObject {{QStringLiteral("step"), 2}}}};
}

/// One event_outbox row.
struct Recorded
{
    qint64 seq = 0;
    QString type;
    int version = 0;
    QString actor; // empty: NULL
    QString subjectType;
    QString subjectId;
    QJsonObject payload;
    QString payloadText;

    QString describe() const
    {
        return QStringLiteral("#%1 %2 v%3 actor=%4 subject=%5:%6 payload=%7")
            .arg(seq)
            .arg(type)
            .arg(version)
            .arg(actor.isEmpty() ? s("-") : actor, subjectType, subjectId, payloadText);
    }
};

/// What a test expects of one row: `payload` holds the fields whose value is known, `present`
/// those whose value is not (an id made by the server, a number of seconds). Together they are
/// every field the payload has.
struct Expected
{
    fp::EventType type;
    QString actor; // empty: NULL
    QString subjectType;
    QString subjectId;
    QJsonObject payload {};
    QStringList present {};
};

// Why `got` is not `want` (empty when it is).
QString mismatch(const Recorded &got, const Expected &want)
{
    if (got.type != QString(want.type.name))
        return QStringLiteral("type %1, expected %2").arg(got.type, QString(want.type.name));
    if (got.version != want.type.version)
        return QStringLiteral("version %1, expected %2").arg(got.version).arg(want.type.version);
    if (got.actor != want.actor)
        return QStringLiteral("actor %1, expected %2").arg(got.actor, want.actor);
    if (got.subjectType != want.subjectType || got.subjectId != want.subjectId)
        return QStringLiteral("subject %1:%2, expected %3:%4")
            .arg(got.subjectType, got.subjectId, want.subjectType, want.subjectId);
    QStringList expectedKeys = want.payload.keys() + want.present;
    expectedKeys.sort();
    if (got.payload.keys() != expectedKeys)
        return QStringLiteral("payload fields %1, expected %2")
            .arg(got.payload.keys().join(QLatin1Char(',')), expectedKeys.join(QLatin1Char(',')));
    for (auto it = want.payload.begin(); it != want.payload.end(); ++it) {
        if (got.payload.value(it.key()) != it.value())
            return QStringLiteral("payload %1 is %2, expected %3")
                .arg(it.key(),
                     QString::fromUtf8(QJsonDocument(QJsonArray {got.payload.value(it.key())})
                                           .toJson(QJsonDocument::Compact)),
                     QString::fromUtf8(
                         QJsonDocument(QJsonArray {it.value()}).toJson(QJsonDocument::Compact)));
    }
    return {};
}

} // namespace

class TestEventsRecorded : public IntegrationTest
{
    Q_OBJECT

public:
    TestEventsRecorded() : IntegrationTest(options()) { }

private:
    TestServer *m_gates = nullptr; // FP_GATE_INTERVAL_SECONDS=2, a database of its own
    std::unique_ptr<Seed> m_gatesSeed;
    QList<TestAccount> m_accounts; // every account made: their emails and passwords
    // Sign in with Google on the gates server: a stand-in provider and its key.
    OidcTestProvider m_oidc;
    OidcTestKey m_oidcKey = OidcTestKey::ec(QStringLiteral("events-ec"));

    static TestServer::Options options()
    {
        TestServer::Options o;
        o.withoutRateLimits()
            .with(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("150"))
            .with(QStringLiteral("FP_REPORT_ESCALATION_MINUTES"), QStringLiteral("15"))
            .with(QStringLiteral("FP_REPORT_CLAIM_MINUTES"), QStringLiteral("30"));
        return o;
    }

    void prepare() override
    {
        TestServer::Options gates;
        m_oidc.publish({m_oidcKey});
        gates.withoutRateLimits()
            .with(QStringLiteral("FP_GATE_INTERVAL_SECONDS"), QString::number(kGateIntervalSeconds))
            .with(QStringLiteral("FP_OIDC_GOOGLE_CLIENT_IDS"), QStringLiteral("events-client"))
            .with(QStringLiteral("FP_OIDC_GOOGLE_ISSUER"), QStringLiteral("https://issuer.test"))
            .with(QStringLiteral("FP_OIDC_GOOGLE_JWKS_URL"), m_oidc.jwksUrl());
        m_gates = &addServer(gates);
        QVERIFY(m_gates->start());
        m_gatesSeed = std::make_unique<Seed>(m_gates->database());
    }

    TestAccount account(const QString &nickname, TestServer *on = nullptr,
                        std::source_location where = std::source_location::current())
    {
        const TestAccount made = fp::test::signUp(on ? on->port() : port(), nickname, where);
        m_accounts << made;
        m_secrets << made.password;
        return made;
    }

    TestAccount onboarded(const QString &nickname,
                          std::source_location where = std::source_location::current())
    {
        const TestAccount made = account(nickname, nullptr, where);
        const HttpResult r =
            as(made)->put(QStringLiteral("/api/profile"), completeProfile(nickname));
        if (r.status != 200 || !r.json().value(QStringLiteral("onboarding_complete")).toBool())
            QTest::qFail(qPrintable(QStringLiteral("onboarding failed: %1").arg(r.status)),
                         where.file_name(), int(where.line()));
        return made;
    }

    /// The newest row's seq: what a flow records comes after it.
    static qint64 lastSeq(TestDatabase *database)
    {
        return database->scalar(QStringLiteral("SELECT COALESCE(MAX(seq), 0) FROM event_outbox"))
            .toLongLong();
    }
    qint64 lastSeq() { return lastSeq(db()); }

    /// The rows after `after`, in order, that name one of `ids` as actor, subject or in their
    /// payload: the flow's own, whatever else the server records meanwhile (the matcher, other
    /// tests' timers). Every row when `ids` is empty.
    static QList<Recorded> recordedAbout(TestDatabase *database, qint64 after,
                                         const QStringList &ids)
    {
        const QString rows =
            database
                ->scalar(QStringLiteral(
                             "SELECT JSON_ARRAYAGG(JSON_OBJECT('seq', seq, 'type', event_type, "
                             "'version', event_version, 'actor', actor_user_id, 'subject_type', "
                             "subject_type, 'subject_id', subject_id, 'payload', payload_json) "
                             "ORDER BY seq) FROM event_outbox WHERE seq > %1")
                             .arg(after))
                .toString();
        QList<Recorded> found;
        for (const QJsonValue &v : QJsonDocument::fromJson(rows.toUtf8()).array()) {
            const QJsonObject o = v.toObject();
            Recorded r;
            r.seq = o.value(QStringLiteral("seq")).toInteger();
            r.type = o.value(QStringLiteral("type")).toString();
            r.version = o.value(QStringLiteral("version")).toInt();
            r.actor = o.value(QStringLiteral("actor")).toString();
            r.subjectType = o.value(QStringLiteral("subject_type")).toString();
            r.subjectId = o.value(QStringLiteral("subject_id")).toString();
            // The column may come back as text or as the JSON itself.
            const QJsonValue payload = o.value(QStringLiteral("payload"));
            r.payload = payload.isObject()
                ? payload.toObject()
                : QJsonDocument::fromJson(payload.toString().toUtf8()).object();
            r.payloadText =
                QString::fromUtf8(QJsonDocument(r.payload).toJson(QJsonDocument::Compact));
            const bool about =
                ids.isEmpty() || std::any_of(ids.begin(), ids.end(), [&](const QString &id) {
                    return r.actor == id || r.subjectId == id || r.payloadText.contains(id);
                });
            if (about)
                found.append(r);
        }
        return found;
    }
    QList<Recorded> recordedAbout(qint64 after, const QStringList &ids)
    {
        return recordedAbout(db(), after, ids);
    }

    /// Fails the calling test unless `got` is `want`, row by row, and nothing more.
    static void verifyEvents(const QList<Recorded> &got, const QList<Expected> &want,
                             std::source_location where = std::source_location::current())
    {
        QString problem;
        for (qsizetype i = 0; i < std::max(got.size(), want.size()) && problem.isEmpty(); ++i) {
            if (i >= got.size())
                problem = QStringLiteral("event %1 (%2) was not recorded")
                              .arg(i)
                              .arg(QString(want.at(i).type.name));
            else if (i >= want.size())
                problem = QStringLiteral("event %1 was not expected").arg(i);
            else if (const QString m = mismatch(got.at(i), want.at(i)); !m.isEmpty())
                problem = QStringLiteral("event %1: %2").arg(i).arg(m);
        }
        if (problem.isEmpty())
            return;
        QStringList all;
        for (const Recorded &r : got)
            all << r.describe();
        problem += QStringLiteral("\nrecorded:\n  ") + all.join(QStringLiteral("\n  "));
        QTest::qFail(qPrintable(problem), where.file_name(), int(where.line()));
    }

    /// conversation.closed: what closed it and when are asserted by the flow; the state it was
    /// in and how many gates it passed are only required to be there.
    static Expected closed(const QString &actor, const QString &conversationId,
                           const QString &matchId, const char *reason)
    {
        return {fp::event::ConversationClosed,
                actor,
                s("conversation"),
                conversationId,
                {{s("match_id"), matchId}, {s("reason"), s(reason)}},
                {s("state_before"), s("gates_resolved")}};
    }

    /// trust.changed of someone who had the initial 50.
    static Expected trustChanged(const QString &actor, const QString &userId, const char *reason)
    {
        return {fp::event::TrustChanged,
                actor,
                s("user"),
                userId,
                {{s("reason"), s(reason)}, {s("old"), 50}},
                {s("new"), s("delta"), s("ledger_event_id")}};
    }

    static Expected aboutReport(fp::EventType type, const QString &actor, const QString &reportId,
                                const QJsonObject &payload)
    {
        return {type, actor, s("report"), reportId, payload};
    }

    HttpResult sendMessage(const TestAccount &from, const QString &conversationId,
                           const QString &clientMsgId, const QString &text)
    {
        return as(from)->post(
            QStringLiteral("/api/conversations/%1/messages").arg(conversationId),
            {{QStringLiteral("client_msg_id"), clientMsgId}, {QStringLiteral("text"), text}});
    }

    HttpResult decide(const TestAccount &who, const QString &conversationId, int gateMinute,
                      const char *decision)
    {
        return clientFor(m_gates->port(), who)
            ->post(QStringLiteral("/api/conversations/%1/decision-gate").arg(conversationId),
                   {{QStringLiteral("gate_minute"), gateMinute},
                    {QStringLiteral("decision"), s(decision)}});
    }

    static QJsonObject waitGateOpen(WsClient &ws, int minute)
    {
        return ws.waitFor(QStringLiteral("gate.open"), 10000, [&](const QJsonObject &f) {
            return f.value(QStringLiteral("gate_minute")).toInt() == minute;
        });
    }

    /// The pair's match as the matcher stored it: {id, conversation id, user a, user b}.
    QStringList matchOf(const TestAccount &one, const TestAccount &two)
    {
        return text(QStringLiteral("SELECT CONCAT_WS('|', id, conversation_id, user_a_id, "
                                   "user_b_id) FROM match_sessions WHERE (user_a_id = '%1' AND "
                                   "user_b_id = '%2') OR (user_a_id = '%2' AND user_b_id = '%1')")
                        .arg(one.userId, two.userId))
            .split(QLatin1Char('|'), Qt::SkipEmptyParts);
    }

private Q_SLOTS:
    void accountAndProfile()
    {
        const qint64 mark = lastSeq();
        const TestAccount eve = account(QStringLiteral("Eve"));
        auto http = as(eve);
        // Refused: nothing written, nothing recorded.
        QCOMPARE(http->put(QStringLiteral("/api/profile"),
                           {{QStringLiteral("bio"), kMarker},
                            {QStringLiteral("values"), QJsonObject {{s("no_such_value"), 50}}}})
                     .status,
                 400);
        QCOMPARE(
            http->put(QStringLiteral("/api/profile"), {{QStringLiteral("bio"), kMarker}}).status,
            200);
        HttpResult r = http->put(QStringLiteral("/api/profile"), completeProfile(eve.nickname));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("onboarding_complete")).toBool());
        // The same again changes nothing: no event.
        QCOMPARE(http->put(QStringLiteral("/api/profile"), completeProfile(eve.nickname)).status,
                 200);
        // Incomplete again, then complete again: onboarding happened once.
        r = http->put(
            QStringLiteral("/api/profile"),
            {{QStringLiteral("values"), QJsonObject {{s("honesty"), 90}, {s("empathy"), 85}}}});
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json().value(QStringLiteral("onboarding_complete")).toBool());
        QCOMPARE(http->put(QStringLiteral("/api/profile"), completeProfile(eve.nickname)).status,
                 200);

        const auto updated = [&](const QStringList &sections) {
            return Expected {
                fp::event::ProfileUpdated,
                eve.userId,
                s("user"),
                eve.userId,
                {{s("sections"), QJsonArray::fromStringList(sections)}, {s("created"), false}}};
        };
        verifyEvents(recordedAbout(mark, {eve.userId}),
                     {{fp::event::AccountCreated,
                       eve.userId,
                       s("user"),
                       eve.userId,
                       {{s("role"), s("user")}}},
                      updated({s("bio")}),
                      updated({s("preferences"), s("values"), s("interests")}),
                      {fp::event::OnboardingCompleted,
                       eve.userId,
                       s("user"),
                       eve.userId,
                       {{s("country"), QJsonValue()},
                        {s("age_range"), QJsonValue()},
                        {s("friendship_intention"), s("long_term")}}},
                      updated({s("values")}),
                      updated({s("values")})});
    }

    void queueAndMatch()
    {
        const TestAccount ada = onboarded(QStringLiteral("Ada"));
        const TestAccount bo = onboarded(QStringLiteral("Bo"));
        const qint64 mark = lastSeq();
        const QString join = QStringLiteral("/api/matching/queue/join");
        HttpResult r = as(ada)->post(join, {});
        QCOMPARE(r.status, 202);
        const QString firstEntry = r.json().value(QStringLiteral("queue_entry_id")).toString();
        QCOMPARE(as(ada)->post(join, {}).status, 409); // already queued: nothing recorded
        QCOMPARE(as(ada)->post(QStringLiteral("/api/matching/queue/leave"), {}).status, 200);
        r = as(ada)->post(join, {});
        QCOMPARE(r.status, 202);
        const QString secondEntry = r.json().value(QStringLiteral("queue_entry_id")).toString();
        r = as(bo)->post(join, {});
        QCOMPARE(r.status, 202);
        const QString boEntry = r.json().value(QStringLiteral("queue_entry_id")).toString();
        QVERIFY(pollUntil([&] { return matchOf(ada, bo).size() == 4; }, 20000, 100));
        const QStringList match = matchOf(ada, bo);

        verifyEvents(recordedAbout(mark, {ada.userId, bo.userId, match.at(0), match.at(1)}),
                     {{fp::event::QueueJoined, ada.userId, s("queue_entry"), firstEntry},
                      {fp::event::QueueLeft,
                       ada.userId,
                       s("queue_entry"),
                       firstEntry,
                       {{s("status"), s("cancelled")}},
                       {s("wait_seconds")}},
                      {fp::event::QueueJoined, ada.userId, s("queue_entry"), secondEntry},
                      {fp::event::QueueJoined, bo.userId, s("queue_entry"), boEntry},
                      {fp::event::Matched,
                       {},
                       s("match"),
                       match.at(0),
                       {{s("match_id"), match.at(0)},
                        {s("conversation_id"), match.at(1)},
                        {s("user_a_id"), match.at(2)},
                        {s("user_b_id"), match.at(3)}},
                       {s("score"), s("wait_seconds_a"), s("wait_seconds_b")}},
                      {fp::event::ConversationStarted,
                       {},
                       s("conversation"),
                       match.at(1),
                       {{s("match_id"), match.at(0)}}}});
        // Done with them: the next tests queue people of their own.
        QCOMPARE(
            as(ada)->post(QStringLiteral("/api/conversations/%1/end").arg(match.at(1)), {}).status,
            200);
    }

    void queueEntryExpires()
    {
        const TestAccount gone = onboarded(QStringLiteral("Gone"));
        const qint64 mark = lastSeq();
        HttpResult r = as(gone)->post(QStringLiteral("/api/matching/queue/join"), {});
        QCOMPARE(r.status, 202);
        const QString entry = r.json().value(QStringLiteral("queue_entry_id")).toString();
        // Fifteen silent minutes, compressed: the liveness marker disappears.
        RawRedis redis(TestEnvironment::fromProcess().redisPort);
        const QByteArray marker =
            server().redisKeyPrefix().toLatin1() + "queue:alive:" + gone.userId.toLatin1();
        QVERIFY(pollUntil(
            [&] {
                redis.command({"DEL", marker});
                return text(QStringLiteral("SELECT status FROM matching_queue_entries WHERE id = "
                                           "'%1'")
                                .arg(entry)) == QLatin1String("expired");
            },
            15000, 100));
        verifyEvents(recordedAbout(mark, {gone.userId, entry}),
                     {{fp::event::QueueJoined, gone.userId, s("queue_entry"), entry},
                      {fp::event::QueueExpired,
                       {},
                       s("queue_entry"),
                       entry,
                       {{s("status"), s("expired")}},
                       {s("wait_seconds")}}});
    }

    void chatModerationAndPanicExit()
    {
        const TestAccount a = account(QStringLiteral("Chatter"));
        const TestAccount b = account(QStringLiteral("Listener"));
        const SeededMatch match = seed().match(a, b);
        seed().offLimitsTopic(b, QStringLiteral("politics"));
        const QString conversation = match.conversationId;
        const qint64 mark = lastSeq();

        QCOMPARE(sendMessage(a, conversation, s("m-1"), s("hello there ") + kMarker).status, 201);
        HttpResult r = sendMessage(a, conversation, s("m-2"), s("i will kill you ") + kMarker);
        QCOMPARE(r.status, 400);
        r = sendMessage(a, conversation, s("m-3"),
                        s("what do you think about the election ") + kMarker);
        QCOMPARE(r.status, 201);
        const QString flaggedId = r.json().value(QStringLiteral("id")).toString();
        QVERIFY(!flaggedId.isEmpty());
        // A re-send answers the stored message: it was flagged once.
        QVERIFY(sendMessage(a, conversation, s("m-3"),
                            s("what do you think about the election ") + kMarker)
                    .status < 300);

        r = as(b)->post(QStringLiteral("/api/conversations/%1/panic-exit").arg(conversation),
                        {{QStringLiteral("reason_code"), QStringLiteral("threats")},
                         {QStringLiteral("details_text"), kMarker}});
        QCOMPARE(r.status, 200);
        const QJsonObject report = r.json().value(QStringLiteral("report")).toObject();
        const QString reportId = report.value(QStringLiteral("id")).toString();
        const QString severity = report.value(QStringLiteral("severity")).toString();
        const QString blockId = text(
            QStringLiteral("SELECT id FROM blocks WHERE blocker_user_id = '%1'").arg(b.userId));

        verifyEvents(recordedAbout(mark, {a.userId, b.userId, conversation}),
                     {{fp::event::MessageBlocked,
                       a.userId,
                       s("conversation"),
                       conversation,
                       {{s("conversation_id"), conversation}, {s("label"), s("threat")}},
                       {s("labels"), s("rule_ids")}},
                      {fp::event::MessageFlagged,
                       a.userId,
                       s("conversation"),
                       conversation,
                       {{s("conversation_id"), conversation},
                        {s("message_id"), flaggedId},
                        {s("label"), s("off_limits:politics")}},
                       {s("labels"), s("rule_ids")}},
                      closed(b.userId, conversation, match.matchId, "panic_exit"),
                      {fp::event::BlockCreated,
                       b.userId,
                       s("block"),
                       blockId,
                       {{s("source"), s("panic_exit")}}},
                      aboutReport(fp::event::ReportFiled, b.userId, reportId,
                                  {{s("severity"), severity},
                                   {s("reason_code"), s("threats")},
                                   {s("origin"), s("panic_exit")},
                                   {s("about_conversation"), true},
                                   {s("conversation_id"), conversation}}),
                      {fp::event::PanicExit,
                       b.userId,
                       s("conversation"),
                       conversation,
                       {{s("match_id"), match.matchId},
                        {s("report_id"), reportId},
                        {s("reason_code"), s("threats")},
                        {s("severity"), severity}}}});
    }

    void conversationEndsAndRevealsByConsent()
    {
        const TestAccount a = account(QStringLiteral("Ender"));
        const TestAccount b = account(QStringLiteral("Ended"));
        const SeededMatch ended = seed().match(a, b);
        qint64 mark = lastSeq();
        QCOMPARE(
            as(a)
                ->post(QStringLiteral("/api/conversations/%1/end").arg(ended.conversationId), {})
                .status,
            200);
        verifyEvents(recordedAbout(mark, {a.userId, b.userId, ended.conversationId}),
                     {closed(a.userId, ended.conversationId, ended.matchId, "user_end")});

        const TestAccount c = account(QStringLiteral("Revealer"));
        const TestAccount d = account(QStringLiteral("Revealed"));
        const SeededMatch revealed = seed().match(c, d);
        mark = lastSeq();
        const QString consent =
            QStringLiteral("/api/conversations/%1/reveal-consent").arg(revealed.conversationId);
        QCOMPARE(as(c)->post(consent, {{QStringLiteral("consent"), true}}).status, 200);
        HttpResult r = as(d)->post(consent, {{QStringLiteral("consent"), true}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("state")).toString(), s("revealed"));
        const QString friendship = r.json().value(QStringLiteral("friendship_id")).toString();
        QVERIFY(!friendship.isEmpty());
        // XP goes to the match's user a first (the lower id, as matching stores a pair).
        const QString first = std::min(c.userId, d.userId);
        const QString second = std::max(c.userId, d.userId);
        const auto xp = [&](const QString &user) {
            return Expected {fp::event::XpGranted,
                             user,
                             s("user"),
                             user,
                             {{s("reason"), s("friendship")}, {s("source_ref_id"), friendship}},
                             {s("amount")}};
        };
        verifyEvents(
            recordedAbout(mark, {c.userId, d.userId, revealed.conversationId}),
            {{fp::event::FriendshipCreated,
              d.userId,
              s("friendship"),
              friendship,
              {{s("match_id"), revealed.matchId}, {s("conversation_id"), revealed.conversationId}}},
             {fp::event::Revealed,
              d.userId,
              s("conversation"),
              revealed.conversationId,
              {{s("match_id"), revealed.matchId},
               {s("friendship_id"), friendship},
               {s("gates_resolved"), 0}}},
             xp(first),
             xp(second)});
    }

    void decisionGatesAndTheirTimeouts()
    {
        TestDatabase *gatesDb = m_gates->database();
        const TestAccount a = account(QStringLiteral("Decider"), m_gates);
        const TestAccount b = account(QStringLiteral("Other"), m_gates);
        const SeededMatch decided = m_gatesSeed->match(a, b);
        const QString conversation = decided.conversationId;
        qint64 mark = lastSeq(gatesDb);
        WsClient ws(m_gates->port());
        QVERIFY(ws.connectAndAuthenticate(a.accessToken));
        QVERIFY(!waitGateOpen(ws, 10).isEmpty());
        QCOMPARE(decide(a, conversation, 10, "not_yet").status, 200);
        QCOMPARE(decide(b, conversation, 10, "not_yet").status, 200);
        QCOMPARE(decide(b, conversation, 10, "reveal_yes").status, 409); // decided: nothing new
        QVERIFY(!waitGateOpen(ws, 20).isEmpty());
        QCOMPARE(decide(a, conversation, 20, "end_chat").status, 200); // closes at once
        QCOMPARE(decide(b, conversation, 20, "end_chat").status, 409);
        const auto gate = [&](const TestAccount &who, int number, const char *decision,
                              const char *outcome) {
            QJsonObject payload {{s("match_id"), decided.matchId},
                                 {s("gate"), number},
                                 {s("gate_minute"), number * 10},
                                 {s("decision"), s(decision)}};
            if (outcome)
                payload.insert(s("outcome"), s(outcome));
            return Expected {fp::event::GateDecided, who.userId, s("conversation"), conversation,
                             payload};
        };
        verifyEvents(recordedAbout(gatesDb, mark, {a.userId, b.userId, conversation}),
                     {gate(a, 1, "not_yet", nullptr), gate(b, 1, "not_yet", "continued"),
                      gate(a, 2, "end_chat", "closed"),
                      closed(a.userId, conversation, decided.matchId, "user_end")});

        // Nobody decides: the timer resolves every gate, and closes the conversation at the last.
        const TestAccount c = account(QStringLiteral("Silent"), m_gates);
        const TestAccount d = account(QStringLiteral("Quiet"), m_gates);
        const SeededMatch silent = m_gatesSeed->match(c, d);
        mark = lastSeq(gatesDb);
        QVERIFY(pollUntil(
            [&] {
                return gatesDb
                           ->scalar(QStringLiteral("SELECT state FROM conversation_sessions WHERE "
                                                   "id = '%1'")
                                        .arg(silent.conversationId))
                           .toString() == QLatin1String("closed");
            },
            20000, 200));
        const auto timedOut = [&](int number, const char *outcome) {
            return Expected {fp::event::GateTimedOut,
                             {},
                             s("conversation"),
                             silent.conversationId,
                             {{s("match_id"), silent.matchId},
                              {s("gate"), number},
                              {s("gate_minute"), number * 10},
                              {s("outcome"), s(outcome)},
                              {s("undecided"), 2}}};
        };
        verifyEvents(recordedAbout(gatesDb, mark, {c.userId, d.userId, silent.conversationId}),
                     {timedOut(1, "continued"), timedOut(2, "continued"), timedOut(3, "closed"),
                      closed({}, silent.conversationId, silent.matchId, "timeout")});
    }

    void friendshipEvents()
    {
        const TestAccount me = account(QStringLiteral("Friend"));
        const TestAccount pal = account(QStringLiteral("Pal"));
        const QString friendship = seed().friendship(me, pal);
        const qint64 mark = lastSeq();
        const QString path = QStringLiteral("/api/friendships/%1/events").arg(friendship);
        QCOMPARE(as(me)
                     ->post(path,
                            {{QStringLiteral("event_type"), QStringLiteral("starter_completed")},
                             {QStringLiteral("payload"),
                              QJsonObject {{s("starter_id"), s("three_questions")},
                                           {s("note"), kMarker}}}})
                     .status,
                 201);
        QCOMPARE(as(me)
                     ->post(path,
                            {{QStringLiteral("event_type"), QStringLiteral("created")},
                             {QStringLiteral("payload"), QJsonObject {}}})
                     .status,
                 400);
        QCOMPARE(as(me)->del(QStringLiteral("/api/friends/") + pal.userId).status, 204);
        verifyEvents(recordedAbout(mark, {me.userId, pal.userId, friendship}),
                     {{fp::event::FriendshipEventRecorded,
                       me.userId,
                       s("friendship"),
                       friendship,
                       {{s("event_type"), s("starter_completed")}}},
                      {fp::event::FriendshipEventRecorded,
                       me.userId,
                       s("friendship"),
                       friendship,
                       {{s("event_type"), s("ended")}, {s("reason"), s("removed")}}}});
    }

    void reportsBlocksAndModeration()
    {
        const TestAccount reporter = account(QStringLiteral("Reporter"));
        const TestAccount reported = account(QStringLiteral("Reported"));
        seed().match(reporter, reported,
                     Seed::Match {.status = s("ended"), .conversation = s("closed")});
        const TestAccount moderator = signUpAs(QStringLiteral("moderator"), s("Moderator"));
        m_accounts << moderator;
        qint64 mark = lastSeq();

        const QJsonObject body {{QStringLiteral("reported_user_id"), reported.userId},
                                {QStringLiteral("reason_code"), QStringLiteral("harassment")},
                                {QStringLiteral("details_text"), kMarker}};
        HttpResult r = as(reporter)->post(QStringLiteral("/api/reports"), body);
        QCOMPARE(r.status, 201);
        const QString reportId = r.json().value(QStringLiteral("id")).toString();
        const QString severity = r.json().value(QStringLiteral("severity")).toString();
        QCOMPARE(as(reporter)->post(QStringLiteral("/api/reports"), body).status, 409);
        r = as(reporter)->post(QStringLiteral("/api/blocks"),
                               {{QStringLiteral("blocked_user_id"), reported.userId}});
        QCOMPARE(r.status, 201);
        const QString blockId =
            text(QStringLiteral("SELECT id FROM blocks WHERE blocker_user_id = '%1'")
                     .arg(reporter.userId));
        QCOMPARE(as(moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(reportId), {})
                     .status,
                 200);
        QCOMPARE(as(moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/action").arg(reportId),
                            {{QStringLiteral("action"), QStringLiteral("warn")},
                             {QStringLiteral("note"), kMarker}})
                     .status,
                 200);
        verifyEvents(recordedAbout(mark, {reporter.userId, reported.userId, reportId}),
                     {aboutReport(fp::event::ReportFiled, reporter.userId, reportId,
                                  {{s("severity"), severity},
                                   {s("reason_code"), s("harassment")},
                                   {s("origin"), s("report")},
                                   {s("about_conversation"), false},
                                   {s("conversation_id"), QJsonValue()}}),
                      {fp::event::BlockCreated,
                       reporter.userId,
                       s("block"),
                       blockId,
                       {{s("source"), s("manual")}}},
                      aboutReport(fp::event::ReportClaimed, moderator.userId, reportId,
                                  {{s("severity"), severity}, {s("claim_minutes"), 30}}),
                      trustChanged(moderator.userId, reported.userId, "report_confirmed"),
                      aboutReport(fp::event::ReportActioned, moderator.userId, reportId,
                                  {{s("action"), s("warn")},
                                   {s("severity"), severity},
                                   {s("reason_code"), s("harassment")}})});

        // A ban ends what the person takes part in: their open conversation closes, by the
        // moderator's hand.
        const TestAccount banned = account(QStringLiteral("Banned"));
        const TestAccount victim = account(QStringLiteral("Victim"));
        const SeededMatch chat = seed().match(banned, victim);
        const QString high = seed().report(victim, banned, Seed::Report {.severity = s("high")});
        mark = lastSeq();
        QCOMPARE(
            as(moderator)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(high), {}).status,
            200);
        QCOMPARE(as(moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/action").arg(high),
                            {{QStringLiteral("action"), QStringLiteral("ban")},
                             {QStringLiteral("note"), kMarker}})
                     .status,
                 200);
        verifyEvents(recordedAbout(mark, {banned.userId, victim.userId, high, chat.conversationId}),
                     {aboutReport(fp::event::ReportClaimed, moderator.userId, high,
                                  {{s("severity"), s("high")}, {s("claim_minutes"), 30}}),
                      closed(moderator.userId, chat.conversationId, chat.matchId, "user_end"),
                      trustChanged(moderator.userId, banned.userId, "report_confirmed"),
                      aboutReport(fp::event::ReportActioned, moderator.userId, high,
                                  {{s("action"), s("ban")},
                                   {s("severity"), s("high")},
                                   {s("reason_code"), s("harassment")}})});

        // An old critical report nobody claimed escalates, once: by the report_escalation job or
        // when staff next look at the queue, whichever comes first.
        const TestAccount x = account(QStringLiteral("Xavier"));
        const TestAccount y = account(QStringLiteral("Yara"));
        mark = lastSeq();
        const QString critical =
            seed().report(x, y, Seed::Report {.severity = s("critical"), .at = minutesAgo(60)});
        QCOMPARE(as(moderator)->get(QStringLiteral("/api/admin/reports")).status, 200);
        QCOMPARE(as(moderator)->get(QStringLiteral("/api/admin/reports")).status, 200);
        verifyEvents(recordedAbout(mark, {critical}),
                     {aboutReport(fp::event::ReportEscalated, {}, critical,
                                  {{s("severity"), s("critical")}, {s("overdue_minutes"), 15}})});

        // A claim that runs out gives the report back to the queue, and says whose it was.
        QCOMPARE(as(moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(critical), {})
                     .status,
                 200);
        mark = lastSeq();
        exec(QStringLiteral("UPDATE reports SET claimed_until = NOW(3) - INTERVAL 1 SECOND WHERE "
                            "id = '%1'")
                 .arg(critical));
        QTRY_COMPARE_WITH_TIMEOUT(recordedAbout(mark, {critical}).size(), 1, 20000);
        verifyEvents(
            recordedAbout(mark, {critical}),
            {aboutReport(fp::event::ReportClaimExpired, {}, critical,
                         {{s("claimed_by_user_id"), moderator.userId}, {s("claim_minutes"), 30}})});
    }

    void reflectionMovesTrust()
    {
        const TestAccount me = account(QStringLiteral("Reflector"));
        const TestAccount peer = account(QStringLiteral("Peer"));
        const SeededMatch match =
            seed().match(me, peer, Seed::Match {.status = s("ended"), .conversation = s("closed")});
        const qint64 mark = lastSeq();
        const HttpResult r =
            as(me)->post(QStringLiteral("/api/meet_reflections"),
                         {{QStringLiteral("match_session_id"), match.matchId},
                          {QStringLiteral("vibe_score"), 5},
                          {QStringLiteral("meet_outcome"), QStringLiteral("again")},
                          {QStringLiteral("feedback_tags"), QJsonArray {s("kind")}}});
        QCOMPARE(r.status, 201);
        const QString reflection = r.json().value(QStringLiteral("id")).toString();
        verifyEvents(recordedAbout(mark, {me.userId, peer.userId}),
                     {{fp::event::ReflectionSubmitted,
                       me.userId,
                       s("reflection"),
                       reflection,
                       {{s("match_id"), match.matchId},
                        {s("conversation_id"), match.conversationId},
                        {s("vibe_score"), 5},
                        {s("outcome"), s("again")},
                        {s("feedback_tags"), QJsonArray {s("kind")}}}},
                      trustChanged(me.userId, peer.userId, "reflection"),
                      {fp::event::XpGranted,
                       me.userId,
                       s("user"),
                       me.userId,
                       {{s("reason"), s("reflection")}, {s("source_ref_id"), reflection}},
                       {s("amount")}}});
    }

    void engagement()
    {
        const TestAccount me = account(QStringLiteral("Engaged"));
        const QString prompt = as(me)
                                   ->get(QStringLiteral("/api/daily_prompts/today"))
                                   .json()[QStringLiteral("prompt")][QStringLiteral("id")]
                                   .toString();
        QVERIFY(!prompt.isEmpty());
        const qint64 mark = lastSeq();
        const QJsonObject answer {{QStringLiteral("prompt_id"), prompt},
                                  {QStringLiteral("answer"), kMarker}};
        QCOMPARE(as(me)->post(QStringLiteral("/api/daily_prompts/answers"), answer).status, 201);
        QCOMPARE(as(me)->post(QStringLiteral("/api/daily_prompts/answers"), answer).status, 409);
        const QString answerId =
            text(QStringLiteral("SELECT id FROM daily_prompt_answers WHERE user_id = '%1'")
                     .arg(me.userId));
        QCOMPARE(
            as(me)
                ->post(QStringLiteral("/api/weekly_intent"), {{QStringLiteral("intent"), kMarker}})
                .status,
            200);
        const QDate today = QDateTime::currentDateTimeUtc().date();
        const QString monday = today.addDays(1 - today.dayOfWeek()).toString(Qt::ISODate);
        verifyEvents(recordedAbout(mark, {me.userId}),
                     {{fp::event::DailyAnswered,
                       me.userId,
                       s("user"),
                       me.userId,
                       {{s("prompt_id"), prompt}, {s("answer_id"), answerId}}},
                      {fp::event::XpGranted,
                       me.userId,
                       s("user"),
                       me.userId,
                       {{s("reason"), s("daily_answer")}, {s("source_ref_id"), answerId}},
                       {s("amount")}},
                      {fp::event::WeeklyIntentSet,
                       me.userId,
                       s("user"),
                       me.userId,
                       {{s("week_start_date"), monday}}}});
    }

    void clientEventsOncePerEventId()
    {
        const TestAccount me = account(QStringLiteral("Clicker"));
        const qint64 mark = lastSeq();
        const QString first = newId();
        const QString second = newId();
        const QString third = newId();
        const auto post = [&](const QJsonArray &events) {
            return as(me)->post(QStringLiteral("/api/events"),
                                {{QStringLiteral("events"), events}});
        };
        HttpResult r = post({clientEvent(first), clientEvent(second)});
        QCOMPARE(r.status, 202);
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 2);
        // A retry with one new event: only that one is announced.
        r = post({clientEvent(first), clientEvent(second), clientEvent(third)});
        QCOMPARE(r.json().value(QStringLiteral("accepted")).toInt(), 1);
        QCOMPARE(post({clientEvent(first)}).json().value(QStringLiteral("accepted")).toInt(), 0);
        QCOMPARE(post({QJsonObject {{QStringLiteral("event_id"), s("not an id")}}}).status, 400);
        const Expected one {fp::event::ClientEvent,
                            me.userId,
                            s("user"),
                            me.userId,
                            {{s("name"), s("onboarding.step_done")},
                             {s("properties"), QJsonObject {{s("step"), 2}}}}};
        verifyEvents(recordedAbout(mark, {me.userId}), {one, one, one});
    }

    void accountDeletionForgetsWhoActed()
    {
        const TestAccount leaving = onboarded(QStringLiteral("Leaving"));
        const TestAccount peer = account(QStringLiteral("Stays"));
        const TestAccount pal = account(QStringLiteral("Palette"));
        const SeededMatch chat = seed().match(leaving, peer);
        const QString friendship = seed().friendship(leaving, pal);
        const int acted =
            number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE actor_user_id = '%1'")
                       .arg(leaving.userId));
        QVERIFY(acted > 0);
        const qint64 mark = lastSeq();
        const HttpResult r = as(leaving)->send(
            "DELETE", QStringLiteral("/api/me"),
            QJsonDocument(QJsonObject {{QStringLiteral("password"), leaving.password}})
                .toJson(QJsonDocument::Compact),
            {{"Content-Type", "application/json"}});
        QCOMPARE(r.status, 202);
        // What the deletion recorded (ending their chat and friendship as them); the account
        // itself now stands under a pseudonym.
        const QString pseudonym =
            text(QStringLiteral("SELECT subject_id FROM event_outbox WHERE seq > %1 AND "
                                "event_type = 'account.deleted'")
                     .arg(mark));
        QVERIFY(!pseudonym.isEmpty());
        QVERIFY(pseudonym != leaving.userId);
        verifyEvents(recordedAbout(mark, {pseudonym, chat.conversationId, friendship}),
                     {closed(pseudonym, chat.conversationId, chat.matchId, "user_end"),
                      {fp::event::FriendshipEventRecorded,
                       pseudonym,
                       s("friendship"),
                       friendship,
                       {{s("event_type"), s("ended")}, {s("reason"), s("account_deleted")}}},
                      {fp::event::AccountDeleted,
                       {},
                       s("user"),
                       pseudonym,
                       {{s("reason"), s("user_request")}}}});
        // Every event kept forgets who the person was, those recorded before the deletion too:
        // not an actor, a subject or a payload field any more; the pseudonym stands in each
        // place, keeping their events together (what they did and what happened to them, sign-up
        // to deletion) without saying whose they were.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE actor_user_id = "
                                       "'%1' OR subject_id = '%1' OR payload_json LIKE '%%%1%%'")
                            .arg(leaving.userId)),
                 0);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE event_type = "
                                       "'account.created' AND subject_id = '%1' AND "
                                       "actor_user_id = '%1'")
                            .arg(pseudonym)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE seq <= %1 AND "
                                       "actor_user_id = '%2'")
                            .arg(mark)
                            .arg(pseudonym)),
                 acted);
    }

    void providersLinkedAndUnlinked()
    {
        auto token = [this](const QString &subject, const QString &email, QString *nonce) {
            *nonce = QStringLiteral("nonce-%1").arg(QRandomGenerator::system()->generate64());
            return QString::fromLatin1(
                m_oidcKey.token(idClaims(QStringLiteral("https://issuer.test"),
                                         QStringLiteral("events-client"), subject, email, *nonce)));
        };
        TestDatabase *gatesDb = m_gates->database();
        const qint64 mark = lastSeq(gatesDb);
        // Sign-up through the provider: the account and its first way in.
        QString nonce;
        const QString email = uniqueEmail();
        const HttpResult made =
            HttpClient(m_gates->port())
                .post(QStringLiteral("/api/auth/oidc/google"),
                      {{s("id_token"), token(s("sub-1"), email, &nonce)}, {s("nonce"), nonce}});
        QCOMPARE(made.status, 201);
        const QString social = made.json()[s("user")][s("id")].toString();
        verifyEvents(
            recordedAbout(gatesDb, mark, {social}),
            {{fp::event::AccountCreated, social, s("user"), social, {{s("role"), s("user")}}},
             {fp::event::AccountIdentityLinked,
              social,
              s("user"),
              social,
              {{s("provider"), s("google")}, {s("at_sign_up"), true}}}});

        // A password account links the provider, then unlinks it.
        const TestAccount kim = account(QStringLiteral("Kim"), m_gates);
        const qint64 before = lastSeq(gatesDb);
        auto http = clientFor(m_gates->port(), kim);
        QCOMPARE(http->post(QStringLiteral("/api/auth/identities/google"),
                            {{s("id_token"), token(s("sub-2"), {}, &nonce)}, {s("nonce"), nonce}})
                     .status,
                 201);
        QCOMPARE(http->del(QStringLiteral("/api/auth/identities/google")).status, 204);
        // Refused: nothing recorded.
        QCOMPARE(http->del(QStringLiteral("/api/auth/identities/google")).status, 404);
        verifyEvents(recordedAbout(gatesDb, before, {kim.userId}),
                     {{fp::event::AccountIdentityLinked,
                       kim.userId,
                       s("user"),
                       kim.userId,
                       {{s("provider"), s("google")}, {s("at_sign_up"), false}}},
                      {fp::event::AccountIdentityUnlinked,
                       kim.userId,
                       s("user"),
                       kim.userId,
                       {{s("provider"), s("google")}}}});
    }

    void avatarsSetReplacedAndRemoved()
    {
        const TestAccount ann = account(QStringLiteral("Ann"));
        const TestAccount mod = signUpAs(QStringLiteral("moderator"), QStringLiteral("AvatarMod"));
        const qint64 mark = lastSeq();
        QImage picture(64, 64, QImage::Format_RGB32);
        picture.fill(Qt::red);
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(picture.save(&buffer, "PNG"));
        const auto upload = [&](const QByteArray &body) {
            return as(ann)
                ->send("PUT", QStringLiteral("/api/profile/avatar"), body,
                       {{"Content-Type", "image/png"}})
                .status;
        };
        const auto remove = [&](const TestAccount &who, const QString &path) {
            return as(who)->send("DELETE", path, {}, {}).status;
        };
        QCOMPARE(upload(kMarker.toUtf8()), 415); // refused: nothing recorded
        QCOMPARE(upload(png), 200);
        QCOMPARE(upload(png), 200);
        QCOMPARE(remove(ann, QStringLiteral("/api/profile/avatar")), 204);
        QCOMPARE(remove(ann, QStringLiteral("/api/profile/avatar")), 204); // nothing to remove
        QCOMPARE(upload(png), 200);
        const QString staffRemoval = QStringLiteral("/api/admin/users/%1/avatar").arg(ann.userId);
        QCOMPARE(remove(mod, staffRemoval), 204);

        const auto set = [&](bool replaced) {
            return Expected {fp::event::AvatarSet,
                             ann.userId,
                             s("user"),
                             ann.userId,
                             {{s("source_format"), s("png")}, {s("replaced"), replaced}}};
        };
        verifyEvents(
            recordedAbout(mark, {ann.userId}),
            {set(false),
             set(true),
             {fp::event::AvatarRemoved, ann.userId, s("user"), ann.userId, {{s("by"), s("owner")}}},
             set(false),
             {fp::event::AvatarRemoved,
              mod.userId,
              s("user"),
              ann.userId,
              {{s("by"), s("staff")}}}});
    }

    // Last: over everything the flows above recorded, on both servers.
    void payloadsHoldNoTextEmailOrPasswordAndEveryTypeOccurs()
    {
        QSet<QString> seen;
        for (TestDatabase *database : {db(), m_gates->database()}) {
            const QList<Recorded> all = recordedAbout(database, 0, {});
            QVERIFY(!all.isEmpty());
            for (const Recorded &r : all) {
                seen.insert(r.type);
                QVERIFY2(!r.payloadText.contains(kMarker, Qt::CaseInsensitive),
                         qPrintable(r.describe()));
                QVERIFY2(!r.payloadText.contains(QLatin1String("$argon2")),
                         qPrintable(r.describe()));
                for (const TestAccount &a : std::as_const(m_accounts)) {
                    QVERIFY2(!r.payloadText.contains(a.email, Qt::CaseInsensitive),
                             qPrintable(r.describe()));
                    QVERIFY2(!r.payloadText.contains(a.password), qPrintable(r.describe()));
                }
                const auto known =
                    std::find_if(fp::event::kAll.begin(), fp::event::kAll.end(),
                                 [&](const fp::EventType &t) { return QString(t.name) == r.type; });
                QVERIFY2(known != fp::event::kAll.end(), qPrintable(r.describe()));
                QCOMPARE(r.version, known->version);
            }
        }
        for (const fp::EventType &type : fp::event::kAll)
            QVERIFY2(seen.contains(QString(type.name)), type.name.data());
    }
};

QTEST_GUILESS_MAIN(TestEventsRecorded)
#include "tst_events_recorded.moc"
