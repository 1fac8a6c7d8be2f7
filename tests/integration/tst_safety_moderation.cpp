// Moderation that reaches moderators, against two real servers on one database and Redis: the
// staff alert feed on /ws (a report filed on one instance reaches a moderator's socket on the
// other; a reconnect replays what was missed; plain users are refused; escalation and expired
// claims arrive with nobody listing), items the chat rules raise (a flagged message, a blocked
// one kept as evidence, repeated blocks), the actions with their effects and audit entries
// (warn with a notice to acknowledge, sent again at each sign-in until acknowledged, a timed
// restriction, a separation the matcher honours, a manual trust review) and the time-to-claim
// measures. Ban through a report is tst_safety_staff's.

#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"
#include "tests/support/WsClient.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QSet>
#include <QTest>

using namespace fp::test;

namespace {

QStringList idsOf(const QJsonArray &items)
{
    QStringList ids;
    for (const QJsonValue &v : items)
        ids << v.toObject().value(QStringLiteral("id")).toString();
    return ids;
}

} // namespace

class TestSafetyModeration : public StaffApiTest
{
    Q_OBJECT

public:
    TestSafetyModeration() : StaffApiTest(options()) { }

private:
    static TestServer::Options options()
    {
        return TestServer::Options()
            .withoutRateLimits()
            .with(QStringLiteral("FP_REPEATED_BLOCKS_COUNT"), QStringLiteral("3"))
            .with(QStringLiteral("FP_MATCH_TICK_MS"), QStringLiteral("150"))
            .with(QStringLiteral("FP_RETENTION_SWEEP_SECONDS"), QStringLiteral("1"));
    }

    void prepare() override
    {
        StaffApiTest::prepare();
        TestServer::Options second = options();
        second.alongside(server());
        m_second = &addServer(second);
        QVERIFY(m_second->start());
    }

    /// A staff socket on `port`, subscribed from `afterId` (null: from now on); the
    /// `staff.subscribed` answer in `subscribed`.
    std::unique_ptr<WsClient> staffSocket(quint16 port, const TestAccount &staff,
                                          const QJsonValue &afterId, QJsonObject *subscribed)
    {
        auto ws = std::make_unique<WsClient>(port);
        if (!ws->connectAndAuthenticate(staff.accessToken))
            return nullptr;
        ws->send({{QStringLiteral("type"), QStringLiteral("staff.subscribe")},
                  {QStringLiteral("after_id"), afterId}});
        *subscribed = ws->waitFor(QStringLiteral("staff.subscribed"));
        return ws;
    }

    struct Pair
    {
        TestAccount a;
        TestAccount b;
        QString conversationId;
    };
    Pair pair()
    {
        Pair p {signUp(QStringLiteral("Ada")), signUp(QStringLiteral("Bo")), {}};
        p.conversationId =
            seed().match(p.a, p.b, Seed::Match {.at = minutesAgo(5), .messages = 4}).conversationId;
        return p;
    }

    QString fileReport(const TestAccount &reporter, const QString &conversationId,
                       const QString &reason)
    {
        const HttpResult r = as(reporter)->post(
            QStringLiteral("/api/reports"),
            {{QStringLiteral("conversation_session_id"), conversationId},
             {QStringLiteral("reason_code"), reason},
             {QStringLiteral("details_text"), QStringLiteral("words only staff may read")}});
        if (r.status != 201)
            qWarning() << r.status << r.body;
        return r.json().value(QStringLiteral("id")).toString();
    }

    HttpResult sendChat(const TestAccount &sender, const QString &conversationId,
                        const QString &text)
    {
        return as(sender)->post(
            QStringLiteral("/api/conversations/%1/messages").arg(conversationId),
            {{QStringLiteral("client_msg_id"), newId()}, {QStringLiteral("text"), text}});
    }

