#include "server/safety/ModerationRules.h"

// How a message is read, and why (docs/moderation.md has the policy; this is the mechanism).
//
// Three forms of the text are derived once per message:
//
// 1. The plain form: NFKD (so "ｋｉｌｌ", "𝐤𝐢𝐥𝐥", "ﬁ" and "①" become ASCII), combining marks
//    dropped ("kíll" → "kill"), case folded, invisible format characters dropped (a zero-width
//    space inside a word must not split it), every decimal digit made ASCII, and a short table
//    of lookalikes folded: Cyrillic and Greek letters that look Latin ("кіll"), and Latin letters
//    NFKD leaves alone (ø, ł, ß → ss). Punctuation and spacing are kept: the phone, email and
//    link patterns need them, and leetspeak would turn "j0hn@mail.com" into something else.
//
// 2. The normalized form (normalizeForModeration): the plain form cut into words at anything
//    that is not a letter, digit or leet symbol; apostrophes join ("don't" → "dont", so a term
//    and a message agree however the apostrophe is typed). Inside a word that has a letter:
//    0→o 3→e 4→a 5→s 7→t @→a $→s, '!' and '+' → i and t only between letters ("sh!t", but
//    "wow!" stays "wow"); a word without letters is a number and keeps its digits ("$100" →
//    "100", so prices and phone numbers are not read as words). '1' and '|' are either i or l:
//    a lone one reads as i ("k1ll"), two in a row as ll ("ki11"), and every word holding one is
//    also tried with all of them as l ("s1ut"). Runs of 3+ equal letters are cut to 2 in the
//    text ("kiiiiill" → "kiill", "cooool" → "cool"), and remembered as stretched: a stretched run
//    matches a term's single or double letter, while an ordinary run must match exactly, so
//    "kiiill" and "killll" hit "kill" but "good" does not hit a term "god" and "as" never hits
//    "ass". Finally a few chat spellings become the words the rules are written with (u → you,
//    r → are, ur → your, im → i am, gonna → going to, wanna → want to, imma → i am going to):
//    one term list then covers "im gonna kill u".
//
// 3. Spelled-out words: a run of 3+ single characters ("k i l l", "k.i.l.l", "f-u-c-k") is
//    joined into one word in a second word list, where every rule and topic is matched again.
//
// Word and phrase rules (and topic keywords) match whole words of these lists, never parts of
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

constexpr qsizetype kMinSquashKey = 5; // shortest squashed term searched inside words
constexpr qsizetype kMinSpelledRun = 3; // "k i l l": at least this many single characters
constexpr char kStretched = 3; // a run that was 3+ letters long in the message
constexpr char16_t kEitherIorL = 0x0001; // placeholder for '1' and '|' inside a word

// ---------------------------------------------------------------------------------------------
// The plain form

// After case folding. Lookalikes are folded everywhere, not only in mixed-script words: a word
// typed entirely in Cyrillic lookalikes ("ѕех") is the evasion; real Russian or Greek text turns
// into Latin nonsense that no English term matches.
char32_t foldLookalike(char32_t c)
{
    switch (c) {
    // Cyrillic
    case 0x0430:
        return U'a';
    case 0x0435:
        return U'e';
    case 0x043E:
        return U'o';
    case 0x0440:
        return U'p';
    case 0x0441:
        return U'c';
    case 0x0443:
        return U'y';
    case 0x0445:
        return U'x';
    case 0x0456:
        return U'i';
    case 0x0458:
        return U'j';
    case 0x0455:
        return U's';
    case 0x043A:
        return U'k';
    case 0x0501:
        return U'd';
    case 0x04BB:
        return U'h';
    case 0x04CF:
        return U'l';
    case 0x051B:
        return U'q';
    case 0x051D:
        return U'w';
    // Greek
    case 0x03B1:
        return U'a';
    case 0x03B5:
        return U'e';
    case 0x03B9:
        return U'i';
    case 0x03BA:
        return U'k';
    case 0x03BD:
        return U'v';
    case 0x03BF:
        return U'o';
    case 0x03C1:
        return U'p';
    case 0x03C4:
        return U't';
    case 0x03C5:
        return U'u';
    case 0x03C7:
        return U'x';
    case 0x03F2:
        return U'c';
    // Latin letters without a decomposition
    case 0x0131:
        return U'i'; // dotless i
    case 0x0237:
        return U'j';
    case 0x0251:
        return U'a';
    case 0x0261:
        return U'g';
    case 0x00F8:
        return U'o';
    case 0x0142:
        return U'l';
    case 0x0111:
        return U'd';
    case 0x00F0:
        return U'd';
    default:
        return c;
    }
}

