// Reading rules.json and the catalog's topic keywords (server/safety/ModerationRulesFile): what a
// valid file loads into, the shipped files, and every way a broken file is refused, each error
// naming the rule.

#include "server/safety/ModerationRulesFile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <algorithm>
#include <numeric>

using namespace fp;

namespace {

const QString kRulesPath = QStringLiteral(FP_SOURCE_DIR_LITERAL "/resources/moderation/rules.json");
const QString kCatalogPath =
    QStringLiteral(FP_SOURCE_DIR_LITERAL "/resources/catalog/catalog.json");

// JSON written with single quotes, for readable test rows.
QByteArray q(const char *json)
{
    return QByteArray(json).replace('\'', '"');
}

// A valid file of one rule with these fields besides id, label and description.
QByteArray oneRule(const char *fields)
{
    return q("{'version':1,'rules':[{'id':'r1','label':'x','description':'d',") + q(fields) + "}]}";
}

qsizetype countTerms(const ModerationRuleSet &set, bool topic, bool exception, int owner)
{
    return std::count_if(set.terms.cbegin(), set.terms.cend(), [&](const ModerationTerm &t) {
        return t.topic == topic && t.exception == exception && t.owner == owner;
    });
}

ModerationRuleSet parsed(const QByteArray &json)
{
    Result<ModerationRuleSet> set = ModerationRulesFile::parseRules(json);
    if (!set)
        qFatal("%s", qPrintable(set.error().message));
    return std::move(set).value();
}

} // namespace

class TestModerationRulesFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void read_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("error");
        QTest::newRow("rules") << kRulesPath << QString();
        QTest::newRow("catalog") << kCatalogPath << QString();
        QTest::newRow("missing") << QStringLiteral(FP_SOURCE_DIR_LITERAL "/no/such.json")
                                 << QStringLiteral("cannot read");
    }

    void read()
    {
        QFETCH(QString, path);
        QFETCH(QString, error);
        const Result<QByteArray> bytes = ModerationRulesFile::read(path);
        QCOMPARE(bytes.ok(), error.isEmpty());
        if (bytes)
            QVERIFY(!bytes->isEmpty());
        else
            QVERIFY2(bytes.error().message.contains(error), qPrintable(bytes.error().message));
    }

    // What one valid rule loads into.
    void validRule_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("action");
        QTest::addColumn<int>("kind");
        QTest::addColumn<int>("subject");
        QTest::addColumn<int>("patterns");
        QTest::addColumn<int>("terms");
        QTest::addColumn<int>("exceptions");
        const int word = int(ModerationRule::Kind::Word);
        const int phrase = int(ModerationRule::Kind::Phrase);
        const int pattern = int(ModerationRule::Kind::Pattern);
        const int plain = int(ModerationRule::Subject::Plain);
        const int normalized = int(ModerationRule::Subject::Normalized);
        QTest::newRow("word rule")
            << oneRule("'action':'block','kind':'word','terms':['bad','w0rse']") << "block" << word
            << plain << 0 << 2 << 0;
        QTest::newRow("phrase rule with exceptions")
            << oneRule("'action':'flag','kind':'phrase','terms':['kill you'],"
                       "'except':['wont kill you','not kill you']")
            << "flag" << phrase << plain << 0 << 1 << 2;
        QTest::newRow("alternatives expand")
            << oneRule("'action':'flag','kind':'phrase','terms':['{send|give} me {cash|money}'],"
                       "'except':['never {send|give} me cash']")
            << "flag" << phrase << plain << 0 << 4 << 2;
        QTest::newRow("an empty alternative")
            << oneRule(
                   "'action':'flag','kind':'phrase','terms':['{add|find} me {up |}on {insta|ig}']")
            << "flag" << phrase << plain << 0 << 8 << 0;
        QTest::newRow("pattern reads the plain form by default")
            << oneRule("'action':'flag','kind':'pattern','pattern':'a+b'") << "flag" << pattern
            << plain << 1 << 0 << 0;
        QTest::newRow("patterns on the normalized form")
            << oneRule("'action':'block','kind':'pattern','patterns':['a','b'],'form':'normalized'")
            << "block" << pattern << normalized << 2 << 0 << 0;
        QTest::newRow("without a version")
            << q("{'rules':[{'id':'r1','label':'x','description':'d','action':'flag',"
                 "'kind':'word','terms':['a']}]}")
            << "flag" << word << plain << 0 << 1 << 0;
    }

    void validRule()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, action);
        QFETCH(int, kind);
        QFETCH(int, subject);
        QFETCH(int, patterns);
        QFETCH(int, terms);
        QFETCH(int, exceptions);
        const ModerationRuleSet set = parsed(json);
        QCOMPARE(set.rules.size(), 1);
        const ModerationRule &rule = set.rules.first();
        QCOMPARE(rule.id, QStringLiteral("r1"));
        QCOMPARE(rule.label, QStringLiteral("x"));
        QCOMPARE(ModerationVerdict::actionName(rule.action), action);
        QCOMPARE(int(rule.kind), kind);
        QCOMPARE(int(rule.subject), subject);
        QCOMPARE(rule.patterns.size(), patterns);
        for (const QRegularExpression &re : rule.patterns) {
            QVERIFY(re.isValid());
            QVERIFY(re.patternOptions() & QRegularExpression::CaseInsensitiveOption);
        }
        QCOMPARE(countTerms(set, false, false, 0), terms);
        QCOMPARE(countTerms(set, false, true, 0), exceptions);
        QCOMPARE(set.terms.size(), terms + exceptions);
        QVERIFY(set.topics.isEmpty());
    }

    // Terms are stored read into words, in file order.
    void termsAreReadIntoWords()
    {
        const ModerationRuleSet set =
            parsed(oneRule("'action':'flag','kind':'phrase','terms':['{Send|give} N00DZ']"));
        QCOMPARE(set.terms.size(), 2);
        QStringList keys;
        for (const ModerationTerm &t : set.terms) {
            QStringList words;
            for (const ModerationTermWord &w : t.words)
                words.append(w.key);
            keys.append(words.join(u' '));
        }
        QCOMPARE(keys, (QStringList {QStringLiteral("send nodz"), QStringLiteral("give nodz")}));
    }

    void shippedRules()
    {
        const Result<QByteArray> json = ModerationRulesFile::read(kRulesPath);
        QVERIFY(json.ok());
        const ModerationRuleSet set = parsed(*json);
        QVERIFY(set.rules.size() >= 10);
        QVERIFY(set.topics.isEmpty());
        for (int r = 0; r < set.rules.size(); ++r) {
            const ModerationRule &rule = set.rules.at(r);
            const bool isPattern = rule.kind == ModerationRule::Kind::Pattern;
            QVERIFY2(isPattern == !rule.patterns.isEmpty(), qPrintable(rule.id));
            QVERIFY2(isPattern == (countTerms(set, false, false, r) == 0), qPrintable(rule.id));
            QVERIFY2(rule.action != ModerationVerdict::Allow, qPrintable(rule.id));
        }
    }

    void shippedCatalog()
    {
        const Result<QByteArray> rules = ModerationRulesFile::read(kRulesPath);
        const Result<QByteArray> catalog = ModerationRulesFile::read(kCatalogPath);
        QVERIFY(rules.ok() && catalog.ok());
        const ModerationRuleSet before = parsed(*rules);
        const Result<ModerationRuleSet> set = ModerationRulesFile::withTopics(before, *catalog);
        QVERIFY2(set.ok(), qPrintable(set ? QString() : set.error().message));
        QStringList topics;
        const QJsonArray catalogTopics =
            QJsonDocument::fromJson(*catalog).object().value(QLatin1StringView("topics")).toArray();
        for (const QJsonValue &v : catalogTopics)
            topics.append(v.toString());
        QCOMPARE(set->topics, topics);
        for (int t = 0; t < topics.size(); ++t)
            QVERIFY2(countTerms(*set, true, false, t) > 0, qPrintable(topics.at(t)));
        QCOMPARE(set->rules.size(), before.rules.size());
        QCOMPARE(set->terms.size() - before.terms.size(),
                 std::count_if(set->terms.cbegin(), set->terms.cend(),
                               [](const ModerationTerm &t) { return t.topic; }));
    }

    // The catalog's topics, in its order, each keyword one term; topics loaded before are gone.
    void topics_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("topics");
        QTest::addColumn<QList<int>>("keywords");
        QTest::newRow("one topic") << q("{'topics':['pets'],'topic_keywords':{'pets':['cat']}}")
                                   << QStringList {QStringLiteral("pets")} << QList<int> {1};
        QTest::newRow("catalog order, not keyword order")
            << q("{'topics':['work','pets'],'topic_keywords':{'pets':['cat','guinea pig'],"
                 "'work':['job']}}")
            << QStringList {QStringLiteral("work"), QStringLiteral("pets")} << QList<int> {1, 2};
        QTest::newRow("no topics at all")
            << q("{'topics':[],'topic_keywords':{}}") << QStringList() << QList<int>();
    }

    void topics()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, topics);
        QFETCH(QList<int>, keywords);
        const ModerationRuleSet rules =
            parsed(oneRule("'action':'flag','kind':'word','terms':['bad'],'except':['not bad']"));
        Result<ModerationRuleSet> set = ModerationRulesFile::withTopics(
            rules, q("{'topics':['old'],'topic_keywords':{'old':['x','y','z']}}"));
        QVERIFY(set.ok());
        set = ModerationRulesFile::withTopics(*set, json);
        QVERIFY2(set.ok(), qPrintable(set ? QString() : set.error().message));
        QCOMPARE(set->topics, topics);
        for (int t = 0; t < topics.size(); ++t)
            QCOMPARE(countTerms(*set, true, false, t), keywords.at(t));
        const qsizetype topicTerms = std::accumulate(keywords.cbegin(), keywords.cend(), 0);
        QCOMPARE(set->terms.size(), 2 + topicTerms); // the rule's term and exception are kept
        QCOMPARE(set->rules.size(), 1);
    }

    void invalidRules_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("ruleId");
        // A valid rule with one field replaced or added.
        auto rule = [](const QByteArray &fields) {
            return q("{'version':1,'rules':[{'id':'r1','label':'x','action':'flag',") + fields +
                "}]}";
        };
        const QByteArray kindWord = q("'kind':'word','terms':['a'],'description':'d'");
        QTest::newRow("not json") << QByteArray("{rules:") << "not valid JSON"
                                  << "";
        QTest::newRow("a list") << QByteArray("[]") << "expected an object"
                                << "";
        QTest::newRow("no rules") << q("{'rules':[]}") << "the list is empty"
                                  << "";
        QTest::newRow("version") << q("{'version':2,'rules':[]}") << "unsupported version 2"
                                 << "";
        QTest::newRow("not an object")
            << q("{'rules':[42]}") << "moderation rule #1: is not an object"
            << "";
        QTest::newRow("no id")
            << q("{'rules':[{'label':'x','action':'flag','kind':'word','terms':['a'],"
                 "'description':'d'}]}")
            << "moderation rule #1: needs an \"id\""
            << "";
        QTest::newRow("bad id") << q("{'rules':[{'id':'Rule 1'}]}") << "the id may only hold"
                                << "Rule 1";
        QTest::newRow("unknown action")
            << q("{'rules':[{'id':'r1','label':'x','action':'warn','kind':'word',"
                 "'terms':['a'],'description':'d'}]}")
            << "moderation rule 'r1': unknown action \"warn\""
            << "r1";
        QTest::newRow("allow is not an action")
            << q("{'rules':[{'id':'r1','label':'x','action':'allow','kind':'word',"
                 "'terms':['a'],'description':'d'}]}")
            << "unknown action \"allow\""
            << "r1";
        QTest::newRow("unknown kind") << rule(q("'kind':'regex','pattern':'a','description':'d'"))
                                      << "moderation rule 'r1': unknown kind \"regex\""
                                      << "r1";
        QTest::newRow("bad regex")
            << rule(q("'kind':'pattern','pattern':'(unclosed','description':'d'"))
            << "moderation rule 'r1': pattern \"(unclosed\" does not compile"
            << "r1";
        QTest::newRow("bad regex in a list")
            << rule(q("'kind':'pattern','patterns':['ok','[z-a]'],'description':'d'"))
            << "pattern \"[z-a]\" does not compile"
            << "r1";
        QTest::newRow("pattern and patterns")
            << rule(q("'kind':'pattern','pattern':'a','patterns':['b'],'description':'d'"))
            << "exactly one of"
            << "r1";
        QTest::newRow("unknown form")
            << rule(q("'kind':'pattern','pattern':'a','form':'raw','description':'d'"))
            << "unknown form \"raw\""
            << "r1";
        QTest::newRow("pattern with terms")
            << rule(q("'kind':'pattern','pattern':'a','terms':['a'],'description':'d'"))
            << "a pattern rule takes"
            << "r1";
        QTest::newRow("word rule with pattern")
            << rule(q("'kind':'word','terms':['a'],'pattern':'a','description':'d'"))
            << "a word rule takes \"terms\", not \"pattern\""
            << "r1";
        QTest::newRow("no terms") << rule(q("'kind':'word','terms':[],'description':'d'"))
                                  << "needs \"terms\""
                                  << "r1";
        QTest::newRow("empty term") << rule(q("'kind':'word','terms':['!!!'],'description':'d'"))
                                    << "term \"!!!\" has no letters or digits"
                                    << "r1";
        QTest::newRow("word term with two words")
            << rule(q("'kind':'word','terms':['kill you'],'description':'d'"))
            << "word term \"kill you\" has 2 words"
            << "r1";
        QTest::newRow("phrase term with one word")
            << rule(q("'kind':'phrase','terms':['kill'],'description':'d'"))
            << "phrase term \"kill\" is one word"
            << "r1";
        QTest::newRow("except not a list")
            << rule(q("'kind':'word','terms':['a'],'except':'b','description':'d'"))
            << "\"except\" must be a list"
            << "r1";
        QTest::newRow("no description")
            << rule(q("'kind':'word','terms':['a']")) << "needs a \"description\""
            << "r1";
        QTest::newRow("unknown key (typo)")
            << rule(q("'kind':'word','term':['a'],'description':'d'")) << "unknown key \"term\""
            << "r1";
        QTest::newRow("bad label")
            << q("{'rules':[{'id':'r1','label':'Hate Speech','action':'block',"
                 "'kind':'word','terms':['a'],'description':'d'}]}")
            << "needs a \"label\""
            << "r1";
        QTest::newRow("unbalanced braces")
            << rule(q("'kind':'phrase','terms':['{add|find me on ig'],'description':'d'"))
            << "term \"{add|find me on ig\" has unbalanced or nested { }"
            << "r1";
        QTest::newRow("nested braces")
            << rule(q("'kind':'phrase','terms':['{a|{b|c}} d'],'description':'d'"))
            << "unbalanced or nested"
            << "r1";
        QByteArray fifty = "{";
        for (int i = 0; i < 50; ++i)
            fifty += (i ? "|w" : "w") + QByteArray::number(i);
        fifty += "}";
        const QByteArray product =
            "'kind':'phrase','terms':['" + fifty + " " + fifty + "'],'description':'d'";
        QTest::newRow("too many expansions")
            << rule(q(product.constData())) << "expands to more than 2000 terms"
            << "r1";
        QTest::newRow("duplicate id") << q("{'rules':[{'id':'r1','label':'x','action':'flag',") +
                kindWord + q("},{'id':'r1','label':'x','action':'flag',") + kindWord + "}]}"
                                      << "moderation rule 'r1': the id is used twice"
                                      << "r1";
    }

    void invalidRules()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        QFETCH(QString, ruleId);
        const Result<ModerationRuleSet> rules = ModerationRulesFile::parseRules(json);
        QVERIFY(!rules.ok());
        QVERIFY2(rules.error().message.contains(message), qPrintable(rules.error().message));
        QCOMPARE(rules.error().details.value(QStringLiteral("rule_id")).toString(), ruleId);
    }

    void invalidCatalog_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << QByteArray("{") << "catalog: not valid JSON";
        QTest::newRow("no keywords")
            << q("{'topics':['a']}") << "expected a \"topics\" list and a \"topic_keywords\"";
        QTest::newRow("keywords of an unknown topic")
            << q("{'topics':['a'],'topic_keywords':{'a':['x'],'b':['y']}}")
            << "\"b\", which is not a topic";
        QTest::newRow("topic without keywords")
            << q("{'topics':['a','b'],'topic_keywords':{'a':['x']}}")
            << "topic \"b\" has no topic_keywords";
        QTest::newRow("empty keyword") << q("{'topics':['a'],'topic_keywords':{'a':['...']}}")
                                       << "a keyword of topic \"a\" has no letters";
        QTest::newRow("repeated topic") << q("{'topics':['a','a'],'topic_keywords':{'a':['x']}}")
                                        << "topic \"a\" is empty or repeated";
    }

    void invalidCatalog()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        const ModerationRuleSet rules =
            parsed(oneRule("'action':'flag','kind':'word','terms':['bad']"));
        const Result<ModerationRuleSet> loaded = ModerationRulesFile::withTopics(rules, json);
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.contains(message), qPrintable(loaded.error().message));
    }
};

QTEST_GUILESS_MAIN(TestModerationRulesFile)
#include "tst_safety_moderation_rules_file.moc"
