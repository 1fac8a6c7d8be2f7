// JSON written straight into bytes (server/base/JsonText) for the chat relay's frames: it must
// read back as exactly what the QJsonObject it replaces would, whatever people type.

#include "server/base/JsonText.h"
#include "server/conversation/ConversationJson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace fp;

namespace {

QJsonObject parsed(const QByteArray &text)
{
    QJsonParseError error {};
    const QJsonDocument document = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return {{QStringLiteral("unparsable"), QString::fromUtf8(text)}};
    return document.object();
}

// Every character a person could send that JSON treats specially, and some it does not.
QStringList awkwardTexts()
{
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls.append(QChar(c));
    return {QString(),
            QStringLiteral("plain words"),
            QStringLiteral("\"quoted\" and \\back\\slashed\\"),
            QStringLiteral("line one\nline two\r\n\ttabbed"),
            controls,
            QStringLiteral("</script><b>&amp;</b> 'single'"),
            QStringLiteral("caf\u00e9, \u65e5\u672c\u8a9e, \u05e2\u05d1\u05e8\u05d9\u05ea"),
            QString::fromUtf8("emoji \xF0\x9F\x91\x8B and \xF0\x9F\x8F\xB3\xEF\xB8\x8F\xE2\x80\x8D"
                              "\xF0\x9F\x8C\x88"),
            QStringLiteral("separators \u2028 \u2029 and DEL \x7f"),
            QString(2000, QLatin1Char('x'))};
}

} // namespace

class TestBaseJsonText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stringsReadBackAsWritten()
    {
        for (const QString &text : awkwardTexts()) {
            QByteArray json = "[";
            JsonText::appendString(json, text);
            json.append(']');
            QJsonParseError error {};
            const QJsonDocument document = QJsonDocument::fromJson(json, &error);
            QVERIFY2(error.error == QJsonParseError::NoError, json.constData());
            QCOMPARE(document.array().at(0).toString(), text);
        }
    }

    void objectsHaveMembersInOrderAndNulls()
    {
        JsonText::Object inner;
        inner.string("a", u"1");
        JsonText::Object outer;
        outer.string("z", u"last \"letter\"")
            .nullableString("none", {})
            .raw("inner", inner.finish());
        const QByteArray text = outer.finish();
        QCOMPARE(
            text,
            QByteArray("{\"z\":\"last \\\"letter\\\"\",\"none\":null,\"inner\":{\"a\":\"1\"}}"));
        QCOMPARE(QByteArray(JsonText::Object().finish()), QByteArray("{}"));
    }

    // Numbers and booleans as the request log line writes them read back as QJsonDocument
    // writes them: the same values, integers without a fraction.
    void numbersAndBooleansMatchQJsonDocument()
    {
        const QList<double> durations {0.0, 0.01, 0.5, 3.0, 12.34, 1234567.89, 1e-7, -2.5};
        for (double duration : durations) {
            JsonText::Object line;
            line.integer("status", 503)
                .integer("big", Q_INT64_C(9007199254740991))
                .number("duration_ms", duration)
                .boolean("from_memory", true)
                .boolean("client_gone", false);
            const QByteArray text = line.finish();
            const QJsonObject expected {{QStringLiteral("status"), 503},
                                        {QStringLiteral("big"), Q_INT64_C(9007199254740991)},
                                        {QStringLiteral("duration_ms"), duration},
                                        {QStringLiteral("from_memory"), true},
                                        {QStringLiteral("client_gone"), false}};
            QCOMPARE(QJsonDocument::fromJson(text).object(), expected);
            const QByteArray written = QJsonDocument(QJsonObject {{QStringLiteral("d"), duration}})
                                           .toJson(QJsonDocument::Compact);
            QVERIFY2(text.contains("\"duration_ms\":" + written.mid(5, written.size() - 6)),
                     text.constData());
        }
    }

    // The frame the relay sends, for sender and receiver, equals the QJsonObject one.
    void chatMessageFramesMatchTheirObjects()
    {
        MessageRow m;
        m.id = QStringLiteral("6f9619ff-8b86-d011-b42d-00cf4fc964ff");
        m.conversationId = QStringLiteral("0e7a3f4c-7d1e-4a3b-9a0c-2b1d5e6f7a8b");
        m.senderUserId = QStringLiteral("sender");
        m.seq = 7;
        m.createdAt = QDateTime(QDate(2026, 12, 6), QTime(7, 8, 9, 123), Qt::UTC);
        const QStringList labels {QString(), QStringLiteral("insult"),
                                  QStringLiteral("off_limits:politics")};
        for (const QString &text : awkwardTexts()) {
            for (const QString &label : labels) {
                for (const QString &clientMsgId : {QString(), QStringLiteral("c-1")}) {
                    m.text = text;
                    m.moderationLabel = label;
                    m.containsSensitive = !label.isEmpty();
                    m.clientMsgId = clientMsgId;
                    for (const QString &viewer :
                         {QStringLiteral("sender"), QStringLiteral("receiver")}) {
                        QCOMPARE(parsed(ConversationJson::chatMessageFrameText(m, viewer)),
                                 ConversationJson::chatMessageFrame(m, viewer));
                    }
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestBaseJsonText)
#include "tst_base_json_text.moc"
