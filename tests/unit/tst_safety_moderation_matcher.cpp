// Matching a message against a rule set built here, without rules.json
// (server/safety/ModerationMatcher): whole words only, stretched runs against exact ones,
// exceptions, phrase terms squashed inside a long word, spelled-out words, pattern subjects,
// topic keywords, and how the verdict orders what matched.

#include "server/safety/ModerationMatcher.h"

#include <QTest>
#include <optional>

using namespace fp;

namespace {

using Kind = ModerationRule::Kind;
using Subject = ModerationRule::Subject;

void addRule(ModerationRuleSet &set, const char *id, const char *label,
             ModerationVerdict::Action action, Kind kind, const QStringList &terms,
             const QStringList &exceptions = {})
{
    ModerationRule rule;
    rule.id = QString::fromLatin1(id);
    rule.label = QString::fromLatin1(label);
    rule.action = action;
    rule.kind = kind;
    const int owner = int(set.rules.size());
    set.rules.append(rule);
    for (const QString &term : terms)
        set.terms.append(ModerationTerm {owner, false, false, moderationTermWords(term)});
    for (const QString &term : exceptions)
        set.terms.append(ModerationTerm {owner, false, true, moderationTermWords(term)});
}

void addPattern(ModerationRuleSet &set, const char *id, const char *label, Subject subject,
                const char *pattern)
{
    ModerationRule rule;
    rule.id = QString::fromLatin1(id);
    rule.label = QString::fromLatin1(label);
    rule.kind = Kind::Pattern;
    rule.subject = subject;
    rule.patterns.append(QRegularExpression(QString::fromLatin1(pattern),
                                            QRegularExpression::CaseInsensitiveOption));
    set.rules.append(rule);
}

void addTopic(ModerationRuleSet &set, const char *topic, const QStringList &keywords)
{
    const int owner = int(set.topics.size());
    set.topics.append(QString::fromLatin1(topic));
    for (const QString &keyword : keywords)
        set.terms.append(ModerationTerm {owner, true, false, moderationTermWords(keyword)});
}

// One rule per way of matching; block rules are not first in file order, so the verdict's
// ordering shows.
ModerationRuleSet ruleSet()
{
    using V = ModerationVerdict;
    ModerationRuleSet set;
    addRule(set, "kill_word", "violence", V::Flag, Kind::Word, {QStringLiteral("kill")},
            {QStringLiteral("kill time")});
    addRule(set, "threat", "threat", V::Block, Kind::Phrase, {QStringLiteral("i will kill you")});
    addRule(set, "solicitation", "solicitation", V::Block, Kind::Phrase,
            {QStringLiteral("send nudes")});
    addRule(set, "insult", "profanity", V::Flag, Kind::Word, {QStringLiteral("bastard")});
    addRule(set, "short_words", "profanity", V::Flag, Kind::Word,
            {QStringLiteral("ass"), QStringLiteral("tit")});
    addPattern(set, "email", "contact", Subject::Plain, "[a-z0-9.]+@[a-z]+\\.[a-z]+");
    addPattern(set, "free_money", "scam", Subject::Normalized, "\\bfree money\\b");
    addTopic(set, "pets", {QStringLiteral("cat"), QStringLiteral("guinea pig")});
    addTopic(set, "travel", {QStringLiteral("flight")});
    return set;
}

// "a,b" → {"a", "b"}, for short test rows.
QStringList split(const char *items)
{
    return QString::fromLatin1(items).split(u',', Qt::SkipEmptyParts);
}

} // namespace

class TestModerationMatcher : public QObject
{
    Q_OBJECT

private:
    std::optional<ModerationMatcher> m_matcher;

private Q_SLOTS:
    void initTestCase() { m_matcher.emplace(ruleSet()); }

    void ruleSetIsKept()
    {
        const ModerationRuleSet &kept = m_matcher->ruleSet();
        const ModerationRuleSet given = ruleSet();
        QCOMPARE(kept.rules.size(), given.rules.size());
        for (qsizetype r = 0; r < given.rules.size(); ++r)
            QCOMPARE(kept.rules.at(r).id, given.rules.at(r).id);
        QCOMPARE(kept.terms.size(), given.terms.size());
        QCOMPARE(kept.topics, given.topics);
    }

    // A term is read into words as a message is; runs longer than two count as two.
    void termWords_data()
    {
        QTest::addColumn<QString>("term");
        QTest::addColumn<QString>("words");
        QTest::newRow("one word") << QStringLiteral("kill") << QStringLiteral("kil:112");
        QTest::newRow("folded") << QStringLiteral("Kíll  Y0U") << QStringLiteral("kil:112 you:111");
        QTest::newRow("stretched counts as double")
            << QStringLiteral("kiiill") << QStringLiteral("kil:122");
        QTest::newRow("apostrophe") << QStringLiteral("don't") << QStringLiteral("dont:1111");
        QTest::newRow("chat spelling") << QStringLiteral("im") << QStringLiteral("i:1 am:11");
        QTest::newRow("no letters") << QStringLiteral("!!!") << QString();
    }

    void termWords()
    {
        QFETCH(QString, term);
        QFETCH(QString, words);
        QStringList described;
        for (const ModerationTermWord &w : moderationTermWords(term)) {
            QString runs;
            for (const char r : w.runs)
                runs += QChar(u'0' + r);
            described.append(w.key + u':' + runs);
        }
        QCOMPARE(described.join(u' '), words);
    }

