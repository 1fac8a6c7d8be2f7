// The staff API (/api/admin/...) against the real server: every route refuses anonymous callers
// (401) and plain users (403); queue metrics from seeded queue rows; the report workflow
// (ordering, detail with the conversation excerpt, claims and their 409, the four actions and
// their effects on the account, sessions, conversations, trust ledger and the reporter's view);
// escalation; who may ban, unban and change roles; users, trust, analytics and the audit log.
// Reports, matches and conversations are seeded with SQL where their domains produce them.

#include "tests/support/Accounts.h"
#include "tests/support/Fixtures.h"
#include "tests/support/HttpClient.h"
#include "tests/support/TestServer.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTest>
#include <QUrlQuery>
#include <QUuid>

using namespace fp::test;

namespace {

QString sqlTime(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString wire(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

} // namespace

class TestAdmin : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestServer> m_server;
    TestAccount m_admin;
    TestAccount m_moderator;
    TestAccount m_user;

    quint16 port() const { return m_server->port(); }
    TestDatabase *db() { return m_server->database(); }

    void exec(const QString &sql)
    {
        QString error;
        if (!db()->exec(sql, &error))
            QFAIL(qPrintable(error + QStringLiteral(" in ") + sql));
    }

    TestAccount signUp(const QString &nickname)
    {
        bool ok = false;
        TestAccount account = registerAccount(port(), nickname, &ok);
        if (!ok)
            qWarning("could not register an account");
        return account;
    }

    /// A match and conversation between the two, started `minutesAgo`, with `messages` lines.
    QString seedConversation(const TestAccount &a, const TestAccount &b, int minutesAgo,
                             int messages, const QString &state = QStringLiteral("anonymous"))
    {
        const QString match = newId();
        const QString conversation = newId();
        const QDateTime started = QDateTime::currentDateTimeUtc().addSecs(-60LL * minutesAgo);
        exec(QStringLiteral("INSERT INTO match_sessions (id, user_a_id, user_b_id, status, "
                            "matched_at, match_score, score_breakdown_json, match_reasons_json) "
                            "VALUES ('%1', '%2', '%3', 'active_chat', '%4', 80, '{}', '[]')")
                 .arg(match, a.userId, b.userId, sqlTime(started)));
        exec(QStringLiteral("INSERT INTO conversation_sessions (id, match_session_id, state, "
                            "started_at, last_message_seq) VALUES ('%1', '%2', '%3', '%4', %5)")
                 .arg(conversation, match, state, sqlTime(started))
                 .arg(messages));
        for (int i = 1; i <= messages; ++i)
            exec(QStringLiteral("INSERT INTO conversation_messages (id, conversation_session_id, "
                                "sender_user_id, seq, message_text, created_at) VALUES ('%1', "
                                "'%2', '%3', %4, 'line %4', '%5')")
                     .arg(newId(), conversation, (i % 2 ? b : a).userId)
                     .arg(i)
                     .arg(sqlTime(started.addSecs(i))));
        return conversation;
    }

    QString seedReport(const TestAccount &reporter, const TestAccount &reported,
                       const QString &severity, int minutesAgo, const QString &conversationId = {})
    {
        const QString id = newId();
        exec(QStringLiteral("INSERT INTO reports (id, reporter_user_id, reported_user_id, "
                            "conversation_session_id, reason_code, details_text, severity, "
                            "created_at) VALUES ('%1', '%2', '%3', %4, 'harassment', 'rude', "
                            "'%5', '%6')")
                 .arg(id, reporter.userId, reported.userId,
                      conversationId.isEmpty() ? QStringLiteral("NULL")
                                               : QStringLiteral("'%1'").arg(conversationId),
                      severity,
                      sqlTime(QDateTime::currentDateTimeUtc().addSecs(-60LL * minutesAgo))));
        return id;
    }

    std::unique_ptr<HttpClient> as(const TestAccount &account)
    {
        return clientFor(port(), account);
    }

private Q_SLOTS:
    void initTestCase()
    {
        FP_REQUIRE_TEST_ENVIRONMENT();
        TestServer::Options options;
        options.withoutRateLimits();
        options.extraEnvironment.insert(QStringLiteral("FP_REPORT_ESCALATION_MINUTES"),
                                        QStringLiteral("15"));
        m_server = std::make_unique<TestServer>(options);
        QVERIFY2(m_server->start(), m_server->output().constData());

        bool ok = false;
        TestAccount admin;
        admin.email = QStringLiteral("admin@test.local");
        admin.password = QStringLiteral("admin-password-for-tests");
        m_admin = loginAccount(port(), admin, {}, &ok);
        QVERIFY(ok);
        m_moderator = signUp(QStringLiteral("Moddy"));
        exec(QStringLiteral("UPDATE users SET role = 'moderator' WHERE id = '%1'")
                 .arg(m_moderator.userId));
        m_moderator = loginAccount(port(), m_moderator, {}, &ok);
        QVERIFY(ok);
        m_user = signUp(QStringLiteral("Plainuser"));
    }

    void cleanupTestCase() { m_server.reset(); }

    void everyRouteNeedsStaff_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        const QString id = newId();
        QTest::newRow("queue metrics")
            << QByteArray("GET") << QStringLiteral("/api/admin/queue/metrics");
        QTest::newRow("queue history")
            << QByteArray("GET") << QStringLiteral("/api/admin/queue/metrics/history");
        QTest::newRow("reports") << QByteArray("GET") << QStringLiteral("/api/admin/reports");
        QTest::newRow("report") << QByteArray("GET") << QStringLiteral("/api/admin/reports/") + id;
        QTest::newRow("claim") << QByteArray("POST")
                               << QStringLiteral("/api/admin/reports/%1/claim").arg(id);
        QTest::newRow("action") << QByteArray("POST")
                                << QStringLiteral("/api/admin/reports/%1/action").arg(id);
        QTest::newRow("users") << QByteArray("GET") << QStringLiteral("/api/admin/users?q=a");
        QTest::newRow("user") << QByteArray("GET") << QStringLiteral("/api/admin/users/") + id;
        QTest::newRow("status") << QByteArray("PUT")
                                << QStringLiteral("/api/admin/users/%1/status").arg(id);
        QTest::newRow("role") << QByteArray("PUT")
                              << QStringLiteral("/api/admin/users/%1/role").arg(id);
        QTest::newRow("trust score")
            << QByteArray("GET") << QStringLiteral("/api/admin/users/%1/trust-score").arg(id);
        QTest::newRow("trust events")
            << QByteArray("GET") << QStringLiteral("/api/admin/users/%1/trust-events").arg(id);
        QTest::newRow("trust history")
            << QByteArray("GET") << QStringLiteral("/api/admin/users/%1/trust-history").arg(id);
        QTest::newRow("analytics")
            << QByteArray("GET")
            << QStringLiteral("/api/admin/analytics/timeseries?metric=report_rate");
        QTest::newRow("audit log") << QByteArray("GET") << QStringLiteral("/api/admin/audit-log");
    }

