#include "server/safety/ModerationRulesFile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <algorithm>
#include <optional>

namespace fp::ModerationRulesFile {

namespace {

using Action = ModerationVerdict::Action;
using Kind = ModerationRule::Kind;
using Subject = ModerationRule::Subject;

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

Status parseRule(const QJsonValue &value, qsizetype position, ModerationRuleSet &data)
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
    for (const ModerationRule &r : std::as_const(data.rules)) {
        if (r.id == id)
            return fail(QStringLiteral("the id is used twice"));
    }

    ModerationRule rule;
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
                    const QList<ModerationTermWord> words = moderationTermWords(term);
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
                    data.terms.append(ModerationTerm {ruleIndex, false, exception, words});
                }
            }
        }
    }
    data.rules.append(rule);
    return Ok {};
}

} // namespace

Result<QByteArray> read(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return loadError(QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return file.readAll();
}

Result<ModerationRuleSet> parseRules(const QByteArray &rulesJson)
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

    ModerationRuleSet data;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const Status parsed = parseRule(rules.at(i), i, data);
        if (!parsed)
            return parsed.error();
    }
    return data;
}

Result<ModerationRuleSet> withTopics(const ModerationRuleSet &ruleSet,
                                     const QByteArray &catalogJson)
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

    ModerationRuleSet data = ruleSet;
    data.terms.removeIf([](const ModerationTerm &e) { return e.topic; });
    data.topics.clear();
    QSet<QString> known;
    const QJsonArray topics = topicList.toArray();
    for (const QJsonValue &v : topics) {
        const QString topic = v.toString();
        if (topic.isEmpty() || known.contains(topic))
            return loadError(
                QStringLiteral("catalog: topic \"%1\" is empty or repeated").arg(topic));
        known.insert(topic);
        data.topics.append(topic);
    }
    const QJsonObject keywords = keywordMap.toObject();
    for (auto it = keywords.begin(); it != keywords.end(); ++it) {
        if (!known.contains(it.key()))
            return loadError(
                QStringLiteral("catalog: topic_keywords has \"%1\", which is not a topic")
                    .arg(it.key()));
    }
    for (qsizetype t = 0; t < data.topics.size(); ++t) {
        const QString &topic = data.topics.at(t);
        const QJsonArray list = keywords.value(topic).toArray();
        if (list.isEmpty())
            return loadError(QStringLiteral("catalog: topic \"%1\" has no topic_keywords, so it "
                                            "could not be kept out of chats")
                                 .arg(topic));
        for (const QJsonValue &v : list) {
            const QList<ModerationTermWord> words = moderationTermWords(v.toString());
            if (words.isEmpty())
                return loadError(QStringLiteral("catalog: a keyword of topic \"%1\" has no "
                                                "letters or digits")
                                     .arg(topic));
            data.terms.append(ModerationTerm {int(t), true, false, words});
        }
    }
    return data;
}

} // namespace fp::ModerationRulesFile
