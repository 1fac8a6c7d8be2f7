// Every route of the contract, asked with what a hostile or broken client sends: bodies that are
// not JSON, not an object, nested thousands deep, of the wrong types, with invalid UTF-8 or
// numbers out of range, ids that are not ids, and query strings of the same kind. The standard: a
// clear error in the documented shape (or an ordinary answer), never a 5xx, and the server still
// serving. The routes are read from resources/openapi.yaml, so a route added to the contract is
// asked too. And every client frame of the WebSocket, the same way.

#include "tests/support/Fixtures.h"
#include "tests/support/IntegrationTest.h"
#include "tests/support/WsClient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>
#include <QUuid>

using namespace fp::test;

namespace {

struct ContractRoute
{
    QByteArray method; // GET, POST, ...
    QString path; // with {parameters}
    bool isPublic = false; // `security: []`: no token needed
};

/// The paths and methods under `paths:` in the contract: "  /api/x/{id}:" then "    post:".
QList<ContractRoute> contractRoutes()
{
    QFile file(QStringLiteral(FP_SOURCE_DIR_LITERAL "/resources/openapi.yaml"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression pathLine(QStringLiteral("^  (/\\S+):$"));
    static const QRegularExpression methodLine(
        QStringLiteral("^    (get|post|put|patch|delete):$"));
    QList<ContractRoute> routes;
    bool inPaths = false;
    QString path;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line == QLatin1String("paths:")) {
            inPaths = true;
            continue;
        }
        if (!inPaths)
            continue;
        if (!line.isEmpty() && !line.front().isSpace())
            break; // the next top-level key
        if (const QRegularExpressionMatch m = pathLine.match(line); m.hasMatch())
            path = m.captured(1);
        else if (const QRegularExpressionMatch m = methodLine.match(line); m.hasMatch())
            routes.append({m.captured(1).toUpper().toLatin1(), path, false});
        else if (line == QLatin1String("      security: []") && !routes.isEmpty())
            routes.last().isPublic = true;
    }
    return routes;
}

/// Some nesting deeper than any parser should follow.
QByteArray deeplyNested(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

QList<QByteArray> hostileBodies()
{
    return {
        "not json at all",
        "[]",
        "\"a string\"",
        "12345",
        "null",
        "{\"unknown_key\": true}",
        "{\"a\": " + deeplyNested(5000) + "}",
        "{\"text\": \"\xff\xfe\xfd\", \"nickname\": \"\xc3\x28\"}",
        "{\"limit\": 1e400, \"gate_minute\": -0, \"vibe_score\": 9007199254740993, "
        "\"decision\": [], \"consent\": \"yes\", \"reason_code\": {}, \"password\": 1}",
        "{\"text\": " + QByteArray("\"") + QByteArray(70000, 'x') + "\"}",
        "{\"events\": [" + QByteArray("{},").repeated(500) + "{}]}",
        "{\"a\":1,\"a\":2}",
        // Ids that are not ids, in every field that takes one.
        "{\"match_session_id\": \"\\u00fc\\u0000\", \"conversation_session_id\": "
        "\"\\u00e9\", \"reported_user_id\": \"\\u00e9x\", \"blocked_user_id\": "
        "\"\\u00e9\", \"prompt_id\": \"\\u00e9\", \"user_id\": \"\\u00e9\", "
        "\"friendship_id\": \"\\u00e9\", \"reason_code\": \"spam\", \"vibe_score\": 3, "
        "\"meet_outcome\": \"maybe\", \"feedback_tags\": [], \"answer\": \"x\"}",
    };
}

QList<QByteArray> hostileQueries()
{
    return {"?limit=-1",
            "?limit=99999999999999999999",
            "?cursor=%00%ff%fe",
            "?cursor=" + QByteArray(3000, 'A'),
            "?after=not-an-id&status=%27%20OR%201=1--",
            "?window_minutes=abc&from=2026-13-45T99:99:99Z",
            "?after=%00%ff&status=%ff&user_id=%c3%28&q=%ff%00&severity=%ff&kind=%ff&reason=%ff"
            "&event_name=%ff&metric=%ff&from=%ff&to=%ff&size=%ff&expires=%ff&sig=%ff"};
}

/// `path` with its parameters filled: ids the caller owns where `known` has one for the path's
/// start (so bodies reach the checks behind the ownership check), else random ones.
QString withIds(const QString &path, const QList<QPair<QString, QString>> &known)
{
    static const QRegularExpression parameter(QStringLiteral("\\{[^}]+\\}"));
    QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    for (const auto &[prefix, knownId] : known) {
        if (path.startsWith(prefix))
            id = knownId;
    }
    QString filled = path;
    filled.replace(parameter, id);
    return filled;
}

} // namespace

class TestHttpHostileRequests : public IntegrationTest
{
    Q_OBJECT

public:
    TestHttpHostileRequests() : IntegrationTest(TestServer::Options().withoutRateLimits()) { }

private:
    /// Whether `r` is an answer the contract allows for a bad request: below 500, and an error
    /// in the documented shape when it is one.
    static QString problemWith(const HttpResult &r)
    {
        if (r.status == 0)
            return QStringLiteral("no answer");
        if (r.status >= 500)
            return QStringLiteral("status %1: %2").arg(r.status).arg(QString::fromUtf8(r.body));
        if (r.status < 400)
            return {};
        const QJsonObject error = QJsonDocument::fromJson(r.body).object();
        if (!error.value(QStringLiteral("code")).isString() ||
            !error.value(QStringLiteral("message")).isString() ||
            !error.value(QStringLiteral("details")).isObject() ||
            !error.value(QStringLiteral("request_id")).isString())
            return QStringLiteral("status %1 without the error shape: %2")
                .arg(r.status)
                .arg(QString::fromUtf8(r.body.left(200)));
        return {};
    }

private Q_SLOTS:
    void noRouteAnswersABadRequestWithAServerError()
    {
        const QList<ContractRoute> routes = contractRoutes();
        QVERIFY2(routes.size() > 50, "the contract's routes were not found");
        const TestAccount user = signUp(QStringLiteral("Hostile"));
        const TestAccount peer = signUp(QStringLiteral("Peer"));
        const TestAccount admin = logInAsAdmin();
        const SeededMatch match = seed().match(user, peer);
        const QList<QPair<QString, QString>> known {
            {QStringLiteral("/api/conversations/"), match.conversationId},
            {QStringLiteral("/api/matching/session/"), match.matchId},
            {QStringLiteral("/api/trust_score/"), peer.userId},
            {QStringLiteral("/api/users/"), peer.userId},
            {QStringLiteral("/api/friends/"), peer.userId},
            {QStringLiteral("/api/admin/users/"), peer.userId}};
        QStringList problems;
        int asked = 0;
        for (const ContractRoute &route : routes) {
            // These end the caller's own sessions or account when a body happens to be
            // acceptable; what they refuse is asked in tst_identity.
            if (route.path.startsWith(QLatin1String("/api/auth/logout")) ||
                (route.method == "DELETE" && route.path == QLatin1String("/api/me")))
                continue;
            const TestAccount &caller =
                route.path.startsWith(QLatin1String("/api/admin/")) ? admin : user;
            HttpClient client(port());
            client.setBearer(caller.accessToken);
            const QString path = withIds(route.path, known);
            const auto check = [&](const HttpResult &r, const QByteArray &what) {
                ++asked;
                if (const QString problem = problemWith(r); !problem.isEmpty())
                    problems << QStringLiteral("%1 %2 with %3: %4")
                                    .arg(QString::fromLatin1(route.method), route.path,
                                         QString::fromUtf8(what.left(60)), problem);
            };
            for (const QByteArray &query : hostileQueries())
                check(client.send(route.method, path + QString::fromLatin1(query),
                                  route.method == "GET" || route.method == "DELETE"
                                      ? QByteArray()
                                      : QByteArrayLiteral("{}"),
                                  {{"Content-Type", "application/json"}}),
                      query);
            // Ids that are not ids: text MariaDB could not compare with an ASCII column.
            if (route.path.contains(QLatin1Char('{'))) {
                for (const char *garbage : {"%C3%28%00x", "not-a-uuid", "%FF%FE"}) {
                    QString bad = route.path;
                    bad.replace(QRegularExpression(QStringLiteral("\\{[^}]+\\}")),
                                QString::fromLatin1(garbage));
                    const HttpResult r = client.send(
                        route.method, bad,
                        route.method == "GET" || route.method == "DELETE" ? QByteArray()
                                                                          : QByteArrayLiteral("{}"),
                        {{"Content-Type", "application/json"}});
                    check(r, garbage);
                    // 404 as the contract says; a route with a body may first refuse `{}`.
                    const bool bodyRefused =
                        route.method != "GET" && route.method != "DELETE" && r.status == 400;
                    if (r.status != 404 && !bodyRefused)
                        problems << QString::fromLatin1(route.method) + QLatin1Char(' ') +
                                route.path + QStringLiteral(" with the id ") +
                                QString::fromLatin1(garbage) + QStringLiteral(": ") +
                                QString::number(r.status) + QStringLiteral(", not 404");
                }
            }
            if (route.method == "GET")
                continue;
            for (const QByteArray &body : hostileBodies())
                check(client.send(route.method, path, body, {{"Content-Type", "application/json"}}),
                      body);
            // The same JSON, declared as something else.
            check(client.send(route.method, path, "{}", {{"Content-Type", "text/plain"}}),
                  "text/plain");
        }
        qInfo("%d requests over %lld routes", asked, qlonglong(routes.size()));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        // Still serving, and still itself.
        QCOMPARE(HttpClient(port()).get(QStringLiteral("/healthz")).status, 200);
        QCOMPARE(as(user)->get(QStringLiteral("/api/profile")).status, 200);
    }