    /// The unresolved items of the rules about `userId`, as the staff queue lists them.
    QList<QJsonObject> rulesItemsAbout(const QString &userId)
    {
        const HttpResult r =
            as(m_moderator)->get(QStringLiteral("/api/admin/reports?source=rules&limit=100"));
        QList<QJsonObject> items;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray()) {
            if (v.toObject().value(QStringLiteral("reported_user_id")).toString() == userId)
                items << v.toObject();
        }
        return items;
    }

    HttpResult act(const TestAccount &staff, const QString &reportId, QJsonObject body)
    {
        return as(staff)->post(QStringLiteral("/api/admin/reports/%1/action").arg(reportId), body);
    }
    void claim(const TestAccount &staff, const QString &reportId)
    {
        QCOMPARE(
            as(staff)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(reportId), {}).status,
            200);
    }
    int auditEntries(const QString &reportId, const QString &action, const QString &note)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                     "'report.action' AND target_id = '%1' AND note = '%2' AND "
                                     "JSON_VALUE(metadata_json, '$.action') = '%3'")
                          .arg(reportId, note, action));
    }

    /// Someone who may join the matching queue.
    TestAccount onboarded(const QString &nickname,
                          std::source_location where = std::source_location::current())
    {
        const TestAccount account = signUp(nickname, where);
        const HttpResult r =
            as(account)->put(QStringLiteral("/api/profile"), completeProfile(nickname));
        if (r.status != 200)
            QTest::qFail(qPrintable(QStringLiteral("onboarding failed: %1").arg(r.status)),
                         where.file_name(), int(where.line()));
        return account;
    }
    int join(const TestAccount &account)
    {
        return as(account)->post(QStringLiteral("/api/matching/queue/join"), {}).status;
    }
    void leave(const QList<TestAccount> &accounts)
    {
        for (const TestAccount &a : accounts)
            as(a)->post(QStringLiteral("/api/matching/queue/leave"), {});
    }
    /// Whether the two were matched with each other after `since`.
    bool matchedSince(const TestAccount &a, const TestAccount &b, const QDateTime &since)
    {
        return number(QStringLiteral("SELECT COUNT(*) FROM match_sessions WHERE (user_a_id = '%1' "
                                     "AND user_b_id = '%2' OR user_a_id = '%2' AND user_b_id = "
                                     "'%1') AND matched_at > '%3'")
                          .arg(a.userId, b.userId, Seed::sqlTime(since))) > 0;
    }
    /// Sets the person's stored trust, whether or not they have one yet.
    void trustOf(const TestAccount &account, int score)
    {
        exec(QStringLiteral("INSERT INTO trust_scores (user_id, score, cooldown_applied, "
                            "components_json) VALUES ('%1', %2, 0, JSON_OBJECT('reliability', %2, "
                            "'respect', %2, 'engagement', %2, 'safety', %2)) ON DUPLICATE KEY "
                            "UPDATE score = VALUES(score), components_json = "
                            "VALUES(components_json)")
                 .arg(account.userId)
                 .arg(score));
    }
    /// Matcher passes run so far, on whichever instance holds the matcher's lease.
    int matcherPasses()
    {
        static const QByteArray name = "fp_matcher_pass_duration_seconds_count ";
        int passes = 0;
        for (const quint16 p : {port(), m_second->port()}) {
            for (const QByteArray &line :
                 HttpClient(p).get(QStringLiteral("/metrics")).body.split('\n')) {
                if (line.startsWith(name))
                    passes += line.mid(name.size()).toInt();
            }
        }
        return passes;
    }

    TestServer *m_second = nullptr;

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        staffRoutes({{"report metrics", "GET", QStringLiteral("/api/admin/reports/metrics")}});
    }
    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    // The feed follows the role as the session check finds it: a moderator demoted while
    // subscribed hears no more alerts within the check's bound, though their socket says
    // nothing, and the socket stays open (they may still chat).
    void aDemotedModeratorStopsHearingAlerts()
    {
        const TestAccount demoted = signUpAs(QStringLiteral("moderator"), QStringLiteral("Demi"));
        QJsonObject subscribed;
        const auto staff = staffSocket(port(), demoted, QJsonValue(), &subscribed);
        QVERIFY(staff && !subscribed.isEmpty());
        const auto alerted = [&](const QString &report) {
            return !staff
                        ->waitFor(QStringLiteral("staff.alert"), 1500,
                                  [&report](const QJsonObject &f) {
                                      return f.value(QStringLiteral("report_id")).toString() ==
                                          report;
                                  })
                        .isEmpty();
        };
        Pair p = pair();
        QVERIFY(alerted(fileReport(p.a, p.conversationId, QStringLiteral("threats"))));

        seed().role(demoted, QStringLiteral("user"));
        // Within the session check's bound: the change is read within a second, and a state in
        // memory counts as right for at most 3 s. Alerts come quickly while they still come, so
        // the bound is a time, not a number of reports.
        bool stillAlerted = true;
        QDeadlineTimer bound(8000);
        while (stillAlerted && !bound.hasExpired()) {
            p = pair();
            stillAlerted = alerted(fileReport(p.a, p.conversationId, QStringLiteral("threats")));
        }
        QVERIFY2(!stillAlerted, "a demoted moderator's idle socket still hears staff alerts");
        QVERIFY(staff->roundTrip());
        QCOMPARE(staff->socket().state(), QAbstractSocket::ConnectedState);
    }

    void criticalReportOnOneInstanceAlertsStaffOnTheOther()
    {
        QJsonObject subscribed;
        const auto staff = staffSocket(m_second->port(), m_moderator, QJsonValue(), &subscribed);
        QVERIFY(staff);
        QVERIFY(!subscribed.isEmpty());
        QCOMPARE(subscribed.value(QStringLiteral("replayed")).toInt(), 0);

        // A plain user's socket is refused the feed, stays open, and hears nothing of it.
        WsClient user(m_second->port());
        QVERIFY(user.connectAndAuthenticate(m_user.accessToken));
        user.send({{QStringLiteral("type"), QStringLiteral("staff.subscribe")},
                   {QStringLiteral("after_id"), QJsonValue()}});
        const QJsonObject refused = user.waitFor(QStringLiteral("error"));
        QCOMPARE(refused.value(QStringLiteral("code")).toString(), QStringLiteral("forbidden"));

        // A bad after_id is named.
        WsClient bad(m_second->port());
        QVERIFY(bad.connectAndAuthenticate(m_moderator.accessToken));
        bad.send({{QStringLiteral("type"), QStringLiteral("staff.subscribe")},
                  {QStringLiteral("after_id"), QStringLiteral("yesterday")}});
        QCOMPARE(bad.waitFor(QStringLiteral("error")).value(QStringLiteral("code")).toString(),
                 QStringLiteral("validation_failed"));

        // Filed on the first instance.
        const Pair p = pair();
        QElapsedTimer sinceFiling;
        sinceFiling.start();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("threats"));
        QVERIFY(!report.isEmpty());
        const QJsonObject alert =
            staff->waitFor(QStringLiteral("staff.alert"), 10000, [&report](const QJsonObject &f) {
                return f.value(QStringLiteral("report_id")).toString() == report;
            });
        QVERIFY2(!alert.isEmpty(), "the alert did not reach the other instance");
        // Measured, never asserted (a loaded CI machine is no measure of the product): #19 asks
        // for under 2 s; the alert is pushed, so this is the request plus a pub/sub hop.
        qInfo("alert on the other instance %lld ms after the report was sent",
              sinceFiling.elapsed());
        QCOMPARE(alert.value(QStringLiteral("kind")).toString(), QStringLiteral("report.created"));
        QCOMPARE(alert.value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
        QCOMPARE(alert.value(QStringLiteral("status")).toString(), QStringLiteral("open"));
        QCOMPARE(alert.value(QStringLiteral("source")).toString(), QStringLiteral("report"));
        QCOMPARE(alert.value(QStringLiteral("reason_code")).toString(), QStringLiteral("threats"));
        QVERIFY(alert.value(QStringLiteral("id")).toInteger() > 0);
        QVERIFY(!alert.value(QStringLiteral("at")).toString().isEmpty());
        // Codes and ids only: nobody's words, nobody's id beyond the report's.
        QVERIFY(!alert.contains(QStringLiteral("details_text")));
        QVERIFY(!QJsonDocument(alert).toJson().contains("words only staff may read"));
        QVERIFY(!QJsonDocument(alert).toJson().contains(p.a.userId.toUtf8()));

        // The claim is heard too.
        claim(m_moderator, report);
        const QJsonObject claimed =
            staff->waitFor(QStringLiteral("staff.alert"), 10000, [&report](const QJsonObject &f) {
                return f.value(QStringLiteral("report_id")).toString() == report &&
                    f.value(QStringLiteral("kind")).toString() == QLatin1String("report.claimed");
            });
        QCOMPARE(claimed.value(QStringLiteral("status")).toString(), QStringLiteral("triaged"));

        QVERIFY(user.roundTrip());
        QCOMPARE(user.count(QStringLiteral("staff.alert")), 0);
    }

    void manyStaffSocketsOnBothInstancesHearEachAlertOnce()
    {
        std::vector<std::unique_ptr<WsClient>> sockets;
        for (int i = 0; i < 12; ++i) {
            QJsonObject subscribed;
            sockets.push_back(staffSocket(i % 2 ? m_second->port() : port(),
                                          i % 3 ? m_moderator : m_admin, QJsonValue(),
                                          &subscribed));
            QVERIFY(sockets.back());
            QVERIFY(!subscribed.isEmpty());
        }
        QStringList reports;
        for (const char *reason : {"threats", "spam", "harassment"}) {
            const Pair p = pair();
            reports << fileReport(p.a, p.conversationId, QLatin1String(reason));
        }
        reports.removeAll(QString());
        QCOMPARE(reports.size(), 3);
        for (const auto &ws : sockets) {
            for (const QString &report : std::as_const(reports)) {
                const auto isIt = [&report](const QJsonObject &f) {
                    return f.value(QStringLiteral("report_id")).toString() == report &&
                        f.value(QStringLiteral("kind")).toString() ==
                        QLatin1String("report.created");
                };
                QVERIFY(!ws->waitFor(QStringLiteral("staff.alert"), 10000, isIt).isEmpty());
                QVERIFY(ws->roundTrip());
                QCOMPARE(ws->count(QStringLiteral("staff.alert"), isIt), 1);
            }
        }
    }

    void reconnectReplaysWhatWasMissed()
    {
        QJsonObject subscribed;
        auto staff = staffSocket(port(), m_admin, QJsonValue(), &subscribed);
        QVERIFY(staff);
        const qint64 seen = subscribed.value(QStringLiteral("last_id")).toInteger();
        staff.reset(); // the console goes away

        const Pair p = pair();
        const QString first = fileReport(p.a, p.conversationId, QStringLiteral("doxxing"));
        const QString second = fileReport(p.b, p.conversationId, QStringLiteral("sexual_content"));
        QVERIFY(!first.isEmpty() && !second.isEmpty());
        claim(m_moderator, first);

        // Back, on the other instance: what it missed, in order, then live again.
        staff = staffSocket(m_second->port(), m_admin, seen, &subscribed);
        QVERIFY(staff);
        QVERIFY(subscribed.value(QStringLiteral("replayed")).toInt() >= 3);
        QCOMPARE(subscribed.value(QStringLiteral("more")).toBool(), false);
        QList<QJsonObject> replayed;
        for (const QJsonObject &f : staff->received()) {
            if (f.value(QStringLiteral("type")).toString() == QLatin1String("staff.alert"))
                replayed << f;
        }
        QStringList kinds;
        qint64 previous = seen;
        for (const QJsonObject &f : std::as_const(replayed)) {
            QVERIFY(f.value(QStringLiteral("id")).toInteger() > previous);
            previous = f.value(QStringLiteral("id")).toInteger();
            kinds << f.value(QStringLiteral("report_id")).toString() + QLatin1Char('/') +
                    f.value(QStringLiteral("kind")).toString();
        }
        QVERIFY(kinds.indexOf(first + QStringLiteral("/report.created")) >= 0);
        QVERIFY(kinds.indexOf(second + QStringLiteral("/report.created")) >
                kinds.indexOf(first + QStringLiteral("/report.created")));
        QVERIFY(kinds.indexOf(first + QStringLiteral("/report.claimed")) >
                kinds.indexOf(second + QStringLiteral("/report.created")));

        act(m_moderator, first,
            {{QStringLiteral("action"), QStringLiteral("dismiss")},
             {QStringLiteral("note"), QStringLiteral("not a threat")}});
        QVERIFY(!staff
                     ->waitFor(QStringLiteral("staff.alert"), 10000,
                               [&first](const QJsonObject &f) {
                                   return f.value(QStringLiteral("report_id")).toString() ==
                                       first &&
                                       f.value(QStringLiteral("kind")).toString() ==
                                       QLatin1String("report.resolved");
                               })
                     .isEmpty());
    }

    // The timers work with nobody listing: an overdue critical report escalates and a claim
    // that ran out is given up, each reaching staff sockets on the other instance as an alert
    // and showing in the detail and the queue.
    void escalationAndExpiredClaimsReachTheFeed()
    {
        QJsonObject subscribed;
        const auto staff = staffSocket(m_second->port(), m_moderator, QJsonValue(), &subscribed);
        QVERIFY(staff);
        QVERIFY(!subscribed.isEmpty());
        const TestAccount a = signUp(QStringLiteral("Waiting"));
        const TestAccount b = signUp(QStringLiteral("Overdue"));
        const QString overdue = seed().report(
            a, b, Seed::Report {.severity = QStringLiteral("critical"), .at = minutesAgo(16)});
        const auto alert = [&overdue](const char *kind) {
            return [&overdue, kind](const QJsonObject &frame) {
                return frame.value(QStringLiteral("report_id")).toString() == overdue &&
                    frame.value(QStringLiteral("kind")).toString() == QLatin1String(kind);
            };
        };
        const QJsonObject escalated =
            staff->waitFor(QStringLiteral("staff.alert"), 20000, alert("report.escalated"));
        QVERIFY(!escalated.isEmpty());
        QCOMPARE(escalated.value(QStringLiteral("severity")).toString(),
                 QStringLiteral("critical"));
        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + overdue);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json()[QStringLiteral("report")][QStringLiteral("escalated")].toBool());
        QVERIFY(!r.json()[QStringLiteral("report")][QStringLiteral("escalated_at")].isNull());
        r = as(m_moderator)->get(QStringLiteral("/api/admin/reports?escalated=true&limit=100"));
        QVERIFY(idsOf(r.json().value(QStringLiteral("items")).toArray()).contains(overdue));

        claim(m_moderator, overdue);
        QVERIFY(!staff->waitFor(QStringLiteral("staff.alert"), 10000, alert("report.claimed"))
                     .isEmpty());
        exec(QStringLiteral("UPDATE reports SET claimed_until = NOW(3) - INTERVAL 1 SECOND WHERE "
                            "id = '%1'")
                 .arg(overdue));
        QVERIFY(!staff->waitFor(QStringLiteral("staff.alert"), 20000, alert("report.claim_expired"))
                     .isEmpty());
        r = as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + overdue);
        QVERIFY(r.json()[QStringLiteral("report")][QStringLiteral("claimed_by_user_id")].isNull());
        r = as(m_admin)->get(QStringLiteral("/api/admin/audit-log?action=report.claim_expired"
                                            "&target_id=") +
                             overdue);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 1);
    }

    void flaggedMessageIsDeliveredAndBecomesAnItem()
    {
        const Pair p = pair();
        QJsonObject subscribed;
        const auto staff = staffSocket(m_second->port(), m_moderator, QJsonValue(), &subscribed);
        QVERIFY(staff);

        const HttpResult sent = sendChat(p.a, p.conversationId, QStringLiteral("add me on insta"));
        QCOMPARE(sent.status, 201);
        const QString messageId = sent.json().value(QStringLiteral("id")).toString();
        QVERIFY(!messageId.isEmpty());

        const QList<QJsonObject> items = rulesItemsAbout(p.a.userId);
        QCOMPARE(items.size(), 1);
        const QJsonObject item = items.first();
        QCOMPARE(item.value(QStringLiteral("source")).toString(), QStringLiteral("rules"));
        QVERIFY(item.value(QStringLiteral("reporter_user_id")).isNull());
        QCOMPARE(item.value(QStringLiteral("reason_code")).toString(),
                 QStringLiteral("contact_info"));
        QCOMPARE(item.value(QStringLiteral("evidence_message_id")).toString(), messageId);
        QCOMPARE(item.value(QStringLiteral("conversation_session_id")).toString(),
                 p.conversationId);
        const QString itemId = item.value(QStringLiteral("id")).toString();

        const QJsonObject alert =
            staff->waitFor(QStringLiteral("staff.alert"), 10000, [&itemId](const QJsonObject &f) {
                return f.value(QStringLiteral("report_id")).toString() == itemId;
            });
        QCOMPARE(alert.value(QStringLiteral("kind")).toString(),
                 QStringLiteral("moderation.flagged"));
        QCOMPARE(alert.value(QStringLiteral("source")).toString(), QStringLiteral("rules"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE event_type = "
                                       "'moderation.flagged' AND subject_id = '%1'")
                            .arg(itemId)),
                 1);

        // The same label in the same conversation again: still one item.
        QCOMPARE(sendChat(p.a, p.conversationId, QStringLiteral("add me on insta please")).status,
                 201);
        QCOMPARE(rulesItemsAbout(p.a.userId).size(), 1);

        // The detail shows the flagged message marked among its neighbours.
        const HttpResult detail =
            as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + itemId);
        QCOMPARE(detail.status, 200);
        bool marked = false;
        for (const QJsonValue &v : detail.json().value(QStringLiteral("messages")).toArray()) {
            const QJsonObject m = v.toObject();
            if (m.value(QStringLiteral("id")).toString() == messageId)
                marked = m.value(QStringLiteral("moderation_label")).toString() ==
                    QLatin1String("contact_info");
        }
        QVERIFY(marked);
        QVERIFY(detail.json().value(QStringLiteral("reporter")).isNull());

        // Items take the same workflow: claim, act with a note, audited.
        claim(m_moderator, itemId);
        QCOMPARE(act(m_moderator, itemId,
                     {{QStringLiteral("action"), QStringLiteral("dismiss")},
                      {QStringLiteral("note"), QStringLiteral("a shop link")}})
                     .status,
                 200);
        QCOMPARE(auditEntries(itemId, QStringLiteral("dismiss"), QStringLiteral("a shop link")), 1);
    }

    void blockedMessagesAreKeptAndRepeatsRaiseAnItem()
    {
        const Pair p = pair();
        const HttpResult refused =
            sendChat(p.a, p.conversationId, QStringLiteral("i will kill you"));
        QCOMPARE(refused.status, 400);

        // Never shown to the peer.
        const HttpResult history =
            as(p.b)->get(QStringLiteral("/api/conversations/%1/messages").arg(p.conversationId));
        QCOMPARE(history.status, 200);
        QVERIFY(!history.body.contains("kill you"));

        QList<QJsonObject> items = rulesItemsAbout(p.a.userId);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.first().value(QStringLiteral("reason_code")).toString(),
                 QStringLiteral("threat"));
        QCOMPARE(items.first().value(QStringLiteral("severity")).toString(),
                 QStringLiteral("high"));
        const QString itemId = items.first().value(QStringLiteral("id")).toString();
        HttpResult detail = as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + itemId);
        const QJsonArray blocked =
            detail.json().value(QStringLiteral("blocked_messages")).toArray();
        QCOMPARE(blocked.size(), 1);
        QCOMPARE(blocked.first().toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("i will kill you"));
        QCOMPARE(blocked.first().toObject().value(QStringLiteral("delivery")).toString(),
                 QStringLiteral("blocked"));

        // Two more attempts (another label too): an item about the person.
        QCOMPARE(sendChat(p.a, p.conversationId, QStringLiteral("i will hurt you")).status, 400);
        QCOMPARE(sendChat(p.a, p.conversationId, QStringLiteral("send nudes")).status, 400);
        items = rulesItemsAbout(p.a.userId);
        QStringList reasons;
        for (const QJsonObject &i : std::as_const(items))
            reasons << i.value(QStringLiteral("reason_code")).toString();
        QVERIFY2(reasons.contains(QStringLiteral("repeated_blocks")),
                 qPrintable(reasons.join(',')));
        QCOMPARE(reasons.count(QStringLiteral("repeated_blocks")), 1);
        QCOMPARE(reasons.count(QStringLiteral("threat")), 1);
        for (const QJsonObject &i : std::as_const(items)) {
            if (i.value(QStringLiteral("reason_code")).toString() !=
                QLatin1String("repeated_blocks"))
                continue;
            detail = as(m_moderator)
                         ->get(QStringLiteral("/api/admin/reports/") +
                               i.value(QStringLiteral("id")).toString());
            QCOMPARE(detail.json().value(QStringLiteral("blocked_messages")).toArray().size(), 3);
        }
        // Kept like a reported conversation: the retention sweep leaves them while items are open.
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM blocked_messages WHERE "
                                       "sender_user_id = '%1'")
                            .arg(p.a.userId)),
                 3);
    }

    // Blocked attempts are kept like a reported conversation: past FP_MESSAGE_RETENTION_DAYS
    // they go with the chat they were aimed at, unless an unresolved item or report needs them.
    void blockedMessagesAreRetainedLikeReportedConversations()
    {
        const Pair held = pair();
        const Pair done = pair();
        QCOMPARE(sendChat(held.a, held.conversationId, QStringLiteral("i will kill you")).status,
                 400);
        QCOMPARE(sendChat(done.a, done.conversationId, QStringLiteral("i will kill you")).status,
                 400);
        const QList<QJsonObject> resolved = rulesItemsAbout(done.a.userId);
        QCOMPARE(resolved.size(), 1);
        const QString resolvedId = resolved.first().value(QStringLiteral("id")).toString();
        claim(m_moderator, resolvedId);
        QCOMPARE(act(m_moderator, resolvedId,
                     {{QStringLiteral("action"), QStringLiteral("dismiss")},
                      {QStringLiteral("note"), QStringLiteral("banter")}})
                     .status,
                 200);
        const auto kept = [this](const TestAccount &sender) {
            return number(QStringLiteral("SELECT COUNT(*) FROM blocked_messages WHERE "
                                         "sender_user_id = '%1'")
                              .arg(sender.userId));
        };
        QCOMPARE(kept(held.a), 1);
        QCOMPARE(kept(done.a), 1);
        exec(QStringLiteral("UPDATE blocked_messages SET created_at = UTC_TIMESTAMP(3) - INTERVAL "
                            "31 DAY WHERE sender_user_id IN ('%1', '%2')")
                 .arg(held.a.userId, done.a.userId));
        // One sweep deletes the one nobody needs and, in the same statement, keeps the other.
        QTRY_COMPARE_WITH_TIMEOUT(kept(done.a), 0, 20000);
        QCOMPARE(kept(held.a), 1);
        const HttpResult detail =
            as(m_moderator)
                ->get(
                    QStringLiteral("/api/admin/reports/") +
                    rulesItemsAbout(held.a.userId).first().value(QStringLiteral("id")).toString());
        QCOMPARE(detail.json().value(QStringLiteral("blocked_messages")).toArray().size(), 1);
    }

    void warnTellsThePersonWhoMustAcknowledge()
    {
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        WsClient warned(port());
        QVERIFY(warned.connectAndAuthenticate(p.b.accessToken));
        claim(m_moderator, report);
        // The note is required.
        QCOMPARE(
            act(m_moderator, report, {{QStringLiteral("action"), QStringLiteral("warn")}}).status,
            400);
        QCOMPARE(act(m_moderator, report,
                     {{QStringLiteral("action"), QStringLiteral("warn")},
                      {QStringLiteral("note"), QStringLiteral("rude twice")}})
                     .status,
                 200);
        const QJsonObject frame = warned.waitFor(QStringLiteral("moderation.notice"));
        QVERIFY(!frame.isEmpty());
        QVERIFY(frame.value(QStringLiteral("notice_seq")).toInteger() > 0);
        const QJsonObject notice = frame.value(QStringLiteral("notice")).toObject();
        QCOMPARE(notice.value(QStringLiteral("kind")).toString(), QStringLiteral("warn"));
        QVERIFY(!notice.value(QStringLiteral("message")).toString().isEmpty());
        QVERIFY(
            !notice.value(QStringLiteral("message")).toString().contains(QStringLiteral("rude")));

        HttpResult pending = as(p.b)->get(QStringLiteral("/api/me/notices?pending=true"));
        QCOMPARE(pending.status, 200);
        QCOMPARE(pending.json().value(QStringLiteral("items")).toArray().size(), 1);
        const QString noticeId = notice.value(QStringLiteral("id")).toString();
        // Nobody else's to acknowledge.
        QCOMPARE(as(p.a)->post(QStringLiteral("/api/me/notices/%1/ack").arg(noticeId), {}).status,
                 404);
        QCOMPARE(as(p.b)->post(QStringLiteral("/api/me/notices/nonsense/ack"), {}).status, 404);
        QCOMPARE(as(p.b)->get(QStringLiteral("/api/me/notices?pending=maybe")).status, 400);
        const HttpResult ack =
            as(p.b)->post(QStringLiteral("/api/me/notices/%1/ack").arg(noticeId), {});
        QCOMPARE(ack.status, 200);
        QVERIFY(!ack.json().value(QStringLiteral("acknowledged_at")).isNull());
        pending = as(p.b)->get(QStringLiteral("/api/me/notices?pending=true"));
        QCOMPARE(pending.json().value(QStringLiteral("items")).toArray().size(), 0);
        QCOMPARE(as(p.b)
                     ->get(QStringLiteral("/api/me/notices"))
                     .json()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .size(),
                 1);
        QCOMPARE(auditEntries(report, QStringLiteral("warn"), QStringLiteral("rude twice")), 1);

        // The reporter reads the outcome in words.
        const HttpResult mine = as(p.a)->get(QStringLiteral("/api/reports/mine"));
        bool told = false;
        for (const QJsonValue &v : mine.json().value(QStringLiteral("items")).toArray()) {
            if (v.toObject().value(QStringLiteral("id")).toString() == report)
                told = v.toObject()
                           .value(QStringLiteral("outcome"))
                           .toString()
                           .contains(QStringLiteral("took action"));
        }
        QVERIFY(told);
    }

    // Warned while away: told at the next sign-in, on any instance, without asking, on every
    // socket that signs in until they acknowledge; a token renewal is not a sign-in.
    void pendingNoticesReachThePersonAtSignIn()
    {
        const Pair p = pair();
        const QString warned = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        claim(m_moderator, warned);
        QCOMPARE(act(m_moderator, warned,
                     {{QStringLiteral("action"), QStringLiteral("warn")},
                      {QStringLiteral("note"), QStringLiteral("while away")}})
                     .status,
                 200);
        const QString restricted = seed().report(
            p.a, p.b, Seed::Report {.severity = QStringLiteral("high"), .at = minutesAgo(1)});
        claim(m_moderator, restricted);
        QCOMPARE(act(m_moderator, restricted,
                     {{QStringLiteral("action"), QStringLiteral("restrict")},
                      {QStringLiteral("note"), QStringLiteral("still away")},
                      {QStringLiteral("restrict_hours"), 1}})
                     .status,
                 200);

        const auto notices = [](const WsClient &ws) {
            QList<QJsonObject> found;
            for (const QJsonObject &frame : ws.received()) {
                if (frame.value(QStringLiteral("type")).toString() ==
                    QLatin1String("moderation.notice"))
                    found << frame.value(QStringLiteral("notice")).toObject();
            }
            return found;
        };
        WsClient back(m_second->port());
        QVERIFY(back.connectAndAuthenticate(p.b.accessToken));
        // Sent right behind auth.ok: a ping's pong comes after them.
        QVERIFY(back.roundTrip());
        QCOMPARE(back.received().first().value(QStringLiteral("type")).toString(),
                 QStringLiteral("auth.ok"));
        QList<QJsonObject> told = notices(back);
        QCOMPARE(told.size(), 2);
        QCOMPARE(told.at(0).value(QStringLiteral("kind")).toString(), QStringLiteral("warn"));
        QCOMPARE(told.at(1).value(QStringLiteral("kind")).toString(), QStringLiteral("restrict"));
        QVERIFY(!told.at(1).value(QStringLiteral("restricted_until")).isNull());
        QVERIFY(told.at(0).value(QStringLiteral("acknowledged_at")).isNull());
        // Not a replay of the live frames: no notice_seq.
        for (const QJsonObject &frame : back.received())
            QVERIFY(!frame.contains(QStringLiteral("notice_seq")));
        // The same notices the person can list.
        const HttpResult pending = as(p.b)->get(QStringLiteral("/api/me/notices?pending=true"));
        QCOMPARE(pending.status, 200);
        QSet<QString> listed;
        for (const QJsonValue &v : pending.json().value(QStringLiteral("items")).toArray())
            listed << v.toObject().value(QStringLiteral("id")).toString();
        QCOMPARE(listed,
                 (QSet<QString> {told.at(0).value(QStringLiteral("id")).toString(),
                                 told.at(1).value(QStringLiteral("id")).toString()}));

        // A fresh token on the same socket renews it; it does not sign in again.
        back.send({{QStringLiteral("type"), QStringLiteral("auth")},
                   {QStringLiteral("access_token"), p.b.accessToken}});
        QVERIFY(!back.waitFor(QStringLiteral("auth.ok")).isEmpty());
        QVERIFY(back.roundTrip());
        QCOMPARE(notices(back).size(), 2);

        // Acknowledged: the next sign-in is told only of what is still pending, then nothing.
        QCOMPARE(as(p.b)
                     ->post(QStringLiteral("/api/me/notices/%1/ack")
                                .arg(told.at(0).value(QStringLiteral("id")).toString()),
                            {})
                     .status,
                 200);
        WsClient again(port());
        QVERIFY(again.connectAndAuthenticate(p.b.accessToken));
        QVERIFY(again.roundTrip());
        told = notices(again);
        QCOMPARE(told.size(), 1);
        QCOMPARE(told.at(0).value(QStringLiteral("kind")).toString(), QStringLiteral("restrict"));
        QCOMPARE(as(p.b)
                     ->post(QStringLiteral("/api/me/notices/%1/ack")
                                .arg(told.at(0).value(QStringLiteral("id")).toString()),
                            {})
                     .status,
                 200);
        WsClient later(m_second->port());
        QVERIFY(later.connectAndAuthenticate(p.b.accessToken));
        QVERIFY(later.roundTrip());
        QCOMPARE(notices(later).size(), 0);
        // Someone else signing in hears nothing of it.
        WsClient other(port());
        QVERIFY(other.connectAndAuthenticate(p.a.accessToken));
        QVERIFY(other.roundTrip());
        QCOMPARE(notices(other).size(), 0);
    }

    void restrictionEndsByItself()
    {
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        claim(m_moderator, report);
        const QJsonObject tooLong {{QStringLiteral("action"), QStringLiteral("restrict")},
                                   {QStringLiteral("note"), QStringLiteral("cool off")},
                                   {QStringLiteral("restrict_hours"), 100000}};
        HttpResult r = act(m_moderator, report, tooLong);
        QCOMPARE(r.status, 400);
        QVERIFY(r.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().contains(
            QStringLiteral("restrict_hours")));
        QCOMPARE(act(m_moderator, report,
                     {{QStringLiteral("action"), QStringLiteral("restrict")},
                      {QStringLiteral("note"), QStringLiteral("cool off")},
                      {QStringLiteral("restrict_hours"), 1.5}})
                     .status,
                 400);
        r = act(m_moderator, report,
                {{QStringLiteral("action"), QStringLiteral("restrict")},
                 {QStringLiteral("note"), QStringLiteral("cool off")},
                 {QStringLiteral("restrict_hours"), 2}});
        QCOMPARE(r.status, 200);
        const int minutesLeft =
            number(QStringLiteral("SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(3), "
                                  "restricted_until) FROM users WHERE id = '%1'")
                       .arg(p.b.userId));
        QVERIFY2(minutesLeft > 100 && minutesLeft <= 120, qPrintable(QString::number(minutesLeft)));
        // A restricted account may read, not take part (a reveal consent about no conversation:
        // 403 while restricted, 404 once it may take part again).
        const auto takePart = [this, &p] {
            return as(p.b)
                ->post(QStringLiteral("/api/conversations/%1/reveal-consent").arg(newId()),
                       QJsonObject {{QStringLiteral("consent"), true}})
                .status;
        };
        QTRY_COMPARE_WITH_TIMEOUT(takePart(), 403, 10000);
        QCOMPARE(as(p.b)
                     ->get(QStringLiteral("/api/me/notices?pending=true"))
                     .json()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QStringLiteral("kind"))
                     .toString(),
                 QStringLiteral("restrict"));
        QCOMPARE(auditEntries(report, QStringLiteral("restrict"), QStringLiteral("cool off")), 1);

        // Once its time has passed, nobody has to lift it.
        seed().changeAccount(p.b.userId,
                             QStringLiteral("restricted_until = UTC_TIMESTAMP(3) - "
                                            "INTERVAL 1 MINUTE"));
        QTRY_COMPARE_WITH_TIMEOUT(takePart(), 404, 10000);
    }

    // A restriction or a ban given as a report's outcome ends the person's queue entry, as
    // the admin route's do (tst_matching): nobody is paired with someone who may not chat.
    void aReportActionThatRestrictsOrBansEndsTheQueueEntry()
    {
        for (const QString &action : {QStringLiteral("restrict"), QStringLiteral("ban")}) {
            const TestAccount reporter = signUp(QStringLiteral("Reporter ") + action);
            const TestAccount waiting = onboarded(QStringLiteral("Waiting ") + action);
            WsClient ws(port());
            QVERIFY(ws.connectAndAuthenticate(waiting.accessToken));
            QCOMPARE(join(waiting), 202);
            const QString report = seed().report(
                reporter, waiting,
                Seed::Report {.severity = QStringLiteral("high"), .at = minutesAgo(1)});
            claim(m_moderator, report);
            QCOMPARE(act(m_moderator, report,
                         {{QStringLiteral("action"), action},
                          {QStringLiteral("note"), QStringLiteral("while waiting")}})
                         .status,
                     200);
            QCOMPARE(text(QStringLiteral("SELECT status FROM matching_queue_entries WHERE "
                                         "user_id = '%1'")
                              .arg(waiting.userId)),
                     QStringLiteral("cancelled"));
            // Told, unless the ban signed them out first.
            const QJsonObject told =
                ws.waitFor(QStringLiteral("queue.status"), 5000, [](const QJsonObject &f) {
                    return f.value(QStringLiteral("status")).toString() == QLatin1String("idle");
                });
            if (action == QLatin1String("restrict"))
                QVERIFY(!told.isEmpty());
            else
                QVERIFY(!told.isEmpty() || ws.waitForClose(5000) == 4401);
        }
    }

    void separateKeepsThePairApart()
    {
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        claim(m_moderator, report);
        QCOMPARE(act(m_moderator, report,
                     {{QStringLiteral("action"), QStringLiteral("separate")},
                      {QStringLiteral("note"), QStringLiteral("keep apart")}})
                     .status,
                 200);
        QCOMPARE(
            number(QStringLiteral("SELECT COUNT(*) FROM blocks WHERE blocker_user_id = '%1' "
                                  "AND blocked_user_id = '%2' AND source = 'moderation_action'")
                       .arg(p.a.userId, p.b.userId)),
            1);
        // The pair's chat ended; the reporter sees the block by an alias and cannot lift it.
        QCOMPARE(text(QStringLiteral("SELECT state FROM conversation_sessions WHERE id = '%1'")
                          .arg(p.conversationId)),
                 QStringLiteral("closed"));
        const QJsonArray blocks = as(p.a)
                                      ->get(QStringLiteral("/api/blocks"))
                                      .json()
                                      .value(QStringLiteral("items"))
                                      .toArray();
        QCOMPARE(blocks.size(), 1);
        const QString shown =
            blocks.first().toObject().value(QStringLiteral("blocked_user_id")).toString();
        QVERIFY(shown != p.b.userId);
        QCOMPARE(as(p.a)->del(QStringLiteral("/api/blocks/") + shown).status, 403);
        QCOMPARE(auditEntries(report, QStringLiteral("separate"), QStringLiteral("keep apart")), 1);
    }

    // The separation, end to end: the matcher never pairs the two again, while a control pair
    // with the same past (matched long enough ago that the matcher's memory of recent matches,
    // match_sessions.matched_at, no longer keeps them apart) meets again, and each separated
    // person still meets others.
    void separatedPeopleAreNeverMatchedAgain()
    {
        const TestAccount a = onboarded(QStringLiteral("Apart1"));
        const TestAccount b = onboarded(QStringLiteral("Apart2"));
        const TestAccount c = onboarded(QStringLiteral("Control1"));
        const TestAccount d = onboarded(QStringLiteral("Control2"));
        const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-1);
        const Seed::Match past {.status = QStringLiteral("ended"),
                                .at = start.addDays(-40),
                                .conversation = QStringLiteral("closed"),
                                .messages = 2};
        const QString conversation = seed().match(a, b, past).conversationId;
        seed().match(c, d, past);
        const QString report = seed().report(a, b,
                                             Seed::Report {.severity = QStringLiteral("high"),
                                                           .conversationId = conversation,
                                                           .at = minutesAgo(1)});
        claim(m_moderator, report);
        QCOMPARE(act(m_moderator, report,
                     {{QStringLiteral("action"), QStringLiteral("separate")},
                      {QStringLiteral("note"), QStringLiteral("never again")}})
                     .status,
                 200);
        QCOMPARE(auditEntries(report, QStringLiteral("separate"), QStringLiteral("never again")),
                 1);
        // The confirmed report cost the reported person trust; give it back so that only the
        // separation stands between them (a newcomer is kept from low-trust peers too).
        for (const TestAccount &x : {a, b, c, d})
            trustOf(x, 70);

        QCOMPARE(join(c), 202);
        QCOMPARE(join(d), 202);
        QTRY_VERIFY_WITH_TIMEOUT(matchedSince(c, d, start), 20000);

        QCOMPARE(join(a), 202);
        QCOMPARE(join(b), 202);
        // Ten passes that each saw both of them waiting.
        const int before = matcherPasses();
        QVERIFY(pollUntil([&] { return matcherPasses() >= before + 11; }, 20000, 50));
        QVERIFY(!matchedSince(a, b, start));
        const TestAccount e = onboarded(QStringLiteral("Apart3"));
        trustOf(e, 70);
        QCOMPARE(join(e), 202);
        QTRY_VERIFY_WITH_TIMEOUT(matchedSince(a, e, start) || matchedSince(b, e, start), 20000);
        QVERIFY(!matchedSince(a, b, start));
        leave({a, b, c, d, e});
    }

    void manualReviewWritesTheLedgerWithinBounds()
    {
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("harassment"));
        claim(m_moderator, report);
        for (const QJsonValue &bad : {QJsonValue(0), QJsonValue(21), QJsonValue(-50),
                                      QJsonValue(QStringLiteral("-5")), QJsonValue()}) {
            QJsonObject body {{QStringLiteral("action"), QStringLiteral("manual_review")},
                              {QStringLiteral("note"), QStringLiteral("looked again")}};
            if (!bad.isNull())
                body.insert(QStringLiteral("trust_delta"), bad);
            QCOMPARE(act(m_moderator, report, body).status, 400);
        }
        QCOMPARE(act(m_moderator, report,
                     {{QStringLiteral("action"), QStringLiteral("warn")},
                      {QStringLiteral("note"), QStringLiteral("x")},
                      {QStringLiteral("trust_delta"), 3}})
                     .status,
                 400);
        // Strict, as every body: an unknown member and a null are named, not dropped.
        const HttpResult strict = act(m_moderator, report,
                                      {{QStringLiteral("action"), QStringLiteral("manual_review")},
                                       {QStringLiteral("note"), QJsonValue()},
                                       {QStringLiteral("trust_delta"), -7},
                                       {QStringLiteral("notify"), true}});
        QCOMPARE(strict.status, 400);
        QCOMPARE(
            strict.json()[QStringLiteral("details")][QStringLiteral("fields")].toObject().keys(),
            (QStringList {QStringLiteral("note"), QStringLiteral("notify")}));
        const HttpResult r = act(m_moderator, report,
                                 {{QStringLiteral("action"), QStringLiteral("manual_review")},
                                  {QStringLiteral("note"), QStringLiteral("looked again")},
                                  {QStringLiteral("trust_delta"), -7}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("action")).toString(),
                 QStringLiteral("manual_review"));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE user_id = "
                                       "'%1' AND source = 'manual_review' AND source_ref_id = '%2' "
                                       "AND delta < 0")
                            .arg(p.b.userId, report)),
                 1);
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE user_id = "
                                       "'%1' AND source = 'report_confirmed'")
                            .arg(p.b.userId)),
                 0);
        QCOMPARE(
            auditEntries(report, QStringLiteral("manual_review"), QStringLiteral("looked again")),
            1);
    }

    void timeToClaimAndResolveBySeverity()
    {
        const Pair p = pair();
        const QString report = fileReport(p.a, p.conversationId, QStringLiteral("minor_safety"));
        exec(QStringLiteral("UPDATE reports SET created_at = UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE "
                            "WHERE id = '%1'")
                 .arg(report));
        claim(m_admin, report);
        QCOMPARE(act(m_admin, report,
                     {{QStringLiteral("action"), QStringLiteral("dismiss")},
                      {QStringLiteral("note"), QStringLiteral("measured")}})
                     .status,
                 200);
        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/reports/metrics"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("window_hours")).toInt(), 168);
        const QJsonArray severities = r.json().value(QStringLiteral("severities")).toArray();
        QCOMPARE(severities.size(), 4);
        const QJsonObject critical = severities.first().toObject();
        QCOMPARE(critical.value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
        QVERIFY(critical.value(QStringLiteral("claimed")).toInt() >= 1);
        QVERIFY(critical.value(QStringLiteral("resolved")).toInt() >= 1);
        QVERIFY(critical.value(QStringLiteral("claim_p95_seconds")).toDouble() >= 590);
        QVERIFY(critical.value(QStringLiteral("resolve_p95_seconds")).toDouble() >= 590);
        for (const char *bad : {"0", "x", "99999"})
            QCOMPARE(as(m_moderator)
                         ->get(QStringLiteral("/api/admin/reports/metrics?window_hours=") +
                               QLatin1String(bad))
                         .status,
                     400);
        // The queue filter for my own claims.
        const QString mine = fileReport(p.b, p.conversationId, QStringLiteral("spam"));
        claim(m_moderator, mine);
        r = as(m_moderator)->get(QStringLiteral("/api/admin/reports?claimed_by=me"));
        QCOMPARE(r.status, 200);
        QVERIFY(idsOf(r.json().value(QStringLiteral("items")).toArray()).contains(mine));
        r = as(m_admin)->get(QStringLiteral("/api/admin/reports?claimed_by=me"));
        QVERIFY(!idsOf(r.json().value(QStringLiteral("items")).toArray()).contains(mine));
        QCOMPARE(as(m_admin)->get(QStringLiteral("/api/admin/reports?claimed_by=bob")).status, 400);
        QCOMPARE(as(m_admin)->get(QStringLiteral("/api/admin/reports?source=robots")).status, 400);

        // And in /metrics, refreshed every few seconds.
        HttpClient plain(port());
        QTRY_VERIFY_WITH_TIMEOUT(
            plain.get(QStringLiteral("/metrics"))
                .body.contains("fp_report_time_to_claim_seconds{severity=\"critical\""),
            15000);
    }
};

QTEST_GUILESS_MAIN(TestSafetyModeration)
#include "tst_safety_moderation.moc"