QString plainForm(const QString &text)
{
    const QString decomposed = text.normalized(QString::NormalizationForm_KD);
    const qsizetype n = decomposed.size();
    // At most two code units out per unit in (ß → ss is the largest growth).
    QString out(2 * n, Qt::Uninitialized);
    char16_t *dst = reinterpret_cast<char16_t *>(out.data());
    qsizetype k = 0;
    for (qsizetype i = 0; i < n; ++i) {
        char32_t c = decomposed.at(i).unicode();
        if (c < 0x80) { // the common case, without table lookups
            dst[k++] = (c >= U'A' && c <= U'Z') ? char16_t(c + 32) : char16_t(c);
            continue;
        }
        if (QChar::isHighSurrogate(c) && i + 1 < n && decomposed.at(i + 1).isLowSurrogate())
            c = QChar::surrogateToUcs4(char16_t(c), decomposed.at(++i).unicode());
        switch (QChar::category(c)) {
        case QChar::Mark_NonSpacing:
        case QChar::Mark_SpacingCombining:
        case QChar::Mark_Enclosing:
        case QChar::Other_Format:
            continue;
        case QChar::Number_DecimalDigit:
            dst[k++] = char16_t(u'0' + QChar::digitValue(c));
            continue;
        default:
            break;
        }
        c = foldLookalike(QChar::toCaseFolded(c));
        const char *expansion = nullptr;
        switch (c) {
        case 0x00DF:
            expansion = "ss";
            break; // ß
        case 0x00E6:
            expansion = "ae";
            break; // æ
        case 0x0153:
            expansion = "oe";
            break; // œ
        case 0x00FE:
            expansion = "th";
            break; // þ
        default:
            break;
        }
        if (expansion) {
            dst[k++] = char16_t(expansion[0]);
            dst[k++] = char16_t(expansion[1]);
        } else if (QChar::requiresSurrogates(c)) {
            dst[k++] = QChar::highSurrogate(c);
            dst[k++] = QChar::lowSurrogate(c);
        } else {
            dst[k++] = char16_t(c);
        }
    }
    out.truncate(k);
    return out;
}

// ---------------------------------------------------------------------------------------------
// Words

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

bool isLeetSymbol(QChar c)
{
    switch (c.unicode()) {
    case u'@':
    case u'$':
    case u'!':
    case u'|':
    case u'+':
        return true;
    default:
        return false;
    }
}

enum class CharClass { WordChar, Joiner, Separator };

