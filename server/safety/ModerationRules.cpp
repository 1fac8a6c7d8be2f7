#include "server/safety/ModerationRules.h"

// How a message meets the rules (docs/moderation.md has the policy; ModerationText.cpp how the
// message is read into a plain form, a word list and a word list with spelled-out runs joined).
//
// Word and phrase rules (and topic keywords) match whole words of those lists, never parts of
// words: "skill", "Scunthorpe", "assassin", "therapist" and "sniggering" contain nothing. That is
// the main defence against false positives, and it is why there is no substring matching over the
// whole message. The squashed matching that catches "killyou", "#sendnudes" or
// "k i l l  y o u" is confined to where evasion is the likely reading:
//   - a single long word (5+ letters) is searched for phrase terms with their spaces removed
//     ("killyou", "dickpic"); word terms are never searched inside words;
//   - a joined run of spelled-out characters, together with the few words around it, is searched
//     for phrase terms and for word terms of 5+ letters ("i will k-i-l-l y-o-u").
// Squashing the whole message instead would read "what a skill you have" as "...skillyou..." and
// block it; this way that sentence is allowed while its spelled-out form is not.
//
// Per rule, "except" phrases cancel a match they contain ("it won't kill you" is not violence),
// only for whole-word matches. Terms may hold {a|b} alternatives, expanded when the rules load
// (one line for "add me on {insta|snap|...}"). Evasions that still get through are listed in
// docs/moderation.md.
//
// Cost: one pass over the text per form, one hash lookup per word (per variant), one trigram
// lookup per position of long words, and one precompiled regex run per pattern rule: linear in
// the message and independent of how many terms there are (thousands after expansion). About
// 0.1-0.2 ms for a 2000-character message in an optimised build here (benchmarkLongMessage).

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QVarLengthArray>
#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace fp {

namespace {

using Action = ModerationVerdict::Action;
using Form = ModerationText::Form;
using Token = ModerationText::Token;
constexpr char kStretched = ModerationText::kStretched;

constexpr qsizetype kMinSquashKey = 5; // shortest squashed term searched inside words

// ---------------------------------------------------------------------------------------------
// Rules

enum class Kind { Word, Phrase, Pattern };
enum class Subject { Plain, Normalized };

struct Rule
{
    QString id;
    QString label;
    Action action = Action::Flag;
    Kind kind = Kind::Word;
    Subject subject = Subject::Plain;
    QList<QRegularExpression> patterns;
};

struct TermWord
{
    QString key;
    QByteArray runs; // 1 or 2 per key character
};

struct TermEntry
{
    int owner = 0; // a rule index, or a topic index when `topic`
    bool topic = false;
    bool exception = false;
    QList<TermWord> words;
};

struct SquashEntry
{
    QString key;
    QByteArray runs;
    int rule = 0;
    bool phrase = false; // phrase terms may be found inside a word; word terms only in spellings
};

QList<TermWord> termWords(const QString &term)
{
    const ModerationText a = ModerationText::analyse(term);
    QList<TermWord> words;
    words.reserve(a.words.size());
    for (const Token &t : a.words) {
        TermWord w {a.key(t.forms[0]).toString(), a.runsOf(t.forms[0]).toByteArray()};
        for (char &r : w.runs)
            r = std::min(r, char(2));
        words.append(w);
    }
    return words;
}

size_t keyHash(QStringView key)
{
    return qHash(key, size_t(0));
}

bool runsMatch(QByteArrayView text, QByteArrayView term)
{
    for (qsizetype k = 0; k < term.size(); ++k) {
        if (text.at(k) != term.at(k) && text.at(k) != kStretched)
            return false;
    }
    return true;
}

bool tokenMatches(const ModerationText &a, const Token &t, const TermWord &w)
{
    for (int f = 0; f < t.formCount; ++f) {
        if (a.key(t.forms[f]) == w.key && runsMatch(a.runsOf(t.forms[f]), w.runs))
            return true;
    }
    return false;
}

// Appends a word to a squashed key; equal letters meeting at the seam form one run.
void appendSquashed(QString &key, QByteArray &runs, QStringView pieceKey, QByteArrayView pieceRuns)
{
    if (pieceKey.isEmpty())
        return;
    qsizetype from = 0;
    if (!key.isEmpty() && key.back() == pieceKey.front()) {
        const char a = runs.back();
        const char b = pieceRuns.front();
        runs.back() = (a == kStretched || b == kStretched || a + b >= 3) ? kStretched : char(a + b);
        from = 1;
    }
    key.append(pieceKey.sliced(from));
    runs.append(pieceRuns.sliced(from));
}

quint64 trigram(QStringView s, qsizetype at)
{
    return (quint64(s.at(at).unicode()) << 32) | (quint64(s.at(at + 1).unicode()) << 16) |
        quint64(s.at(at + 2).unicode());
}

AppError loadError(const QString &message, const QString &ruleId = {})
{
    AppError error;
    error.code = ErrorCode::Internal;
    error.message = message;
    if (!ruleId.isEmpty())
        error.details.insert(QStringLiteral("rule_id"), ruleId);
    return error;
}

bool isIdentifier(const QString &s)
{
    if (s.isEmpty())
        return false;
    return std::all_of(s.cbegin(), s.cend(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_';
    });
}

} // namespace

