// The staff side of safety against the real server (/api/admin/reports...): the queue of
// reports (ordering, filters, escalation of old critical ones), a report's detail with the
// conversation excerpt, claims and their 409, the four actions and their effects on the account,
// sessions, conversations, trust ledger and the reporter's view. Reports, matches and
// conversations are seeded as the safety, matching and conversation domains store them.

#include "tests/support/Fixtures.h"
#include "tests/support/StaffApiTest.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSet>
#include <QTest>

using namespace fp::test;

class TestSafetyStaff : public StaffApiTest
{
    Q_OBJECT

public:
    TestSafetyStaff()
        : StaffApiTest(TestServer::Options().withoutRateLimits().with(
              QStringLiteral("FP_REPORT_ESCALATION_MINUTES"), QStringLiteral("15")))
    { }

private Q_SLOTS:
    void everyRouteNeedsStaff_data()
    {
        const QString id = newId();
        staffRoutes({{"reports", "GET", QStringLiteral("/api/admin/reports")},
                     {"report", "GET", QStringLiteral("/api/admin/reports/") + id},
                     {"claim", "POST", QStringLiteral("/api/admin/reports/%1/claim").arg(id)},
                     {"action", "POST", QStringLiteral("/api/admin/reports/%1/action").arg(id)}});
    }

    void everyRouteNeedsStaff() { verifyStaffOnly(); }

    void reportWorkflow()
    {
        const TestAccount reporter = signUp(QStringLiteral("Reporter"));
        const TestAccount reported = signUp(QStringLiteral("Reported"));
        const QString conversation =
            seed()
                .match(reporter, reported, Seed::Match {.at = minutesAgo(5), .messages = 12})
                .conversationId;
        const QString low =
            seed().report(reporter, reported,
                          Seed::Report {.severity = QStringLiteral("low"), .at = minutesAgo(50)});
        const QString high = seed().report(reporter, reported,
                                           Seed::Report {.severity = QStringLiteral("high"),
                                                         .conversationId = conversation,
                                                         .at = minutesAgo(1)});
        const QString critical = seed().report(
            reported, reporter,
            Seed::Report {.severity = QStringLiteral("critical"), .at = minutesAgo(2)});

        // Severity first, then age.
        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/reports"));
        QCOMPARE(r.status, 200);
        QStringList order;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            order << v.toObject().value(QStringLiteral("id")).toString();
        QVERIFY(order.indexOf(critical) < order.indexOf(high));
        QVERIFY(order.indexOf(high) < order.indexOf(low));
        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/reports?severity=low&min_age_minutes=30"));
        QCOMPARE(r.status, 200);
        QStringList lows;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            lows << v.toObject().value(QStringLiteral("id")).toString();
        QVERIFY(lows.contains(low));
        QVERIFY(!lows.contains(high));
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/reports?severity=huge")).status,
                 400);