CharClass classify(char32_t c)
{
    if (c < 0x80) {
        if ((c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9'))
            return CharClass::WordChar;
        if (isLeetSymbol(QChar(char16_t(c))))
            return CharClass::WordChar;
        if (c == U'\'' || c == U'`')
            return CharClass::Joiner;
        return CharClass::Separator;
    }
    if (c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0x02BB) // ‘ ’ ʼ ʻ
        return CharClass::Joiner;
    return QChar::isLetter(c) ? CharClass::WordChar : CharClass::Separator;
}

// A stretch of one of Analysis's buffers. Words live back to back in shared buffers rather than
// in a string each: a message has hundreds of words and allocation would dominate the cost.
struct Span
{
    qsizetype begin = 0;
    qsizetype length = 0;
};

// One way of reading a word.
struct Form
{
    Span text; // in Analysis::texts: runs of 3+ equal letters cut to 2
    Span key; // in Analysis::keys: every run cut to 1; the same span of Analysis::runs holds
              // each run's length: 1, 2 or kStretched
};

struct Token
{
    std::array<Form, 2> forms; // [0] the primary reading, [1] with every '1' and '|' as l
    int formCount = 0;
    bool spelled = false; // joined from single characters ("k i l l")
};

// Standard strings rather than QString for the buffers: their push_back is inline, and this
// is the per-character path of every chat message.
struct Analysis
{
    QString plain;
    std::u16string texts;
    std::u16string keys;
    std::string runs;
    QList<Token> words;
    /// `words` with spelled-out runs joined into one token; empty when there are none.
    QList<Token> joined;
    std::u16string scratch;

    QStringView text(const Form &f) const
    {
        return QStringView(texts.data() + f.text.begin, f.text.length);
    }
    QStringView key(const Form &f) const
    {
        return QStringView(keys.data() + f.key.begin, f.key.length);
    }
    QByteArrayView runsOf(const Form &f) const
    {
        return QByteArrayView(runs.data() + f.key.begin, f.key.length);
    }
    QString normal() const
    {
        QString out;
        out.reserve(qsizetype(texts.size()) + words.size());
        for (const Token &t : words) {
            if (!out.isEmpty())
                out.append(u' ');
            out.append(text(t.forms[0]));
        }
        return out;
    }
};

Form appendForm(Analysis &a, QStringView letters)
{
    Form f;
    f.text.begin = qsizetype(a.texts.size());
    f.key.begin = qsizetype(a.keys.size());
    const qsizetype n = letters.size();
    for (qsizetype i = 0; i < n;) {
        const char16_t c = letters.at(i).unicode();
        qsizetype j = i + 1;
        while (j < n && letters.at(j) == c)
            ++j;
        const qsizetype length = j - i;
        if (isAsciiDigit(c)) {
            // A number keeps every digit: "555" is not "55".
            for (qsizetype k = 0; k < length; ++k) {
                a.texts.push_back(c);
                a.keys.push_back(c);
                a.runs.push_back(char(1));
            }
        } else {
            a.texts.push_back(c);
            if (length >= 2)
                a.texts.push_back(c);
            a.keys.push_back(c);
            a.runs.push_back(length >= 3 ? kStretched : char(length));
        }
        i = j;
    }
    f.text.length = qsizetype(a.texts.size()) - f.text.begin;
    f.key.length = qsizetype(a.keys.size()) - f.key.begin;
    return f;
}

// Leetspeak resolved into `out`; kEitherIorL where '1' or '|' could be i or l.
void deLeet(QStringView raw, std::u16string &out)
{
    out.clear();
    bool hasLetter = false;
    qsizetype firstAlnum = -1;
    qsizetype lastAlnum = -1;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QChar c = raw.at(i);
        if (isLeetSymbol(c))
            continue;
        if (!isAsciiDigit(c))
            hasLetter = true;
        if (firstAlnum < 0)
            firstAlnum = i;
        lastAlnum = i;
    }
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QChar c = raw.at(i);
        if (isAsciiDigit(c)) {
            if (!hasLetter) {
                out.push_back(c.unicode());
                continue;
            }
            switch (c.unicode()) {
            case u'0':
                out.push_back(u'o');
                break;
            case u'1':
                out.push_back(kEitherIorL);
                break;
            case u'3':
                out.push_back(u'e');
                break;
            case u'4':
                out.push_back(u'a');
                break;
            case u'5':
                out.push_back(u's');
                break;
            case u'7':
                out.push_back(u't');
                break;
            default:
                out.push_back(c.unicode());
                break;
            }
            continue;
        }
        if (!isLeetSymbol(c)) {
            out.push_back(c.unicode());
            continue;
        }
        if (!hasLetter)
            continue;
        const bool inside = i > firstAlnum && i < lastAlnum;
        switch (c.unicode()) {
        case u'@':
            out.push_back(u'a');
            break;
        case u'$':
            out.push_back(u's');
            break;
        case u'|':
            out.push_back(kEitherIorL);
            break;
        case u'!':
            if (inside)
                out.push_back(u'i');
            break;
        case u'+':
            if (inside)
                out.push_back(u't');
            break;
        default:
            break;
        }
    }
}

Token makeToken(Analysis &a, QStringView raw)
{
    Token t;
    deLeet(raw, a.scratch);
    const std::u16string &letters = a.scratch;
    if (letters.empty())
        return t;
    if (letters.find(kEitherIorL) == std::u16string::npos) {
        t.forms[0] = appendForm(a, letters);
        t.formCount = 1;
        return t;
    }
    std::u16string primary = letters;
    std::u16string alternate = letters;
    const size_t n = letters.size();
    for (size_t i = 0; i < n; ++i) {
        if (letters[i] != kEitherIorL)
            continue;
        const bool paired = (i > 0 && letters[i - 1] == kEitherIorL) ||
            (i + 1 < n && letters[i + 1] == kEitherIorL);
        primary[i] = paired ? u'l' : u'i';
        alternate[i] = u'l';
    }
    t.forms[0] = appendForm(a, primary);
    t.formCount = 1;
    if (alternate != primary)
        t.forms[t.formCount++] = appendForm(a, alternate);
    return t;
}

// Chat spellings, as whole words, and the words the rules are written with.
struct ChatSpelling
{
    QStringView from;
    std::array<QStringView, 4> to;
};

constexpr ChatSpelling kChatSpellings[] = {
    {u"u", {u"you"}},
    {u"ur", {u"your"}},
    {u"yr", {u"your"}},
    {u"r", {u"are"}},
    {u"im", {u"i", u"am"}},
    {u"youre", {u"you", u"are"}},
    {u"gonna", {u"going", u"to"}},
    {u"wanna", {u"want", u"to"}},
    {u"gotta", {u"got", u"to"}},
    {u"imma", {u"i", u"am", u"going", u"to"}},
    {u"ima", {u"i", u"am", u"going", u"to"}},
    {u"pls", {u"please"}},
    {u"plz", {u"please"}},
};

