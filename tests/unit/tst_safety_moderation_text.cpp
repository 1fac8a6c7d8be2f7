// How the moderation rules read a message (server/safety/ModerationText): the plain form the
// pattern rules see, the words the word and phrase rules see with every reading of each, the
// runs that tell a stretched letter from a double one, and spelled-out words joined.

#include "server/safety/ModerationText.h"

#include <QTest>

using namespace fp;

namespace {

using Token = ModerationText::Token;

// Each word's readings, "/" between them, "*" after a word joined from spelled-out letters:
// "i will kill* you", "siut/slut".
QString describeReadings(const ModerationText &a, const QList<Token> &tokens)
{
    QStringList out;
    for (const Token &t : tokens) {
        QString word = a.text(t.forms[0]).toString();
        for (int f = 1; f < t.formCount; ++f)
            word += u'/' + a.text(t.forms[f]).toString();
        if (t.spelled)
            word += u'*';
        out.append(word);
    }
    return out.join(u' ');
}

// Each word's primary key and run lengths (3 for stretched): "kiiill" → "kil:132".
QString describeKeys(const ModerationText &a)
{
    QStringList out;
    for (const Token &t : a.words) {
        QString runs;
        for (const char r : a.runsOf(t.forms[0]))
            runs += QChar(u'0' + r);
        out.append(a.key(t.forms[0]).toString() + u':' + runs);
    }
    return out.join(u' ');
}

} // namespace