struct ModerationRules::Data
{
    QList<Rule> rules;
    QList<TermEntry> terms; // rule terms, their exceptions, topic keywords
    QStringList topics; // catalog order
    QHash<QString, int> topicIndex;

    // Built by index() from the above.
    QHash<size_t, QList<int>> termsByFirstKey; // keyHash of the first word → terms
    QList<SquashEntry> squash;
    QHash<quint64, QList<int>> squashByTrigram;
    qsizetype maxSquashWords = 1;
    bool anyNormalizedPattern = false;

    void index();
};

void ModerationRules::Data::index()
{
    termsByFirstKey.clear();
    squash.clear();
    squashByTrigram.clear();
    maxSquashWords = 1;
    anyNormalizedPattern = std::any_of(rules.cbegin(), rules.cend(), [](const Rule &r) {
        return r.kind == Kind::Pattern && r.subject == Subject::Normalized;
    });
    for (int i = 0; i < terms.size(); ++i) {
        const TermEntry &e = terms.at(i);
        termsByFirstKey[keyHash(e.words.first().key)].append(i);
        if (e.topic || e.exception)
            continue; // topics are preferences, not evasion targets: whole words only
        SquashEntry s;
        s.rule = e.owner;
        s.phrase = rules.at(e.owner).kind == Kind::Phrase;
        for (const TermWord &w : e.words)
            appendSquashed(s.key, s.runs, w.key, w.runs);
        if (s.key.size() < kMinSquashKey)
            continue;
        maxSquashWords = std::max(maxSquashWords, e.words.size());
        squashByTrigram[trigram(s.key, 0)].append(int(squash.size()));
        squash.append(s);
    }
}