const ChatSpelling *chatSpelling(QStringView word)
{
    if (word.size() > 5)
        return nullptr;
    for (const ChatSpelling &s : kChatSpellings) {
        if (s.from == word)
            return &s;
    }
    return nullptr;
}

Analysis analyse(const QString &text)
{
    Analysis a;
    a.plain = plainForm(text);

    // Raw words (letters, digits and leet symbols as typed), back to back in one buffer;
    // joiners are dropped, so "don't" is "dont".
    std::u16string raw;
    raw.reserve(size_t(a.plain.size()));
    QVarLengthArray<Span, 128> raws;
    qsizetype wordBegin = 0;
    auto endWord = [&] {
        const qsizetype end = qsizetype(raw.size());
        if (end > wordBegin)
            raws.append(Span {wordBegin, end - wordBegin});
        wordBegin = end;
    };
    const qsizetype n = a.plain.size();
    for (qsizetype i = 0; i < n; ++i) {
        char32_t c = a.plain.at(i).unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < n && a.plain.at(i + 1).isLowSurrogate())
            c = QChar::surrogateToUcs4(char16_t(c), a.plain.at(++i).unicode());
        switch (classify(c)) {
        case CharClass::WordChar:
            if (QChar::requiresSurrogates(c)) {
                raw.push_back(QChar::highSurrogate(c));
                raw.push_back(QChar::lowSurrogate(c));
            } else {
                raw.push_back(char16_t(c));
            }
            break;
        case CharClass::Joiner:
            break;
        case CharClass::Separator:
            endWord();
            break;
        }
    }
    endWord();

    // Runs of single characters long enough to be a spelled-out word.
    const qsizetype count = raws.size();
    QVarLengthArray<qsizetype, 128> runEnd(count, -1); // at a run's first word: one past its end
    bool anyRun = false;
    for (qsizetype i = 0; i < count;) {
        if (raws[i].length != 1) {
            ++i;
            continue;
        }
        qsizetype j = i;
        while (j < count && raws[j].length == 1)
            ++j;
        if (j - i >= kMinSpelledRun) {
            runEnd[i] = j;
            anyRun = true;
        }
        i = j;
    }

    a.texts.reserve(raw.size() + 16);
    a.keys.reserve(raw.size() + 16);
    a.runs.reserve(raw.size() + 16);
    a.scratch.reserve(64);
    a.words.reserve(count);
    const QStringView rawView(raw);
    auto appendWord = [&](Span span, bool inRun) {
        const Token t = makeToken(a, rawView.sliced(span.begin, span.length));
        if (t.formCount == 0)
            return;
        const ChatSpelling *spelling =
            inRun || t.formCount != 1 ? nullptr : chatSpelling(a.text(t.forms[0]));
        if (!spelling) {
            a.words.append(t);
            if (anyRun && !inRun)
                a.joined.append(t);
            return;
        }
        for (const QStringView word : spelling->to) {
            if (word.isEmpty())
                break;
            const Token expanded = makeToken(a, word);
            a.words.append(expanded);
            if (anyRun)
                a.joined.append(expanded);
        }
    };
    for (qsizetype i = 0; i < count;) {
        if (runEnd[i] < 0) {
            appendWord(raws[i], false);
            ++i;
            continue;
        }
        for (qsizetype k = i; k < runEnd[i]; ++k)
            appendWord(raws[k], true); // the letters stay words in the normalized form
        // The run's characters are adjacent in `raw`: joined, they are one word.
        const qsizetype end = raws[runEnd[i] - 1].begin + raws[runEnd[i] - 1].length;
        Token t = makeToken(a, rawView.sliced(raws[i].begin, end - raws[i].begin));
        t.spelled = true;
        if (t.formCount > 0)
            a.joined.append(t);
        i = runEnd[i];
    }
    return a;
}

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
    const Analysis a = analyse(term);
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

bool tokenMatches(const Analysis &a, const Token &t, const TermWord &w)
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
void matchTerms(const ModerationRules::Data &d, const Analysis &a, const QList<Token> &tokens,
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
void matchSpelled(const ModerationRules::Data &d, const Analysis &a, Hits &ruleHit)
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

QString normalizeForModeration(const QString &text)
{
    return analyse(text).normal();
}

QString squashForModeration(const QString &text)
{
    QString normal = analyse(text).normal();
    normal.remove(u' ');
    return normal;
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
    const Analysis a = analyse(text);

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
