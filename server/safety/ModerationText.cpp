#include "server/safety/ModerationText.h"

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
// Word and phrase rules match whole words of these lists (ModerationMatcher.cpp says how and
// why), and pattern rules run over the plain form or the normalized one.

#include <QChar>
#include <QVarLengthArray>

namespace fp {

namespace {

using Form = ModerationText::Form;
using Token = ModerationText::Token;
constexpr char kStretched = ModerationText::kStretched;

constexpr qsizetype kMinSpelledRun = 3; // "k i l l": at least this many single characters
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

Form appendForm(ModerationText &a, QStringView letters)
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

Token makeToken(ModerationText &a, std::u16string &scratch, QStringView raw)
{
    Token t;
    deLeet(raw, scratch);
    const std::u16string &letters = scratch;
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

} // namespace

ModerationText ModerationText::analyse(const QString &text)
{
    ModerationText a;
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
    std::u16string scratch;
    scratch.reserve(64);
    a.words.reserve(count);
    const QStringView rawView(raw);
    auto appendWord = [&](Span span, bool inRun) {
        const Token t = makeToken(a, scratch, rawView.sliced(span.begin, span.length));
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
            const Token expanded = makeToken(a, scratch, word);
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
        Token t = makeToken(a, scratch, rawView.sliced(raws[i].begin, end - raws[i].begin));
        t.spelled = true;
        if (t.formCount > 0)
            a.joined.append(t);
        i = runEnd[i];
    }
    return a;
}

QString ModerationText::normal() const
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

QString normalizeForModeration(const QString &text)
{
    return ModerationText::analyse(text).normal();
}

QString squashForModeration(const QString &text)
{
    QString normal = ModerationText::analyse(text).normal();
    normal.remove(u' ');
    return normal;
}

} // namespace fp
