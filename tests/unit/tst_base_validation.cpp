// The one way every domain reads what clients send (server/base/Validation, Paging): the three
// text policies the API documents, ids, the JSON object reader, and list cursors.

#include "server/base/Paging.h"
#include "server/base/Validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QTimeZone>

using namespace fp;

namespace {

QJsonValue json(const char *text)
{
    return QJsonDocument::fromJson(text).object();
}

QStringList pathsOf(const Problems &problems)
{
    QStringList paths = problems.error().details.value(QStringLiteral("fields")).toObject().keys();
    paths.sort();
    return paths;
}

} // namespace

class TestBaseValidation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textPolicies_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("singleLine");
        QTest::addColumn<bool>("multiLine");
        QTest::addColumn<bool>("freeText");

        QTest::newRow("plain") << QStringLiteral("Hello, Welt! 你好") << true << true << true;
        QTest::newRow("emoji") << QStringLiteral("Mira \U0001F600") << true << true << true;
        // A family emoji is joined by U+200D; a subdivision flag uses tag characters.
        QTest::newRow("zero-width joiner sequence")
            << QStringLiteral("\U0001F468\u200D\U0001F469\u200D\U0001F467") << true << true << true;
        QTest::newRow("subdivision flag")
            << QStringLiteral("\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067"
                              "\U000E007F")
            << true << true << true;
        QTest::newRow("line feed") << QStringLiteral("one\ntwo") << false << true << true;
        QTest::newRow("carriage return") << QStringLiteral("one\r\ntwo") << false << true << true;
        QTest::newRow("tab") << QStringLiteral("a\tb") << false << true << true;
        QTest::newRow("nul") << QStringLiteral("a") + QChar(0) + QStringLiteral("b") << false
                             << false << false;
        QTest::newRow("escape") << QStringLiteral("a\x1b[31mb") << false << false << false;
        QTest::newRow("delete") << QStringLiteral("a\x7f") << false << false << false;
        QTest::newRow("C1 control") << QStringLiteral("a\u0085") << false << false << false;
        // Invisible formatting: a right-to-left override disguises what a name says.
        QTest::newRow("right-to-left override")
            << QStringLiteral("abc\u202Egnp.exe") << false << false << true;
        QTest::newRow("zero-width space")
            << QStringLiteral("ad\u200Bmin") << false << false << true;
        QTest::newRow("byte order mark") << QStringLiteral("\uFEFFhi") << false << false << true;
        QTest::newRow("lone high surrogate")
            << QStringLiteral("a") + QChar(0xD83D) + QStringLiteral("b") << false << false << false;
        QTest::newRow("lone low surrogate")
            << QStringLiteral("a") + QChar(0xDE00) << false << false << false;
        QTest::newRow("replacement character (was not UTF-8)")
            << QStringLiteral("a\uFFFDb") << false << false << false;
    }

    void textPolicies()
    {
        QFETCH(QString, text);
        QFETCH(bool, singleLine);
        QFETCH(bool, multiLine);
        QFETCH(bool, freeText);
        QCOMPARE(validation::textProblem(text, TextPolicy::SingleLine).isEmpty(), singleLine);
        QCOMPARE(validation::textProblem(text, TextPolicy::MultiLine).isEmpty(), multiLine);
        QCOMPARE(validation::textProblem(text, TextPolicy::FreeText).isEmpty(), freeText);
    }

    void invalidUnicodeIsNamedAsSuch()
    {
        const QString lone = QStringLiteral("a") + QChar(0xD800);
        for (TextPolicy policy :
             {TextPolicy::SingleLine, TextPolicy::MultiLine, TextPolicy::FreeText})
            QCOMPARE(validation::textProblem(lone, policy),
                     QStringLiteral("must be valid UTF-8 text"));
    }

    void withoutRefusedKeepsTheRest()
    {
        QCOMPARE(validation::withoutRefused(QStringLiteral("Fire\nfox\u202E 1.0\x1b"),
                                            TextPolicy::SingleLine),
                 QStringLiteral("Firefox 1.0"));
        const QString emoji = QStringLiteral("\U0001F600");
        QCOMPARE(validation::withoutRefused(emoji, TextPolicy::SingleLine), emoji);
    }

    void codePointsAndTruncation()
    {
        const QString emoji = QStringLiteral("\U0001F600");
        QCOMPARE(validation::codePoints(emoji.repeated(3)), 3);
        QCOMPARE(validation::truncateCodePoints(QStringLiteral("abcdef"), 3),
                 QStringLiteral("abc"));
        // Never half a surrogate pair.
        QCOMPARE(validation::truncateCodePoints(QStringLiteral("a") + emoji + emoji, 2),
                 QStringLiteral("a") + emoji);
        QCOMPARE(validation::truncateCodePoints(QStringLiteral("ab"), 5), QStringLiteral("ab"));
    }

    void ids_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("valid");
        QTest::newRow("lowercase")
            << QStringLiteral("0b9d2f35-2c59-4a77-9d0e-8b1b0f3a6c11") << true;
        QTest::newRow("uppercase")
            << QStringLiteral("0B9D2F35-2C59-4A77-9D0E-8B1B0F3A6C11") << false;
        QTest::newRow("braces") << QStringLiteral("{0b9d2f35-2c59-4a77-9d0e-8b1b0f3a6c11}")
                                << false;
        QTest::newRow("short") << QStringLiteral("0b9d2f35") << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("sql") << QStringLiteral("' OR 1=1 --") << false;
    }

    void ids()
    {
        QFETCH(QString, id);
        QFETCH(bool, valid);
        QCOMPARE(validation::isUuid(id), valid);
    }

    void firstProblemForAPathWins()
    {
        Problems problems;
        problems.add(QStringLiteral("a"), QStringLiteral("first"));
        problems.add(QStringLiteral("a"), QStringLiteral("second"));
        const AppError error = problems.error();
        QCOMPARE(error.code, ErrorCode::ValidationFailed);
        QCOMPARE(error.details[QStringLiteral("fields")][QStringLiteral("a")].toString(),
                 QStringLiteral("first"));
    }

    void readerNamesEveryProblemAtOnce()
    {
        Problems problems;
        ObjectReader body(json(R"({"name": 5, "count": 2.5, "flag": "yes", "extra": 1,
                                   "id": "NOT-AN-ID", "kind": "other"})"),
                          {"name", "count", "flag", "id", "kind", "missing"}, problems);
        QVERIFY(!body.text("name", {}));
        QVERIFY(!body.integer("count", 0, 10));
        QVERIFY(!body.boolean("flag"));
        QVERIFY(!body.id("id"));
        QVERIFY(!body.oneOf("kind", {QStringLiteral("a"), QStringLiteral("b")}));
        QVERIFY(!body.text("missing", {}));
        QCOMPARE(pathsOf(problems),
                 (QStringList {"count", "extra", "flag", "id", "kind", "missing", "name"}));
    }

    void readerReadsValues()
    {
        Problems problems;
        ObjectReader body(json(R"({"name": "  Mira  ", "count": 7, "flag": false,
                                   "nothing": null})"),
                          {"name", "count", "flag", "nothing", "absent"}, problems);
        QCOMPARE(*body.text("name", {}), QStringLiteral("Mira"));
        QCOMPARE(*body.integer("count", 0, 10), 7);
        QCOMPARE(*body.boolean("flag"), false);
        QVERIFY(!body.text("nothing", {.nullable = true}));
        QVERIFY(!body.text("absent", {.presence = Presence::Optional}));
        QVERIFY(problems.empty());
    }

    void readerLengthsAndPolicies()
    {
        Problems problems;
        ObjectReader body(json(R"({"short": "a", "long": "abcdef", "empty": "  ",
                                   "lines": "a\nb"})"),
                          {"short", "long", "empty", "lines"}, problems);
        QVERIFY(!body.text("short", {.minLength = 2, .maxLength = 10}));
        QVERIFY(!body.text("long", {.maxLength = 5}));
        QVERIFY(!body.text("empty", {}));
        QVERIFY(!body.text("lines", {.policy = TextPolicy::SingleLine}));
        QCOMPARE(pathsOf(problems), (QStringList {"empty", "lines", "long", "short"}));
        Problems more;
        ObjectReader again(json(R"({"lines": "a\nb"})"), {"lines"}, more);
        QCOMPARE(*again.text("lines", {.policy = TextPolicy::MultiLine}), QStringLiteral("a\nb"));
    }

    void readerPrefixesNestedPaths()
    {
        Problems problems;
        ObjectReader nested(QJsonValue(42), {"x"}, problems, QStringLiteral("payload"));
        QVERIFY(!nested.isObject());
        ObjectReader inner(json(R"({"y": 1})"), {"x"}, problems, QStringLiteral("outer"));
        QCOMPARE(pathsOf(problems), (QStringList {"outer.y", "payload"}));
        ObjectReader notObject(QJsonValue(QJsonArray()), {}, problems);
        QVERIFY(problems.has(QStringLiteral("body")));
    }

    void keysetCursorsRoundTrip()
    {
        const KeysetCursor position {
            QDateTime(QDate(2026, 11, 25), QTime(21, 7, 1, 123), QTimeZone::utc()),
            QStringLiteral("0b9d2f35-2c59-4a77-9d0e-8b1b0f3a6c11")};
        const std::optional<KeysetCursor> back = paging::decodeKeyset(paging::encode(position));
        QVERIFY(back);
        QCOMPARE(back->time, position.time);
        QCOMPARE(back->id, position.id);
        QCOMPARE(paging::decodeOffset(paging::encode(40)), std::optional<int>(40));
    }

    void forgedCursorsAreRefused_data()
    {
        QTest::addColumn<QString>("cursor");
        QTest::addColumn<bool>("anOffset");
        const auto encoded = [](const QByteArray &json) {
            return QString::fromLatin1(json.toBase64(QByteArray::Base64UrlEncoding));
        };
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("not base64") << QStringLiteral("!!!") << false;
        QTest::newRow("not json") << encoded("hello") << false;
        QTest::newRow("an offset is no keyset position") << paging::encode(3) << true;
        QTest::newRow("negative offset") << encoded(R"({"o":-1})") << false;
        QTest::newRow("id not a uuid") << encoded(R"({"t":1,"i":"x"})") << false;
        QTest::newRow("extra member") << encoded(R"({"o":1,"x":2})") << false;
        QTest::newRow("too long") << QString(600, QLatin1Char('a')) << false;
    }

    void forgedCursorsAreRefused()
    {
        QFETCH(QString, cursor);
        QFETCH(bool, anOffset);
        QVERIFY(!paging::decodeKeyset(cursor));
        QCOMPARE(paging::decodeOffset(cursor).has_value(), anOffset);
    }

    void pagesTrimTheExtraRow()
    {
        const Page<int, int> page = paging::offsetPage(QList<int> {1, 2, 3}, 2, 10);
        QCOMPARE(page.items, (QList<int> {1, 2}));
        QCOMPARE(page.next, std::optional<int>(12));
        const Page<int, int> last = paging::offsetPage(QList<int> {1, 2}, 2, 10);
        QVERIFY(!last.next);
    }
};

QTEST_APPLESS_MAIN(TestBaseValidation)
#include "tst_base_validation.moc"
