#include "server/conversation/ConversationValidation.h"

#include "server/base/Validation.h"
#include "server/safety/ReportPolicy.h"

namespace fp::ConversationValidation {

Result<SendInput> parseSend(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"text", "client_msg_id"}, problems);
    if (!fields.isObject())
        return problems.error();
    SendInput input;
    if (!fields.value("text").isString())
        fields.problem("text", QStringLiteral("is required (a string)"));
    if (!fields.value("client_msg_id").isString())
        fields.problem("client_msg_id", QStringLiteral("is required (a string)"));
    if (!problems.empty())
        return problems.error();
    input.text = fields.value("text").toString();
    input.clientMsgId = fields.value("client_msg_id").toString();
    return input;
}

Result<DecisionInput> parseDecision(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"gate_minute", "decision"}, problems);
    if (!problems.empty())
        return problems.error();
    const QJsonValue minute = fields.value("gate_minute");
    const bool integer = minute.isDouble() && minute.toDouble() == double(minute.toInt());
    // Their values are the service's to judge (ConversationRules::decisionProblems), for a
    // gate.decide frame as for this body: 0 is no gate.
    return DecisionInput {integer ? minute.toInt() : 0, fields.value("decision").toString()};
}

Status parseConsent(const QJsonValue &body)
{
    Problems problems;
    ObjectReader fields(body, {"consent"}, problems);
    if (!problems.empty())
        return problems.error();
    if (fields.value("consent") != QJsonValue(true))
        return AppError::validation({{QStringLiteral("consent"), QStringLiteral("must be true")}});
    return Ok {};
}

Result<PanicExitInput> parsePanicExit(const QJsonValue &body, const Catalog &catalog)
{
    if (body.isUndefined() || body.isNull())
        return PanicExitInput {};
    Problems problems;
    ObjectReader fields(body, {"reason_code", "details_text"}, problems);
    PanicExitInput input;
    input.reasonCode =
        ReportPolicy::readReason(fields, catalog, Presence::Optional).value_or(QString());
    input.detailsText = ReportPolicy::readDetails(fields).value_or(QString());
    if (!problems.empty())
        return problems.error();
    return input;
}

} // namespace fp::ConversationValidation