    // Who may call a route is settled before what they sent: without a token every protected
    // route answers 401, and a staff route answers a plain user 403, whatever the body (text
    // that is not JSON, JSON declared as something else). Nothing about the body is told to
    // someone who may not call the route.
    void theCallerIsCheckedBeforeTheBody()
    {
        const TestAccount user = signUp(QStringLiteral("Not staff"));
        QStringList problems;
        int asked = 0;
        for (const ContractRoute &route : contractRoutes()) {
            if (route.isPublic || route.method == "GET")
                continue;
            const QString path =
                QString(route.path)
                    .replace(QRegularExpression(QStringLiteral("\\{[^}]+\\}")), newId());
            const bool staffOnly = route.path.startsWith(QLatin1String("/api/admin/"));
            for (const bool withToken : {false, true}) {
                if (withToken && !staffOnly)
                    continue;
                HttpClient client(port());
                if (withToken)
                    client.setBearer(user.accessToken);
                const int expected = withToken ? 403 : 401;
                for (const auto &[body, type] :
                     {std::pair<QByteArray, QByteArray> {"{not json", "application/json"},
                      std::pair<QByteArray, QByteArray> {"{}", "text/plain"}}) {
                    ++asked;
                    const HttpResult r =
                        client.send(route.method, path, body, {{"Content-Type", type}});
                    if (r.status != expected)
                        problems << QStringLiteral("%1 %2 %3 with %4 as %5: %6, not %7")
                                        .arg(QString::fromLatin1(route.method), route.path,
                                             withToken ? QStringLiteral("as a user")
                                                       : QStringLiteral("without a token"),
                                             QString::fromLatin1(body), QString::fromLatin1(type))
                                        .arg(r.status)
                                        .arg(expected);
                }
            }
        }
        qInfo("%d requests", asked);
        QVERIFY(asked > 60);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // The same over the WebSocket: every client frame with ids that are not ids and fields of
    // the wrong type is answered with an error frame, and the socket stays open.
    void noFrameClosesTheSocketWithAServerError()
    {
        const TestAccount user = signUp(QStringLiteral("Hostile frames"));
        const TestAccount peer = signUp(QStringLiteral("Frame peer"));
        const SeededMatch match = seed().match(user, peer);
        WsClient ws(port());
        QVERIFY(ws.connectAndAuthenticate(user.accessToken));
        const QString notAnId = QStringLiteral("\u00fc\u0000x");
        const QList<QJsonObject> frames {
            {{"type", "chat.send"},
             {"conversation_id", notAnId},
             {"client_msg_id", "a"},
             {"text", "hi"}},
            {{"type", "chat.send"},
             {"conversation_id", match.conversationId},
             {"client_msg_id", notAnId},
             {"text", QJsonArray {}}},
            {{"type", "chat.typing"}, {"conversation_id", 12}},
            {{"type", "gate.decide"},
             {"conversation_id", notAnId},
             {"gate_minute", "ten"},
             {"decision", QJsonObject {}}},
            {{"type", "resume"},
             {"conversation_id", match.conversationId},
             {"after_message_id", notAnId}},
            {{"type", "resume"}, {"conversation_id", notAnId}, {"after_message_id", 5}},
            {{"type", "notices.resume"}, {"after_seq", notAnId}},
            {{"type", "notices.resume"}, {"after_seq", -1e300}},
            {{"type", "staff.subscribe"}, {"after_id", notAnId}},
        };
        for (const QJsonObject &frame : frames) {
            ws.send(frame);
            ws.send({{"type", "ping"}});
            QVERIFY2(
                !ws.waitFor(QStringLiteral("pong"), 5000).isEmpty(),
                qPrintable(QStringLiteral("closed after ") +
                           QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact))));
        }
        // Answered as refusals, never as the server's own failure.
        for (const QJsonObject &answer : ws.received()) {
            const QString code = answer.value(QStringLiteral("code")).toString();
            QVERIFY2(code != QLatin1String("internal") && code != QLatin1String("unavailable"),
                     QJsonDocument(answer).toJson(QJsonDocument::Compact).constData());
        }
        // The one frame that closes it, as documented: an auth without a valid token (4401).
        ws.send({{"type", "auth"}, {"access_token", QJsonArray {}}});
        QCOMPARE(ws.waitForClose(), 4401);
    }
};

QTEST_GUILESS_MAIN(TestHttpHostileRequests)
#include "tst_http_hostile_requests.moc"
