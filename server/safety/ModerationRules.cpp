#include "server/safety/ModerationRules.h"

#include "server/safety/ModerationRulesFile.h"

#include <utility>

namespace fp {

// Shared by every copy and never changed: loading topics builds a new one, so the copy it was
// loaded into changes alone and a failed load leaves the old one in force.
struct ModerationRules::Data
{
    ModerationMatcher matcher;
};

ModerationRules::ModerationRules(std::shared_ptr<const Data> data) : d(std::move(data)) { }

Result<ModerationRules> ModerationRules::fromJson(const QByteArray &rulesJson)
{
    Result<ModerationRuleSet> ruleSet = ModerationRulesFile::parseRules(rulesJson);
    if (!ruleSet)
        return ruleSet.error();
    return ModerationRules(
        std::make_shared<const Data>(Data {ModerationMatcher(std::move(ruleSet).value())}));
}

Result<ModerationRules> ModerationRules::fromFiles(const QString &rulesPath,
                                                   const QString &catalogPath)
{
    const Result<QByteArray> rulesJson = ModerationRulesFile::read(rulesPath);
    if (!rulesJson)
        return rulesJson.error();
    const Result<QByteArray> catalogJson = ModerationRulesFile::read(catalogPath);
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
    Result<ModerationRuleSet> ruleSet =
        ModerationRulesFile::withTopics(d->matcher.ruleSet(), catalogJson);
    if (!ruleSet)
        return ruleSet.error();
    d = std::make_shared<const Data>(Data {ModerationMatcher(std::move(ruleSet).value())});
    return Ok {};
}

ModerationVerdict ModerationRules::check(const QString &text,
                                         const QStringList &receiverOffLimitsTopics) const
{
    return d->matcher.check(text, receiverOffLimitsTopics);
}

QStringList ModerationRules::ruleIds() const
{
    QStringList ids;
    for (const ModerationRule &r : d->matcher.ruleSet().rules)
        ids.append(r.id);
    return ids;
}

QStringList ModerationRules::topicKeys() const
{
    return d->matcher.ruleSet().topics;
}

} // namespace fp