namespace {

using Hits = QVarLengthArray<bool, 64>;

// Whole-word matching of terms (and topic keywords) over one word list.
void matchTerms(const ModerationRules::Data &d, const ModerationText &a, const QList<Token> &tokens,
                const Hits &topicWanted, Hits &ruleHit, Hits &topicHit)
{
    struct Match
    {
        int owner;
        qsizetype begin;
        qsizetype end;
    };
    QVarLengthArray<Match, 16> found;
    QVarLengthArray<Match, 16> exceptions;
    const bool anyTopicWanted =
        std::find(topicWanted.cbegin(), topicWanted.cend(), true) != topicWanted.cend();
    const qsizetype n = tokens.size();
    for (qsizetype i = 0; i < n; ++i) {
        const Token &t = tokens.at(i);
        for (int f = 0; f < t.formCount; ++f) {
            const QStringView key = a.key(t.forms[f]);
            const auto candidates = d.termsByFirstKey.constFind(keyHash(key));
            if (candidates == d.termsByFirstKey.cend())
                continue;
            for (const int index : *candidates) {
                const TermEntry &e = d.terms.at(index);
                if (e.topic && (!topicWanted[e.owner] || topicHit[e.owner]))
                    continue;
                const qsizetype length = e.words.size();
                if (i + length > n || key != e.words.first().key ||
                    !runsMatch(a.runsOf(t.forms[f]), e.words.first().runs))
                    continue;
                bool all = true;
                for (qsizetype k = 1; k < length && all; ++k)
                    all = tokenMatches(a, tokens.at(i + k), e.words.at(k));
                if (!all)
                    continue;
                if (e.topic)
                    topicHit[e.owner] = true;
                else
                    (e.exception ? exceptions : found).append(Match {e.owner, i, i + length});
            }
        }
        // A one-word topic keyword also matches its plain plural ("beers" for "beer"): topics
        // only ever flag, so a miss costs more than a stray flag. Rules list plurals themselves.
        const QStringView key = a.key(t.forms[0]);
        const QByteArrayView runs = a.runsOf(t.forms[0]);
        if (!anyTopicWanted || key.size() <= 3 || key.back() != u's' || runs.back() != 1)
            continue;
        const auto singular = d.termsByFirstKey.constFind(keyHash(key.chopped(1)));
        if (singular == d.termsByFirstKey.cend())
            continue;
        for (const int index : *singular) {
            const TermEntry &e = d.terms.at(index);
            if (e.topic && e.words.size() == 1 && topicWanted[e.owner] &&
                key.chopped(1) == e.words.first().key &&
                runsMatch(runs.chopped(1), e.words.first().runs))
                topicHit[e.owner] = true;
        }
    }
    for (const Match &m : found) {
        const bool excepted =
            std::any_of(exceptions.cbegin(), exceptions.cend(), [&](const Match &x) {
                return x.owner == m.owner && x.begin <= m.begin && x.end >= m.end;
            });
        if (!excepted)
            ruleHit[m.owner] = true;
    }
}

// Squashed terms inside `key`, overlapping [regionBegin, regionEnd).
void matchSquashed(const ModerationRules::Data &d, QStringView key, QByteArrayView runs,
                   qsizetype regionBegin, qsizetype regionEnd, bool wordTermsToo, Hits &ruleHit)
{
    for (qsizetype p = 0; p + kMinSquashKey <= key.size() && p < regionEnd; ++p) {
        const auto candidates = d.squashByTrigram.constFind(trigram(key, p));
        if (candidates == d.squashByTrigram.cend())
            continue;
        for (const int index : *candidates) {
            const SquashEntry &e = d.squash.at(index);
            const qsizetype length = e.key.size();
            if (ruleHit[e.rule] || (!e.phrase && !wordTermsToo) || p + length > key.size() ||
                p + length <= regionBegin)
                continue;
            if (key.sliced(p, length) != e.key)
                continue;
            bool ok = true;
            for (qsizetype k = 0; k < length && ok; ++k) {
                const char t = runs.at(p + k);
                const char w = e.runs.at(k);
                // At the edges the message's run may continue past the term ("sss" + "end").
                const bool edge = k == 0 || k == length - 1;
                ok = t == w || t == kStretched || (edge && t > w);
            }
            if (ok)
                ruleHit[e.rule] = true;
        }
    }
}

// Each spelled-out run, with the words around it, searched for squashed terms.
void matchSpelled(const ModerationRules::Data &d, const ModerationText &a, Hits &ruleHit)
{
    const QList<Token> &joined = a.joined;
    const qsizetype reach = d.maxSquashWords - 1;
    for (qsizetype j = 0; j < joined.size(); ++j) {
        const Token &spelled = joined.at(j);
        if (!spelled.spelled)
            continue;
        const qsizetype first = std::max<qsizetype>(0, j - reach);
        const qsizetype last = std::min(joined.size() - 1, j + reach);
        for (int f = 0; f < spelled.formCount; ++f) {
            QString key;
            QByteArray runs;
            qsizetype regionBegin = 0;
            qsizetype regionEnd = 0;
            for (qsizetype k = first; k <= last; ++k) {
                const Form &form = k == j ? spelled.forms[f] : joined.at(k).forms[0];
                if (k == j)
                    regionBegin = std::max<qsizetype>(0, key.size() - 1);
                appendSquashed(key, runs, a.key(form), a.runsOf(form));
                if (k == j)
                    regionEnd = key.size();
            }
            matchSquashed(d, key, runs, regionBegin, regionEnd, true, ruleHit);
        }
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------

QString ModerationVerdict::actionName(Action action)
{
    switch (action) {
    case Allow:
        return QStringLiteral("allow");
    case Flag:
        return QStringLiteral("flag");
    case Block:
        return QStringLiteral("block");
    }
    return QStringLiteral("allow");
}

ModerationRules::ModerationRules(std::shared_ptr<const Data> data) : d(std::move(data)) { }

namespace {

constexpr qsizetype kMaxExpansions = 2000;

// "{add|find} me {up |}on {insta|ig}" → the 8 terms it stands for, so one line can hold the
// verb × platform products of the contact rules. Nullopt when braces are unbalanced or nested,
// or when the product is absurdly large.
std::optional<QStringList> expandAlternatives(const QString &term)
{
    QStringList out {QString()};
    qsizetype i = 0;
    while (i < term.size()) {
        const QChar c = term.at(i);
        if (c == u'}')
            return std::nullopt;
        if (c != u'{') {
            for (QString &s : out)
                s.append(c);
            ++i;
            continue;
        }
        const qsizetype close = term.indexOf(u'}', i + 1);
        if (close < 0)
            return std::nullopt;
        const QString inside = term.sliced(i + 1, close - i - 1);
        if (inside.contains(u'{'))
            return std::nullopt;
        const QStringList options = inside.split(u'|');
        if (out.size() * options.size() > kMaxExpansions)
            return std::nullopt;
        QStringList next;
        next.reserve(out.size() * options.size());
        for (const QString &prefix : std::as_const(out)) {
            for (const QString &option : options)
                next.append(prefix + option);
        }
        out = next;
        i = close + 1;
    }
    return out;
}

Status parseRule(const QJsonValue &value, qsizetype position, ModerationRules::Data &data)
{
    const QJsonObject o = value.toObject();
    const QString id = o.value(QLatin1StringView("id")).toString();
    const QString where = id.isEmpty() ? QStringLiteral("moderation rule #%1").arg(position + 1)
                                       : QStringLiteral("moderation rule '%1'").arg(id);
    auto fail = [&](const QString &problem) {
        return Status(loadError(where + QStringLiteral(": ") + problem, id));
    };
    if (!value.isObject())
        return fail(QStringLiteral("is not an object"));

    static const QStringList knownKeys = {
        QStringLiteral("id"),          QStringLiteral("label"),    QStringLiteral("action"),
        QStringLiteral("kind"),        QStringLiteral("terms"),    QStringLiteral("except"),
        QStringLiteral("pattern"),     QStringLiteral("patterns"), QStringLiteral("form"),
        QStringLiteral("description"),
    };
    for (const QString &key : o.keys()) {
        if (!knownKeys.contains(key))
            return fail(QStringLiteral("unknown key \"%1\"").arg(key));
    }
    if (id.isEmpty())
        return fail(QStringLiteral("needs an \"id\""));
    if (!isIdentifier(id))
        return fail(QStringLiteral("the id may only hold a-z, 0-9 and _"));
    for (const Rule &r : std::as_const(data.rules)) {
        if (r.id == id)
            return fail(QStringLiteral("the id is used twice"));
    }

    Rule rule;
    rule.id = id;
    rule.label = o.value(QLatin1StringView("label")).toString();
    if (!isIdentifier(rule.label))
        return fail(QStringLiteral("needs a \"label\" of a-z, 0-9 and _"));
    if (o.value(QLatin1StringView("description")).toString().trimmed().isEmpty())
        return fail(QStringLiteral("needs a \"description\" saying why the rule exists"));

    const QString action = o.value(QLatin1StringView("action")).toString();
    if (action == QLatin1StringView("flag"))
        rule.action = Action::Flag;
    else if (action == QLatin1StringView("block"))
        rule.action = Action::Block;
    else
        return fail(QStringLiteral("unknown action \"%1\" (expected flag or block)").arg(action));

    const QString kind = o.value(QLatin1StringView("kind")).toString();
    if (kind == QLatin1StringView("word"))
        rule.kind = Kind::Word;
    else if (kind == QLatin1StringView("phrase"))
        rule.kind = Kind::Phrase;
    else if (kind == QLatin1StringView("pattern"))
        rule.kind = Kind::Pattern;
    else
        return fail(
            QStringLiteral("unknown kind \"%1\" (expected word, phrase or pattern)").arg(kind));

    const int ruleIndex = int(data.rules.size());
    if (rule.kind == Kind::Pattern) {
        if (o.contains(QLatin1StringView("terms")) || o.contains(QLatin1StringView("except")))
            return fail(QStringLiteral("a pattern rule takes \"pattern\" or \"patterns\", not "
                                       "\"terms\" or \"except\""));
        const QString form = o.value(QLatin1StringView("form")).toString(QStringLiteral("plain"));
        if (form == QLatin1StringView("plain"))
            rule.subject = Subject::Plain;
        else if (form == QLatin1StringView("normalized"))
            rule.subject = Subject::Normalized;
        else
            return fail(
                QStringLiteral("unknown form \"%1\" (expected plain or normalized)").arg(form));
        const bool one = o.contains(QLatin1StringView("pattern"));
        const bool many = o.contains(QLatin1StringView("patterns"));
        if (one == many)
            return fail(QStringLiteral("needs exactly one of \"pattern\" and \"patterns\""));
        const QJsonArray sources = one ? QJsonArray {o.value(QLatin1StringView("pattern"))}
                                       : o.value(QLatin1StringView("patterns")).toArray();
        if (sources.isEmpty())
            return fail(QStringLiteral("\"patterns\" must be a non-empty list"));
        for (const QJsonValue &source : sources) {
            const QString pattern = source.toString();
            if (pattern.isEmpty())
                return fail(QStringLiteral("a pattern must be a non-empty string"));
            QRegularExpression re(pattern, QRegularExpression::CaseInsensitiveOption);
            if (!re.isValid())
                return fail(QStringLiteral("pattern \"%1\" does not compile: %2 at offset %3")
                                .arg(pattern, re.errorString())
                                .arg(re.patternErrorOffset()));
            re.optimize(); // compiled (and JIT-compiled) now, not by the first message
            rule.patterns.append(re);
        }
    } else {
        for (const char *key : {"pattern", "patterns", "form"}) {
            if (o.contains(QLatin1StringView(key)))
                return fail(QStringLiteral("a %1 rule takes \"terms\", not \"%2\"")
                                .arg(kind, QLatin1StringView(key)));
        }
        const QJsonValue terms = o.value(QLatin1StringView("terms"));
        if (!terms.isArray() || terms.toArray().isEmpty())
            return fail(QStringLiteral("needs \"terms\", a non-empty list of strings"));
        const QJsonValue except = o.value(QLatin1StringView("except"));
        if (!except.isUndefined() && !except.isArray())
            return fail(QStringLiteral("\"except\" must be a list of strings"));
        for (const bool exception : {false, true}) {
            const QJsonArray list = (exception ? except : terms).toArray();
            for (const QJsonValue &v : list) {
                if (!v.isString())
                    return fail(QStringLiteral("terms must be strings"));
                const std::optional<QStringList> expanded = expandAlternatives(v.toString());
                if (!expanded)
                    return fail(QStringLiteral("term \"%1\" has unbalanced or nested { }, or "
                                               "expands to more than %2 terms")
                                    .arg(v.toString())
                                    .arg(kMaxExpansions));
                for (const QString &term : *expanded) {
                    const QList<TermWord> words = termWords(term);
                    if (words.isEmpty())
                        return fail(
                            QStringLiteral("term \"%1\" has no letters or digits").arg(term));
                    if (!exception && rule.kind == Kind::Word && words.size() != 1)
                        return fail(QStringLiteral("word term \"%1\" has %2 words: put it in a "
                                                   "phrase rule")
                                        .arg(term)
                                        .arg(words.size()));
                    if (!exception && rule.kind == Kind::Phrase && words.size() < 2)
                        return fail(QStringLiteral("phrase term \"%1\" is one word: put it in a "
                                                   "word rule, which never matches inside other "
                                                   "words")
                                        .arg(term));
                    data.terms.append(TermEntry {ruleIndex, false, exception, words});
                }
            }
        }
    }
    data.rules.append(rule);
    return Ok {};
}

Result<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return loadError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return file.readAll();
}

} // namespace

Result<ModerationRules> ModerationRules::fromJson(const QByteArray &rulesJson)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(rulesJson, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return loadError(QStringLiteral("moderation rules: not valid JSON at offset %1: %2")
                             .arg(parseError.offset)
                             .arg(parseError.errorString()));
    const QJsonObject root = document.object();
    if (!document.isObject() || !root.value(QLatin1StringView("rules")).isArray())
        return loadError(
            QStringLiteral("moderation rules: expected an object with a \"rules\" list"));
    const QJsonValue version = root.value(QLatin1StringView("version"));
    if (!version.isUndefined() && version.toInt() != 1)
        return loadError(QStringLiteral("moderation rules: unsupported version %1")
                             .arg(version.toVariant().toString()));
    const QJsonArray rules = root.value(QLatin1StringView("rules")).toArray();
    if (rules.isEmpty())
        return loadError(QStringLiteral("moderation rules: the list is empty, which would "
                                        "disable moderation"));

    auto data = std::make_shared<Data>();
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const Status parsed = parseRule(rules.at(i), i, *data);
        if (!parsed)
            return parsed.error();
    }
    data->index();
    return ModerationRules(std::move(data));
}

Result<ModerationRules> ModerationRules::fromFiles(const QString &rulesPath,
                                                   const QString &catalogPath)
{
    const Result<QByteArray> rulesJson = readFile(rulesPath);
    if (!rulesJson)
        return rulesJson.error();
    const Result<QByteArray> catalogJson = readFile(catalogPath);
    if (!catalogJson)
        return catalogJson.error();
    Result<ModerationRules> rules = fromJson(*rulesJson);
    if (!rules)
        return rules;
    const Status topics = rules->loadTopicKeywords(*catalogJson);
    if (!topics)
        return topics.error();
    return rules;
}

Status ModerationRules::loadTopicKeywords(const QByteArray &catalogJson)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(catalogJson, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return loadError(QStringLiteral("catalog: not valid JSON at offset %1: %2")
                             .arg(parseError.offset)
                             .arg(parseError.errorString()));
    const QJsonObject root = document.object();
    const QJsonValue topicList = root.value(QLatin1StringView("topics"));
    const QJsonValue keywordMap = root.value(QLatin1StringView("topic_keywords"));
    if (!topicList.isArray() || !keywordMap.isObject())
        return loadError(
            QStringLiteral("catalog: expected a \"topics\" list and a \"topic_keywords\" object"));

    auto data = std::make_shared<Data>(*d);
    data->terms.removeIf([](const TermEntry &e) { return e.topic; });
    data->topics.clear();
    data->topicIndex.clear();
    const QJsonArray topics = topicList.toArray();
    for (const QJsonValue &v : topics) {
        const QString topic = v.toString();
        if (topic.isEmpty() || data->topicIndex.contains(topic))
            return loadError(
                QStringLiteral("catalog: topic \"%1\" is empty or repeated").arg(topic));
        data->topicIndex.insert(topic, int(data->topics.size()));
        data->topics.append(topic);
    }
    const QJsonObject keywords = keywordMap.toObject();
    for (auto it = keywords.begin(); it != keywords.end(); ++it) {
        if (!data->topicIndex.contains(it.key()))
            return loadError(
                QStringLiteral("catalog: topic_keywords has \"%1\", which is not a topic")
                    .arg(it.key()));
    }
    for (qsizetype t = 0; t < data->topics.size(); ++t) {
        const QString &topic = data->topics.at(t);
        const QJsonArray list = keywords.value(topic).toArray();
        if (list.isEmpty())
            return loadError(QStringLiteral("catalog: topic \"%1\" has no topic_keywords, so it "
                                            "could not be kept out of chats")
                                 .arg(topic));
        for (const QJsonValue &v : list) {
            const QList<TermWord> words = termWords(v.toString());
            if (words.isEmpty())
                return loadError(QStringLiteral("catalog: a keyword of topic \"%1\" has no "
                                                "letters or digits")
                                     .arg(topic));
            data->terms.append(TermEntry {int(t), true, false, words});
        }
    }
    data->index();
    d = std::move(data);
    return Ok {};
}

ModerationVerdict ModerationRules::check(const QString &text,
                                         const QStringList &receiverOffLimitsTopics) const
{
    const Data &data = *d;
    const ModerationText a = ModerationText::analyse(text);

    Hits ruleHit(data.rules.size(), false);
    Hits topicHit(data.topics.size(), false);
    Hits topicWanted(data.topics.size(), false);
    for (const QString &topic : receiverOffLimitsTopics) {
        const int index = data.topicIndex.value(topic, -1);
        if (index >= 0)
            topicWanted[index] = true;
    }

    matchTerms(data, a, a.words, topicWanted, ruleHit, topicHit);
    if (!a.joined.isEmpty()) {
        matchTerms(data, a, a.joined, topicWanted, ruleHit, topicHit);
        matchSpelled(data, a, ruleHit);
    }
    for (const Token &t : a.words) {
        for (int f = 0; f < t.formCount; ++f) {
            const QStringView key = a.key(t.forms[f]);
            if (key.size() >= kMinSquashKey)
                matchSquashed(data, key, a.runsOf(t.forms[f]), 0, key.size(), false, ruleHit);
        }
    }
    const QString normal = data.anyNormalizedPattern ? a.normal() : QString();
    for (int r = 0; r < data.rules.size(); ++r) {
        const Rule &rule = data.rules.at(r);
        if (rule.kind != Kind::Pattern || ruleHit[r])
            continue;
        const QString &subject = rule.subject == Subject::Plain ? a.plain : normal;
        ruleHit[r] =
            std::any_of(rule.patterns.cbegin(), rule.patterns.cend(),
                        [&](const QRegularExpression &re) { return re.match(subject).hasMatch(); });
    }

    ModerationVerdict verdict;
    for (const Action severity : {Action::Block, Action::Flag}) {
        for (int r = 0; r < data.rules.size(); ++r) {
            const Rule &rule = data.rules.at(r);
            if (!ruleHit[r] || rule.action != severity)
                continue;
            verdict.action = std::max(verdict.action, severity);
            verdict.matchedRuleIds.append(rule.id);
            if (!verdict.labels.contains(rule.label))
                verdict.labels.append(rule.label);
        }
    }
    for (int t = 0; t < data.topics.size(); ++t) {
        if (!topicHit[t])
            continue;
        if (!verdict.offLimitsTopic) {
            verdict.offLimitsTopic = true;
            verdict.offLimitsTopicKey = data.topics.at(t);
        }
        verdict.labels.append(QStringLiteral("off_limits:") + data.topics.at(t));
        verdict.action = std::max(verdict.action, Action::Flag);
    }
    verdict.label = verdict.labels.value(0);
    verdict.containsSensitive = verdict.action != Action::Allow;
    return verdict;
}

QStringList ModerationRules::ruleIds() const
{
    QStringList ids;
    for (const Rule &r : d->rules)
        ids.append(r.id);
    return ids;
}

QStringList ModerationRules::topicKeys() const
{
    return d->topics;
}

} // namespace fp
