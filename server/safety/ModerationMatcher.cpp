#include "server/safety/ModerationMatcher.h"

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
// only for whole-word matches. Evasions that still get through are listed in docs/moderation.md.
//
// Cost: one pass over the text per form, one hash lookup per word (per variant), one trigram
// lookup per position of long words, and one precompiled regex run per pattern rule: linear in
// the message and independent of how many terms there are (thousands after expansion). About
// 0.1-0.2 ms for a 2000-character message in an optimised build here (benchmarkLongMessage).

#include <algorithm>

namespace fp {

namespace {

using Action = ModerationVerdict::Action;
using Kind = ModerationRule::Kind;
using Subject = ModerationRule::Subject;
using Form = ModerationText::Form;
using Token = ModerationText::Token;
constexpr char kStretched = ModerationText::kStretched;

constexpr qsizetype kMinSquashKey = 5; // shortest squashed term searched inside words

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

bool tokenMatches(const ModerationText &a, const Token &t, const ModerationTermWord &w)
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

} // namespace

QList<ModerationTermWord> moderationTermWords(const QString &term)
{
    const ModerationText a = ModerationText::analyse(term);
    QList<ModerationTermWord> words;
    words.reserve(a.words.size());
    for (const Token &t : a.words) {
        ModerationTermWord w {a.key(t.forms[0]).toString(), a.runsOf(t.forms[0]).toByteArray()};
        for (char &r : w.runs)
            r = std::min(r, char(2));
        words.append(w);
    }
    return words;
}

ModerationMatcher::ModerationMatcher(ModerationRuleSet ruleSet) : m_ruleSet(std::move(ruleSet))
{
    const QList<ModerationRule> &rules = m_ruleSet.rules;
    for (qsizetype t = 0; t < m_ruleSet.topics.size(); ++t)
        m_topicIndex.insert(m_ruleSet.topics.at(t), int(t));
    m_anyNormalizedPattern = std::any_of(rules.cbegin(), rules.cend(), [](const ModerationRule &r) {
        return r.kind == Kind::Pattern && r.subject == Subject::Normalized;
    });
    for (int i = 0; i < m_ruleSet.terms.size(); ++i) {
        const ModerationTerm &e = m_ruleSet.terms.at(i);
        m_termsByFirstKey[keyHash(e.words.first().key)].append(i);
        if (e.topic || e.exception)
            continue; // topics are preferences, not evasion targets: whole words only
        SquashEntry s;
        s.rule = e.owner;
        s.phrase = rules.at(e.owner).kind == Kind::Phrase;
        for (const ModerationTermWord &w : e.words)
            appendSquashed(s.key, s.runs, w.key, w.runs);
        if (s.key.size() < kMinSquashKey)
            continue;
        m_maxSquashWords = std::max(m_maxSquashWords, e.words.size());
        m_squashByTrigram[trigram(s.key, 0)].append(int(m_squash.size()));
        m_squash.append(s);
    }
}

// Whole-word matching of terms (and topic keywords) over one word list.
void ModerationMatcher::matchTerms(const ModerationText &a, const QList<Token> &tokens,
                                   const Hits &topicWanted, Hits &ruleHit, Hits &topicHit) const
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
            const auto candidates = m_termsByFirstKey.constFind(keyHash(key));
            if (candidates == m_termsByFirstKey.cend())
                continue;
            for (const int index : *candidates) {
                const ModerationTerm &e = m_ruleSet.terms.at(index);
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
        const auto singular = m_termsByFirstKey.constFind(keyHash(key.chopped(1)));
        if (singular == m_termsByFirstKey.cend())
            continue;
        for (const int index : *singular) {
            const ModerationTerm &e = m_ruleSet.terms.at(index);
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
void ModerationMatcher::matchSquashed(QStringView key, QByteArrayView runs, qsizetype regionBegin,
                                      qsizetype regionEnd, bool wordTermsToo, Hits &ruleHit) const
{
    for (qsizetype p = 0; p + kMinSquashKey <= key.size() && p < regionEnd; ++p) {
        const auto candidates = m_squashByTrigram.constFind(trigram(key, p));
        if (candidates == m_squashByTrigram.cend())
            continue;
        for (const int index : *candidates) {
            const SquashEntry &e = m_squash.at(index);
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
void ModerationMatcher::matchSpelled(const ModerationText &a, Hits &ruleHit) const
{
    const QList<Token> &joined = a.joined;
    const qsizetype reach = m_maxSquashWords - 1;
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
            matchSquashed(key, runs, regionBegin, regionEnd, true, ruleHit);
        }
    }
}

ModerationVerdict ModerationMatcher::check(const QString &text,
                                           const QStringList &receiverOffLimitsTopics) const
{
    const ModerationRuleSet &data = m_ruleSet;
    const ModerationText a = ModerationText::analyse(text);

    Hits ruleHit(data.rules.size(), false);
    Hits topicHit(data.topics.size(), false);
    Hits topicWanted(data.topics.size(), false);
    for (const QString &topic : receiverOffLimitsTopics) {
        const int index = m_topicIndex.value(topic, -1);
        if (index >= 0)
            topicWanted[index] = true;
    }

    matchTerms(a, a.words, topicWanted, ruleHit, topicHit);
    if (!a.joined.isEmpty()) {
        matchTerms(a, a.joined, topicWanted, ruleHit, topicHit);
        matchSpelled(a, ruleHit);
    }
    for (const Token &t : a.words) {
        for (int f = 0; f < t.formCount; ++f) {
            const QStringView key = a.key(t.forms[f]);
            if (key.size() >= kMinSquashKey)
                matchSquashed(key, a.runsOf(t.forms[f]), 0, key.size(), false, ruleHit);
        }
    }
    const QString normal = m_anyNormalizedPattern ? a.normal() : QString();
    for (int r = 0; r < data.rules.size(); ++r) {
        const ModerationRule &rule = data.rules.at(r);
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
            const ModerationRule &rule = data.rules.at(r);
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

} // namespace fp
