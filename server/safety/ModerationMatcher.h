#pragma once

// The moderation rule set indexed for matching, and the verdict it gives one message: a message
// costs the same however many terms the rules expand to (how terms match, and why: the .cpp).

#include "server/safety/ModerationText.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QVarLengthArray>

namespace fp {

struct ModerationVerdict
{
    /// Ordered by severity: a larger value wins.
    enum Action { Allow, Flag, Block };

    Action action = Allow;
    /// The label to store and send as `moderation_label`: the first label of the most severe
    /// matching rule, else "off_limits:<topic_key>", else empty.
    QString label;
    /// Every distinct label that matched, most severe first (e.g. a blocked threat that also
    /// mentions self-harm: {"threat", "self_harm"}), then the off-limits ones.
    QStringList labels;
    /// Ids of the matching rules, block rules first, each group in file order.
    QStringList matchedRuleIds;
    /// `contains_sensitive`: true whenever the action is not Allow.
    bool containsSensitive = false;
    /// The message touches one of the receiver's off-limits topics.
    bool offLimitsTopic = false;
    /// The first such topic, in catalog order.
    QString offLimitsTopicKey;

    bool delivered() const { return action != Block; }
    static QString actionName(Action action); // "allow", "flag", "block"
};

/// One rule of rules.json, as matching needs it.
struct ModerationRule
{
    enum class Kind { Word, Phrase, Pattern };
    /// What a pattern reads: the plain form keeps punctuation for phone numbers, emails and
    /// links; the normalized form is what the word and phrase rules see.
    enum class Subject { Plain, Normalized };

    QString id;
    QString label;
    ModerationVerdict::Action action = ModerationVerdict::Flag;
    Kind kind = Kind::Word;
    Subject subject = Subject::Plain;
    QList<QRegularExpression> patterns; // compiled; pattern rules only
};

/// One word of a term, compared with a message's word by its key (every run of equal letters
/// cut to one) and its runs (1 or 2 per key character).
struct ModerationTermWord
{
    QString key;
    QByteArray runs;
};

/// A term or "except" phrase of a word or phrase rule, or a keyword of an off-limits topic.
struct ModerationTerm
{
    int owner = 0; // a rule index, or a topic index when `topic`
    bool topic = false;
    bool exception = false;
    QList<ModerationTermWord> words; // never empty
};

/// What rules.json and the catalog load into (ModerationRulesFile) and the matcher indexes.
struct ModerationRuleSet
{
    QList<ModerationRule> rules; // file order
    QList<ModerationTerm> terms; // rule terms, their exceptions, topic keywords
    QStringList topics; // catalog order
};

/// A term read the way a message is ("Kiiill  Y0U" → kil+you), so the two compare; empty when
/// it has no letters or digits.
QList<ModerationTermWord> moderationTermWords(const QString &term);

class ModerationMatcher
{
public:
    explicit ModerationMatcher(ModerationRuleSet ruleSet);

    const ModerationRuleSet &ruleSet() const { return m_ruleSet; }

    /// Judges one message for one receiver. Block beats Flag beats Allow. A message about one of
    /// `receiverOffLimitsTopics` (unknown keys are ignored) is at least flagged
    /// "off_limits:<key>", never blocked for that reason alone.
    ModerationVerdict check(const QString &text, const QStringList &receiverOffLimitsTopics) const;

private:
    struct SquashEntry
    {
        QString key;
        QByteArray runs;
        int rule = 0;
        bool phrase = false; // phrase terms may be found inside a word; word terms only in
                             // spellings
    };
    using Hits = QVarLengthArray<bool, 64>;

    void matchTerms(const ModerationText &a, const QList<ModerationText::Token> &tokens,
                    const Hits &topicWanted, Hits &ruleHit, Hits &topicHit) const;
    void matchSquashed(QStringView key, QByteArrayView runs, qsizetype regionBegin,
                       qsizetype regionEnd, bool wordTermsToo, Hits &ruleHit) const;
    void matchSpelled(const ModerationText &a, Hits &ruleHit) const;

    ModerationRuleSet m_ruleSet;
    QHash<QString, int> m_topicIndex;
    QHash<size_t, QList<int>> m_termsByFirstKey; // keyHash of the first word → terms
    QList<SquashEntry> m_squash;
    QHash<quint64, QList<int>> m_squashByTrigram;
    qsizetype m_maxSquashWords = 1;
    bool m_anyNormalizedPattern = false;
};

} // namespace fp
