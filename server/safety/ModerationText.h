#pragma once

// How moderation reads a chat message: accents, case, lookalikes, leetspeak, stretched letters
// and chat spellings folded into whole words for the rules (why each fold: top of the .cpp).

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringView>
#include <array>
#include <string>

namespace fp {

/// The text the word and phrase rules see: accents, case, lookalike letters, leetspeak,
/// stretched letters and chat spellings folded; punctuation gone; single spaces between words.
/// "Kíll  Y0U!!!" → "kill you". Exposed for tests and for explaining a verdict.
QString normalizeForModeration(const QString &text);
/// normalizeForModeration() without the spaces: "k i l l  y o u" → "killyou".
QString squashForModeration(const QString &text);

/// One message read for moderation, once, in the forms the matcher needs: `plain` for the
/// pattern rules, `words` for the word and phrase rules, and `joined` for spelled-out words.
struct ModerationText
{
    /// A run length in `runs`: the run was 3+ equal letters long in the message, so it matches
    /// a term's single or double letter, where an ordinary run must match exactly.
    static constexpr char kStretched = 3;

    // A stretch of one of the buffers below. Words live back to back in shared buffers rather
    // than in a string each: a message has hundreds of words and allocation would dominate.
    struct Span
    {
        qsizetype begin = 0;
        qsizetype length = 0;
    };

    // One way of reading a word.
    struct Form
    {
        Span text; // in texts: runs of 3+ equal letters cut to 2
        Span key; // in keys: every run cut to 1; the same span of runs holds each run's
                  // length: 1, 2 or kStretched
    };

    struct Token
    {
        std::array<Form, 2> forms; // [0] the primary reading, [1] with every '1' and '|' as l
        int formCount = 0;
        bool spelled = false; // joined from single characters ("k i l l")
    };

    static ModerationText analyse(const QString &text);

    /// Folded (NFKD, no marks, case folded, lookalikes, ASCII digits) with punctuation and
    /// spacing kept: the phone, email and link patterns need them.
    QString plain;
    // Standard strings rather than QString for the buffers: their push_back is inline, and this
    // is the per-character path of every chat message.
    std::u16string texts;
    std::u16string keys;
    std::string runs;
    QList<Token> words;
    /// `words` with spelled-out runs joined into one token; empty when there are none.
    QList<Token> joined;

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
    /// The primary reading of every word, one space apart: normalizeForModeration().
    QString normal() const;
};

} // namespace fp