        // Detail: the conversation excerpt around the report, both sides' history and trust.
        r = as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + high);
        QCOMPARE(r.status, 200);
        const QJsonObject detail = r.json();
        const QJsonArray messages = detail.value(QStringLiteral("messages")).toArray();
        QVERIFY(!messages.isEmpty());
        QVERIFY(messages.size() <= 10);
        QCOMPARE(detail.value(QStringLiteral("reported"))
                     .toObject()
                     .value(QStringLiteral("trust_score"))
                     .toInt(),
                 50);
        // Each person's other reports, both ways: the low one the reporter filed about the
        // reported person, the critical one the reported person filed about the reporter.
        const auto historyOf = [&detail](const char *side) {
            QSet<QString> ids;
            for (const QJsonValue &v : detail.value(QLatin1String(side)).toArray())
                ids << v.toObject().value(QStringLiteral("id")).toString();
            return ids;
        };
        QCOMPARE(historyOf("reporter_history"), (QSet<QString> {low, critical}));
        QCOMPARE(historyOf("reported_history"), (QSet<QString> {low, critical}));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                             "'conversation.read' AND target_id = '%1' AND "
                                             "actor_user_id = '%2'")
                                  .arg(conversation, m_moderator.userId))
                     .toInt(),
                 1);
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/reports/") + newId()).status, 404);

        // Acting needs the claim; the claim locks others out.
        const QJsonObject restrict {{QStringLiteral("action"), QStringLiteral("restrict")},
                                    {QStringLiteral("note"), QStringLiteral("insults")}};
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(high), restrict);
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("not_claimed"));
        r = as(m_moderator)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(high), {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("triaged"));
        QCOMPARE(r.json().value(QStringLiteral("claimed_by_user_id")).toString(),
                 m_moderator.userId);
        r = as(m_admin)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(high), {});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("claimed"));
        r = as(m_admin)->get(QStringLiteral("/api/admin/reports/") + high);
        QCOMPARE(r.json()
                     .value(QStringLiteral("report"))
                     .toObject()
                     .value(QStringLiteral("claimed_by_user_id"))
                     .toString(),
                 m_moderator.userId);

        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(high),
                       {{QStringLiteral("action"), QStringLiteral("restrict")}});
        QCOMPARE(r.status, 400);
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(high), restrict);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("actioned"));
        QCOMPARE(r.json().value(QStringLiteral("action")).toString(), QStringLiteral("restrict"));
        QCOMPARE(r.json().value(QStringLiteral("action_note")).toString(),
                 QStringLiteral("insults"));
        QCOMPARE(
            db()->scalar(
                    QStringLiteral("SELECT status FROM users WHERE id = '%1'").arg(reported.userId))
                .toString(),
            QStringLiteral("restricted"));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE "
                                             "user_id = '%1' AND source = 'report_confirmed' AND "
                                             "source_ref_id = '%2'")
                                  .arg(reported.userId, high))
                     .toInt(),
                 1);
        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-score").arg(reported.userId));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().value(QStringLiteral("score")).toInt() < 50);
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(high), restrict);
        QCOMPARE(r.status, 409);

        // The reporter sees the outcome.
        r = as(reporter)->get(QStringLiteral("/api/reports/mine"));
        QCOMPARE(r.status, 200);
        bool seen = false;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            if (v.toObject().value(QStringLiteral("id")).toString() == high) {
                QCOMPARE(v.toObject().value(QStringLiteral("status")).toString(),
                         QStringLiteral("actioned"));
                seen = true;
            }
        QVERIFY(seen);

        // Dismiss: no trust penalty.
        QCOMPARE(as(m_moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(low), {})
                     .status,
                 200);
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(low),
                       {{QStringLiteral("action"), QStringLiteral("dismiss")},
                        {QStringLiteral("note"), QStringLiteral("not a violation")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("dismissed"));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE "
                                             "source_ref_id = '%1'")
                                  .arg(low))
                     .toInt(),
                 0);

        // Warn: confirmed (trust penalty), the account stays as it is.
        QCOMPARE(as(m_admin)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(critical), {})
                     .status,
                 200);
        r = as(m_admin)->post(QStringLiteral("/api/admin/reports/%1/action").arg(critical),
                              {{QStringLiteral("action"), QStringLiteral("warn")},
                               {QStringLiteral("note"), QStringLiteral("first warning")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(
            db()->scalar(
                    QStringLiteral("SELECT status FROM users WHERE id = '%1'").arg(reporter.userId))
                .toString(),
            QStringLiteral("active"));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM trust_score_events WHERE "
                                             "source_ref_id = '%1'")
                                  .arg(critical))
                     .toInt(),
                 1);

        r = as(m_admin)->get(QStringLiteral("/api/admin/audit-log?target_id=") + high);
        QCOMPARE(r.status, 200);
        QStringList actions;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            actions << v.toObject().value(QStringLiteral("action")).toString();
        QVERIFY(actions.contains(QStringLiteral("report.action")));
        QVERIFY(actions.contains(QStringLiteral("report.claim")));
        QVERIFY(actions.contains(QStringLiteral("report.view")));
    }

    // No one judges their own case: a report a moderator filed, or one about them, is refused
    // to them (403) for claim and action alike, and each attempt is in the audit log.
    void staffMayNotHandleTheirOwnCase()
    {
        const TestAccount other = signUp(QStringLiteral("Bystander"));
        const QString filed = seed().report(m_moderator, other);
        const QString aboutThem = seed().report(other, m_moderator);
        const auto claim = [this](const QString &report) {
            return as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(report), {});
        };
        HttpResult r = claim(filed);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QCOMPARE(claim(aboutThem).status, 403);
        QCOMPARE(as(m_admin)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(aboutThem), {})
                     .status,
                 200);
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(aboutThem),
                       {{QStringLiteral("action"), QStringLiteral("dismiss")},
                        {QStringLiteral("note"), QStringLiteral("nothing to see")}});
        QCOMPARE(r.status, 403);
        // The same through an Idempotency-Key, whose transaction wraps the action's: still
        // refused, still audited.
        r = as(m_moderator)
                ->post(QStringLiteral("/api/admin/reports/%1/action").arg(aboutThem),
                       {{QStringLiteral("action"), QStringLiteral("dismiss")},
                        {QStringLiteral("note"), QStringLiteral("nothing to see")}},
                       {{"Idempotency-Key", "self-judgement-1"}});
        QCOMPARE(r.status, 403);
        QCOMPARE(db()->scalar(QStringLiteral("SELECT CONCAT(status, '/', claimed_by_user_id) "
                                             "FROM reports WHERE id = '%1'")
                                  .arg(aboutThem))
                     .toString(),
                 QStringLiteral("triaged/") + m_admin.userId); // claimed, not resolved
        QCOMPARE(
            db()->scalar(QStringLiteral("SELECT status FROM reports WHERE id = '%1'").arg(filed))
                .toString(),
            QStringLiteral("open"));
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM admin_audit_log WHERE action = "
                                             "'report.refused' AND actor_user_id = '%1'")
                                  .arg(m_moderator.userId))
                     .toInt(),
                 4);
    }

    void banThroughReport()
    {
        const TestAccount reporter = signUp(QStringLiteral("Victim"));
        TestAccount offender = signUp(QStringLiteral("Offender"));
        const QString conversation =
            seed()
                .match(reporter, offender, Seed::Match {.at = minutesAgo(3), .messages = 2})
                .conversationId;
        const QString report = seed().report(reporter, offender,
                                             Seed::Report {.severity = QStringLiteral("critical"),
                                                           .conversationId = conversation,
                                                           .at = minutesAgo(1)});
        QCOMPARE(as(offender)->get(QStringLiteral("/api/profile")).status, 200);

        QCOMPARE(as(m_moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(report), {})
                     .status,
                 200);
        HttpResult r = as(m_moderator)
                           ->post(QStringLiteral("/api/admin/reports/%1/action").arg(report),
                                  {{QStringLiteral("action"), QStringLiteral("ban")},
                                   {QStringLiteral("note"), QStringLiteral("threats")}});
        QCOMPARE(r.status, 200);
        QVERIFY(
            db()->scalar(QStringLiteral("SELECT banned_at IS NOT NULL FROM users WHERE id = '%1'")
                             .arg(offender.userId))
                .toBool());
        QCOMPARE(db()->scalar(QStringLiteral("SELECT COUNT(*) FROM user_sessions WHERE user_id = "
                                             "'%1' AND revoked_at IS NULL")
                                  .arg(offender.userId))
                     .toInt(),
                 0);
        QCOMPARE(
            db()->scalar(QStringLiteral("SELECT state FROM conversation_sessions WHERE id = '%1'")
                             .arg(conversation))
                .toString(),
            QStringLiteral("closed"));
        QTRY_COMPARE_WITH_TIMEOUT(as(offender)->get(QStringLiteral("/api/profile")).status, 401,
                                  5000);
        const QJsonObject credentials {{QStringLiteral("email"), offender.email},
                                       {QStringLiteral("password"), offender.password}};
        const HttpResult refused =
            HttpClient(port()).post(QStringLiteral("/api/auth/login"), credentials);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.json()[QStringLiteral("details")][QStringLiteral("reason")].toString(),
                 QStringLiteral("account_banned"));

        r = as(m_moderator)->get(QStringLiteral("/api/admin/users/") + offender.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("banned"));
        // Unbanning is an admin's.
        const QJsonObject unban {{QStringLiteral("status"), QStringLiteral("active")},
                                 {QStringLiteral("note"), QStringLiteral("appeal accepted")}};
        QCOMPARE(as(m_moderator)
                     ->put(QStringLiteral("/api/admin/users/%1/status").arg(offender.userId), unban)
                     .status,
                 403);
        r = as(m_admin)->put(QStringLiteral("/api/admin/users/%1/status").arg(offender.userId),
                             unban);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("active"));
        logIn(offender);
    }

    void escalation()
    {
        const TestAccount a = signUp(QStringLiteral("Escalator"));
        const TestAccount b = signUp(QStringLiteral("Escalated"));
        const QString old = seed().report(
            a, b, Seed::Report {.severity = QStringLiteral("critical"), .at = minutesAgo(20)});
        const QString fresh = seed().report(
            b, a, Seed::Report {.severity = QStringLiteral("critical"), .at = minutesAgo(1)});
        HttpResult r =
            as(m_moderator)
                ->get(QStringLiteral("/api/admin/reports?escalated=true&severity=critical"));
        QCOMPARE(r.status, 200);
        QStringList ids;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray()) {
            ids << v.toObject().value(QStringLiteral("id")).toString();
            QVERIFY(v.toObject().value(QStringLiteral("escalated")).toBool());
        }
        QVERIFY(ids.contains(old));
        QVERIFY(!ids.contains(fresh));
        QVERIFY(
            !db()->scalar(
                     QStringLiteral("SELECT escalated_at FROM reports WHERE id = '%1'").arg(old))
                 .isNull());
    }

    // The report_escalation job does it with nobody looking: critical after 15 minutes, high
    // after 60, never medium; and a claim that ran out is given up and says so in an event and
    // in the audit log (by the system).
    void escalationAndExpiredClaimsNeedNobodyLooking()
    {
        const TestAccount a = signUp(QStringLiteral("Unwatched"));
        const TestAccount b = signUp(QStringLiteral("Overdue"));
        const auto reportAt = [&](const char *severity, int minutes) {
            return seed().report(a, b,
                                 Seed::Report {.severity = QLatin1String(severity),
                                               .reason = QStringLiteral("harassment"),
                                               .details = QStringLiteral("left alone"),
                                               .status = QStringLiteral("open"),
                                               .conversationId = {},
                                               .at = minutesAgo(minutes)});
        };
        const QString critical = reportAt("critical", 16);
        const QString highOld = reportAt("high", 61);
        const QString highRecent = reportAt("high", 30);
        const QString medium = reportAt("medium", 600);
        const auto escalated = [this](const QString &id) {
            return !db()->scalar(QStringLiteral("SELECT escalated_at FROM reports WHERE id = '%1'")
                                     .arg(id))
                        .isNull();
        };
        QTRY_VERIFY_WITH_TIMEOUT(escalated(critical) && escalated(highOld), 20000);
        QVERIFY(!escalated(highRecent));
        QVERIFY(!escalated(medium));
        QCOMPARE(number(QStringLiteral("SELECT COUNT(*) FROM event_outbox WHERE event_type = "
                                       "'report.escalated' AND subject_id IN ('%1', '%2') AND "
                                       "actor_user_id IS NULL")
                            .arg(critical, highOld)),
                 2);
        QCOMPARE(text(QStringLiteral("SELECT JSON_VALUE(payload_json, '$.severity') FROM "
                                     "event_outbox WHERE event_type = 'report.escalated' AND "
                                     "subject_id = '%1'")
                          .arg(highOld)),
                 QStringLiteral("high"));

        // A moderator claims one and walks away: when the claim runs out it is free again.
        QCOMPARE(as(m_moderator)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(highRecent), {})
                     .status,
                 200);
        exec(QStringLiteral("UPDATE reports SET claimed_until = NOW(3) - INTERVAL 1 SECOND WHERE "
                            "id = '%1'")
                 .arg(highRecent));
        QTRY_VERIFY_WITH_TIMEOUT(
            db()->scalar(QStringLiteral("SELECT claimed_by_user_id FROM reports WHERE id = '%1'")
                             .arg(highRecent))
                .isNull(),
            20000);
        QCOMPARE(text(QStringLiteral("SELECT JSON_VALUE(payload_json, '$.claimed_by_user_id') "
                                     "FROM event_outbox WHERE event_type = "
                                     "'report.claim_expired' AND subject_id = '%1'")
                          .arg(highRecent)),
                 m_moderator.userId);
        // And in the audit log, once, by the system: no actor, but whose claim it was.
        const HttpResult audit = as(m_admin)->get(
            QStringLiteral("/api/admin/audit-log?action=report.claim_expired&target_id=") +
            highRecent);
        QCOMPARE(audit.status, 200);
        const QJsonArray entries = audit.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(entries.size(), 1);
        const QJsonObject expiry = entries.first().toObject();
        QCOMPARE(expiry.value(QStringLiteral("actor_kind")).toString(), QStringLiteral("system"));
        QVERIFY(expiry.value(QStringLiteral("actor_user_id")).isNull());
        QVERIFY(expiry.value(QStringLiteral("actor_role")).isNull());
        QCOMPARE(expiry.value(QStringLiteral("target_type")).toString(), QStringLiteral("report"));
        QCOMPARE(expiry.value(QStringLiteral("metadata"))
                     .toObject()
                     .value(QStringLiteral("claimed_by_user_id"))
                     .toString(),
                 m_moderator.userId);
        // The claim it ended was the moderator's own entry.
        const HttpResult claimed = as(m_admin)->get(
            QStringLiteral("/api/admin/audit-log?action=report.claim&target_id=") + highRecent);
        QCOMPARE(claimed.json()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QStringLiteral("actor_kind"))
                     .toString(),
                 QStringLiteral("staff"));
        // Anyone may claim it now, the admin included.
        QCOMPARE(as(m_admin)
                     ->post(QStringLiteral("/api/admin/reports/%1/claim").arg(highRecent), {})
                     .status,
                 200);
    }
};

QTEST_GUILESS_MAIN(TestSafetyStaff)
#include "tst_safety_staff.moc"