    // Which rules match, block rules first, each group in rule order.
    void rulesMatched_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("ruleIds");
        auto row = [](const char *name, const char *text, const char *ruleIds) {
            QTest::newRow(name) << QString::fromUtf8(text) << split(ruleIds);
        };
        row("nothing", "hello there", "");
        row("a word", "kill", "kill_word");
        row("folded word", "KÍLL", "kill_word");
        row("leet word", "k1ll", "kill_word");
        row("stretched word", "kiiiill", "kill_word");
        row("stretched at the end", "killll", "kill_word");
        row("a single letter is not a double one", "kil", "");
        row("not inside a word", "what a skill", "");
        row("not a longer word", "killing time", "");
        row("an exception cancels its own words", "let's kill time", "");
        row("an exception covers only its own words", "kill time, then kill", "kill_word");
        row("an exact run must match", "as", "");
        row("leet double", "a$$", "short_words");
        row("stretched matches a double", "asss", "short_words");
        row("stretched matches a single", "tiiit", "short_words");
        row("plurals are not read", "tits", "");
        row("a phrase", "i will kill you", "threat,kill_word");
        row("part of a phrase", "i will kill", "kill_word");
        row("phrase through a chat spelling", "i will kill u", "threat,kill_word");
        row("phrase squashed in a long word", "#sendnudes", "solicitation");
        row("phrase squashed, longer word", "iwillkillyou", "threat");
        row("word terms not squashed in words", "bastardly killyou", "");
        row("phrase spelled out", "s e n d n u d e s", "solicitation");
        row("phrase half spelled out", "send n-u-d-e-s", "solicitation");
        row("word spelled out", "you b a s t a r d", "insult");
        row("short word spelled out", "k i l l", "kill_word");
        row("spelled word inside a phrase", "i will k.i.l.l you", "threat,kill_word");
        row("a sentence is not squashed whole", "what a skill you have", "");
        row("plain pattern sees punctuation", "mail j0hn@mail.com", "email");
        row("normalized pattern sees words", "FR33   m0ney!!", "free_money");
        row("plain pattern does not see words", "j0hn at mail dot com", "");
        row("both kinds", "free money: bob@mail.com", "email,free_money");
        row("several", "i will kill you, bastard", "threat,kill_word,insult");
    }

    void rulesMatched()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, ruleIds);
        QCOMPARE(m_matcher->check(text, {}).matchedRuleIds, ruleIds);
    }

    // Topic keywords match whole words, for the receiver who chose the topic only.
    void topics_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("receiverTopics");
        QTest::addColumn<QStringList>("labels");
        QTest::addColumn<QString>("topicKey");
        auto row = [](const char *name, const char *text, const char *receiver, const char *labels,
                      const char *topicKey) {
            QTest::newRow(name) << QString::fromUtf8(text) << split(receiver) << split(labels)
                                << QString::fromLatin1(topicKey);
        };
        const char *pets = "off_limits:pets";
        row("chosen", "my cat", "pets", pets, "pets");
        row("not chosen", "my cat", "", "", "");
        row("another topic chosen", "my cat", "travel", "", "");
        row("unknown topic ignored", "my cat", "cars", "", "");
        row("plural of a one-word keyword", "my cats", "pets", pets, "pets");
        row("phrase keyword", "a guinea pig", "pets", pets, "pets");
        row("no plural of a phrase keyword", "two guinea pigs", "pets", "", "");
        row("not inside a word", "the catalogue", "pets", "", "");
        row("not squashed", "mycat", "pets", "", "");
        row("spelled out", "my c a t", "pets", pets, "pets");
        row("catalog order", "a flight with my cat", "travel,pets",
            "off_limits:pets,off_limits:travel", "pets");
        row("after the rules' labels", "kill the cat", "pets", "violence,off_limits:pets", "pets");
    }

    void topics()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, receiverTopics);
        QFETCH(QStringList, labels);
        QFETCH(QString, topicKey);
        const ModerationVerdict v = m_matcher->check(text, receiverTopics);
        QCOMPARE(v.labels, labels);
        QCOMPARE(v.offLimitsTopic, !topicKey.isEmpty());
        QCOMPARE(v.offLimitsTopicKey, topicKey);
    }

    // Block beats Flag beats Allow; a topic alone only flags; labels are distinct.
    void verdict_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("receiverTopics");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("label");
        QTest::addColumn<QStringList>("labels");
        auto row = [](const char *name, const char *text, const char *receiver, const char *action,
                      const char *labels) {
            QTest::newRow(name) << QString::fromUtf8(text) << split(receiver)
                                << QString::fromLatin1(action) << split(labels).value(0)
                                << split(labels);
        };
        row("allowed", "how was your day", "", "allow", "");
        row("flagged", "kill", "", "flag", "violence");
        row("block beats flag", "kill, i will kill you", "", "block", "threat,violence");
        row("one label for two rules", "ass bastard", "", "flag", "profanity");
        row("a topic only flags", "my cat", "pets", "flag", "off_limits:pets");
        row("a topic does not soften a block", "i will kill you and your cat", "pets", "block",
            "threat,violence,off_limits:pets");
    }

    void verdict()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, receiverTopics);
        QFETCH(QString, action);
        QFETCH(QString, label);
        QFETCH(QStringList, labels);
        const ModerationVerdict v = m_matcher->check(text, receiverTopics);
        QCOMPARE(ModerationVerdict::actionName(v.action), action);
        QCOMPARE(v.label, label);
        QCOMPARE(v.labels, labels);
        QCOMPARE(v.containsSensitive, v.action != ModerationVerdict::Allow);
        QCOMPARE(v.delivered(), v.action != ModerationVerdict::Block);
    }
};

QTEST_GUILESS_MAIN(TestModerationMatcher)
#include "tst_safety_moderation_matcher.moc"
