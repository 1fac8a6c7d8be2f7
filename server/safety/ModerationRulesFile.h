#pragma once

// Loads resources/moderation/rules.json and the catalog's off-limits topics into the rule set the
// matcher indexes, refusing a broken file with an error that names the rule (details.rule_id).

#include "common/Result.h"
#include "server/safety/ModerationMatcher.h"

#include <QByteArray>
#include <QString>

namespace fp::ModerationRulesFile {

/// The whole file, or an error saying it cannot be read.
Result<QByteArray> read(const QString &path);

/// The rules of rules.json, their terms read into words, with no topics. Refuses bad JSON,
/// unknown keys, actions, kinds and forms, regexes that do not compile, terms without letters
/// and a term whose word count does not fit its rule's kind.
Result<ModerationRuleSet> parseRules(const QByteArray &rulesJson);

/// `ruleSet` with its topics and topic keywords replaced by the catalog's ("topics" and
/// "topic_keywords"). Every topic needs at least one keyword.
Result<ModerationRuleSet> withTopics(const ModerationRuleSet &ruleSet,
                                     const QByteArray &catalogJson);

} // namespace fp::ModerationRulesFile