class TestModerationText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalize_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *name, const QString &input, const char *expected) {
            QTest::newRow(name) << input << QString::fromUtf8(expected);
        };
        row("accents and case", QStringLiteral("Kíll YÓU"), "kill you");
        row("accents, composed differently", QString::fromUtf8("naïve cafe\xcc\x81"), "naive cafe");
        row("leet digits", QStringLiteral("k1ll y0u"), "kill you");
        row("leet digits 2", QStringLiteral("h3ll0 w0rld"), "hello world");
        row("paired ones are ll", QStringLiteral("ki11"), "kill");
        row("paired pipes are ll", QStringLiteral("ki||"), "kill");
        row("leet symbols", QStringLiteral("a$$ @ss sh!t"), "ass ass shit");
        row("trailing punctuation is not leet", QStringLiteral("sh!t happens!!!"), "shit happens");
        row("plus only between letters", QStringLiteral("s+ab c++"), "stab c");
        row("numbers stay numbers", QStringLiteral("$100 for 2 tickets"), "100 for 2 tickets");
        row("phone digits kept", QStringLiteral("call 555-123-4567"), "call 555 123 4567");
        row("stretched letters cut to two", QStringLiteral("kiiiiill"), "kiill");
        row("double letters kept", QStringLiteral("cooool balloon"), "cool balloon");
        row("punctuation splits", QStringLiteral("k.i.l.l"), "k i l l");
        row("ellipsis and ?!", QStringLiteral("wait... what?!"), "wait what");
        row("whitespace collapsed", QStringLiteral("  lots   of\tspace \n"), "lots of space");
        row("empty", QString(), "");
        row("only emoji", QString::fromUtf8("\xf0\x9f\x98\x80"), "");
        row("emoji around", QString::fromUtf8("\xf0\x9f\x98\x80 hi \xf0\x9f\x98\x80"), "hi");
        row("fullwidth", QString::fromUtf8("ＦＵＬＬ ｗｉｄｔｈ！"), "full width");
        row("math bold", QString::fromUtf8("𝐛𝐨𝐥𝐝"), "bold");
        row("eszett", QStringLiteral("Straße"), "strasse");
        row("zero-width space", QString::fromUtf8("zero\u200Bwidth"), "zerowidth");
        row("soft hyphen", QString::fromUtf8("soft\u00ADhyphen"), "softhyphen");
        row("apostrophe joins", QStringLiteral("don't"), "dont");
        row("curly apostrophe joins", QString::fromUtf8("don’t"), "dont");
        row("cyrillic lookalikes", QString::fromUtf8("рaypal ѕех"), "paypal sex");
        row("greek lookalikes", QString::fromUtf8("ΚΙΤΤΟ"), "kitto");
        row("dotless i", QString::fromUtf8("kıll"), "kill");
        row("arabic-indic digits", QString::fromUtf8("١٢٣"), "123");
        row("chat spellings", QStringLiteral("r u ok"), "are you ok");
        row("chat contractions", QStringLiteral("im gonna"), "i am going to");
        row("spelled letters are not chat words", QStringLiteral("y o u r"), "y o u r");
    }

    void normalize()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(normalizeForModeration(input), expected);
    }

    void squash_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("spaced") << QStringLiteral("k i l l  y o u") << QStringLiteral("killyou");
        QTest::newRow("dotted") << QStringLiteral("k.i.l.l") << QStringLiteral("kill");
        QTest::newRow("dashed") << QStringLiteral("Send N-U-D-E-S") << QStringLiteral("sendnudes");
        QTest::newRow("words") << QStringLiteral("hi there") << QStringLiteral("hithere");
    }

    void squash()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(squashForModeration(input), expected);
    }

    // The pattern rules' subject: folded like the words, but punctuation, spacing and digits
    // stay as typed.
    void plainForm_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *name, const QString &input, const char *expected) {
            QTest::newRow(name) << input << QString::fromUtf8(expected);
        };
        row("case folded, punctuation kept", QStringLiteral("Kíll YÓU!!"), "kill you!!");
        row("email as typed", QStringLiteral("J0HN@Mail.com"), "j0hn@mail.com");
        row("leet left alone", QStringLiteral("sh!t $end"), "sh!t $end");
        row("spacing kept", QStringLiteral("a  b\tc"), "a  b\tc");
        row("fullwidth digits", QString::fromUtf8("０７７００ ９００"), "07700 900");
        row("arabic-indic digits", QString::fromUtf8("١٢٣"), "123");
        row("zero-width space dropped", QString::fromUtf8("zero\u200Bwidth"), "zerowidth");
        row("lookalikes", QString::fromUtf8("рaypal ΚΙΤΤΟ"), "paypal kitto");
        row("latin without decomposition", QString::fromUtf8("Øłæœþ"), "olaeoeth");
        row("eszett", QStringLiteral("Straße"), "strasse");
        row("emoji kept", QString::fromUtf8("hi \xf0\x9f\x98\x80"), "hi \xf0\x9f\x98\x80");
    }

    void plainForm()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(ModerationText::analyse(input).plain, expected);
    }

    // A '1' or '|' inside a word is read both ways when the two differ.
    void readings_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("words");
        QTest::newRow("one word, one reading")
            << QStringLiteral("hello") << QStringLiteral("hello");
        QTest::newRow("lone one: i, or l") << QStringLiteral("s1ut") << QStringLiteral("siut/slut");
        QTest::newRow("lone one in kill") << QStringLiteral("k1ll") << QStringLiteral("kill/kll");
        QTest::newRow("paired ones: ll only") << QStringLiteral("ki11") << QStringLiteral("kill");
        QTest::newRow("lone pipe") << QStringLiteral("|ife") << QStringLiteral("iife/life");
        QTest::newRow("other digits: one reading")
            << QStringLiteral("h3ll0") << QStringLiteral("hello");
        QTest::newRow("a number keeps its ones")
            << QStringLiteral("1 11") << QStringLiteral("1 11");
        QTest::newRow("a chat spelling becomes its words")
            << QStringLiteral("imma go") << QStringLiteral("i am going to go");
        QTest::newRow("a word read two ways is no chat spelling")
            << QStringLiteral("1m") << QStringLiteral("im/lm");
        QTest::newRow("spelled letters stay words")
            << QStringLiteral("k i l l") << QStringLiteral("k i l l");
    }

    void readings()
    {
        QFETCH(QString, input);
        QFETCH(QString, words);
        const ModerationText a = ModerationText::analyse(input);
        QCOMPARE(describeReadings(a, a.words), words);
    }

    // A word's key has every run cut to one letter; its runs say 1, 2 or stretched (3+), and a
    // number keeps every digit as a run of one.
    void keysAndRuns_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("single letters") << QStringLiteral("kit") << QStringLiteral("kit:111");
        QTest::newRow("double letter") << QStringLiteral("kill") << QStringLiteral("kil:112");
        QTest::newRow("stretched inside") << QStringLiteral("kiiiill") << QStringLiteral("kil:132");
        QTest::newRow("stretched at the end")
            << QStringLiteral("killll") << QStringLiteral("kil:113");
        QTest::newRow("good is not god") << QStringLiteral("good") << QStringLiteral("god:121");
        QTest::newRow("number") << QStringLiteral("555") << QStringLiteral("555:111");
        QTest::newRow("several words")
            << QStringLiteral("aaa bb c") << QStringLiteral("a:3 b:2 c:1");
        QTest::newRow("leet counts as the letter")
            << QStringLiteral("a$$") << QStringLiteral("as:12");
    }

    void keysAndRuns()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(describeKeys(ModerationText::analyse(input)), expected);
    }

    // The second word list: a run of three or more single characters becomes one word, the rest
    // as in the first; without such a run there is no second list.
    void joined_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("joined");
        QTest::newRow("spaced word")
            << QStringLiteral("i will k i l l you") << QStringLiteral("i will kill* you");
        QTest::newRow("dotted") << QStringLiteral("k.i.l.l") << QStringLiteral("kill*");
        QTest::newRow("dashed, stretched")
            << QStringLiteral("f-u-u-u-c-k") << QStringLiteral("fuuck*");
        QTest::newRow("leet inside") << QStringLiteral("k 1 l l") << QStringLiteral("kill/kll*");
        QTest::newRow("chat spelling around")
            << QStringLiteral("im k i l l") << QStringLiteral("i am kill*");
        QTest::newRow("not a chat spelling when spelled")
            << QStringLiteral("y o u r") << QStringLiteral("your*");
        QTest::newRow("two runs") << QStringLiteral("a b c and x y z")
                                  << QStringLiteral("abc* and xyz*");
        QTest::newRow("two letters are no run") << QStringLiteral("plan a b") << QString();
        QTest::newRow("no single letters") << QStringLiteral("hello there") << QString();
    }

    void joined()
    {
        QFETCH(QString, input);
        QFETCH(QString, joined);
        const ModerationText a = ModerationText::analyse(input);
        QCOMPARE(describeReadings(a, a.joined), joined);
    }
};

QTEST_GUILESS_MAIN(TestModerationText)
#include "tst_safety_moderation_text.moc"