    void everyRouteNeedsStaff()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        const QByteArray body = method == "GET" ? QByteArray() : QByteArray("{}");
        const QList<QPair<QByteArray, QByteArray>> headers {{"Content-Type", "application/json"}};
        HttpClient anonymous(port());
        HttpResult r = anonymous.send(method, path, body, headers);
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QStringLiteral("unauthorized"));
        r = as(m_user)->send(method, path, body, headers);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        // Staff get past the role check (a 2xx, or the route's own 400/404/409).
        r = as(m_admin)->send(method, path, body, headers);
        QVERIFY2(r.status != 401 && r.status != 403 && r.status != 500, r.body.constData());
    }

    void queueMetrics()
    {
        const TestAccount a = signUp(QStringLiteral("Queuer"));
        const TestAccount b = signUp(QStringLiteral("Queuer"));
        const TestAccount c = signUp(QStringLiteral("Queuer"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto entry = [&](const TestAccount &who, const QString &status, int enqueuedSecsAgo,
                               int waitSecs) {
            exec(QStringLiteral("INSERT INTO matching_queue_entries (id, user_id, status, "
                                "enqueued_at, dequeued_at) VALUES ('%1', '%2', '%3', '%4', %5)")
                     .arg(newId(), who.userId, status, sqlTime(now.addSecs(-enqueuedSecsAgo)),
                          status == QLatin1String("active")
                              ? QStringLiteral("NULL")
                              : QStringLiteral("'%1'").arg(
                                    sqlTime(now.addSecs(-enqueuedSecsAgo + waitSecs)))));
        };
        entry(a, QStringLiteral("matched"), 600, 10);
        entry(b, QStringLiteral("matched"), 600, 30);
        entry(c, QStringLiteral("cancelled"), 300, 5);
        entry(a, QStringLiteral("active"), 20, 0);
        entry(b, QStringLiteral("active"), 10, 0);
        seedConversation(a, b, 9, 0);

        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics"));
        QCOMPARE(r.status, 200);
        const QJsonObject m = r.json();
        QCOMPARE(m.value(QStringLiteral("active_entries")).toInt(), 2);
        QCOMPARE(m.value(QStringLiteral("avg_wait_seconds")).toDouble(), 20.0);
        QCOMPARE(m.value(QStringLiteral("p95_wait_seconds")).toDouble(), 30.0);
        QCOMPARE(m.value(QStringLiteral("match_success_rate")).toDouble(), 2.0 / 3.0);
        QVERIFY(m.value(QStringLiteral("matches_per_minute")).toDouble() > 0);
        QVERIFY(m.value(QStringLiteral("active_conversations")).toInt() >= 1);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics/history?minutes=60"));
        QCOMPARE(r.status, 200);
        const QJsonArray points = r.json().value(QStringLiteral("points")).toArray();
        QCOMPARE(points.size(), 60);
        QCOMPARE(points.last().toObject().value(QStringLiteral("active_entries")).toInt(), 2);
        int matches = 0;
        for (const QJsonValue &p : points)
            matches += p.toObject().value(QStringLiteral("matches")).toInt();
        QVERIFY(matches >= 1);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/queue/metrics?window_minutes=0"));
        QCOMPARE(r.status, 400);
    }

    void reportWorkflow()
    {
        const TestAccount reporter = signUp(QStringLiteral("Reporter"));
        const TestAccount reported = signUp(QStringLiteral("Reported"));
        const QString conversation = seedConversation(reporter, reported, 5, 12);
        const QString low = seedReport(reporter, reported, QStringLiteral("low"), 50);
        const QString high =
            seedReport(reporter, reported, QStringLiteral("high"), 1, conversation);
        const QString critical = seedReport(reported, reporter, QStringLiteral("critical"), 2);

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
        QVERIFY(!detail.value(QStringLiteral("reported_history")).toArray().isEmpty());
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
        QCOMPARE(r.json()
                     .value(QStringLiteral("details"))
                     .toObject()
                     .value(QStringLiteral("reason"))
                     .toString(),
                 QStringLiteral("not_claimed"));
        r = as(m_moderator)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(high), {});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("triaged"));
        QCOMPARE(r.json().value(QStringLiteral("claimed_by_user_id")).toString(),
                 m_moderator.userId);
        r = as(m_admin)->post(QStringLiteral("/api/admin/reports/%1/claim").arg(high), {});
        QCOMPARE(r.status, 409);
        QCOMPARE(r.json()
                     .value(QStringLiteral("details"))
                     .toObject()
                     .value(QStringLiteral("reason"))
                     .toString(),
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
        if (r.status == 200) {
            bool seen = false;
            for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
                if (v.toObject().value(QStringLiteral("id")).toString() == high) {
                    QCOMPARE(v.toObject().value(QStringLiteral("status")).toString(),
                             QStringLiteral("actioned"));
                    seen = true;
                }
            QVERIFY(seen);
        }

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

    void banThroughReport()
    {
        const TestAccount reporter = signUp(QStringLiteral("Victim"));
        TestAccount offender = signUp(QStringLiteral("Offender"));
        const QString conversation = seedConversation(reporter, offender, 3, 2);
        const QString report =
            seedReport(reporter, offender, QStringLiteral("critical"), 1, conversation);
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
        bool ok = true;
        loginAccount(port(), offender, {}, &ok);
        QVERIFY(!ok);

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
        loginAccount(port(), offender, {}, &ok);
        QVERIFY(ok);
    }

    void whoMayDoWhat()
    {
        TestAccount target = signUp(QStringLiteral("Target"));
        const QString path = QStringLiteral("/api/admin/users/%1/status").arg(target.userId);
        const QJsonObject ban {{QStringLiteral("status"), QStringLiteral("banned")},
                               {QStringLiteral("note"), QStringLiteral("spam")}};
        const QJsonObject restrict {
            {QStringLiteral("status"), QStringLiteral("restricted")},
            {QStringLiteral("note"), QStringLiteral("cool down")},
            {QStringLiteral("restricted_until"), wire(QDateTime::currentDateTimeUtc().addDays(1))}};
        QCOMPARE(as(m_moderator)->put(path, ban).status, 403);
        HttpResult r = as(m_moderator)->put(path, restrict);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("restricted"));
        QVERIFY(!r.json().value(QStringLiteral("restricted_until")).isNull());
        QCOMPARE(as(m_moderator)
                     ->put(path, {{QStringLiteral("status"), QStringLiteral("restricted")}})
                     .status,
                 400);
        r = as(m_admin)->put(path, ban);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("banned"));

        // Staff accounts: moderators cannot touch them, nobody changes their own.
        QCOMPARE(
            as(m_moderator)
                ->put(QStringLiteral("/api/admin/users/%1/status").arg(m_admin.userId), restrict)
                .status,
            403);
        QCOMPARE(
            as(m_admin)
                ->put(QStringLiteral("/api/admin/users/%1/status").arg(m_admin.userId), restrict)
                .status,
            403);

        // Roles: admins only.
        const TestAccount promoted = signUp(QStringLiteral("Promoted"));
        const QString rolePath = QStringLiteral("/api/admin/users/%1/role").arg(promoted.userId);
        const QJsonObject toModerator {{QStringLiteral("role"), QStringLiteral("moderator")},
                                       {QStringLiteral("note"), QStringLiteral("new hire")}};
        QCOMPARE(as(m_moderator)->put(rolePath, toModerator).status, 403);
        r = as(m_admin)->put(rolePath, toModerator);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("role")).toString(), QStringLiteral("moderator"));
        bool ok = false;
        const TestAccount again = loginAccount(port(), promoted, {}, &ok);
        QVERIFY(ok);
        QCOMPARE(as(again)->get(QStringLiteral("/api/admin/reports")).status, 200);
    }

    void escalation()
    {
        const TestAccount a = signUp(QStringLiteral("Escalator"));
        const TestAccount b = signUp(QStringLiteral("Escalated"));
        const QString old = seedReport(a, b, QStringLiteral("critical"), 20);
        const QString fresh = seedReport(b, a, QStringLiteral("critical"), 1);
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

    void usersAndTrust()
    {
        const TestAccount someone = signUp(QStringLiteral("Findme"));
        exec(QStringLiteral("INSERT INTO trust_score_events (id, user_id, delta, source, "
                            "source_ref_id, created_at) VALUES ('%1', '%2', -4, 'manual_review', "
                            "'r1', UTC_TIMESTAMP(3) - INTERVAL 2 DAY), ('%3', '%2', 2, "
                            "'manual_review', 'r2', UTC_TIMESTAMP(3) - INTERVAL 1 DAY)")
                 .arg(newId(), someone.userId, newId()));
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("q"), someone.email.left(8));
        HttpResult r =
            as(m_moderator)
                ->get(QStringLiteral("/api/admin/users?") + q.toString(QUrl::FullyEncoded));
        QCOMPARE(r.status, 200);
        bool found = false;
        for (const QJsonValue &v : r.json().value(QStringLiteral("items")).toArray())
            found = found || v.toObject().value(QStringLiteral("id")).toString() == someone.userId;
        QVERIFY(found);
        r = as(m_moderator)->get(QStringLiteral("/api/admin/users?q=") + someone.userId);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 1);
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/users?q=")).status, 400);

        r = as(m_moderator)->get(QStringLiteral("/api/admin/users/") + someone.userId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("email")).toString(), someone.email);
        QCOMPARE(r.json().value(QStringLiteral("active_sessions")).toInt(), 1);
        QCOMPARE(as(m_moderator)->get(QStringLiteral("/api/admin/users/") + newId()).status, 404);

        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-events").arg(someone.userId));
        QCOMPARE(r.status, 200);
        const QJsonArray events = r.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).toObject().value(QStringLiteral("delta")).toInt(), 2);
        QCOMPARE(events.at(0).toObject().value(QStringLiteral("score_after")).toInt(), 48);
        r = as(m_moderator)
                ->get(
                    QStringLiteral("/api/admin/users/%1/trust-events?limit=1").arg(someone.userId));
        QVERIFY(!r.json().value(QStringLiteral("next_cursor")).toString().isEmpty());

        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-history").arg(someone.userId));
        QCOMPARE(r.status, 200);
        const QJsonArray points = r.json().value(QStringLiteral("points")).toArray();
        QCOMPARE(points.size(), 3);
        QCOMPARE(points.at(0).toObject().value(QStringLiteral("value")).toDouble(), 50.0);
        QCOMPARE(points.at(1).toObject().value(QStringLiteral("value")).toDouble(), 46.0);
        QCOMPARE(points.at(2).toObject().value(QStringLiteral("value")).toDouble(), 48.0);
        r = as(m_moderator)
                ->get(QStringLiteral("/api/admin/users/%1/trust-score").arg(someone.userId));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().contains(QStringLiteral("components")));
    }

    void analytics()
    {
        const TestAccount a = signUp(QStringLiteral("Analyst"));
        const TestAccount b = signUp(QStringLiteral("Analysed"));
        const QString conversation = seedConversation(a, b, 0, 1);
        seedConversation(b, a, 0, 0);
        exec(QStringLiteral("UPDATE conversation_sessions SET state = 'revealed', revealed_at = "
                            "UTC_TIMESTAMP(3) WHERE id = '%1'")
                 .arg(conversation));
        seedReport(a, b, QStringLiteral("medium"), 0, conversation);

        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto series = [&](const QString &metric, const QString &bucket) {
            QUrlQuery q;
            q.addQueryItem(QStringLiteral("metric"), metric);
            q.addQueryItem(QStringLiteral("bucket"), bucket);
            q.addQueryItem(QStringLiteral("from"), wire(now.addDays(-2)));
            q.addQueryItem(QStringLiteral("to"), wire(now.addSecs(3600)));
            return as(m_moderator)
                ->get(QStringLiteral("/api/admin/analytics/timeseries?") +
                      q.toString(QUrl::FullyEncoded));
        };
        for (const char *metric : {"daily_active_users", "queue_wait_seconds", "match_success_rate",
                                   "reveal_conversion", "report_rate"}) {
            const HttpResult r = series(QLatin1String(metric), QStringLiteral("day"));
            QVERIFY2(r.status == 200, r.body.constData());
            // One point per UTC day the range touches (3, or 4 when now + 1 h is tomorrow).
            const int days = int(now.addDays(-2).date().daysTo(now.addSecs(3600).date())) + 1;
            QCOMPARE(r.json().value(QStringLiteral("points")).toArray().size(), days);
        }
        HttpResult r = series(QStringLiteral("reveal_conversion"), QStringLiteral("hour"));
        QCOMPARE(r.status, 200);
        double reveal = 0;
        for (const QJsonValue &v : r.json().value(QStringLiteral("points")).toArray())
            reveal = std::max(reveal, v.toObject().value(QStringLiteral("value")).toDouble());
        QVERIFY(reveal > 0 && reveal <= 1);
        // Today's bucket is the last, unless the range reaches into tomorrow: take the largest.
        const auto largest = [](const HttpResult &result) {
            double best = 0;
            for (const QJsonValue &v : result.json().value(QStringLiteral("points")).toArray())
                best = std::max(best, v.toObject().value(QStringLiteral("value")).toDouble());
            return best;
        };
        QVERIFY(largest(series(QStringLiteral("daily_active_users"), QStringLiteral("day"))) >= 2);
        QVERIFY(largest(series(QStringLiteral("report_rate"), QStringLiteral("day"))) > 0);
        QCOMPARE(series(QStringLiteral("nonsense"), QStringLiteral("day")).status, 400);
        QCOMPARE(series(QStringLiteral("report_rate"), QStringLiteral("week")).status, 400);
    }

    void auditLogIsAppendOnly()
    {
        HttpResult r = as(m_moderator)->get(QStringLiteral("/api/admin/audit-log?limit=2"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("items")).toArray().size(), 2);
        QVERIFY(!r.json().value(QStringLiteral("next_cursor")).toString().isEmpty());
        const QJsonObject newest =
            r.json().value(QStringLiteral("items")).toArray().first().toObject();
        QVERIFY(newest.contains(QStringLiteral("actor_role")));
        QVERIFY(!db()->exec(QStringLiteral("DELETE FROM admin_audit_log")));
        QVERIFY(!db()->exec(QStringLiteral("UPDATE admin_audit_log SET note = 'x'")));
    }
};

QTEST_GUILESS_MAIN(TestAdmin)
#include "tst_admin.moc"
