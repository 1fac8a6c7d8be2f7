#pragma once

// Rule-based moderation of chat messages (backend-proposal.md §7, docs/moderation.md): word,
// phrase and pattern rules from resources/moderation/rules.json, plus the receiver's off-limits
// topics from the catalog. Pure logic: load once at start; check() is const and thread-safe, so
// every worker shares one instance. How text is normalised, and why, is at the top of
// ModerationText.cpp; how it meets the rules, at the top of ModerationMatcher.cpp.

#include "common/Result.h"
#include "server/safety/ModerationMatcher.h"
#include "server/safety/ModerationText.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <memory>

namespace fp {

class ModerationRules
{
public:
    /// Parses and validates rules.json. Anything wrong (bad JSON, unknown action or kind, a
    /// regex that does not compile, an unknown key) is an error naming the rule, so a broken
    /// file stops the server at start instead of quietly disabling moderation.
    static Result<ModerationRules> fromJson(const QByteArray &rulesJson);
    /// Reads both files (":/resources/moderation/rules.json", ":/resources/catalog/catalog.json"
    /// in the server) and loads them with fromJson() and loadTopicKeywords().
    static Result<ModerationRules> fromFiles(const QString &rulesPath, const QString &catalogPath);

    /// Takes the off-limits topics and their keywords from catalog.json ("topics" and
    /// "topic_keywords"), replacing any loaded before. Every topic needs at least one keyword.
    /// On error nothing changes.
    Status loadTopicKeywords(const QByteArray &catalogJson);

    /// Judges one message for one receiver. Block beats Flag beats Allow. A message about one of
    /// `receiverOffLimitsTopics` (catalog topic keys; unknown keys are ignored) is at least
    /// flagged "off_limits:<key>" for that receiver, never blocked for that reason alone.
    ModerationVerdict check(const QString &text, const QStringList &receiverOffLimitsTopics) const;

    QStringList ruleIds() const;
    QStringList topicKeys() const;

    struct Data;

private:
    explicit ModerationRules(std::shared_ptr<const Data> data);
    std::shared_ptr<const Data> d;
};

} // namespace fp
